"""Voter-file import (``grassroots import``) on its own PostgreSQL database (1,000,000 rows).

Generates a 30-column US voter file (the ``us-voter-file`` template's 17 columns plus 13 that
the mapping ignores), then measures, in the same run:

* a raw ``COPY`` of that file into a 30-column text table (voter-id and last-name indexes)
  against the engine importing it into an empty database (rows/s, peak RSS);
* re-importing the same file (nothing changed) and a file with 10% of the rows changed (half a
  new phone, half a move to a new street) against hand-written SQL: ``COPY`` into a staging
  table, then ``UPDATE``/``INSERT … FROM`` it (the changed rows only, and the whole file diffed);
* the engine's peak memory at 100k rows and at the full scale;
* the schema floor: the rows the engine wrote (people, households, addresses, identifiers,
  contact points, vote history, rollback records), COPYed back in binary into the real tables
  with their indexes and foreign keys. The flat 30-column COPY above writes one table with two
  indexes; the import writes seven with 23 indexes, so this is the honest upper bound.

The engine runs as an operator would run it, in a subprocess (``python -m grassroots.cli import
FILE --mapping M.json --json``), so wall time includes the interpreter and Django start-up and
the copy of the file into the media directory; its peak RSS comes from ``wait4``.

    BENCH_SCALE=100000 make bench BENCH=import       # a quicker run
    BENCH_IMPORT_DATABASE_URL=postgres://...         # default: grassroots_bench_import
    BENCH_IMPORT_PROFILE=1      # then cProfile in-process imports of 20k rows: new, again, 10% changed
    BENCH_IMPORT_SQLITE=0       # skip the SQLite part (engine on SQLite, 100k rows, vs executemany)
    BENCH_IMPORT_ONLY=sqlite    # only the SQLite part
    BENCH_IMPORT_KEEP=0         # skip keep_repeated = newest against the default (new + again)
    BENCH_IMPORT_ONLY=keep      # only that comparison (PostgreSQL, then SQLite)

Between the steps (untimed): VACUUM ANALYZE of the people tables, as a settled database would
have had (autovacuum may be off, as on the development server). The SQL baselines run in a
transaction that is rolled back, so the engine then starts from the same state.

The benchmark process itself never sets up Django (``make bench`` runs it after ``people``, which
does, against another database): the Django work runs in subprocesses, and the SQL baselines and
the resets go through psycopg.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import print_table, row, scale
from grassroots.core.access import SYSTEM

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.gettempdir()) / "grassroots-bench-import"  # /tmp
DATA_DIR = WORK / "data"  # GRASSROOTS_DATA_DIR of the engine subprocess (its media/imports)
FORMAT = "v1"  # bump when the generator changes, so stale files are not reused
NAMESPACE = "us-ca-voter"
STATE_CODE = "BENCH-US-CA"
PRECINCTS = 200
ELECTIONS = [
    ("us-2022-general", "2022 General", "general", dt.date(2022, 11, 8)),
    ("us-2024-primary", "2024 Primary", "primary", dt.date(2024, 3, 5)),
    ("us-2024-general", "2024 General", "general", dt.date(2024, 11, 5)),
]
TEMPLATE_COLUMNS = [
    "VoterID",
    "FirstName",
    "MiddleName",
    "LastName",
    "BirthDate",
    "Gender",
    "HouseNumber",
    "Street",
    "Unit",
    "City",
    "Zip",
    "Precinct",
    "Phone",
    "Email",
    "G2022",
    "P2024",
    "G2024",
]
EXTRA_COLUMNS = [  # in real state files; mapped to "ignore" (the issue's ~30-column file)
    "RegistrationDate",
    "Party",
    "VoterStatus",
    "County",
    "CongressionalDistrict",
    "SenateDistrict",
    "AssemblyDistrict",
    "MailingAddress",
    "MailingCity",
    "MailingState",
    "MailingZip",
    "Language",
    "PermanentVBM",
]
HEADER = TEMPLATE_COLUMNS + EXTRA_COLUMNS
COL = {name: i for i, name in enumerate(HEADER)}


def _words(text: str) -> list[str]:
    return text.split()


MALE = _words(
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel "
    "Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy "
    "Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott "
    "Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry Tyler Aaron "
    "Jose Adam Nathan Henry Douglas Zachary Peter Kyle Noah Ethan Jeremy Walter Christian Keith "
    "Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur Lawrence Jordan Jesse Bryan Billy "
    "Bruce Gabriel Joe Logan Alan Juan Albert Willie Elijah Wayne Randy Vincent Mason Roy Ralph "
    "Bobby Russell Bradley Philip Eugene Carlos Luis Miguel Wei Minh Jun Hiroshi Arjun Rahul"
)
FEMALE = _words(
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty "
    "Sandra Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie "
    "Dorothy Rebecca Sharon Laura Cynthia Amy Kathleen Angela Shirley Brenda Emma Anna Pamela "
    "Nicole Samantha Katherine Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather "
    "Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith "
    "Andrea Hannah Megan Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Ann Kathryn "
    "Abigail Sophia Frances Jean Alice Judy Isabella Julia Grace Amber Denise Danielle Marilyn "
    "Beverly Charlotte Natalie Theresa Diana Brittany Doris Kayla Alexis Lori Guadalupe Mei Linh "
    "Yuki Priya Ananya Sofia Camila Valentina Ximena"
)
FAMILY = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell "
    "Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson "
    "Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera "
    "Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez "
    "McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns "
    "Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt "
    "Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice "
    "Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn "
    "Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott "
    "Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry "
    "Perkins Hoffman Johnston Matthews Pena Richards Contreras Willis Carpenter Lawrence Sandoval "
    "Wong Huang Wang Liu Zhang Yang Pham Le Vu Singh Shah Gupta Sharma Tanaka Yamamoto O'Brien "
    "O'Connor D'Souza"
)
STREETS = _words(
    "Oak Pine Maple Cedar Elm Washington Lake Hill Park Main Sunset Mission Valencia Castro "
    "Market Geary Fulton Irving Judah Noriega Taraval Ocean Alemany Bayshore Cortland Folsom "
    "Howard Harrison Bryant Potrero Guerrero Dolores Church Sanchez Noe Diamond Douglass Hoffman "
    "Grand Telegraph Shattuck College Ashby Dwight Blake Channing Durant Bancroft Hearst Poplar "
    "Rose Vine Walnut Chestnut Lincoln Jefferson Madison Monroe Adams Jackson Franklin Hamilton "
    "Wilson Euclid Arch Spruce Willow Magnolia Juniper Sequoia Redwood Cypress Laurel Acacia"
)
SUFFIXES = ["St", "Ave", "Blvd", "Way", "Dr", "Ct", "Pl", "Ln", "Rd", "Ter"]
CITIES = [  # (city, county, zips)
    ("San Francisco", "San Francisco", ["94110", "94112", "94114", "94117", "94122"]),
    ("Oakland", "Alameda", ["94601", "94602", "94606", "94609", "94610"]),
    ("Berkeley", "Alameda", ["94702", "94703", "94704", "94705", "94709"]),
    ("San Jose", "Santa Clara", ["95112", "95116", "95122", "95125", "95128"]),
    ("Fresno", "Fresno", ["93701", "93702", "93703", "93704", "93705"]),
    ("Sacramento", "Sacramento", ["95811", "95814", "95816", "95818", "95822"]),
    ("Los Angeles", "Los Angeles", ["90004", "90019", "90026", "90042", "90065"]),
    ("Long Beach", "Los Angeles", ["90802", "90803", "90804", "90805", "90806"]),
    ("San Diego", "San Diego", ["92101", "92103", "92104", "92105", "92116"]),
    ("Riverside", "Riverside", ["92501", "92503", "92504", "92505", "92506"]),
]
AREA_CODES = [  # real California area codes
    209, 213, 279, 310, 323, 341, 350, 408, 415, 424, 442, 510, 530, 559, 562, 619, 626, 628,
    650, 657, 661, 669, 707, 714, 747, 760, 805, 818, 820, 831, 840, 858, 909, 916, 925, 949, 951,
]  # fmt: skip
DOMAINS = ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com"]
PARTIES = ["DEM", "REP", "NPP", "AIP", "LIB", "GRN", "PF"]
PARTY_WEIGHTS = [46, 24, 22, 3, 2, 1, 2]
LANGUAGES = ["ENG", "SPA", "CHI", "VIE", "KOR", "TAG"]
LANGUAGE_WEIGHTS = [80, 12, 3, 2, 2, 1]
PHONE_POOL = 4000


# --- setup -----------------------------------------------------------------------------------


def _database_url() -> str:
    return os.environ.get(
        "BENCH_IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/grassroots_bench_import"
    )


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_database_url(),
        DJANGO_SETTINGS_MODULE="grassroots.settings",
        GRASSROOTS_DATA_DIR=str(DATA_DIR),
        GRASSROOTS_SECRET_KEY="bench-import-not-a-secret",
        GRASSROOTS_TASK_BACKEND="db",  # what an operator's `grassroots import` uses
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env


def _create_database() -> None:
    import psycopg

    base, _, dbname = _database_url().rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')


def _django_setup_in_child() -> None:
    """``python -m bench.importer setup``: migrate, then the areas and elections the file names."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from grassroots.geography import services as geo
    from grassroots.geography.models import Area, Election

    state = Area.objects.filter(code=STATE_CODE).first()
    if state is None:
        kind = geo.area_kind_ensure(code="state", name="State")
        state = geo.area_create(actor=SYSTEM, kind=kind, code=STATE_CODE, name="Bench California")
    precinct = geo.area_kind_ensure(
        code="precinct", name="Precinct", plural="Precincts", is_polling_unit=True
    )
    have = set(Area.objects.filter(parent=state).values_list("code", flat=True))
    missing = [c for c in _precinct_codes() if c not in have]
    if missing:
        geo.areas_bulk_create(
            [{"kind": precinct, "code": c, "name": f"Precinct {c[-4:]}"} for c in missing], state
        )
    for code, name, kind, date in ELECTIONS:
        if not Election.objects.filter(code=code).exists():
            geo.election_create(
                actor=SYSTEM, name=name, kind=kind, date=date, area=state, code=code
            )


