"""The Indian half of the demo: West Bengal → Kolkata → 158 - Bhabanipur, its parts (booths),
sections and electoral roll."""

from __future__ import annotations

from grassroots.geography.demo import AreaRow, StationRow
from grassroots.people.demo.plan import (
    BN_DIGITS,
    ELECTORS_PER_PART,
    IN_HOUSEHOLD_SIZE,
    IN_SOURCE,
    ISSUES_IN,
    ROLL_DATE,
    BuilderBase,
    HouseholdRow,
    PersonRow,
    Table,
    clamp,
    load_data,
)


class IndiaBuilder(BuilderBase):
    def given(self, community: dict, gender: str, age: int) -> list[str]:
        bucket = "old" if age >= 55 else "young" if age <= 35 else ""
        key = (id(community), gender, bucket)
        names = self._given_cache.get(key)
        if names is None:
            pool = community["male" if gender == "male" else "female"]
            excluded = {"old": "young", "young": "old"}.get(bucket)
            names = [n for n in pool if len(n) < 3 or n[2] != excluded]
            self._given_cache[key] = names
        return self.rng.choice(names)

    def india_person(
        self,
        community: dict,
        family: list,
        gender: str,
        age: int,
        relation: str,
        relative: str,
        hh: int,
        part: str,
    ) -> PersonRow:
        rng = self.rng
        given = self.given(community, gender, age)
        middle = ["", ""]
        if gender == "male" and community["middle_male"] and rng.random() < 0.12:
            middle = community["middle_male"][0]
        native = " ".join(x for x in [given[1], middle[1], family[1]] if x)
        status = "active"
        death_risk = 0.04 if age >= 80 else 0.012 if age >= 65 else 0.002
        r = rng.random()
        if r < death_risk:
            status = "deceased"
        elif r < death_risk + 0.012:
            status = "moved"
        language = community["language"] if rng.random() > 0.08 else ""
        return PersonRow(
            household=hh,
            area=part,
            given_name=given[0],
            middle_name=middle[0],
            family_name=family[0],
            native_name=native,
            gender=gender,
            age=age,
            age_as_of=ROLL_DATE,
            relation_type=relation,
            relative_name=relative,
            preferred_language=language,
            support_score=self.support(),
            status=status,
            do_not_contact=rng.random() < 0.008,
            source=IN_SOURCE,
        )

    def india_household(self, communities: Table, hh: int, part: str) -> list[PersonRow]:
        rng = self.rng
        community = communities.pick(rng)
        family = community["family_table"].pick(rng)
        size = IN_HOUSEHOLD_SIZE.pick(rng)
        # Ages and genders tuned so the roll looks like urban Kolkata: slightly more men than
        # women (daughters marry out, sons bring wives in), a fifth under 30, few over 80.
        if size == 1:  # a young migrant worker or student, or an old widow(er)
            young = rng.random() < 0.5
            age = rng.randint(19, 40) if young else rng.randint(55, 90)
            head_female = rng.random() < (0.2 if young else 0.55)
        elif size == 2:
            age = round(rng.triangular(24, 88, 40))
            head_female = rng.random() < 0.1
        else:
            age = round(rng.triangular(max(42, 32 + 2 * size), 82, 50))
            head_female = rng.random() < 0.12

        def full(given: list[str], fam=family) -> str:
            return f"{given[0]} {fam[0]}"

        father = full(self.given(community, "male", min(95, age + 28)))
        if size == 1 and rng.random() < 0.012:  # third-gender elector
            person = self.india_person(
                community,
                family,
                "other",
                age,
                "other",
                full(self.given(community, "female", 60)),
                hh,
                part,
            )
            return [person]
        members: list[PersonRow] = []
        if not head_female:
            head = self.india_person(community, family, "male", age, "father", father, hh, part)
            members.append(head)
            if size >= 2:
                wife_age = clamp(age - rng.randint(2, 9), 18, 95)
                members.append(
                    self.india_person(
                        community, family, "female", wife_age, "husband", head.full_name, hh, part
                    )
                )
            if len(members) < size and age <= 60 and rng.random() < 0.2:
                mother_age = min(95, age + rng.randint(20, 32))
                members.append(
                    self.india_person(
                        community, family, "female", mother_age, "husband", father, hh, part
                    )
                )
            parent_relation, parent_name = "father", head.full_name
        else:
            late_husband = full(self.given(community, "male", min(95, age + 4)))
            widow = age >= 45
            if widow:
                head = self.india_person(
                    community, family, "female", age, "husband", late_husband, hh, part
                )
            else:
                head = self.india_person(
                    community, family, "female", age, "father", father, hh, part
                )
            members.append(head)
            if not widow or rng.random() < 0.3:
                parent_relation, parent_name = "mother", head.full_name
            else:
                parent_relation, parent_name = "father", late_husband
        while len(members) < size:
            child_age = age - rng.randint(20, 34)
            if child_age < 18:
                break
            gender = "male" if rng.random() < 0.62 else "female"
            child = self.india_person(
                community, family, gender, child_age, parent_relation, parent_name, hh, part
            )
            members.append(child)
            if gender == "male" and child_age >= 25 and len(members) < size and rng.random() < 0.35:
                members.append(
                    self.india_person(
                        community,
                        family,
                        "female",
                        max(18, child_age - rng.randint(1, 6)),
                        "husband",
                        child.full_name,
                        hh,
                        part,
                    )
                )
        return members

    def india_extras(self, p: PersonRow, names: dict) -> None:
        rng = self.rng
        age = p.age or 0
        if rng.random() < (0.5 if age < 60 else 0.22):
            p.phones.append((self.india_mobile(), "mobile", rng.random() < 0.60))
        if rng.random() < (0.18 if age < 45 else 0.04):
            p.emails.append(self.email(p.given_name, p.family_name, ROLL_DATE.year - age - 1))
        tags = p.tags
        if p.status == "active":
            if 18 <= age <= 60 and rng.random() < 0.015:
                tags.append("Volunteer")
            if 25 <= age <= 70 and rng.random() < 0.012:
                tags.append("Booth committee")
            if 25 <= age <= 65 and rng.random() < 0.02:
                tags.append("Page in-charge")
            if (age >= 75 and rng.random() < 0.25) or rng.random() < 0.003:
                tags.append("Needs transport")
            if age >= 80 and rng.random() < 0.6:
                tags.append("Senior citizen")
            if rng.random() < 0.05:
                tags.append("Beneficiary")
            if age >= 30 and rng.random() < 0.005:
                tags.append("Donor")
        if rng.random() < 0.15:
            if age < 24 and rng.random() < 0.7:
                occupation = "Student"
            elif age >= 62 and rng.random() < 0.7:
                occupation = "Retired"
            elif p.gender == "female" and rng.random() < 0.4:
                occupation = "Homemaker"
            else:
                occupation = rng.choice(names["occupations"])
            p.custom["occupation"] = occupation
        if rng.random() < 0.12:
            p.custom["ration_card"] = rng.random() < 0.85
        if rng.random() < 0.08:
            p.custom["issues"] = sorted(
                rng.sample(ISSUES_IN, rng.randint(1, 3)), key=ISSUES_IN.index
            )

    def india(self) -> None:
        rng = self.rng
        places = load_data("places_in.json")
        names = load_data("names_in.json")
        communities = Table(
            [
                (
                    {**c, "family_table": Table([((f[0], f[1]), f[2]) for f in c["family"]])},
                    c["weight"],
                )
                for c in names["communities"].values()
            ]
        )
        epic_prefixes = Table([(p, w) for p, w in places["epic_prefixes"]])
        for key, kind, parent in (
            ("country", "country", None),
            ("state", "state", "IN"),
            ("district", "district", "IN-WB"),
        ):
            spec = places[key]
            self.area(
                spec["code"],
                spec["name"],
                kind,
                parent,
                spec["native_name"],
                spec["latitude"],
                spec["longitude"],
            )
        ac = places["ac"]
        ac_code = ac["code"]
        self.area(
            ac_code,
            f"{ac['number']} - {ac['name']}",
            "ac",
            places["district"]["code"],
            f"{str(ac['number']).translate(BN_DIGITS)} - {ac['native_name']}",
            ac["latitude"],
            ac["longitude"],
        )
        origin = places["origin"]
        localities = places["localities"]
        per_locality = 5
        n_parts = per_locality * len(localities)
        sections: list[tuple[str, list[AreaRow]]] = []
        part_people: list[tuple[str, int, StationRow, list[AreaRow], dict]] = []
        for i in range(n_parts):
            number = i + 1
            loc = localities[i // per_locality]
            row, col = divmod(i, origin["columns"])
            if row % 2:  # serpentine, so consecutive parts are neighbours
                col = origin["columns"] - 1 - col
            lat = self.jitter(origin["latitude"] - row * origin["lat_step"], 0.0006)
            lon = self.jitter(origin["longitude"] + col * origin["lon_step"], 0.0006)
            code = f"{ac_code}-P{number:03d}"
            self.area(
                code,
                f"Part {number} - {loc['name']}",
                "part",
                ac_code,
                f"অংশ {str(number).translate(BN_DIGITS)} - {loc['native']}",
                lat,
                lon,
            )
            streets = rng.sample(loc["streets"], rng.randint(2, 4))
            rows = []
            for k, (street, street_native) in enumerate(streets, start=1):
                rows.append(
                    AreaRow(
                        f"{code}-S{k}",
                        f"{k} - {street}",
                        f"{str(k).translate(BN_DIGITS)} - {street_native}",
                        "section",
                        code,
                        self.jitter(lat, 0.0008),
                        self.jitter(lon, 0.0008),
                    )
                )
            sections.append((code, rows))
            station = StationRow(
                area=code,
                part_number=number,
                name=loc["stations"][i % per_locality],
                address=f"{rng.randint(1, 120)}, {streets[0][0]}, Kolkata {loc['pin']}",
                latitude=lat,
                longitude=lon,
            )
            self.plan.stations.append(station)
            part_people.append((code, number, station, rows, loc))
        for _code, rows in sections:
            self.plan.areas.extend(rows)

        for code, _number, station, section_rows, loc in part_people:
            target = max(3, round(ELECTORS_PER_PART * self.scale * rng.uniform(0.85, 1.15)))
            per_section = target / len(section_rows)
            house_numbers = [rng.randint(1, 25) for _ in section_rows]
            serial = 0
            while serial < target:
                section_index = min(int(serial / per_section), len(section_rows) - 1)
                section = section_rows[section_index]
                street = section.name.split(" - ", 1)[1]
                house_numbers[section_index] += rng.choice([1, 1, 1, 2, 2, 3, 4])
                house = str(house_numbers[section_index])
                r = rng.random()
                if r < 0.12:
                    house += f"/{rng.randint(1, 3)}"
                elif r < 0.18:
                    house += rng.choice(["A", "B", "/1A", "/1B"])
                hh_index = len(self.plan.households)
                members = self.india_household(communities, hh_index, code)[: target - serial]
                address = {
                    "house_number": house,
                    "street": street,
                    "locality": loc["name"],
                    "city": "Kolkata",
                    "district": "Kolkata",
                    "region": "West Bengal",
                    "postal_code": loc["pin"],
                    "country": "IN",
                    "latitude": self.jitter(station.latitude, 0.0012),
                    "longitude": self.jitter(station.longitude, 0.0012),
                    "area": section.code,
                }
                self.plan.households.append(
                    HouseholdRow(
                        name=f"{members[0].family_name} family", area=code, address=address
                    )
                )
                for person in members:
                    serial += 1
                    person.serial_number = serial
                    person.external_id = ("epic", self.epic(epic_prefixes))
                    self.india_extras(person, names)
                    if person.gender == "male":
                        station.electors_male += 1
                    elif person.gender == "female":
                        station.electors_female += 1
                    else:
                        station.electors_third_gender += 1
                    self.plan.people.append(person)
