"""The US half of the demo: California → Alameda County → CA-12, its precincts, voter file and
vote history."""

from __future__ import annotations

import datetime as dt

from grassroots.geography.demo import StationRow
from grassroots.people.demo.plan import (
    ISSUES_US,
    REFERENCE_DATE,
    US_ELECTIONS,
    US_HOUSEHOLD_SIZE,
    US_SOURCE,
    US_TURNOUT,
    US_VOTE_METHOD,
    VOTERS_PER_PRECINCT,
    BuilderBase,
    HouseholdRow,
    PersonRow,
    Table,
    clamp,
    load_data,
)


class USBuilder(BuilderBase):
    def us_person(
        self,
        names: dict,
        family: tuple[str, str],
        age: int,
        gender: str | None,
        hh: int,
        precinct: str,
    ) -> PersonRow:
        rng = self.rng
        gender = gender or ("female" if rng.random() < 0.52 else "male")
        given = rng.choice(names["female" if gender == "female" else "male"])
        r = rng.random()
        if r < 0.55:
            middle = rng.choice("ABCDEFGHJKLMNPRSTW")
        elif r < 0.70:
            middle = rng.choice(names["male" if gender == "male" else "female"])
        else:
            middle = ""
        birth = dt.date(REFERENCE_DATE.year - age - 1, REFERENCE_DATE.month, 1) + dt.timedelta(
            days=rng.randrange(365)
        )
        language = "en"
        if family[1] and rng.random() < 0.35:
            language = family[1]
        status = "active"
        r = rng.random()
        if r < (0.03 if age >= 80 else 0.003):
            status = "deceased"
        elif r < 0.03:
            status = "moved"  # California voter files carry many stale addresses
        return PersonRow(
            household=hh,
            area=precinct,
            given_name=given,
            middle_name=middle,
            family_name=family[0],
            native_name="",
            gender=gender,
            birth_date=birth,
            preferred_language=language,
            support_score=self.support(),
            status=status,
            do_not_contact=rng.random() < 0.01,
            source=US_SOURCE,
        )

    def us_extras(self, p: PersonRow, names: dict, area_codes: list[str]) -> None:
        rng = self.rng
        age = REFERENCE_DATE.year - p.birth_date.year
        if rng.random() < 0.55:
            kind = "landline" if age >= 65 and rng.random() < 0.35 else "mobile"
            p.phones.append(
                (self.us_phone(area_codes), kind, kind == "mobile" and rng.random() < 0.1)
            )
        if rng.random() < 0.35:
            p.emails.append(self.email(p.given_name, p.family_name, p.birth_date.year))
        if p.status == "active":
            if 18 <= age <= 75 and rng.random() < 0.02:
                p.tags.append("Volunteer")
            if age >= 25 and rng.random() < 0.025:
                p.tags.append("Donor")
            if rng.random() < 0.015:
                p.tags.append("Yard sign")
            if age >= 80 and rng.random() < 0.2:
                p.tags.append("Needs transport")
        if rng.random() < 0.15:
            p.custom["occupation"] = (
                "Student"
                if age < 23 and rng.random() < 0.7
                else "Retired"
                if age >= 67 and rng.random() < 0.75
                else rng.choice(names["occupations"])
            )
        if rng.random() < 0.08:
            p.custom["issues"] = sorted(
                rng.sample(ISSUES_US, rng.randint(1, 3)), key=ISSUES_US.index
            )
        propensity = rng.betavariate(2, 1.6) * (0.8 if age < 30 else 1.1 if age >= 60 else 1.0)
        bd = p.birth_date
        adult_on = (
            dt.date(bd.year + 18, 3, 1)
            if (bd.month, bd.day) == (2, 29)
            else bd.replace(year=bd.year + 18)
        )
        for code, _name, _kind, date, _area, _races in US_ELECTIONS:
            if adult_on > date:
                continue  # not yet 18 on polling day
            voted = rng.random() < min(0.97, propensity * US_TURNOUT[code])
            method = ""
            if voted:
                method = US_VOTE_METHOD.pick(rng)
            p.votes.append((code, voted, method))

    def us(self) -> None:
        rng = self.rng
        places = load_data("places_us.json")
        names = load_data("names_us.json")
        families = Table([((f[0], f[2]), f[1]) for f in names["family"]])
        area_codes = places["area_codes"]
        for key, kind, parent in (
            ("country", "country", None),
            ("state", "state", "US"),
            ("county", "county", "US-CA"),
            ("district", "cd", "US-CA-06001"),
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
        cd = places["district"]["code"]
        for i, pr in enumerate(places["precincts"], start=1):
            code = f"{cd}-P{i:04d}"
            self.area(
                code,
                f"Precinct {pr['number']} - {pr['name']}",
                "precinct",
                cd,
                "",
                pr["lat"],
                pr["lon"],
            )
            station = StationRow(
                area=code,
                part_number=None,
                name=pr["place"],
                address=pr["place_address"],
                latitude=pr["lat"],
                longitude=pr["lon"],
            )
            self.plan.stations.append(station)
            target = max(3, round(VOTERS_PER_PRECINCT * self.scale * rng.uniform(0.85, 1.15)))
            apartments = pr["name"] in {"Uptown", "Adams Point", "Chinatown", "Grand Lake"}
            count = 0
            while count < target:
                size = US_HOUSEHOLD_SIZE.pick(rng)
                size = min(size, target - count)
                family = families.pick(rng)
                hh = len(self.plan.households)
                head_age = rng.randint(22, 90) if size <= 2 else rng.randint(40, 80)
                head = self.us_person(names, family, head_age, None, hh, code)
                members = [head]
                if size >= 2:
                    partner_family = family if rng.random() < 0.8 else families.pick(rng)
                    partner_gender = (
                        ("female" if head.gender == "male" else "male")
                        if rng.random() < 0.9
                        else head.gender
                    )
                    members.append(
                        self.us_person(
                            names,
                            partner_family,
                            clamp(head_age + rng.randint(-8, 6), 18, 95),
                            partner_gender,
                            hh,
                            code,
                        )
                    )
                while len(members) < size:
                    child_age = head_age - rng.randint(22, 36)
                    if child_age >= 18:
                        members.append(self.us_person(names, family, child_age, None, hh, code))
                    else:  # a roommate
                        members.append(
                            self.us_person(
                                names, families.pick(rng), rng.randint(22, 40), None, hh, code
                            )
                        )
                line2 = ""
                if rng.random() < (0.6 if apartments else 0.2):
                    line2 = f"Apt {rng.randint(1, 24)}{rng.choice(['', '', 'A', 'B'])}"
                street = rng.choice(pr["streets"])
                address = {
                    "house_number": str(rng.randint(1, 69) * 100 + rng.randint(0, 99)),
                    "street": street,
                    "line2": line2,
                    "locality": pr["name"],
                    "city": "Oakland",
                    "district": "Alameda County",
                    "region": "CA",
                    "postal_code": pr["zip"],
                    "country": "US",
                    "latitude": self.jitter(pr["lat"], 0.004),
                    "longitude": self.jitter(pr["lon"], 0.005),
                    "area": code,
                }
                families_in = {m.family_name for m in members}
                hh_name = f"{head.family_name} household" if len(families_in) == 1 else ""
                self.plan.households.append(HouseholdRow(name=hh_name, area=code, address=address))
                for person in members:
                    count += 1
                    person.external_id = ("us-ca-voter", self.voter_id())
                    self.us_extras(person, names, area_codes)
                    if person.gender == "male":
                        station.electors_male += 1
                    elif person.gender == "female":
                        station.electors_female += 1
                    else:
                        station.electors_third_gender += 1
                    self.plan.people.append(person)
