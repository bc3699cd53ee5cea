"""The domain events the people hub publishes (the catalogue, ADR 0009).

``person_field`` marks the events about one person: automations can start from those.
"""

from django.utils.translation import gettext_lazy as _

from grassroots.core import events

events.declare(
    "person.created", _("A person is added"), ("person_id", "via"), person_field="person_id"
)
events.declare(
    "person.updated", _("A person's details change"), ("person_id", "fields"),
    person_field="person_id",
)  # fmt: skip
events.declare(
    "contact_point.created", _("A phone number or email is added to a person"),
    ("person_id", "contact_point_id"), person_field="person_id",
)  # fmt: skip
events.declare(
    "tag.applied", _("A person is tagged"),
    # person_ids: the people newly tagged (None beyond 1,000: look them up by tag and time)
    ("tag_id", "tag", "count", "person_ids", "at"), person_field="person_ids",
)  # fmt: skip
events.declare(
    "note.created", _("A note is added to a person"), ("person_id", "note_id"),
    person_field="person_id",
)  # fmt: skip
events.declare(
    "interaction.recorded", _("A contact with a person is logged"),
    ("person_id", "interaction_id", "channel"), person_field="person_id",
)  # fmt: skip
events.declare(
    "consent.changed", _("A person's consent changes"),
    ("person_id", "channel", "purpose", "status"), person_field="person_id",
)  # fmt: skip
events.declare("household.created", _("A household is added"), ("household_id",))
# record keeping, not something a person did: no person field, so no automation starts from it
events.declare(
    "person.merged", _("Two records of a person are merged"), ("survivor_id", "loser_id")
)
events.declare("person.unmerged", _("A merge is undone"), ("survivor_id", "person_id"))
events.declare("import.finished", _("An import finishes"), ("batch_id",))
