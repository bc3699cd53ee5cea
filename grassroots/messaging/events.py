"""The domain events messaging publishes (the catalogue, ADR 0009)."""

from django.utils.translation import gettext_lazy as _

from grassroots.core import events

events.declare(
    "message.received", _("A person replies with a keyword"),
    # person_id is None when the sender is not a known person
    ("message_id", "person_id", "channel", "keyword", "body"), person_field="person_id",
)  # fmt: skip
events.declare("broadcast.finished", _("A broadcast finishes"), ("broadcast_id",))
