"""Built-in mapping templates (users save their own as ``ImportTemplate`` rows)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from grassroots.core import audit
from grassroots.people.imports.mapping import validate_mapping
from grassroots.people.models import ImportTemplate

TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")

BUILTIN: dict[str, dict] = {
    "us-voter-file": {
        "description": "A US state voter file: one row per voter, state voter id, address, "
        "party and vote history (columns G2022/P2024/G2024 hold Y/N or P/E/A/M; the primary "
        "also D or R, the party ballot taken). Headers match in any case and spacing.",
        "mapping": {
            "columns": {
                "VoterID": "external_id:us-ca-voter",
                "FirstName": "person.given_name",
                "MiddleName": "person.middle_name",
                "LastName": "person.family_name",
                "BirthDate": {"target": "person.birth_date", "format": "%m/%d/%Y"},
                "Gender": "person.gender",
                "HouseNumber": "address.house_number",
                "Street": "address.street",
                "Unit": "address.line2",
                "City": "address.city",
                "Zip": "address.postal_code",
                "Precinct": "area.code",
                "Phone": "phone",
                "Email": "email",
                "G2022": "vote:us-2022-general",
                "P2024": {
                    "target": "vote:us-2024-primary",
                    # a primary ballot's party letter: voted, and which party's ballot
                    "values": {
                        "D": {"voted": True, "party": "DEM"},
                        "R": {"voted": True, "party": "REP"},
                    },
                },
                "G2024": "vote:us-2024-general",
            },
            "constants": {
                "address.region": "CA",
                "address.country": "US",
                "person.source": "State voter file",
            },
            "options": {"default_region": "US", "match": ["external_id", "name_birth"]},
        },
    },
    "india-roll": {
        "description": "An Indian electoral roll exported to CSV: AC, part, section, serial, EPIC, "
        "name, relation type and relative, house number, age, gender.",
        "mapping": {
            "columns": {
                "AC": "area.ac",
                "Part": "area.part",
                "Section": "address.locality",
                "Serial": "person.serial_number",
                "EPIC": "external_id:epic",
                "Name": "person.full_name",
                "Name (native)": "person.native_name",
                "Relation": "person.relation_type",
                "Relative": "person.relative_name",
                "House No": "address.house_number",
                "Age": "person.age",
                "Gender": "person.gender",
                "Mobile": "phone",
            },
            "constants": {"address.country": "IN", "person.source": "Electoral roll"},
            "options": {
                "default_region": "IN",
                "age_as_of": "2026-01-01",
                "area_code": "IN-WB-AC{ac}-P{part:03d}",
                "match": ["external_id", "name_birth"],
            },
        },
    },
    "osdi-sample": {
        "description": "The OSDI fake-people sample: household id, name, year/month/day of birth, "
        "Washington DC address and email.",
        "mapping": {
            "columns": {
                "Household ID": "household.key",
                "Last": "person.family_name",
                "First": "person.given_name",
                "Middle": "person.middle_name",
                "YoB": "person.birth_year",
                "MoB": "person.birth_month",
                "DoB": "person.birth_day",
                "Address": "address.street",
                "City": "address.city",
                "State": "address.region",
                "Zip": "address.postal_code",
                "Email": "email",
            },
            "constants": {"address.country": "US", "person.source": "OSDI sample"},
            "options": {"default_region": "US", "match": ["external_id", "name_birth"]},
        },
    },
}


def template_name_check(name: str) -> str:
    """The cleaned name for a new template, or ValidationError saying what is wrong with it."""
    name = (name or "").strip().lower()
    if not TEMPLATE_NAME.match(name):
        raise ValidationError(
            _(
                "A template name is 1–60 lower-case letters, digits, - and _ "
                "(e.g. “state-file-2026”)."
            )
        )
    if name in BUILTIN:
        raise ValidationError(
            _("“%(name)s” is a built-in template; choose another name.") % {"name": name}
        )
    if ImportTemplate.objects.filter(name=name).exists():
        raise ValidationError(
            _("A template named “%(name)s” already exists; choose another name.") % {"name": name}
        )
    return name


@transaction.atomic
def import_template_save(
    *, actor: Any, name: str, mapping: dict, description: str = ""
) -> ImportTemplate:
    """Save a mapping under a new name, for the next file of the same shape."""
    name = template_name_check(name)
    validate_mapping(mapping)
    try:
        with transaction.atomic():
            template = ImportTemplate.objects.create(
                name=name, description=(description or "").strip()[:255], mapping=mapping
            )
    except IntegrityError:  # saved by someone else a moment ago
        raise ValidationError(
            _("A template named “%(name)s” already exists; choose another name.") % {"name": name}
        )
    audit.record(actor=actor, action="people.import_template_saved", obj=template)
    return template
