"""factory_boy factories for volunteers, made through the services (as ``SYSTEM``).

``VolunteerFactory(area=part, skills=["canvassing"], status="active", user=u)`` makes a person
and their profile (``skills`` are skill codes from the seeded reference data, ``user`` links a
login); ``TaskFactory(area=part, skills=["canvassing"])``; ``TeamFactory(parent=t,
leaders=[person], members=[profile])``. ``build()`` is not supported."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from grassroots.core.access import SYSTEM
from grassroots.people.tests.factories import PersonFactory
from grassroots.volunteers import services
from grassroots.volunteers.models import PointRule, Skill, Task, Team, VolunteerProfile


def skills(codes):
    _reference_data()
    return list(Skill.objects.filter(code__in=list(codes or [])))


def _reference_data() -> None:
    """A browser test's flushed database has lost the migration's reference data: put it back."""
    if not (Skill.objects.exists() and PointRule.objects.exists()):
        services.reference_data_ensure()


class VolunteerFactory(DjangoModelFactory):
    class Meta:
        model = VolunteerProfile

    status = "active"

    @classmethod
    def _create(cls, model_class, *args, person=None, area=None, skills=(), user=None,
                given_name=None, **kwargs):  # fmt: skip
        if person is None:
            extra = {"given_name": given_name} if given_name else {}
            person = PersonFactory(area=area, **extra)
        profile = services.profile_create(
            actor=SYSTEM, person=person, skills=globals()["skills"](skills), **kwargs
        )
        if user is not None:
            profile.user = user
            profile.save(update_fields=["user"])
        return profile


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Task {n}")

    @classmethod
    def _create(cls, model_class, *args, actor=SYSTEM, skills=(), **kwargs):
        return services.task_create(actor=actor, skills=globals()["skills"](skills), **kwargs)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")

    @classmethod
    def _create(cls, model_class, *args, actor=SYSTEM, members=(), **kwargs):
        team = services.team_create(actor=actor, **kwargs)
        if members:
            services.team_members_add(actor=actor, team=team, profiles=members)
        return team