def _precinct_codes() -> list[str]:
    return [f"CA-P{i:04d}" for i in range(1, PRECINCTS + 1)]


# --- the voter file --------------------------------------------------------------------------


def _phone_pool(rng: random.Random) -> list[str]:
    import phonenumbers

    pool: list[str] = []
    while len(pool) < PHONE_POOL:
        npa = rng.choice(AREA_CODES)
        nxx = rng.randrange(200, 1000)
        line = rng.randrange(10000)
        if nxx % 100 == 11 or (nxx == 555 and 100 <= line <= 199):
            continue
        number = phonenumbers.parse(f"+1{npa}{nxx:03d}{line:04d}")
        if phonenumbers.is_valid_number(number):
            pool.append(f"({npa}) {nxx:03d}-{line:04d}")
    return pool


def _cum(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _generate(path: Path, n: int) -> list[str]:
    """Write ``n`` voters in households of 1–4 (sharing an address); return the phone pool."""
    rng = random.Random(42)
    phones = _phone_pool(rng)
    precincts = _precinct_codes()
    # Each precinct: one city (and zip), a dozen streets, districts for the ignored columns.
    places = []
    for i, code in enumerate(precincts):
        city, county, zips = CITIES[i % len(CITIES)]
        streets = rng.sample([f"{s} {x}" for s in STREETS for x in SUFFIXES], 12)
        places.append(
            (
                code,
                city,
                county,
                zips[(i // len(CITIES)) % len(zips)],
                streets,
                f"CD{10 + i % 12}",
                f"SD{1 + i % 40:02d}",
                f"AD{1 + i % 80:02d}",
            )
        )
    family_cum = _cum([1 / (r + 8) for r in range(len(FAMILY))])  # a long tail of surnames
    size_cum = _cum([35, 34, 18, 13])
    party_cum = _cum(PARTY_WEIGHTS)
    lang_cum = _cum(LANGUAGE_WEIGHTS)
    choices, rand, randrange = rng.choices, rng.random, rng.randrange
    marks = [("Y", 45), ("N", 30), ("", 12), ("M", 8), ("A", 3), ("E", 2)]
    mark_vals, mark_cum = [m for m, _w in marks], _cum([w for _m, w in marks])
    voter_ids = iter(rng.sample(range(10_000_000, 99_999_999), n))
    born_from = dt.date(1930, 1, 1).toordinal()
    born_span = dt.date(2007, 12, 31).toordinal() - born_from
    reg_from = dt.date(1990, 1, 1).toordinal()
    reg_span = dt.date(2024, 10, 1).toordinal() - reg_from
    used_addresses: set[tuple] = set()
    written = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(HEADER)
        while written < n:
            code, city, county, zip_code, streets, cd, sd, ad = places[randrange(PRECINCTS)]
            while True:
                house = str(randrange(1, 10000))
                street = streets[randrange(len(streets))]
                unit = f"Apt {randrange(1, 40)}" if rand() < 0.2 else ""
                if (city, zip_code, house, street, unit) not in used_addresses:
                    used_addresses.add((city, zip_code, house, street, unit))
                    break
            size = min(choices((1, 2, 3, 4), cum_weights=size_cum)[0], n - written)
            family = choices(FAMILY, cum_weights=family_cum)[0]
            for _member in range(size):
                female = rand() < 0.52
                first = (FEMALE if female else MALE)[randrange(len(FEMALE if female else MALE))]
                last = family if rand() < 0.85 else choices(FAMILY, cum_weights=family_cum)[0]
                r = rand()
                middle = (
                    chr(65 + randrange(26))
                    if r < 0.4
                    else (FEMALE if female else MALE)[randrange(40)]
                    if r < 0.65
                    else ""
                )
                born = dt.date.fromordinal(born_from + randrange(born_span))
                r = rand()
                gender = ("F" if female else "M") if r < 0.93 else ("U" if r < 0.98 else "X")
                email = ""
                if rand() < 0.30:
                    local = "".join(c for c in f"{first}.{last}" if c.isalpha() or c == ".")
                    email = f"{local.lower()}{randrange(1000)}@{DOMAINS[randrange(len(DOMAINS))]}"
                reg = dt.date.fromordinal(reg_from + randrange(reg_span))
                mailing = rand() < 0.08
                out.writerow(
                    [
                        str(next(voter_ids)),
                        first,
                        middle,
                        last,
                        f"{born.month:02d}/{born.day:02d}/{born.year}",
                        gender,
                        house,
                        street,
                        unit,
                        city,
                        zip_code,
                        code,
                        phones[randrange(PHONE_POOL)] if rand() < 0.40 else "",
                        email,
                        choices(mark_vals, cum_weights=mark_cum)[0],
                        choices(mark_vals, cum_weights=mark_cum)[0] if rand() < 0.7 else "",
                        choices(mark_vals, cum_weights=mark_cum)[0],
                        f"{reg.month:02d}/{reg.day:02d}/{reg.year}",
                        choices(PARTIES, cum_weights=party_cum)[0],
                        "A",
                        county,
                        cd,
                        sd,
                        ad,
                        f"PO Box {randrange(1, 9999)}" if mailing else "",
                        city if mailing else "",
                        "CA" if mailing else "",
                        zip_code if mailing else "",
                        choices(LANGUAGES, cum_weights=lang_cum)[0],
                        "Y" if rand() < 0.35 else "N",
                    ]
                )
                written += 1
    return phones


def _derive(src: Path, n: int, phones: list[str], changed: Path, only: Path) -> dict:
    """The 10%-changed file (same rows, a deterministic 10% sample changed: half get a new phone,
    half move to a new street) and a file of just those changed rows (for the SQL baseline)."""
    rng = random.Random(43)
    sample = rng.sample(range(n), n // 10)
    kind = {i: ("phone" if k % 2 == 0 else "street") for k, i in enumerate(sample)}
    counts = {"phone": 0, "street": 0}
    with (
        open(src, newline="", encoding="utf-8") as fin,
        open(changed, "w", newline="", encoding="utf-8") as fall,
        open(only, "w", newline="", encoding="utf-8") as fonly,
    ):
        reader = csv.reader(fin)
        w_all = csv.writer(fall, lineterminator="\n")
        w_only = csv.writer(fonly, lineterminator="\n")
        header = next(reader)
        w_all.writerow(header)
        w_only.writerow(header)
        for i, rec in enumerate(reader):
            what = kind.get(i)
            if what == "phone":
                new = rec[COL["Phone"]]
                while new == rec[COL["Phone"]]:
                    new = phones[rng.randrange(len(phones))]
                rec[COL["Phone"]] = new
            elif what == "street":
                rec[COL["HouseNumber"]] = str(rng.randrange(10000, 100000))
                rec[COL["Street"]] = f"{rng.choice(STREETS)} {rng.choice(SUFFIXES)}"
                rec[COL["Unit"]] = ""
            w_all.writerow(rec)
            if what:
                counts[what] += 1
                w_only.writerow(rec)
    return counts


def _prefix(src: Path, dest: Path, rows: int) -> None:
    with open(src, encoding="utf-8") as fin, open(dest, "w", encoding="utf-8") as fout:
        for i, line in enumerate(fin):
            if i > rows:
                break
            fout.write(line)


def _files(n: int) -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    base = WORK / f"voters-{FORMAT}-{n}.csv"
    changed = WORK / f"voters-{FORMAT}-{n}-changed10.csv"
    only = WORK / f"voters-{FORMAT}-{n}-changed10-only.csv"
    meta = WORK / f"voters-{FORMAT}-{n}.json"
    if meta.exists() and base.exists() and changed.exists() and only.exists():
        print(f"reusing the generated voter files ({n:,} rows) in {WORK}")
        info = json.loads(meta.read_text())
    else:
        print(f"generating a {n:,}-row voter file …", flush=True)
        start = time.perf_counter()
        phones = _generate(base, n)
        info = {"changes": _derive(base, n, phones, changed, only)}
        meta.write_text(json.dumps(info))
        print(f"generated in {time.perf_counter() - start:.1f}s", flush=True)
    mapping = WORK / "mapping.json"
    spec = _builtin_mapping("us-voter-file")
    spec["columns"].update(dict.fromkeys(EXTRA_COLUMNS, "ignore"))
    mapping.write_text(json.dumps(spec, indent=2))
    newest = WORK / "mapping-newest.json"  # keep_repeated = newest (issue 13 §8): a first pass
    spec["options"] = {
        **spec.get("options", {}),
        "keep_repeated": "newest",
        "newest_by": "BirthDate",
    }
    newest.write_text(json.dumps(spec, indent=2))
    files = {
        "base": base,
        "changed": changed,
        "only": only,
        "mapping": mapping,
        "mapping_newest": newest,
        **info,
    }
    if n > 100_000:
        files["prefix"] = WORK / f"voters-{FORMAT}-{n}-first100k.csv"
        if not files["prefix"].exists():
            _prefix(base, files["prefix"], 100_000)
    for key in ("base", "changed", "only", "prefix"):
        if key in files:
            size = files[key].stat().st_size
            print(f"  {files[key].name}: {size / 1e6:,.1f} MB")
    return files


# --- the engine, in a subprocess -------------------------------------------------------------


def _builtin_mapping(name: str) -> dict:
    """A built-in template's mapping (read in a child: the templates module needs Django)."""
    code = (
        "import json, django; django.setup(); "
        "from grassroots.people.imports.templates import BUILTIN; "
        f"print(json.dumps(BUILTIN[{name!r}]['mapping']))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=_child_env(), cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _hwm_mb(pid: int) -> float:
    """The process's own peak resident set (VmHWM), in MB; 0 once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _child(argv: list[str], env: dict[str, str] | None = None) -> dict:
    """Run ``argv``; return wall seconds, CPU seconds, peak RSS (MB) and its stdout.

    The peak is the child's own VmHWM, read from /proc while it runs: ``ru_maxrss`` from
    ``wait4`` would include the pages of this (large) benchmark process that the child shared
    between fork and exec."""
    out_path, err_path = WORK / "child.out", WORK / "child.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdout=out, stderr=err, env={**_child_env(), **(env or {})}, cwd=ROOT
        )
        peak = 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _hwm_mb(proc.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    if proc.returncode != 0:
        sys.stderr.write(err_path.read_text(errors="replace")[-4000:])
        raise RuntimeError(f"{' '.join(argv[:4])} … exited with {proc.returncode}")
    return {
        "seconds": seconds,
        # CPU time of the child alone (not the database server's): a steadier figure than the
        # wall time on a machine that other work shares
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "rss_mb": peak,
        "stdout": out_path.read_text(),
    }


def _engine(path: Path, mapping: Path, label: str, env: dict[str, str] | None = None) -> dict:
    print(f"engine: {label} ({path.name}) …", flush=True)
    result = _child(
        [
            sys.executable,
            "-m",
            "grassroots.cli",
            "import",
            str(path),
            "--mapping",
            str(mapping),
            "--json",
        ],
        env,
    )
    result["counts"] = json.loads(result["stdout"].strip().splitlines()[-1])
    shutil.rmtree(DATA_DIR / "media" / "imports", ignore_errors=True)  # the stored copies
    print(
        f"  {result['seconds']:.1f}s (CPU {result['cpu_s']:.1f}s), "
        f"peak RSS {result['rss_mb']:.0f} MB, "
        + ", ".join(f"{k} {v:,}" for k, v in result["counts"].items()),
        flush=True,
    )
    return result


def _idle_child() -> dict:
    """The floor: a process that sets up Django and imports the engine, and does nothing."""
    code = (
        "from grassroots.cli import _django; _django(); "
        "import grassroots.people.imports.services, phonenumbers"
    )
    return _child([sys.executable, "-c", code])


# --- PostgreSQL: resets and the hand-written baselines ----------------------------------------


def _connect():
    import psycopg

    return psycopg.connect(_database_url())


PEOPLE_TABLES = (
    "people_person, people_household, people_address, people_importbatch, core_outboxevent"
)


def _reset() -> None:
    with _connect() as conn:
        conn.execute(f"TRUNCATE {PEOPLE_TABLES} CASCADE")


def _analyze() -> None:
    """What a settled database has (this server runs with autovacuum off): not timed."""
    with _connect() as conn:
        conn.autocommit = True
        for table in (
            "people_person",
            "people_household",
            "people_address",
            "people_externalid",
            "people_contactpoint",
            "people_votehistory",
            "people_importchange",
        ):
            conn.execute(f"VACUUM ANALYZE {table}")


def _copy_file(cur, table: str, path: Path, options: str = "") -> None:
    sql = f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true{options})"
    with cur.copy(sql) as copy, open(path, "rb") as fh:
        while data := fh.read(1 << 20):
            copy.write(data)


def _copy_baseline(path: Path, repeat: int = 3) -> float:
    """Raw COPY of the same file into 30 text columns with two btree indexes, committed: the
    median seconds of ``repeat`` runs (each into a new table)."""
    columns = ", ".join(f'"{h.lower()}" text' for h in HEADER)
    samples = []
    with _connect() as conn:
        for _ in range(repeat):
            conn.execute("DROP TABLE IF EXISTS bench_copy")
            conn.execute(f"CREATE TABLE bench_copy ({columns})")
            conn.execute("CREATE INDEX bench_copy_voterid ON bench_copy (voterid)")
            conn.execute("CREATE INDEX bench_copy_lastname ON bench_copy (lastname)")
            conn.commit()
            start = time.perf_counter()
            with conn.cursor() as cur:
                _copy_file(cur, "bench_copy", path)
            conn.commit()
            samples.append(time.perf_counter() - start)
        conn.execute("DROP TABLE bench_copy")
        conn.commit()
    print("  COPY runs: " + ", ".join(f"{s:.2f}s" for s in samples))
    return statistics.median(samples)


# What an import of new people writes, parents first (the order a COPY must follow).
WRITTEN_TABLES = (
    "people_address",
    "people_household",
    "people_person",
    "people_externalid",
    "people_contactpoint",
    "people_votehistory",
    "people_importchange",
)


def _schema_floor() -> dict:
    """The floor of the schema itself: the rows the engine just wrote, COPYed (binary) back into
    the same tables with all their indexes, constraints and foreign-key checks, in one
    committed transaction. No import can write those rows faster than this; it leaves the
    database exactly as it was (same rows, same ids)."""
    dumps: dict[str, Path] = {}
    with _connect() as conn, conn.cursor() as cur:
        for table in WRITTEN_TABLES:  # to files: this process stays small (see _child)
            dumps[table] = WORK / f"floor-{table}.bin"
            with (
                cur.copy(f"COPY {table} TO STDOUT (FORMAT binary)") as copy,
                open(dumps[table], "wb") as fh,
            ):
                for data in copy:
                    fh.write(data)
        conn.commit()
        conn.execute(f"TRUNCATE {', '.join(WRITTEN_TABLES)} CASCADE")
        conn.commit()
        steps: dict[str, float] = {}
        start = time.perf_counter()
        for table in WRITTEN_TABLES:
            last = time.perf_counter()
            with (
                cur.copy(f"COPY {table} FROM STDIN (FORMAT binary)") as copy,
                open(dumps[table], "rb") as fh,
            ):
                while data := fh.read(1 << 20):
                    copy.write(data)
            steps[table] = time.perf_counter() - last
        last = time.perf_counter()
        conn.commit()  # the deferred foreign-key checks run here
        steps["commit"] = time.perf_counter() - last
        seconds = time.perf_counter() - start
    print(
        "  schema floor steps: "
        + ", ".join(f"{k.removeprefix('people_')} {v:.2f}s" for k, v in steps.items())
    )
    size = sum(p.stat().st_size for p in dumps.values())
    for p in dumps.values():
        p.unlink()
    return {"seconds": seconds, "mb": size / 1e6}


def _k(col: str) -> str:
    """address_match_key's normalisation of one part, in SQL (NFKC, casefold, punctuation)."""
    return f"btrim(regexp_replace(lower(normalize(s.{col}, NFKC)), '[\\s.,#/-]+', ' ', 'g'))"


# By hand, what the engine does to people already in the database, for the rows in "stage":
# name/gender/birth/area changes, a move to another (new or existing) household, new phones and
# emails, changed vote history. Not done here (the engine does them): the ImportChange rows that
# make a rollback possible, the batch bookkeeping, custom fields and rejected-row reporting.
APPLY_SQL = [
    (
        "keyed",
        f"""
        CREATE TEMP TABLE keyed ON COMMIT DROP AS
        SELECT e.person_id, a.id AS area_id, s.*,
               btrim(s.firstname) AS g, btrim(s.middlename) AS m, btrim(s.lastname) AS f,
               concat_ws(' ', nullif(btrim(s.firstname), ''), nullif(btrim(s.middlename), ''),
                         nullif(btrim(s.lastname), '')) AS full_name,
               CASE lower(btrim(s.gender)) WHEN 'f' THEN 'female' WHEN 'm' THEN 'male'
                    WHEN 'x' THEN 'other' WHEN 'o' THEN 'other' ELSE '' END AS sex,
               BORN_EXPR AS born,
               concat_ws('|', {_k("housenumber")}, {_k("street")}, {_k("unit")}, '',
                         {_k("city")}, {_k("zip")}) AS match_key
        FROM stage s
        JOIN people_externalid e ON e.namespace = '{NAMESPACE}' AND e.value = btrim(s.voterid)
        JOIN geography_area a ON a.code = btrim(s.precinct)
        """,
    ),
    ("analyze", "ANALYZE keyed"),
    (
        "person",
        """
        UPDATE people_person p
        SET given_name = k.g, middle_name = coalesce(nullif(k.m, ''), p.middle_name),
            family_name = coalesce(nullif(k.f, ''), p.family_name), full_name = k.full_name,
            gender = CASE WHEN k.sex = '' THEN p.gender ELSE k.sex END,
            birth_date = k.born, born_estimate = k.born, area_id = k.area_id,
            source = 'State voter file', updated_at = now()
        FROM keyed k
        WHERE p.id = k.person_id
          AND (p.given_name, p.middle_name, p.family_name, p.full_name, p.gender, p.birth_date,
               p.born_estimate, p.area_id, p.source)
              IS DISTINCT FROM
              (k.g, coalesce(nullif(k.m, ''), p.middle_name),
               coalesce(nullif(k.f, ''), p.family_name), k.full_name,
               CASE WHEN k.sex = '' THEN p.gender ELSE k.sex END, k.born, k.born,
               k.area_id, 'State voter file')
        """,
    ),
    (
        "moves",
        """
        CREATE TEMP TABLE moves ON COMMIT DROP AS
        SELECT k.person_id, k.area_id, k.match_key, k.housenumber, k.street, k.unit, k.city, k.zip
        FROM keyed k
        JOIN people_person p ON p.id = k.person_id
        LEFT JOIN people_household h ON h.id = p.household_id
        LEFT JOIN people_address ad ON ad.id = h.address_id
        WHERE coalesce(ad.match_key, '') <> k.match_key
        """,
    ),
    (
        "new households",
        """
        WITH need AS (
            SELECT DISTINCT ON (m.area_id, m.match_key) m.* FROM moves m
            WHERE NOT EXISTS (
                SELECT 1 FROM people_address a JOIN people_household h ON h.address_id = a.id
                WHERE a.match_key = m.match_key AND h.area_id = m.area_id)
        ), addr AS (
            INSERT INTO people_address (created_at, updated_at, house_number, street, line2,
                locality, city, district, region, postal_code, country, area_id, match_key)
            SELECT now(), now(), btrim(housenumber), btrim(street), btrim(unit), '', btrim(city),
                   '', 'CA', btrim(zip), 'US', area_id, match_key
            FROM need
            RETURNING id, area_id
        )
        INSERT INTO people_household (created_at, updated_at, name, address_id, area_id)
        SELECT now(), now(), '', id, area_id FROM addr
        """,
    ),
    (
        "moved",
        """
        UPDATE people_person p SET household_id = hh.id, updated_at = now()
        FROM moves m, LATERAL (
            SELECT h.id FROM people_household h JOIN people_address a ON a.id = h.address_id
            WHERE a.match_key = m.match_key AND h.area_id = m.area_id ORDER BY h.id LIMIT 1) hh
        WHERE p.id = m.person_id AND p.household_id IS DISTINCT FROM hh.id
        """,
    ),
    (
        "phones",
        """
        INSERT INTO people_contactpoint (created_at, updated_at, person_id, channel, value,
            phone_kind, whatsapp, status, is_primary, source)
        SELECT now(), now(), k.person_id, 'phone', '+1' || regexp_replace(k.phone, '\\D', '', 'g'),
               '', false, 'active',
               NOT EXISTS (SELECT 1 FROM people_contactpoint c
                           WHERE c.person_id = k.person_id AND c.channel = 'phone'), 'import'
        FROM keyed k WHERE btrim(k.phone) <> ''
        ON CONFLICT (person_id, channel, value) DO NOTHING
        """,
    ),
    (
        "emails",
        """
        INSERT INTO people_contactpoint (created_at, updated_at, person_id, channel, value,
            phone_kind, whatsapp, status, is_primary, source)
        SELECT now(), now(), k.person_id, 'email', lower(btrim(k.email)), '', false, 'active',
               NOT EXISTS (SELECT 1 FROM people_contactpoint c
                           WHERE c.person_id = k.person_id AND c.channel = 'email'), 'import'
        FROM keyed k WHERE btrim(k.email) <> ''
        ON CONFLICT (person_id, channel, value) DO NOTHING
        """,
    ),
    (
        "votes",
        """
        INSERT INTO people_votehistory (person_id, election_id, voted, method, ballot_party)
        SELECT k.person_id, el.id, mk.voted, mk.method, ''
        FROM keyed k
        CROSS JOIN LATERAL (VALUES ('us-2022-general', k.g2022), ('us-2024-primary', k.p2024),
                                   ('us-2024-general', k.g2024)) v(code, mark)
        JOIN (VALUES ('y', true, 'in_person'), ('n', false, ''), ('m', true, 'mail'),
                     ('a', true, 'absentee'), ('e', true, 'early')) mk(mark, voted, method)
          ON mk.mark = lower(btrim(v.mark))
        JOIN geography_election el ON el.code = v.code
        ON CONFLICT (person_id, election_id) DO UPDATE
        SET voted = EXCLUDED.voted, method = EXCLUDED.method
        WHERE (people_votehistory.voted, people_votehistory.method)
              IS DISTINCT FROM (EXCLUDED.voted, EXCLUDED.method)
        """,
    ),
]


# How to read BirthDate: as the mapping says (MM/DD/YYYY), or as the engine actually stores it.
BORN_AS_MAPPED = "to_date(s.birthdate, 'MM/DD/YYYY')"
BORN_DAY_FIRST = (  # mapping.parse_date without the format: DD/MM/YYYY wins when it parses
    "CASE WHEN split_part(s.birthdate, '/', 2)::int <= 12 THEN to_date(s.birthdate, 'DD/MM/YYYY')"
    " ELSE to_date(s.birthdate, 'MM/DD/YYYY') END"
)


def _stage(cur, path: Path) -> None:
    columns = ", ".join(f'"{h.lower()}" text' for h in HEADER)
    cur.execute(f"CREATE TEMP TABLE stage ({columns}) ON COMMIT DROP")
    _copy_file(cur, "stage", path, ", NULL '\\N'")  # an empty cell is '', not NULL
    cur.execute("ANALYZE stage")


def _birth_dates(path: Path) -> tuple[str, int]:
    """How the engine stored the file's MM/DD/YYYY birth dates: the SQL expression that gives
    what it stored, and how many differ from the mapping's reading."""
    with _connect() as conn, conn.cursor() as cur:
        _stage(cur, path)
        cur.execute(
            f"""SELECT count(*) FILTER (WHERE p.birth_date = {BORN_AS_MAPPED}),
                       count(*) FILTER (WHERE p.birth_date = {BORN_DAY_FIRST}), count(*)
                FROM stage s
                JOIN people_externalid e ON e.namespace = '{NAMESPACE}' AND e.value = s.voterid
                JOIN people_person p ON p.id = e.person_id"""
        )
        mapped, day_first, total = cur.fetchone()
        conn.rollback()
    if mapped == total:
        return BORN_AS_MAPPED, 0
    if day_first == total:
        return BORN_DAY_FIRST, total - mapped
    raise RuntimeError(f"birth dates: {mapped} as mapped, {day_first} day-first, of {total}")


def _sql_apply(path: Path, born: str) -> dict:
    """COPY ``path`` into a staging table and apply it by hand; time it, then roll it back (so
    the engine then starts from the same state). Returns seconds and the rows each step wrote."""
    counts: dict[str, int] = {}
    steps: dict[str, float] = {}
    with _connect() as conn:
        start = last = time.perf_counter()
        with conn.cursor() as cur:
            _stage(cur, path)
            steps["copy"] = time.perf_counter() - last
            for label, sql in APPLY_SQL:
                last = time.perf_counter()
                cur.execute(sql.replace("BORN_EXPR", born))
                counts[label] = cur.rowcount
                steps[label] = time.perf_counter() - last
        seconds = time.perf_counter() - start
        conn.rollback()
    print(
        "  SQL steps: "
        + ", ".join(f"{k} {v:.2f}s ({counts.get(k, '-')})" for k, v in steps.items())
    )
    return {"seconds": seconds, "counts": counts}


def _changed_people(counts: dict) -> int:
    return sum(counts[k] for k in ("person", "moved", "phones", "emails", "votes"))


# --- profile ---------------------------------------------------------------------------------


def _profile_in_child(mapping: str, paths: list[str]) -> None:
    """``python -m bench.importer profile MAPPING FILE…``: cProfile in-process imports, in turn."""
    import cProfile
    import pstats

    import django

    django.setup()
    from grassroots.people.imports import services

    spec = json.loads(Path(mapping).read_text())
    for path in paths:
        batch = services.import_create(actor=SYSTEM, path=path, mapping=spec)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        counts = services.import_run(batch=batch)
        profiler.disable()
        print(
            f"\n=== {Path(path).name}: {time.perf_counter() - start:.1f}s under cProfile, {counts}"
        )
        stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
        stats.sort_stats("cumulative").print_stats(15)
        stats.sort_stats("tottime").print_stats(15)
        # the import's own functions (and the shared bulk insert), by cumulative time
        stats.sort_stats("cumulative").print_stats(r"engine|mapping|bulk|reader|phones|valid", 25)


def _profile(files: dict, n: int) -> None:
    """New rows, the same again, then the 10%-changed file: 20k rows each, in one process."""
    rows = min(n, 20_000)
    paths = [files["base"], files["changed"]]
    if rows < n:
        paths = [
            WORK / f"voters-{FORMAT}-{n}-first20k.csv",
            WORK / f"voters-{FORMAT}-{n}-changed-first20k.csv",
        ]
        _prefix(files["base"], paths[0], rows)
        _prefix(files["changed"], paths[1], rows)
    _reset()
    print(
        f"\ncProfile of in-process imports of {rows:,} rows (new, again, 10% changed):", flush=True
    )
    argv = [sys.executable, "-m", "bench.importer", "profile", str(files["mapping"])]
    out = _child([*argv, str(paths[0]), str(paths[0]), str(paths[1])])
    print(out["stdout"])
    shutil.rmtree(DATA_DIR / "media" / "imports", ignore_errors=True)


# --- SQLite ----------------------------------------------------------------------------------

SQLITE_ROWS = 100_000
SQLITE_DB = WORK / "bench-import.sqlite3"
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")  # as settings.py


def _executemany_baseline(path: Path, db: Path) -> float:
    """The bare floor on SQLite: read the CSV and ``executemany`` its rows into 30 text
    columns with two indexes (as the COPY baseline), in one transaction, committed."""
    import sqlite3

    for f in db.parent.glob(db.name + "*"):
        f.unlink()
    conn = sqlite3.connect(db)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)
    columns = ", ".join(f'"{h.lower()}" text' for h in HEADER)
    conn.execute(f"CREATE TABLE bench_copy ({columns})")
    conn.execute("CREATE INDEX bench_copy_voterid ON bench_copy (voterid)")
    conn.execute("CREATE INDEX bench_copy_lastname ON bench_copy (lastname)")
    conn.commit()
    start = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        marks = ", ".join(["?"] * len(HEADER))
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO bench_copy VALUES ({marks})", reader)
        conn.commit()
    seconds = time.perf_counter() - start
    conn.close()
    for f in db.parent.glob(db.name + "*"):
        f.unlink()
    return seconds


def _sqlite(files: dict, n: int) -> list[dict]:
    """The same engine on SQLite (the embedded default) against ``executemany``."""
    rows_n = min(n, SQLITE_ROWS)
    path = files["base"] if n <= SQLITE_ROWS else files["prefix"]
    base_s = _executemany_baseline(path, WORK / "bench-executemany.sqlite3")
    print(
        f"baseline (SQLite): executemany of {rows_n:,} rows in one transaction: {base_s:.1f}s "
        f"({rows_n / base_s:,.0f} rows/s)",
        flush=True,
    )
    for f in SQLITE_DB.parent.glob(SQLITE_DB.name + "*"):
        f.unlink()
    env = {"DATABASE_URL": f"sqlite:///{SQLITE_DB}"}
    _child([sys.executable, "-m", "bench.importer", "setup"], env)
    new = _engine(path, files["mapping"], "SQLite, new rows, empty database", env)
    assert new["counts"]["created"] == rows_n and new["counts"]["rejected"] == 0, new["counts"]
    again = _engine(path, files["mapping"], "SQLite, the same file again", env)
    assert again["counts"]["unchanged"] == rows_n, again["counts"]
    for f in SQLITE_DB.parent.glob(SQLITE_DB.name + "*"):
        f.unlink()
    return [
        row(
            "import",
            "SQLite: import new rows (rows/s)",
            rows_n / new["seconds"],
            "rows/s",
            rows_n / base_s,
            rows_n,
        ),
        row("import", "SQLite: re-import unchanged (s)", again["seconds"], "s", base_s, rows_n),
        row("import", "SQLite: engine peak RSS (MB)", new["rss_mb"], "MB", 0, rows_n),
    ]


def _keep_newest(files: dict, n: int, path: Path, env: dict | None, label: str) -> list[dict]:
    """``keep_repeated = newest`` (a first pass over the identifier and date columns, kept in a
    temporary table) against the default (the later row) in the same run: a new load into an
    empty database and the same file again (nothing changed), each with both options."""
    out = []
    for step in ("new", "again"):
        if step == "new":
            if env is None:
                _reset()
            else:
                for f in SQLITE_DB.parent.glob(SQLITE_DB.name + "*"):
                    f.unlink()
                _child([sys.executable, "-m", "bench.importer", "setup"], env)
        default = _engine(path, files["mapping"], f"{label}{step}, keep the later row", env)
        if step == "new":  # the newest-row load starts from the same empty database
            if env is None:
                _reset()
            else:
                for f in SQLITE_DB.parent.glob(SQLITE_DB.name + "*"):
                    f.unlink()
                _child([sys.executable, "-m", "bench.importer", "setup"], env)
        newest = _engine(path, files["mapping_newest"], f"{label}{step}, keep the newest row", env)
        key = "created" if step == "new" else "unchanged"
        assert newest["counts"][key] == default["counts"][key] == n, (default, newest)
        what = "import new rows" if step == "new" else "re-import unchanged"
        out.append(
            row(
                "import",
                f"{label}{what}, keep newest:BirthDate vs later (s)",
                newest["seconds"],
                "s",
                default["seconds"],
                n,
            )
        )
        out.append(
            row(
                "import",
                f"{label}{what}, keep newest vs later, engine CPU (s)",
                newest["cpu_s"],
                "s",
                default["cpu_s"],
                n,
            )
        )
        out.append(
            row(
                "import",
                f"{label}{what}, keep newest vs later, peak RSS (MB)",
                newest["rss_mb"],
                "MB",
                default["rss_mb"],
                n,
            )
        )
    return out


# --- the benchmark ---------------------------------------------------------------------------


def run() -> list[dict]:
    n = scale(1_000_000)
    _create_database()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    files = _files(n)
    if os.environ.get("BENCH_IMPORT_ONLY") == "sqlite":
        rows = _sqlite(files, n)
        print_table(rows)
        return rows
    print("migrating and creating the areas and elections …", flush=True)
    _child([sys.executable, "-m", "bench.importer", "setup"])
    if os.environ.get("BENCH_IMPORT_ONLY") == "keep":  # only keep newest vs later
        rows = _keep_newest(files, n, files["base"], None, "")
        rows += _keep_newest(
            files,
            min(n, SQLITE_ROWS),
            files["base"] if n <= SQLITE_ROWS else files["prefix"],
            {"DATABASE_URL": f"sqlite:///{SQLITE_DB}"},
            "SQLite: ",
        )
        print_table(rows)
        return rows
    changes = files["changes"]
    n_changed = changes["phone"] + changes["street"]

    copy_s = _copy_baseline(files["base"])
    print(
        f"baseline: COPY {n:,} rows in {copy_s:.1f}s (median) ({n / copy_s:,.0f} rows/s)",
        flush=True,
    )
    idle = _idle_child()
    print(
        f"floor: Django start-up in a subprocess {idle['seconds']:.1f}s "
        f"(CPU {idle['cpu_s']:.1f}s), peak RSS {idle['rss_mb']:.0f} MB",
        flush=True,
    )
    rows: list[dict] = [
        row("import", "floor: Django start-up (s)", idle["seconds"], "s", 0, n),
    ]

    if n > 100_000:  # the memory curve: the same engine on the first 100k rows
        _reset()
        small = _engine(files["prefix"], files["mapping"], "first 100,000 rows, empty database")
        rows.append(
            row(
                "import",
                "engine peak RSS, new rows (MB)",
                small["rss_mb"],
                "MB",
                idle["rss_mb"],
                100_000,
            )
        )

    _reset()
    new = _engine(files["base"], files["mapping"], "new rows, empty database")
    assert new["counts"]["created"] == n and new["counts"]["rejected"] == 0, new["counts"]
    rows.append(
        row("import", "import new rows (rows/s)", n / new["seconds"], "rows/s", n / copy_s, n)
    )
    rows.append(row("import", "import new rows (s)", new["seconds"], "s", copy_s, n))
    rows.append(
        row("import", "import new rows, engine CPU (s)", new["cpu_s"], "s", idle["cpu_s"], n)
    )
    rows.append(
        row("import", "engine peak RSS, new rows (MB)", new["rss_mb"], "MB", idle["rss_mb"], n)
    )
    floor = _schema_floor()
    print(
        f"floor: COPY of the rows the engine wrote ({floor['mb']:,.0f} MB, 7 tables) back into "
        f"the real schema: {floor['seconds']:.1f}s ({n / floor['seconds']:,.0f} people/s)",
        flush=True,
    )
    rows.append(
        row(
            "import",
            "import new rows vs schema floor (rows/s)",
            n / new["seconds"],
            "rows/s",
            n / floor["seconds"],
            n,
        )
    )

    _analyze()
    born, misread = _birth_dates(files["base"])
    if misread:
        print(
            f"WARNING: the engine stored {misread:,} of {n:,} birth dates ({misread / n:.0%}) "
            "day/month swapped: it ignores the mapping's %m/%d/%Y and tries %d/%m/%Y first. "
            "The SQL baselines read the dates the way the engine stored them.",
            flush=True,
        )
    same_sql = _sql_apply(files["base"], born)
    print(f"baseline: SQL staging diff of the whole file: {same_sql['seconds']:.1f}s", flush=True)
    assert _changed_people(same_sql["counts"]) == 0, same_sql  # the SQL agrees: nothing changed
    _analyze()
    again = _engine(files["base"], files["mapping"], "the same file again")
    assert again["counts"]["unchanged"] == n and again["counts"]["updated"] == 0, again["counts"]
    rows.append(
        row("import", "re-import unchanged (s)", again["seconds"], "s", same_sql["seconds"], n)
    )
    rows.append(
        row("import", "engine peak RSS, re-import (MB)", again["rss_mb"], "MB", idle["rss_mb"], n)
    )

    only_sql = _sql_apply(files["only"], born)
    print(
        f"baseline: SQL staging upsert of the {n_changed:,} changed rows: {only_sql['seconds']:.1f}s"
    )
    full_sql = _sql_apply(files["changed"], born)
    print(f"baseline: SQL staging diff of the whole 10%-changed file: {full_sql['seconds']:.1f}s")
    for sql in (only_sql, full_sql):  # the hand-written SQL made exactly the file's changes
        c = sql["counts"]
        assert (c["phones"], c["moved"], _changed_people(c)) == (
            changes["phone"],
            changes["street"],
            n_changed,
        ), (c, changes)
    _analyze()
    ten = _engine(files["changed"], files["mapping"], "10% of rows changed")
    updated = ten["counts"]["updated"]
    assert abs(updated - n_changed) <= n_changed * 0.01, (ten["counts"], changes)
    assert ten["counts"]["unchanged"] + updated == n, ten["counts"]
    rows.append(
        row("import", "import 10% changed (s)", ten["seconds"], "s", only_sql["seconds"], n)
    )
    rows.append(
        row(
            "import",
            "import 10% changed, vs SQL diff of file (s)",
            ten["seconds"],
            "s",
            full_sql["seconds"],
            n,
        )
    )
    rows.append(
        row("import", "engine peak RSS, 10% changed (MB)", ten["rss_mb"], "MB", idle["rss_mb"], n)
    )
    print(
        f"10% file: {updated:,} updated ({updated / n:.1%}; the file changed {n_changed:,}: "
        f"{changes['phone']:,} new phones, {changes['street']:,} moves)"
    )

    if os.environ.get("BENCH_IMPORT_KEEP", "1") != "0":
        rows += _keep_newest(files, n, files["base"], None, "")
    if os.environ.get("BENCH_IMPORT_PROFILE"):
        _profile(files, n)
    if os.environ.get("BENCH_IMPORT_SQLITE", "1") != "0":
        rows += _sqlite(files, n)
    print_table(rows)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["setup"]:
        _django_setup_in_child()
    elif sys.argv[1:2] == ["profile"]:
        _profile_in_child(sys.argv[2], sys.argv[3:])
    else:
        run()
