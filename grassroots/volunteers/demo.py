"""The volunteers' part of the demo campaign (registered in ``core.registry.demo_seeders``).

In both demo areas (158 - Bhabanipur, ``IN-WB-AC158``, and California's 12th district,
``US-CA-CD12``): ~300 volunteers (at scale 1) with skills, languages and availability, nested
teams with leaders (a constituency team → booth committees; a district team → precinct
captains), tasks on the board (some done), a month of hours (mostly approved, some waiting),
so the leaderboards have a shape; the demo ``volunteer`` login is linked to a volunteer in part
1 who leads its booth committee; and a few staff records. Rows are written in bulk; the seeder
skips when demo volunteers exist."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from grassroots.people.models import Person
from grassroots.volunteers.models import (
    HoursEntry,
    Skill,
    StaffRecord,
    Task,
    TaskAssignment,
    Team,
    VolunteerProfile,
    slot_choices,
)

if TYPE_CHECKING:
    from grassroots.core.registry import DemoRun

SOURCE = "demo"
AREAS = [  # (area code, share of volunteers, team name, sub-team word, languages)
    ("IN-WB-AC158", 0.67, "Bhabanipur volunteers", "Booth committee", ["lang-bn", "lang-hi"]),
    ("US-CA-CD12", 0.33, "CA-12 volunteers", "Precinct captains", ["lang-en", "lang-es"]),
]
TASKS = [
    ("Deliver leaflets on your street", ["canvassing"]),
    ("Call lapsed supporters", ["phone-banking"]),
    ("Text reminder for Saturday's canvass", ["texting"]),
    ("Enter last week's canvass sheets", ["data-entry"]),
    ("Drive elderly voters to the meeting", ["driving"]),
    ("Photograph the rally", ["photography"]),
    ("Post the event on social media", ["social-media"]),
    ("Host a house meeting", ["event-hosting"]),
    ("Booth agent training", ["booth-agent"]),
    ("Design a flyer for the town hall", ["design"]),
]


def seed(run: DemoRun) -> dict[str, int]:
    if VolunteerProfile.objects.filter(source=SOURCE).exists():
        return {}
    rng = random.Random(run.seed + 15)
    skills = {s.code: s for s in Skill.objects.all()}
    if not skills:
        return {}
    total = max(30, round(300 * min(run.scale, 1.0)))
    today = timezone.localdate()
    now = timezone.now()
    made = {"volunteers": 0, "volunteer_teams": 0, "volunteer_tasks": 0, "volunteer_hours": 0}
    slots = slot_choices()
    work_skills = [c for c, s in skills.items() if s.kind == "skill"]
    for code, share, team_name, sub_word, languages in AREAS:
        area = run.areas.get(code)
        if area is None:
            continue
        want = round(total * share)
        ids = list(
            Person.objects.filter(area__path__startswith=area.path)
            .order_by("id")
            .values_list("id", "area_id")[: want * 20]
        )
        if not ids:
            continue
        chosen = rng.sample(ids, min(want, len(ids)))
        volunteer_user = run.users.get("volunteer") if code == "IN-WB-AC158" else None
        if volunteer_user is not None:  # the demo volunteer login gets a profile in part 1
            p1 = run.areas.get("IN-WB-AC158-P001")
            mine = (
                Person.objects.filter(area=p1).exclude(id__in=[c[0] for c in chosen]).first()
                if p1 is not None else None
            )  # fmt: skip
            if mine is not None:
                chosen.insert(0, (mine.pk, mine.area_id))
        profiles = VolunteerProfile.objects.bulk_create([
            VolunteerProfile(
                person_id=pid,
                status=rng.choices(["active", "prospect", "inactive"], [75, 15, 10])[0],
                availability=sorted(rng.sample(slots, rng.randint(2, 8)), key=slots.index),
                interests=rng.choice(["", "Youth outreach", "Women's safety", "Education",
                                      "Healthcare", "Local roads"]),
                source=SOURCE,
                created_at=now - dt.timedelta(days=rng.randint(5, 300)),
            )
            for pid, _area in chosen
        ])  # fmt: skip
        made["volunteers"] += len(profiles)
        through = VolunteerProfile.skills.through
        links = []
        for p in profiles:
            codes = set(rng.sample(work_skills, rng.randint(1, 3))) | {rng.choice(languages)}
            links += [through(volunteerprofile_id=p.pk, skill_id=skills[c].pk) for c in codes]
        through.objects.bulk_create(links)
        if volunteer_user is not None and profiles:
            VolunteerProfile.objects.filter(pk=profiles[0].pk).update(
                user=volunteer_user, status="active"
            )
            profiles[0].status = "active"
        # teams: one for the area, a sub-team per child area (up to 6), leaders from members
        root = Team.objects.create(name=team_name, area=area)
        root.path = f"{root.pk}/"
        root.save(update_fields=["path"])
        root.leaders.set([Person.objects.get(pk=profiles[-1].person_id)])
        area_of = dict(chosen)
        member_links = [VolunteerProfile.teams.through(volunteerprofile_id=p.pk, team_id=root.pk)
                        for p in profiles]  # fmt: skip
        made["volunteer_teams"] += 1
        for child in area.children.order_by("path")[:6]:
            inside = _people_in(child, area_of)
            members = [p for p in profiles if p.person_id in inside]
            if not members:
                continue
            team = Team.objects.create(name=f"{sub_word} — {child.name}", parent=root,
                                       area=child, path="")  # fmt: skip
            team.path = f"{root.path}{team.pk}/"
            team.save(update_fields=["path"])
            team.leaders.set([Person.objects.get(pk=members[0].person_id)])
            member_links += [
                VolunteerProfile.teams.through(volunteerprofile_id=p.pk, team_id=team.pk)
                for p in members
            ]
            made["volunteer_teams"] += 1
        VolunteerProfile.teams.through.objects.bulk_create(member_links)
        # tasks, assigned to active volunteers with the skill; about half done
        active = [p for p in profiles if p.status == "active"]
        skill_of = {}
        for link in links:
            skill_of.setdefault(link.volunteerprofile_id, set()).add(link.skill_id)
        for i, (title, needed) in enumerate(TASKS * 2):
            task = Task.objects.create(
                title=title, instructions="See the organiser's notes in the team group.",
                due_date=today + dt.timedelta(days=rng.randint(-10, 20)), area=area,
                slots=rng.randint(1, 4),
            )  # fmt: skip
            task.skills.set([skills[c] for c in needed])
            fit = [p for p in active if skills[needed[0]].pk in skill_of.get(p.pk, set())]
            assignees = rng.sample(fit, min(len(fit), task.slots)) if i % 3 else []
            done = i % 2 == 0
            TaskAssignment.objects.bulk_create([
                TaskAssignment(task=task, volunteer=p, status="done" if done else "assigned",
                               completed_at=now - dt.timedelta(days=rng.randint(0, 9))
                               if done else None)
                for p in assignees
            ])  # fmt: skip
            if done and assignees and len(assignees) == task.slots:
                Task.objects.filter(pk=task.pk).update(status="done")
            made["volunteer_tasks"] += 1
        if volunteer_user is not None and profiles:
            task = Task.objects.create(
                title="Door-to-door in part 1, lane 3", area=run.areas.get("IN-WB-AC158-P001"),
                instructions="Take 40 leaflets; note who wants a visit from the candidate.",
                due_date=today + dt.timedelta(days=2),
            )  # fmt: skip
            task.skills.set([skills["canvassing"]])
            TaskAssignment.objects.create(task=task, volunteer=profiles[0])
            made["volunteer_tasks"] += 1
        # a month of hours, most approved (a few waiting), for the leaderboards
        entries = []
        for p in active:
            for _n in range(rng.randint(0, 6)):
                day = today - dt.timedelta(days=rng.randint(0, 30))
                approved = rng.random() < 0.85
                entries.append(HoursEntry(
                    volunteer=p, date=day, hours=Decimal(rng.choice([1, 1.5, 2, 3, 4])),
                    description=rng.choice(["Canvassing", "Phone bank", "Office help",
                                            "Leafleting", "Data entry"]),
                    status="approved" if approved else "pending",
                    decided_at=timezone.make_aware(dt.datetime.combine(day, dt.time(20)))
                    if approved else None,
                ))  # fmt: skip
        HoursEntry.objects.bulk_create(entries)
        made["volunteer_hours"] += len(entries)
    # staff records: a few people with roles, the manager above them
    staff = list(VolunteerProfile.objects.filter(source=SOURCE, status="active")
                 .values_list("person_id", flat=True)[:4])  # fmt: skip
    titles = ["Campaign manager", "Field director", "Data officer", "Volunteer coordinator"]
    for i, pid in enumerate(staff):
        StaffRecord.objects.create(
            person_id=pid, role_title=titles[i], start_date=today - dt.timedelta(days=120 - i),
            pay_type="salaried" if i < 2 else "stipend", manager_id=staff[0] if i else None,
        )  # fmt: skip
    made["staff_records"] = len(staff)
    run.progress.log(f"Volunteers: {made['volunteers']} with teams, tasks and hours.")
    return made


def _people_in(child, area_of: dict[int, int]) -> set[int]:
    inside = set(
        child.__class__.objects.filter(path__startswith=child.path).values_list("id", flat=True)
    )
    return {pid for pid, aid in area_of.items() if aid in inside}
