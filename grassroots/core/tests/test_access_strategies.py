"""``core.access`` on core's own models and on stub strategies (the area strategy on real people
is tested in ``people/tests/test_access_scopes.py``): who sees which rows, 403 before 404, and
malformed or hidden ids answered like missing ones."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from grassroots.core import access, jobs
from grassroots.core.access import SYSTEM
from grassroots.core.exceptions import Forbidden, NotFound
from grassroots.core.models import AuditEvent, Job, OutboxEvent


@pytest.fixture
def two_jobs(users):
    return (
        jobs.job_create(kind="k", title="mine", actor=users["volunteer"]),
        jobs.job_create(kind="k", title="theirs", actor=users["organiser"]),
    )


def titles(actor, action=access.VIEW):
    return set(Job.objects.visible_to(actor, action).values_list("title", flat=True))


def test_by_owner_sees_own_rows_and_the_capability_holder_all(two_jobs, users):
    assert titles(users["volunteer"]) == {"mine"}
    assert titles(users["volunteer"], access.CHANGE) == {"mine"}
    assert titles(users["admin"]) == {"mine", "theirs"}  # accounts.manage
    assert titles(SYSTEM) == {"mine", "theirs"}
    assert titles(None) == titles(AnonymousUser()) == set()


def test_an_inactive_user_sees_nothing(two_jobs, users):
    v = users["volunteer"]
    v.is_active = False
    assert not access.is_user(v) and titles(v) == set()


def test_get_visible_answers_missing_hidden_and_malformed_alike(two_jobs, users):
    mine, theirs = two_jobs
    assert access.get_visible(Job, users["volunteer"], pk=mine.pk) == mine
    for pk in (theirs.pk, uuid.uuid4(), "not-a-uuid", None):
        with pytest.raises(NotFound):
            access.get_visible(Job, users["volunteer"], pk=pk)
    with pytest.raises(NotFound):
        access.get_visible(Job.objects.filter(title="mine"), users["admin"], pk=theirs.pk)


def test_require_object_checks_the_capability_first_then_the_scope(two_jobs, users):
    mine, theirs = two_jobs
    with pytest.raises(Forbidden):  # 403 even on a row the user could not see
        access.require_object(users["volunteer"], "people.merge", theirs)
    with pytest.raises(NotFound):
        access.require_object(users["volunteer"], "people.view", theirs)
    access.require_object(users["volunteer"], "people.view", mine)
    with pytest.raises(Forbidden):
        access.require_object(None, None, mine)
    access.require_object(SYSTEM, None, theirs)


def test_visible_ids_drops_hidden_unknown_and_junk(two_jobs, users):
    mine, theirs = two_jobs
    ids = [mine.pk, theirs.pk, uuid.uuid4(), "", None]
    assert access.visible_ids(Job, users["volunteer"], ids) == {mine.pk}
    assert access.visible_ids(Job, users["volunteer"], []) == set()


def test_visible_ids_treats_a_malformed_uuid_as_unknown(two_jobs, users):
    assert access.visible_ids(Job, users["volunteer"], ["junk"]) == set()


def test_is_visible(two_jobs, users):
    mine, theirs = two_jobs
    assert access.is_visible(mine, users["volunteer"]) and access.is_visible(theirs, SYSTEM)
    assert not access.is_visible(theirs, users["volunteer"])
    assert not access.is_visible(mine, None)


def test_campaign_scope_follows_the_capability(users):
    AuditEvent.objects.create(action="x")
    rows = AuditEvent.objects.filter(action="x")
    assert rows.visible_to(users["auditor"]).count() == 1
    assert rows.visible_to(users["manager"]).count() == 1  # holds audit.view
    assert rows.visible_to(users["volunteer"]).count() == 0
    scope = access.Campaign("audit.view", change_capability="accounts.manage")
    assert scope.q(users["auditor"], access.VIEW) == Q()
    assert scope.q(users["auditor"], access.CHANGE) == access.NOTHING
    assert scope.q(users["admin"], access.CHANGE) == Q()


def test_system_only_rows_are_for_the_system_and_the_named_capability(users):
    OutboxEvent.objects.create(name="e")
    rows = OutboxEvent.objects.filter(name="e")
    assert rows.visible_to(SYSTEM).count() == 1
    assert rows.visible_to(users["admin"]).count() == 1
    assert rows.visible_to(users["manager"]).count() == 0
    assert access.SystemOnly().q(users["admin"], access.VIEW) == access.NOTHING


def test_shared_is_read_by_any_signed_in_actor(users):
    assert access.Shared().q(users["nobody"], access.VIEW) == Q()
    assert access.Shared().q(SYSTEM, access.CHANGE) == Q()
    assert access.Shared().q(None, access.VIEW) == access.NOTHING


class Fixed(access.Scope):
    def __init__(self, q):
        self._q = q

    def q(self, actor, action):
        return self._q


def test_any_of_and_all_of_combine_their_strategies():
    a, b = Q(x=1), Q(y=2)
    assert access.AnyOf((Fixed(a), Fixed(b))).q(None, "view") == a | b
    assert access.AnyOf((Fixed(a), Fixed(Q()))).q(None, "view") == Q()  # one says "all"
    assert access.AnyOf((Fixed(access.NOTHING),)).q(None, "view") == access.NOTHING
    assert access.AllOf((Fixed(a), Fixed(b))).q(None, "view") == a & b
    assert access.AllOf((Fixed(Q()), Fixed(b))).q(None, "view") == b
    assert access.AllOf((Fixed(Q()), Fixed(Q()))).q(None, "view") == Q()


def test_by_owner_capability_and_sharing(users):
    scope = access.ByOwner("owner", shared=("visibility", ("shared",)))
    vol = users["volunteer"]
    assert scope.q(vol, access.CHANGE) == Q(owner=vol.pk)
    assert scope.q(vol, access.VIEW) == Q(owner=vol.pk) | Q(visibility__in=["shared"])
    assert scope.q(SYSTEM, access.CHANGE) == Q()
    assert scope.q(AnonymousUser(), access.VIEW) == access.NOTHING


def test_user_or_none_and_scope_of():
    assert access.user_or_none(SYSTEM) is None and access.user_or_none(None) is None
    assert isinstance(access.scope_of(Job), access.ByOwner)

    class Bare:
        class _meta:
            label = "x.Bare"

    with pytest.raises(LookupError, match="declares no access_scope"):
        access.scope_of(Bare)
