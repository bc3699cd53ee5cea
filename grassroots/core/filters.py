"""FilterSets whose choice filters offer only what the actor may see (ADR 0008).

A filter naming an object by id (``?person=7``, ``?area=3``, ``?tag=…``) must answer the same for
a missing object and for one outside the actor's scope — otherwise a 200-empty for "exists but
not yours" and a 400 for "no such id" is an existence oracle. ``ScopedFilterSet`` restricts the
queryset of every model-choice filter to ``visible_to(actor)``, so both are "not a valid choice".
The API's filter backend uses it as the base of every generated FilterSet; hand-written
FilterSets inherit from it.
"""

from __future__ import annotations

import django_filters as df
from django_filters.rest_framework import DjangoFilterBackend

from grassroots.core import access


class ScopedFilterSet(df.FilterSet):
    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, actor=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        actor = actor if actor is not None else getattr(request, "user", None)
        if actor is None:  # checking a filter's syntax only (an export's saved filters)
            return
        for f in self.filters.values():
            qs = getattr(f, "queryset", None)
            if qs is None or callable(qs) or not hasattr(qs, "model"):
                continue
            if isinstance(getattr(qs.model, "access_scope", None), access.Scope):
                f.queryset = access.restrict(qs, actor)


class ScopedFilterBackend(DjangoFilterBackend):
    filterset_base = ScopedFilterSet

    def filter_queryset(self, request, queryset, view):
        # One object by its id with no filter in the query string: building the FilterSet (a
        # deep copy of every filter, each choice filter's queryset restricted) would change
        # nothing — the queryset is already scoped.
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
        if lookup and lookup in getattr(view, "kwargs", {}) and not request.query_params:
            return queryset
        return super().filter_queryset(request, queryset, view)
