"""The Volunteers section: volunteers, a task board with suggestions, "My tasks" for the phone,
hours to approve, teams, leaderboards, staff records, and the public sign-up form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from grassroots.accounts import throttle
from grassroots.accounts.models import Role
from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.core import access, ratelimit
from grassroots.geography.models import Area
from grassroots.people.models import Person
from grassroots.volunteers import forms, selectors, services
from grassroots.volunteers.models import (
    HoursEntry,
    OnboardingStep,
    StaffDocument,
    StaffRecord,
    Task,
    TaskAssignment,
    Team,
    VolunteerProfile,
)

PAGE_SIZE = 50


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errs in exc.message_dict.items():
            if name not in form.fields and f"{name}_id" in form.fields:
                name = f"{name}_id"  # the service's "manager" is the form's person picker
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def _get(model, actor, pk):
    return access.get_visible(model, actor, pk=pk)


# --- volunteers --------------------------------------------------------------------------------


class VolunteerListView(CapabilityRequiredMixin, View):
    capability = "volunteers.view"

    def get(self, request):
        q = request.GET.get("q", "").strip()[:100]
        status = request.GET.get("status", "")
        skill = request.GET.get("skill", "")[:50]
        qs = selectors.volunteer_list(actor=request.user, q=q, status=status, skill=skill)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "volunteers/volunteer_list.html", {
            "page": page, "q": q, "status": status, "skill": skill,
            "statuses": VolunteerProfile.Status.choices,
            "skills": forms.Skill.objects.order_by("kind", "name"),
            "querystring": f"q={q}&status={status}&skill={skill}",
        })  # fmt: skip


class ProfileCreateView(CapabilityRequiredMixin, View):
    """POST from a person's page: make them a volunteer."""

    capability = "volunteers.manage"

    def post(self, request, person_pk):
        person = _get(Person, request.user, person_pk)
        try:
            profile = services.profile_create(actor=request.user, person=person)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("people:person_detail", person.pk)
        messages.success(request, _("%(name)s is now a volunteer.") % {"name": person})
        return redirect("volunteers:volunteer_detail", profile.pk)


