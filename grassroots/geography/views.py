from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.geography import selectors
from grassroots.geography.models import Area


class AreaTreeView(CapabilityRequiredMixin, View):
    """The area tree: the user's top areas, or one area with its children and their counts."""

    capability = "geography.view"

    def get(self, request, pk: int | None = None):
        actor = request.user
        area = None
        breadcrumbs: list[Area] = []
        elections = []
        if pk is None:
            children = list(selectors.area_roots_for(actor))
        else:
            area = (
                selectors.area_visible_to(actor)
                .select_related("kind", "parent", "polling_station")
                .filter(pk=pk)
                .first()
            )
            if area is None:
                raise Http404
            breadcrumbs = selectors.area_ancestors_visible(actor, area)
            children = list(selectors.area_children(actor, area))
            elections = list(selectors.election_list_for_area(area))
        stats = selectors.area_stats([*children, *([area] if area else [])])
        rows = [(child, stats.get(child.id, {})) for child in children]
        station = getattr(area, "polling_station", None) if area else None
        panels = selectors.area_panels_for(request, area) if area else []
        return render(
            request,
            "geography/area_tree.html",
            {
                "area": area,
                "area_stats": stats.get(area.id, {}) if area else {},
                "rows": rows,
                "breadcrumbs": breadcrumbs,
                "station": station,
                "elections": elections,
                "panels": panels,
            },
        )


class AreaSearchView(CapabilityRequiredMixin, View):
    """Find areas by name (any script) or code, inside the user's areas. ``format=json`` is
    the area picker's source (``geography/widgets.py``): code, name, kind and path of each.
    The answer holds only the areas the user may see."""

    capability = "geography.view"

    def get(self, request):
        q = request.GET.get("q", "") or request.GET.get("area_code", "")
        areas = selectors.area_search(request.user, q) if q.strip() else []
        fmt = request.GET.get("format")
        if fmt == "json":
            labels = selectors.area_labels(areas)
            return JsonResponse(
                {
                    "results": [
                        {
                            "code": a.code,
                            "name": a.name,
                            "native_name": a.native_name,
                            "kind": a.kind.name,
                            "label": labels[a.pk],
                        }
                        for a in areas
                    ]
                },
                json_dumps_params={"ensure_ascii": False},
            )
        if fmt == "options":  # datalist options (kept for old pages)
            return render(request, "geography/area_options.html", {"areas": areas})
        return render(request, "geography/area_search.html", {"areas": areas, "q": q})
