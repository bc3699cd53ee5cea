"""Built-in mapping templates (users save their own as ``ImportTemplate`` rows)."""

from __future__ import annotations

BUILTIN: dict[str, dict] = {
    "us-voter-file": {
        "description": "A US state voter file: one row per voter, state voter id, address, "
        "party and vote history (columns G2022/P2024/G2024 hold Y/N or P/E/A/M).",
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
                "P2024": "vote:us-2024-primary",
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
