from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def variant_errors(errors, index, key):
    """The errors of one field of one language version (``variants.<i>.<key>``)."""
    messages = (errors or {}).get(f"variants.{index}.{key}") or []
    if not messages:
        return ""
    return format_html(
        '<ul class="errorlist">{}</ul>',
        format_html_join("", "<li>{}</li>", ((m,) for m in messages)),
    )
