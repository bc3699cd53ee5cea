from django import template

from grassroots.core.phones import format_phone

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    return bool(user and user.is_authenticated and user.has_capability(capability))


@register.filter
def phone(value: str) -> str:
    return format_phone(value) if value else ""


@register.simple_tag(takes_context=True)
def sort_link(context, key: str) -> str:
    """The current query string with ``sort`` set to ``key`` (toggling direction)."""
    params = context["request"].GET.copy()
    current = params.get("sort", "name")
    params["sort"] = ("-" + key) if current == key else key
    params.pop("page", None)
    return "?" + params.urlencode()
