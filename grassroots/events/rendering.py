"""Event descriptions: Markdown typed by organisers (and by supporters proposing events),
rendered to HTML and sanitised (nh3), so no script or handler reaches a page."""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "a", "ul", "ol", "li", "blockquote",
    "code", "pre", "h2", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_description(source: str) -> str:
    """Markdown to safe HTML: raw HTML in the source is escaped by the sanitiser's allow-list
    (no ``<script>``, no ``on*=``, no ``javascript:`` links, no ``style``)."""
    html = markdown.markdown(source or "", extensions=["sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
