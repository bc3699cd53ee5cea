from django import template

register = template.Library()


@register.filter
def answer_of(values, block_pk) -> list[str]:
    """What was typed for a question (``q<id>`` in a re-shown form), as a list of strings."""
    return list((values or {}).get(f"q{block_pk}", []))


@register.filter
def get_item(mapping, key):
    """``translations|get_item:"bn"``: a map's value (``None`` when missing or not a map)."""
    return mapping.get(key) if isinstance(mapping, dict) else None
