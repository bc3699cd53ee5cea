"""The domain events the volunteers app publishes (the catalogue, ADR 0009)."""

from django.utils.translation import gettext_lazy as _

from grassroots.core import events

events.declare(
    "volunteer.signed_up", _("Someone signs up to volunteer"), ("profile_id", "person_id", "via"),
    person_field="person_id",
)  # fmt: skip
events.declare(
    "volunteer.status_changed", _("A volunteer's status changes"),
    ("profile_id", "person_id", "status"), person_field="person_id",
)  # fmt: skip
events.declare(
    "task.assigned", _("A task is assigned to a volunteer"),
    ("task_id", "assignment_id", "person_id"), person_field="person_id",
)  # fmt: skip
events.declare(
    "task.completed", _("A volunteer completes a task"),
    ("task_id", "assignment_id", "person_id"), person_field="person_id",
)  # fmt: skip
events.declare(
    "hours.approved", _("A volunteer's hours are approved"),
    ("hours_id", "person_id", "hours"), person_field="person_id",
)  # fmt: skip
