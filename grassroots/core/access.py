"""Access control has one home (ARCHITECTURE §3.6; ADR 0008).

Three questions, three answers, no domain knowledge here:

1. **May this actor do this kind of thing at all?** ``require(actor, "messaging.send")`` raises
   ``Forbidden`` (403) unless the actor holds the capability. Capabilities are declared by each
   app in its own ``capabilities.py`` and collected by ``accounts``.
2. **Which rows may the actor see or change?** Every model declares ``access_scope`` — one of
   the strategies below — and ``Model.objects.visible_to(actor, action)`` applies it. A test
   walks every model of every ``grassroots.*`` app and fails for one with no declaration.
3. **May the actor act on this object?** ``get_visible(Model, actor, pk=…)`` and
   ``require_object(actor, capability, obj)`` answer ``NotFound`` (404) for an object outside
   the actor's scope, exactly as for a missing one.

The system itself (the minute tick, webhooks, the demo seeder, automations) acts as ``SYSTEM``,
never as ``None``: ``None`` is refused like an anonymous visitor.

The area strategy needs the area tree, which lives in ``geography`` (above this module), so
geography plugs it in at start-up (``set_area_strategy``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q

from grassroots.core.exceptions import Forbidden, NotFound

VIEW = "view"
CHANGE = "change"


class SystemActor:
    """The platform acting on its own behalf: every capability, every area, no user row."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    is_staff = False
    sees_everything = True
    pk = None
    id = None
    username = "system"

    def has_capability(self, capability: str) -> bool:
        return True

    def get_username(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def is_system(actor: Any) -> bool:
    return actor is SYSTEM


def is_user(actor: Any) -> bool:
    """A signed-in, active person (not the system, not anonymous, not ``None``)."""
    return (
        actor is not None
        and actor is not SYSTEM
        and getattr(actor, "is_authenticated", False)
        and getattr(actor, "is_active", False)
    )


def can(actor: Any, capability: str) -> bool:
    if actor is SYSTEM:
        return True
    if not is_user(actor):
        return False
    return actor.has_capability(capability)


def require(actor: Any, capability: str) -> None:
    """Raise ``Forbidden`` unless the actor holds ``capability`` (``SYSTEM`` holds them all)."""
    if not can(actor, capability):
        raise Forbidden(capability)


def user_or_none(actor: Any):
    """The user row to store as ``created_by``/``actor`` (``None`` for ``SYSTEM``)."""
    return actor if is_user(actor) else None


# --- the area strategy, plugged in by geography ------------------------------------------------

AreaStrategy = Callable[..., Q]
_area_strategy: AreaStrategy | None = None


def set_area_strategy(func: AreaStrategy) -> None:
    """``func(actor, field, overlap=False) -> Q`` keeps rows whose area FK ``field`` lies in the
    actor's scope (descendants included) — with ``overlap``, also rows whose area contains one of
    the actor's areas (a constituency-wide texting campaign for a booth's texter)."""
    global _area_strategy
    _area_strategy = func


def area_q(actor: Any, field: str, *, overlap: bool = False) -> Q:
    if actor is SYSTEM or (is_user(actor) and getattr(actor, "sees_everything", False)):
        return Q()
    if not is_user(actor):
        return NOTHING
    if _area_strategy is None:  # pragma: no cover - geography always plugs it in
        raise RuntimeError("No area strategy: is grassroots.geography installed?")
    return _area_strategy(actor, field, overlap=overlap)


NOTHING = Q(pk__in=[])


# --- scope strategies (declared on each model as ``access_scope``) ------------------------------


class Scope:
    """How a model's rows are scoped. ``q(actor, action)`` is the filter; ``Q()`` means all."""

    def q(self, actor: Any, action: str) -> Q:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:
        return type(self).__name__


@dataclass(frozen=True)
class ByArea(Scope):
    """Rows carry an area (``field``; ``"pk"`` for the area model itself): an actor sees rows in
    their areas and below. Rows with no area are campaign-wide: seen by campaign-wide actors,
    and also read (not changed) by everyone when ``unassigned_readable``. With ``owner``, the
    user in that field always sees their own rows (a user scoped to two booths keeps seeing the
    broadcast they made for both). With ``overlap_for_view``, a row whose area contains one of
    the actor's areas is readable too (work meant for everyone below, like a texting campaign);
    changing it still needs the row's area inside the actor's scope."""

    field: str = "area"
    owner: str | None = None
    unassigned_readable: bool = False
    overlap_for_view: bool = False

    def q(self, actor: Any, action: str) -> Q:
        q = area_q(actor, self.field, overlap=self.overlap_for_view and action == VIEW)
        if not q:
            return q
        if self.unassigned_readable and action == VIEW:
            q |= Q(**{f"{self.field}__isnull": True})
        if self.owner and is_user(actor):
            q |= Q(**{self.owner: actor.pk})
        return q


@dataclass(frozen=True)
class ByPerson(Scope):
    """Rows about a person (a contact point, a note, a message): visible when the person is. A
    row with no person (an unknown sender) is seen by campaign-wide actors only."""

    field: str = "person"

    def q(self, actor: Any, action: str) -> Q:
        return area_q(actor, f"{self.field}__area")


@dataclass(frozen=True)
class ByOwner(Scope):
    """Rows belong to a user (``owner``); ``shared`` names a field and the values that share the
    row with others, who then see it through ``shared_scope`` (e.g. an area rule) as well."""

    owner: str = "owner"
    shared: tuple[str, tuple[str, ...]] | None = None
    shared_scope: Scope | None = None
    capability: str | None = None  # holders see every row (e.g. an admin's view of all tokens)

    def q(self, actor: Any, action: str) -> Q:
        if actor is SYSTEM:
            return Q()
        if not is_user(actor):
            return NOTHING
        if self.capability and actor.has_capability(self.capability):
            return Q()
        q = Q(**{self.owner: actor.pk})
        if self.shared and action == VIEW:
            field, values = self.shared
            shared = Q(**{f"{field}__in": list(values)})
            if self.shared_scope is not None:
                inner = self.shared_scope.q(actor, action)
                shared &= inner if inner else Q()
            q |= shared
        return q


@dataclass(frozen=True)
class Campaign(Scope):
    """Campaign-wide rows behind a capability (roles, provider accounts, the audit log):
    holders see all of them, others none. ``change`` may need a stronger capability."""

    capability: str
    change_capability: str | None = None

    def q(self, actor: Any, action: str) -> Q:
        needed = self.change_capability if action == CHANGE and self.change_capability else None
        if can(actor, needed or self.capability):
            return Q()
        return NOTHING


@dataclass(frozen=True)
class Shared(Scope):
    """Reference data every signed-in actor may read (tags, area kinds, custom fields); changes
    are guarded by the service's capability check."""

    def q(self, actor: Any, action: str) -> Q:
        return Q() if (actor is SYSTEM or is_user(actor)) else NOTHING


@dataclass(frozen=True)
class Via(Scope):
    """Scoped through a parent row: visible when ``field`` (a FK) points at a visible parent."""

    field: str

    def q(self, actor: Any, action: str) -> Q:  # pragma: no cover - ``scope_q`` resolves it
        raise TypeError("Via is resolved by scope_q, which knows the model")


@dataclass(frozen=True)
class SystemOnly(Scope):
    """Plumbing no person reads through the product (webhook receipts, the outbox): the system
    sees it, and so do holders of ``capability`` if one is given (an admin's screen)."""

    capability: str | None = None

    def q(self, actor: Any, action: str) -> Q:
        if actor is SYSTEM or (self.capability and can(actor, self.capability)):
            return Q()
        return NOTHING


@dataclass(frozen=True)
class AnyOf(Scope):
    """A row is visible when any of the strategies lets it through."""

    scopes: tuple[Scope, ...]

    def q(self, actor: Any, action: str) -> Q:
        out = NOTHING
        for scope in self.scopes:
            q = scope.q(actor, action)
            if not q:
                return Q()
            out = q if out is NOTHING else (out | q)
        return out


@dataclass(frozen=True)
class AllOf(Scope):
    """A row is visible only when every strategy lets it through (a duplicate pair: both
    people)."""

    scopes: tuple[Scope, ...]

    def q(self, actor: Any, action: str) -> Q:
        out = Q()
        for scope in self.scopes:
            q = scope.q(actor, action)
            if q:
                out &= q
        return out


def scope_of(model: type[models.Model]) -> Scope:
    scope = getattr(model, "access_scope", None)
    if not isinstance(scope, Scope):
        raise LookupError(f"{model._meta.label} declares no access_scope")
    return scope


def scope_q(model: type[models.Model], actor: Any, action: str = VIEW) -> Q:
    """The filter for ``model``'s rows visible to ``actor`` (``Q()`` = everything)."""
    if actor is SYSTEM:
        return Q()
    return _resolve(model, scope_of(model), actor, action)


def _resolve(model: type[models.Model], scope: Scope, actor: Any, action: str) -> Q:
    """``scope``'s filter for ``model``: a ``Via`` through the parent model's own scope, also
    inside ``AllOf``/``AnyOf`` (a sign-up: its event visible *and* its person)."""
    if isinstance(scope, Via):
        parent = model._meta.get_field(scope.field).related_model
        inner = scope_q(parent, actor, action)
        if not inner:
            return Q()
        return Q(**{f"{scope.field}__in": parent._default_manager.filter(inner).values("pk")})
    if isinstance(scope, AllOf | AnyOf) and any(
        isinstance(s, Via | AllOf | AnyOf) for s in scope.scopes
    ):
        parts = [_resolve(model, s, actor, action) for s in scope.scopes]
        if isinstance(scope, AllOf):
            out = Q()
            for q in parts:
                if q:
                    out &= q
            return out
        if any(not q for q in parts):
            return Q()
        out = parts[0]
        for q in parts[1:]:
            out |= q
        return out
    return scope.q(actor, action)


def restrict(queryset: models.QuerySet, actor: Any, action: str = VIEW) -> models.QuerySet:
    if not (actor is SYSTEM or is_user(actor)):
        return queryset.none()
    q = scope_q(queryset.model, actor, action)
    return queryset.filter(q) if q else queryset


class ScopedQuerySet(models.QuerySet):
    """``Model.objects.visible_to(actor, action)``: the one way to read scoped rows."""

    def visible_to(self, actor: Any, action: str = VIEW) -> ScopedQuerySet:
        return restrict(self, actor, action)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def _queryset(source: type[models.Model] | models.QuerySet) -> models.QuerySet:
    if isinstance(source, models.QuerySet):
        return source
    return source._default_manager.all()


def get_visible(
    source: type[models.Model] | models.QuerySet, actor: Any, action: str = VIEW, **lookup: Any
):
    """The object matching ``lookup`` if the actor may see it; ``NotFound`` otherwise (missing
    and out of scope are the same answer). Malformed ids are missing too."""
    qs = restrict(_queryset(source), actor, action)
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc
    except Exception as exc:  # a malformed UUID or number reaching the database
        from django.core.exceptions import ValidationError

        if isinstance(exc, ValidationError):
            raise NotFound from exc
        raise


def is_visible(obj: models.Model, actor: Any, action: str = VIEW) -> bool:
    if actor is SYSTEM:
        return True
    if not is_user(actor):
        return False
    q = scope_q(type(obj), actor, action)
    if not q:
        return True
    return type(obj)._default_manager.filter(q, pk=obj.pk).exists()


def require_object(actor: Any, capability: str | None, obj: models.Model, action: str = CHANGE):
    """Capability first (403), then the object's scope (404, like a missing object)."""
    if capability:
        require(actor, capability)
    elif not (actor is SYSTEM or is_user(actor)):
        raise Forbidden
    if not is_visible(obj, actor, action):
        raise NotFound


def visible_ids(
    model: type[models.Model], actor: Any, ids: Iterable[Any], action: str = VIEW
) -> set:
    """Those of ``ids`` the actor may see (for filters naming ids: unknown and hidden alike)."""
    ids = [i for i in ids if i not in (None, "")]
    if not ids:
        return set()
    from django.core.exceptions import ValidationError

    try:
        return set(
            restrict(model._default_manager.filter(pk__in=ids), actor, action).values_list(
                "pk", flat=True
            )
        )
    except (ValueError, TypeError, ValidationError):  # a malformed id is an unknown one
        return set()


def who_can(
    obj: models.Model,
    candidates: Iterable[Any],
    capability: str | Callable[[Any], bool] | None = None,
    action: str = VIEW,
) -> list:
    """Those of ``candidates`` (users) who hold ``capability`` (a name, or a predicate) and may
    see ``obj``: the choices to offer when work on ``obj`` is handed to someone (assign,
    reassign). Offering a user who cannot open the object would hand them a 404."""
    chosen = []
    for user in candidates:
        if capability is not None:
            allowed = capability(user) if callable(capability) else can(user, capability)
            if not allowed:
                continue
        if is_visible(obj, user, action):
            chosen.append(user)
    return chosen
