"""Every API object is scoped (ADR 0008): the viewset's rows are ``visible_to`` the caller, and a
serializer's related fields accept only rows the caller may see — an out-of-scope id in a body
is "does not exist", the same answer as a missing one."""

from __future__ import annotations

from rest_framework import relations

from grassroots.core import access


def restrict_related_fields(serializer, actor) -> None:
    fields = getattr(serializer, "fields", {})
    for field in fields.values():
        target = field.child_relation if isinstance(field, relations.ManyRelatedField) else field
        if not isinstance(target, relations.RelatedField) or target.read_only:
            continue
        qs = getattr(target, "queryset", None)
        if qs is not None and isinstance(getattr(qs.model, "access_scope", None), access.Scope):
            target.queryset = access.restrict(qs, actor)


class ScopedViewSetMixin:
    """Put first in the bases: ``get_queryset`` keeps the rows the caller may see; a write's
    related fields offer only visible rows. Services still check the change itself."""

    def get_queryset(self):
        return access.restrict(super().get_queryset(), self.request.user)

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        restrict_related_fields(serializer, self.request.user)
        return serializer
