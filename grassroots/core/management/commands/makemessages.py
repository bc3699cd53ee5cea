"""``makemessages`` that also extracts ``_l("…")``, the project's alias for ``gettext_lazy``.

xgettext only knows the names Django passes it (``_``, ``gettext_lazy``, ``pgettext`` …), so a
string marked with an alias was silently left out of the catalogues and shown in English
(the segment builder's conditions, the automation steps). ``tests/test_i18n.py`` runs this
command over a copy of the source and fails on any string without a translation.
"""

from __future__ import annotations

from django.core.management.commands import makemessages

# The aliases the project uses for the lazy functions.
EXTRA_KEYWORDS = ["--keyword=_l"]


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, *EXTRA_KEYWORDS]
