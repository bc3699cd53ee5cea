from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

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


@register.filter
def language_name(code: str) -> str:
    """``bn`` → ``বাংলা`` (the language's own name), falling back to the code."""
    from django.utils.translation import get_language_info

    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code


@register.filter
def startswith(value: str, prefix: str) -> bool:
    return bool(prefix) and str(value).startswith(str(prefix))


@register.simple_tag(takes_context=True)
def person_panels(context, person) -> str:
    """The sections other apps registered for the person page (``core.registry.person_panels``)."""
    from grassroots.core.registry import person_panels as panels

    request = context.get("request")
    html = []
    for panel in panels:
        extra = panel.context(request, person)
        if extra is not None:
            html.append(
                render_to_string(panel.template, {"person": person, **extra}, request=request)
            )
    return mark_safe("".join(html))  # noqa: S308 - rendered templates, escaped by Django
