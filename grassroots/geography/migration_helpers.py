"""Helpers for data migrations of apps that scope their rows by area (ADR 0008)."""

from __future__ import annotations

from grassroots.geography.models import PATH_STEP


def backfill_home_area(owner_field: str, *labels: str):
    """A ``RunPython`` forward function: rows of ``labels`` (``"app.Model"``) with no area take
    their owner's home area (the area containing all of the owner's scoped areas; none for a
    campaign-wide owner), so a scoped user's existing work stays theirs and their areas'."""

    def forward(apps, schema_editor):
        User = apps.get_model("accounts", "User")
        home: dict[int, int | None] = {}
        for user in User.objects.prefetch_related("scope_areas"):
            paths = sorted(a.path for a in user.scope_areas.all())
            if user.is_superuser or user.scope_all or not paths:
                continue
            common = paths[0]
            for path in paths[1:]:
                while common and not path.startswith(common):
                    common = common[: len(common) - (PATH_STEP + 1)]
            area = next((a for a in user.scope_areas.all() if a.path == common), None)
            if area is None and common:
                area = apps.get_model("geography", "Area").objects.filter(path=common).first()
            home[user.pk] = area.pk if area else None
        for label in labels:
            Model = apps.get_model(label)
            for user_id, area_id in home.items():
                if area_id:
                    Model.objects.filter(
                        **{f"{owner_field}_id": user_id}, area__isnull=True
                    ).update(area_id=area_id)

    return forward
