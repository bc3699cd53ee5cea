"""What a voter file says about a registration: the voter status vocabulary.

The status is data, not a fixed list: a file's own value is kept (lower-case, as the import
or the form stores it), so a state's "confirmation pending" or "suspense" is never refused or
lost. The statuses most files use have a translated label here; any other is shown as it is.
Filters offer the values the campaign's people actually have.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

STATUSES = {
    "active": pgettext_lazy("voter status", "Active"),
    "inactive": pgettext_lazy("voter status", "Inactive"),
    "pending": pgettext_lazy("voter status", "Pending"),
    "confirmation": _("Confirmation pending"),
    "suspense": _("In suspense"),
    "cancelled": pgettext_lazy("voter status", "Cancelled"),
    "purged": _("Removed from the roll"),
    "deleted": _("Removed from the roll"),
    "deceased": pgettext_lazy("voter status", "Deceased"),
    "moved": pgettext_lazy("voter status", "Moved"),
}


def label(status: str | None) -> str:
    """The words for a status: the translated label of a common one, else the value itself."""
    if not status:
        return ""
    return str(STATUSES.get(status.casefold(), status))


def choices(values) -> list[tuple[str, str]]:
    """Filter choices for the statuses present (``values``), labelled, in label order."""
    return sorted(((v, label(v)) for v in set(values) if v), key=lambda c: c[1].casefold())
