"""Template helpers of the people app: ``{% load people %}``."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from grassroots.people import support

register = template.Library()


@register.simple_tag
def support_badge(score, words: bool = False) -> str:
    """A support score as its coloured badge, named in words for screen readers and on hover;
    with ``words``, the words are shown beside it too (the person page)."""
    if not score:
        return ""
    name = support.label(score)
    title = _("Support %(score)s: %(label)s") % {"score": score, "label": name}
    badge = format_html(
        '<span class="score score-{}" title="{}" role="img" aria-label="{}">{}</span>',
        score,
        title,
        title,
        score,
    )
    if words:
        return format_html('{} <span class="score-words">{}</span>', badge, name)
    return badge


@register.simple_tag
def support_legend() -> str:
    """The whole scale in one line: 1 Strong support · 2 Leaning support · …"""
    return format_html(
        '<span class="score-legend">{}</span>',
        format_html_join(
            " · ",
            '<span class="score score-{}" aria-hidden="true">{}</span> {}',
            ((k, k, v) for k, v in support.SCALE.items()),
        ),
    )


@register.simple_tag
def support_choices() -> list[tuple[int, str]]:
    """``[(1, "Strong support"), …]`` for a filter's options: ``{% support_choices as scale %}``."""
    return [(k, str(v)) for k, v in support.SCALE.items()]