class VolunteerDetailView(CapabilityRequiredMixin, View):
    capability = "volunteers.view"

    def _context(self, request, profile, form=None, invite_error=""):
        actor = request.user
        teams = selectors.team_list(actor=actor)
        if form is None:
            form = forms.ProfileForm(teams=teams, actor=actor, initial={
                "status": profile.status, "skills": list(profile.skills.all()),
                "availability": profile.availability, "teams": list(profile.teams.all()),
                "interests": profile.interests, "emergency_name": profile.emergency_name,
                "emergency_phone": profile.emergency_phone,
                "recruited_by_id": profile.recruited_by_id,
            })  # fmt: skip
        return {
            "profile": profile,
            "form": form,
            "can_manage": access.can(actor, "volunteers.manage"),
            "can_invite": access.can(actor, "accounts.manage") and not profile.user_id,
            "roles": Role.objects.order_by("name"),
            "onboarding": selectors.onboarding_for(profile),
            "assignments": profile.assignments.select_related("task").order_by("-id")[:20],
            "hours": profile.hours.order_by("-date", "-id")[:20],
            "invite_error": invite_error,
        }

    def get(self, request, pk):
        profile = _get(VolunteerProfile.objects.select_related("person", "user"), request.user, pk)
        return render(request, "volunteers/volunteer_detail.html", self._context(request, profile))

    def post(self, request, pk):
        profile = _get(VolunteerProfile.objects.select_related("person"), request.user, pk)
        form = forms.ProfileForm(
            request.POST, teams=selectors.team_list(actor=request.user), actor=request.user
        )
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["recruited_by"] = data.pop("recruited_by_id")
            try:
                services.profile_update(actor=request.user, profile=profile, data=data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("volunteers:volunteer_detail", profile.pk)
        return render(
            request, "volunteers/volunteer_detail.html", self._context(request, profile, form),
            status=400,
        )  # fmt: skip


class OnboardingView(CapabilityRequiredMixin, View):
    capability = "volunteers.manage"

    def post(self, request, pk):
        profile = _get(VolunteerProfile, request.user, pk)
        step = OnboardingStep.objects.filter(pk=request.POST.get("step") or 0).first()
        if step is None:
            raise Http404
        services.onboarding_step_set(
            actor=request.user, profile=profile, step=step, done=request.POST.get("done") == "1"
        )
        return redirect("volunteers:volunteer_detail", profile.pk)


class InviteView(CapabilityRequiredMixin, View):
    """A login for the volunteer with a role and a scope (their area) in one step."""

    capability = "volunteers.manage"

    def post(self, request, pk):
        profile = _get(VolunteerProfile.objects.select_related("person"), request.user, pk)
        role = Role.objects.filter(pk=request.POST.get("role") or 0).first()
        view = VolunteerDetailView()
        try:
            if role is None:
                raise ValidationError(_("Choose a role."))
            user = services.volunteer_invite(
                actor=request.user, profile=profile, username=request.POST.get("username", ""),
                email=request.POST.get("email", ""), role=role,
            )  # fmt: skip
        except ValidationError as exc:
            return render(
                request, "volunteers/volunteer_detail.html",
                view._context(request, profile, invite_error=" ".join(exc.messages)), status=400,
            )  # fmt: skip
        messages.success(request, _(
            "Login “%(u)s” made. Ask them to set a password with “Forgot your password?” on "
            "the sign-in page."
        ) % {"u": user.username})  # fmt: skip
        return redirect("volunteers:volunteer_detail", profile.pk)


# --- tasks -------------------------------------------------------------------------------------


class TaskBoardView(CapabilityRequiredMixin, View):
    capability = "volunteers.view"

    def get(self, request, form=None, status=200):
        tasks = list(selectors.task_list(actor=request.user).order_by("due_date", "-id")[:300])
        columns = [
            (value, label, [t for t in tasks if t.status == value])
            for value, label in Task.Status.choices
        ]
        return render(request, "volunteers/task_board.html", {
            "columns": columns, "form": form or forms.TaskForm(),
            "can_manage": access.can(request.user, "volunteers.manage"),
        }, status=status)  # fmt: skip

    def post(self, request):
        access.require(request.user, "volunteers.manage")
        form = forms.TaskForm(request.POST)
        if form.is_valid():
            try:
                task = services.task_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                return redirect("volunteers:task_detail", task.pk)
        return self.get(request, form=form, status=400)


class TaskDetailView(CapabilityRequiredMixin, View):
    capability = "volunteers.view"

    def get(self, request, pk):
        task = _get(Task.objects.select_related("area"), request.user, pk)
        can_manage = access.can(request.user, "volunteers.manage")
        return render(request, "volunteers/task_detail.html", {
            "task": task,
            "assignments": task.assignments.select_related("volunteer__person"),
            "suggestions": selectors.task_suggestions(actor=request.user, task=task, limit=10)
            if can_manage and task.status == Task.Status.OPEN else [],
            "can_manage": can_manage,
        })  # fmt: skip


class TaskAssignView(CapabilityRequiredMixin, View):
    capability = "volunteers.manage"

    def post(self, request, pk):
        task = _get(Task, request.user, pk)
        try:
            if request.POST.get("best"):
                try:
                    n = int(request.POST.get("n") or 0)
                except ValueError:
                    n = 0
                made = services.task_assign_best(actor=request.user, task=task, n=n)
            else:
                ids = [i for i in request.POST.getlist("volunteer") if i.isdigit()][:100]
                profiles = [_get(VolunteerProfile, request.user, i) for i in ids]
                made = services.task_assign(actor=request.user, task=task, profiles=profiles)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(n)s assigned.") % {"n": len(made)})
        return redirect("volunteers:task_detail", task.pk)


class MyTasksView(CapabilityRequiredMixin, View):
    """A volunteer's own tasks, hours and rank — made for a phone; a team leader also sees
    their teams' tasks."""

    capability = "volunteers.self"

    def get(self, request, hours_form=None, status=200):
        actor = request.user
        profile = selectors.my_profile(actor)
        return render(request, "volunteers/my_tasks.html", {
            "profile": profile,
            "assignments": selectors.my_assignments(actor) if profile else [],
            "team_assignments": selectors.team_assignments(actor)[:50] if profile else [],
            "hours": profile.hours.order_by("-date", "-id")[:10] if profile else [],
            "rank": selectors.my_rank(actor) if profile else None,
            "week_rank": selectors.my_rank(actor, "week") if profile else None,
            "hours_form": hours_form or forms.HoursForm(initial={"date": timezone.localdate()}),
        }, status=status)  # fmt: skip


class AssignmentCompleteView(CapabilityRequiredMixin, View):
    capability = "volunteers.self"

    def post(self, request, pk):
        assignment = _get(TaskAssignment.objects.select_related("volunteer", "task"),
                          request.user, pk)  # fmt: skip
        try:
            services.assignment_complete(
                actor=request.user, assignment=assignment, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Done — thank you!"))
        nxt = request.POST.get("next", "")
        if nxt == "task":
            return redirect("volunteers:task_detail", assignment.task_id)
        return redirect("volunteers:my_tasks")


# --- hours -------------------------------------------------------------------------------------


class HoursLogView(CapabilityRequiredMixin, View):
    """Log hours: one's own (from "My tasks"), or a volunteer's (``?volunteer=``)."""

    capability = "volunteers.self"

    def post(self, request):
        actor = request.user
        vid = request.POST.get("volunteer", "")
        profile = (
            _get(VolunteerProfile, actor, vid) if vid.isdigit() else selectors.my_profile(actor)
        )
        if profile is None:
            raise Http404
        form = forms.HoursForm(request.POST)
        if form.is_valid():
            try:
                services.hours_log(actor=actor, profile=profile, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Hours logged; an organiser will approve them."))
                if vid:
                    return redirect("volunteers:volunteer_detail", profile.pk)
                return redirect("volunteers:my_tasks")
        if vid:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            return redirect("volunteers:volunteer_detail", profile.pk)
        return MyTasksView().get(request, hours_form=form, status=400)


class HoursListView(CapabilityRequiredMixin, View):
    capability = "volunteers.view"

    def get(self, request):
        status = request.GET.get("status", "pending")
        qs = selectors.hours_list(actor=request.user, status=status)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "volunteers/hours_list.html", {
            "page": page, "status": status, "statuses": HoursEntry.Status.choices,
            "querystring": f"status={status}",
            "can_manage": access.can(request.user, "volunteers.manage"),
        })  # fmt: skip


class HoursDecideView(CapabilityRequiredMixin, View):
    capability = "volunteers.manage"

    def post(self, request, pk):
        entry = _get(HoursEntry, request.user, pk)
        try:
            services.hours_decide(
                actor=request.user, entry=entry, approve=request.POST.get("approve") == "1"
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("Not allowed."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(reverse("volunteers:hours_list") + "?status=pending")


# --- teams, leaderboards -----------------------------------------------------------------------


class TeamListView(CapabilityRequiredMixin, View):
    capability = "volunteers.view"

    def get(self, request, form=None, status=200, leaders_form=None, leaders_team=None):
        teams = selectors.team_list(actor=request.user)
        can_manage = access.can(request.user, "volunteers.manage")
        if can_manage:
            for t in teams:  # each team's leaders, chosen with the person picker
                t.leaders_form = (
                    leaders_form
                    if leaders_team is not None and t.pk == leaders_team.pk
                    else forms.TeamLeadersForm(
                        actor=request.user,
                        initial={"leaders": list(t.leaders.all())},
                        auto_id=f"id_team{t.pk}_%s",
                    )
                )
        return render(request, "volunteers/team_list.html", {
            "teams": teams, "form": form or forms.TeamForm(teams=selectors.team_list(actor=request.user)),
            "can_manage": can_manage,
        }, status=status)  # fmt: skip

    def post(self, request):
        access.require(request.user, "volunteers.manage")
        form = forms.TeamForm(request.POST, teams=selectors.team_list(actor=request.user))
        if form.is_valid():
            try:
                services.team_create(
                    actor=request.user, name=form.cleaned_data["name"],
                    parent=form.cleaned_data["parent"],
                    area=form.cleaned_data["parent"].area if form.cleaned_data["parent"] else None,
                )  # fmt: skip
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                return redirect("volunteers:team_list")
        return self.get(request, form=form, status=400)


class TeamLeadersView(CapabilityRequiredMixin, View):
    """Set a team's leaders, chosen with the person picker among the people one may see."""

    capability = "volunteers.manage"

    def post(self, request, pk):
        team = _get(Team, request.user, pk)
        form = forms.TeamLeadersForm(request.POST, actor=request.user, auto_id=f"id_team{pk}_%s")
        if not form.is_valid():
            return TeamListView().get(request, leaders_form=form, leaders_team=team, status=400)
        services.team_leaders_set(
            actor=request.user, team=team, leaders=form.cleaned_data["leaders"]
        )
        messages.success(request, _("Leaders saved."))
        return redirect("volunteers:team_list")


class LeaderboardView(CapabilityRequiredMixin, View):
    capability = "volunteers.self"

    def get(self, request):
        period = "week" if request.GET.get("period") == "week" else "all"
        team = None
        tid = request.GET.get("team", "")
        if tid.isdigit():
            team = _get(Team, request.user, tid)
        area = None
        aid = request.GET.get("area", "")
        if aid.isdigit():
            area = _get(Area, request.user, aid)
        mine = selectors.my_profile(request.user)
        rows, me = selectors.leaderboard_page(
            actor=request.user, period=period, team=team, area=area, limit=50,
            profile_id=mine.pk if mine else None,
        )  # fmt: skip
        return render(request, "volunteers/leaderboard.html", {
            "rows": rows, "me": me, "period": period, "team": team, "area": area,
            "areas": selectors.leaderboard_areas(actor=request.user),
        })  # fmt: skip


# --- staff -------------------------------------------------------------------------------------


class StaffListView(CapabilityRequiredMixin, View):
    capability = "volunteers.staff"

    def get(self, request, form=None, status=200):
        return render(request, "volunteers/staff_list.html", {
            "records": selectors.staff_list(actor=request.user).prefetch_related("documents"),
            "form": form or forms.StaffForm(actor=request.user),
        }, status=status)  # fmt: skip

    def post(self, request):
        form = forms.StaffForm(request.POST, actor=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            person = data.pop("person_id")
            manager = data.pop("manager_id")
            try:
                services.staff_record_save(
                    actor=request.user, person=person, manager=manager, **data
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                return redirect("volunteers:staff_list")
        return self.get(request, form=form, status=400)


class StaffDocumentView(CapabilityRequiredMixin, View):
    capability = "volunteers.staff"

    def get(self, request, pk):
        doc = _get(StaffDocument, request.user, pk)
        return FileResponse(doc.file.open("rb"), as_attachment=True,
                            filename=doc.file.name.rsplit("/", 1)[-1])  # fmt: skip

    def post(self, request, pk):
        record = _get(StaffRecord, request.user, pk)
        try:
            services.staff_document_add(
                actor=request.user, record=record, title=request.POST.get("title", ""),
                file=request.FILES.get("file"),
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("volunteers:staff_list")


# --- the public sign-up ------------------------------------------------------------------------

RATE_IP = (5, 600)  # sign-ups per IP per 10 minutes
RATE_CONTACT = (3, 3600)  # per email or phone per hour


def consent_wording() -> dict[str, str]:
    return {
        "email": _("I agree to get emails from the campaign about volunteering."),
        "sms": _("I agree to get text messages from the campaign about volunteering."),
    }


class SignupView(View):
    """The public volunteer sign-up: no login, a honeypot and a rate limit."""

    def get(self, request):
        return render(request, "volunteers/signup.html", {
            "form": forms.SignupForm(), "wording": consent_wording(),
        })  # fmt: skip

    def post(self, request):
        form = forms.SignupForm(request.POST)
        wording = consent_wording()
        ctx = {"form": form, "wording": wording}
        if request.POST.get("website"):  # a bot filled the hidden field: thank it, keep nothing
            return render(request, "volunteers/signup_done.html", status=200)
        ip = throttle.client_ip(request)
        if not form.is_valid():
            return render(request, "volunteers/signup.html", ctx, status=400)
        data = form.cleaned_data
        contacts = [v.strip().lower() for v in (data["email"], data["phone"]) if v.strip()]
        if not ratelimit.allow(
            "volunteers.signup", ip=ip, per_ip=RATE_IP[0], window=RATE_IP[1], contacts=contacts,
            per_contact=RATE_CONTACT[0], contact_window=RATE_CONTACT[1],
        ):  # fmt: skip
            form.add_error(None, _("Too many sign-ups from here; please try again later."))
            return render(request, "volunteers/signup.html", ctx, status=429)
        consents = [(ch, wording[ch]) for ch in ("email", "sms") if data[f"consent_{ch}"]]
        try:
            services.volunteer_signup_public(
                given_name=data["given_name"], family_name=data["family_name"],
                email=data["email"], phone=data["phone"], skills=data["skills"],
                availability=data["availability"], interests=data["interests"],
                area=data["area"], consents=consents,
            )  # fmt: skip
        except ValidationError as exc:
            _form_errors(form, exc)
            return render(request, "volunteers/signup.html", ctx, status=400)
        return render(request, "volunteers/signup_done.html")


# --- editing and cancelling a task ---------------------------------------------------------


class TaskEditView(CapabilityRequiredMixin, View):
    capability = "volunteers.manage"

    def _render(self, request, task, form, status=200):
        return render(request, "volunteers/task_edit.html", {"task": task, "form": form},
                      status=status)  # fmt: skip

    def get(self, request, pk):
        task = _get(Task.objects.select_related("area"), request.user, pk)
        form = forms.TaskEditForm(actor=request.user, initial={
            "title": task.title, "instructions": task.instructions, "due_date": task.due_date,
            "area": task.area, "slots": task.slots, "skills": list(task.skills.all()),
        })  # fmt: skip
        return self._render(request, task, form)

    def post(self, request, pk):
        task = _get(Task.objects.select_related("area"), request.user, pk)
        form = forms.TaskEditForm(request.POST, actor=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if data["area"] is None:
                data.pop("area")  # a task keeps an area; an emptied picker changes nothing
            try:
                services.task_update(actor=request.user, task=task, **data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("volunteers:task_detail", task.pk)
        return self._render(request, task, form, status=400)


class TaskCancelView(CapabilityRequiredMixin, View):
    capability = "volunteers.manage"

    def post(self, request, pk):
        task = _get(Task, request.user, pk)
        try:
            services.task_cancel(actor=request.user, task=task)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Task cancelled."))
        return redirect("volunteers:task_detail", task.pk)


# --- editing and deleting a team -----------------------------------------------------------


class TeamEditView(CapabilityRequiredMixin, View):
    capability = "volunteers.manage"

    def _render(self, request, team, form, status=200):
        return render(request, "volunteers/team_edit.html", {
            "team": team, "form": form, "children": list(team.children.order_by("name")),
            "member_count": team.members.count(),
        }, status=status)  # fmt: skip

    def _form(self, request, team, data=None):
        teams = selectors.team_list(actor=request.user)
        initial = {"name": team.name, "parent": team.parent_id, "area": team.area}
        return forms.TeamEditForm(data, initial=None if data else initial, teams=teams,
                                  actor=request.user, team=team)  # fmt: skip

    def get(self, request, pk):
        team = _get(Team.objects.select_related("area", "parent"), request.user, pk)
        access.require_object(request.user, "volunteers.manage", team)
        return self._render(request, team, self._form(request, team))

    def post(self, request, pk):
        team = _get(Team.objects.select_related("area", "parent"), request.user, pk)
        form = self._form(request, team, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if data["area"] is None:
                data.pop("area")
            try:
                services.team_update(actor=request.user, team=team, **data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("volunteers:team_list")
        return self._render(request, team, form, status=400)


class TeamDeleteView(CapabilityRequiredMixin, View):
    capability = "volunteers.manage"

    def post(self, request, pk):
        team = _get(Team, request.user, pk)
        try:
            services.team_delete(actor=request.user, team=team)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("volunteers:team_edit", team.pk)
        messages.success(request, _("Team deleted; its members keep their volunteer profiles."))
        return redirect("volunteers:team_list")


# --- hours logged by an event's host, from the check-in screen ---------------------------------


class AttendeeHoursView(View):
    """``POST <check-in address>hours/<registration>/``: a host logs hours for someone signed up
    to their event (through their host link, or signed in on the staff check-in screen); the
    hours wait for an organiser's approval. Back to the check-in screen with a message."""

    def post(self, request, pk, public_id=None, host=None):
        from grassroots.events.checkin.selectors import event_for_checkin
        from grassroots.events.models import Registration
        from grassroots.events.proposals import hosting

        host_person_id = None
        actor = request.user
        if host is not None:
            event, host_person_id = hosting.event_and_host(host)
            actor = access.SYSTEM
            back = reverse("events:host", args=[host])
        else:
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not request.user.has_capability("events.manage"):
                raise PermissionDenied
            event = event_for_checkin(actor=request.user, public_id=public_id)
            back = reverse("events:checkin", args=[event.public_id])
        registration = (
            Registration.objects.filter(pk=pk, event=event)
            .select_related("person", "event")
            .first()
        )
        if registration is None:
            raise Http404
        form = forms.HoursForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            return redirect(back)
        try:
            services.hours_log_for_attendee(
                actor=actor, registration=registration, host_person_id=host_person_id,
                **form.cleaned_data,
            )  # fmt: skip
        except ValidationError as exc:  # Invalid, Conflict
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(hours)s hours logged for %(name)s; an organiser will approve them.")
                % {"hours": form.cleaned_data["hours"], "name": registration.person.full_name},
            )
        return redirect(back)
