"""``assert_accessible_markup``: the id references a screen reader follows all resolve.

What axe-core (in the browser tests) cannot say for a page the browser tests never open, and
what it only half checks where it does: in one HTML document

- every ``id`` is unique (three ``<select id="id_channel">`` leave two selects without a label);
- every ``<label for>`` names an element that exists;
- every id in ``aria-describedby``, ``aria-labelledby``, ``aria-controls`` and
  ``aria-errormessage`` exists (Django's widgets point at ``<id>_helptext`` and ``<id>_error``).

Works on a whole page or on an HTMX fragment (pass ``fragment=True``: references to ids
outside the fragment are then not checked, only the ones the fragment itself defines twice).
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

IDREF_ATTRS = ("aria-describedby", "aria-labelledby", "aria-controls", "aria-errormessage")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, id)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "label" and a.get("for"):
            self.refs.append((tag, "for", a["for"]))
        for name in IDREF_ATTRS:
            for ref in (a.get(name) or "").split():
                self.refs.append((tag, name, ref))

    handle_startendtag = handle_starttag


def markup_problems(html: str, *, fragment: bool = False) -> list[str]:
    c = _Collector()
    c.feed(html)
    problems = [f"id {i!r} is used {n} times" for i, n in Counter(c.ids).items() if n > 1]
    if not fragment:
        known = set(c.ids)
        problems += [
            f"<{tag} {attr}={ref!r}> names no element"
            for tag, attr, ref in c.refs
            if ref not in known
        ]
    return problems


def assert_accessible_markup(html: str | bytes, *, fragment: bool = False) -> None:
    if isinstance(html, bytes):
        html = html.decode()
    problems = markup_problems(html, fragment=fragment)
    assert not problems, "Broken id references:\n" + "\n".join(problems)
