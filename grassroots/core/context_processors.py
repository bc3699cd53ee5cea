from django.conf import settings

from grassroots.core.registry import nav_items


def shell(request):
    user = getattr(request, "user", None)
    nav = []
    if user is not None and user.is_authenticated:
        for item in nav_items:
            if item.capability is None or user.has_capability(item.capability):
                nav.append(item)
    return {"nav_items": nav, "campaign_name": settings.CAMPAIGN_NAME}
