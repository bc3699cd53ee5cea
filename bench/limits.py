"""Hostile inputs refused (issue 14 §1–3): time and peak memory (tracemalloc) to refuse the
probe's files and template, each next to a baseline measured in the same run — the same work on
an ordinary input (opening a 40-column voter file, a zip or gzip of it; checking an ordinary
template). No database.

    make bench BENCH=limits
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

from bench.common import median_ms, print_table, row


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    import django

    django.setup()


def _peak_mb(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def _refused(fn):
    def call():
        try:
            fn()
        except Exception:  # the refusal being measured
            return
        raise AssertionError("not refused")

    return call


def run() -> list[dict]:
    _setup_django()
    from django.core.exceptions import ValidationError

    from grassroots.messaging import rendering
    from grassroots.people.imports.reader import open_sheet

    tmp = Path(tempfile.mkdtemp(prefix="bench-limits-"))
    header = ",".join(f"column_{i}" for i in range(40)) + "\n"
    ordinary_rows = "".join(",".join(["value"] * 40) + "\n" for _ in range(20_000))
    ordinary = tmp / "voters.csv"
    ordinary.write_text(header + ordinary_rows)
    wide = tmp / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n1,2\n")

    def zipped(name: str, chunks) -> Path:
        path = tmp / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("v.csv", "w") as m:
            for chunk in chunks:
                m.write(chunk)
        return path

    block = b"0,0\n" * (1 << 18)  # 1 MB
    bomb_zip = zipped("bomb.zip", [b"a,b\n", *[block] * 1024])  # 1 GB inside
    ordinary_zip = zipped("voters.zip", [ordinary.read_bytes()])
    bomb_gz = tmp / "bomb.csv.gz"
    with gzip.open(bomb_gz, "wb") as gz:
        gz.write(b"a,b\n")
        for _ in range(1024):
            gz.write(block)
    ordinary_gz = tmp / "voters.csv.gz"
    ordinary_gz.write_bytes(gzip.compress(ordinary.read_bytes()))

    hostile = '{{ first_name|ljust:"200000000" }}'
    loops = "{% for a in campaign %}" * 4 + "{% endfor %}" * 4
    plain = 'Hi {{ first_name|default:"friend" }}, polls open at 7 in {{ area }}.'

    def check(source):
        def go():
            with contextlib.suppress(ValidationError):
                rendering.check(source, limit=rendering.limit_for("sms"))

        return go

    cases = [
        ("refuse 1M-column CSV (7.9 MB)", _refused(lambda: open_sheet(wide)),
         lambda: open_sheet(ordinary).close()),
        ("refuse zip bomb (1 GB in 1 MB)", _refused(lambda: open_sheet(bomb_zip)),
         lambda: open_sheet(ordinary_zip).close()),
        ("refuse gzip bomb (1 GB in 1 MB)", _refused(lambda: open_sheet(bomb_gz)),
         lambda: open_sheet(ordinary_gz).close()),
        ("refuse template ljust:200000000", check(hostile), check(plain)),
        ("refuse template 4 nested loops", check(loops), check(plain)),
    ]  # fmt: skip
    rows = []
    for metric, hostile_fn, baseline_fn in cases:
        rows.append(
            row(
                "limits", metric, median_ms(hostile_fn, 5, 1), "ms", median_ms(baseline_fn, 5, 1), 1
            )
        )
        rows.append(
            row("limits", metric + " peak", _peak_mb(hostile_fn), "MB", _peak_mb(baseline_fn), 1)
        )
    print_table(rows)
    shutil.rmtree(tmp, ignore_errors=True)
    return rows
