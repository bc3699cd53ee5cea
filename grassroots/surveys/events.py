"""The domain events the surveys app publishes (the catalogue, ADR 0009)."""

from django.utils.translation import gettext_lazy as _

from grassroots.core import events

events.declare(
    "survey.answered",
    _("Someone answers a script (at the door, on the phone, by text or on a form)"),
    ("attempt_id", "person_id", "script_id", "channel", "result_code", "question_ids"),
    person_field="person_id",
)
