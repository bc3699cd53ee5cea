"""The ``grassroots`` command for operators.

grassroots serve [--host 127.0.0.1] [--port 8000] [--workers 3] [--threads 2] [--with-worker]
grassroots worker [--queue urgent|batch]   # task workers, one per queue (database or RQ)
grassroots housekeeping        # delete export files and import data past their retention
grassroots demo [--seed 42] [--scale 1.0]   # migrate and seed the demo campaign
grassroots createadmin USERNAME [--email E]  # asks for a password
grassroots manage ARGS...      # any Django management command
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from grassroots.core.access import SYSTEM


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    import django

    django.setup()


def cmd_manage(args: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["grassroots", *args])
    return 0


QUEUES = ("urgent", "batch")  # one worker each: a long import never holds up a send


def _worker_argv(burst: bool = False, queue: str = "urgent") -> list[str]:
    """The worker for one queue of the configured backend; ``burst`` drains it and exits."""
    manage = [sys.executable, "-m", "grassroots.cli", "manage"]
    if os.environ.get("GRASSROOTS_TASK_BACKEND", "db") == "rq":
        # django-tasks-rq needs its own Job class to run Task objects and record results.
        argv = [*manage, "rqworker", "--job-class", "django_tasks_rq.backend.Job", queue]
        return [*argv, "--burst"] if burst else argv
    argv = [*manage, "db_worker", "--queue-name", queue]
    return [*argv, "--batch"] if burst else argv


def _start_workers(queues=QUEUES) -> dict[str, subprocess.Popen]:
    return {queue: subprocess.Popen(_worker_argv(queue=queue)) for queue in queues}


def cmd_worker(ns) -> int:
    """One worker process per queue (``--queue`` for just one); they stop together."""
    queues = [ns.queue] if ns.queue else list(QUEUES)
    if ns.burst:  # urgent first, then the batch work
        return max(subprocess.call(_worker_argv(burst=True, queue=q)) for q in queues)
    if len(queues) == 1:
        return subprocess.call(_worker_argv(queue=queues[0]))
    workers = _start_workers(queues)

    def stop(*_):
        for proc in workers.values():
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(proc.poll() is None for proc in workers.values()):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for proc in workers.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return max(proc.returncode or 0 for proc in workers.values())


HOUSEKEEPING_EVERY = 3600  # seconds


def _queue_housekeeping() -> None:
    from grassroots.core.tasks import housekeeping_task

    try:
        housekeeping_task.enqueue()
    except Exception as exc:  # a busy database must not stop the server
        print(f"could not queue housekeeping: {exc}", flush=True)


def _queue_tick() -> None:
    from grassroots.core.tasks import tick_task

    try:
        tick_task.enqueue()
    except Exception as exc:  # a busy database must not stop the server
        print(f"could not queue the minute tick: {exc}", flush=True)


# Web workers: a process per CPU and one more (a request waiting on the database leaves its CPU
# to another process), two threads each (more threads only queue behind Python's lock).
DEFAULT_WEB_WORKERS = (os.cpu_count() or 1) + 1


def cmd_serve(ns) -> int:
    _django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    workers: dict[str, subprocess.Popen] = _start_workers() if ns.with_worker else {}
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "grassroots.wsgi:application",
        "--config",
        "python:grassroots.server",  # timeouts, keep-alive, the memory ceiling (its docstring)
        "--bind",
        f"{ns.host}:{ns.port}",
        "--workers",
        str(ns.workers),
        "--threads",
        str(ns.threads),
    ]
    server = subprocess.Popen(argv)
    print(f"Grassroots is running on http://{ns.host}:{ns.port}/  (Ctrl+C to stop)", flush=True)

    def stop(*_):
        for proc in (server, *workers.values()):
            if proc and proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    next_housekeeping = time.monotonic() + 60  # then hourly (the worker does the work)
    next_tick = time.monotonic() + 5  # then every minute: held messages, scheduled sends
    try:
        while server.poll() is None:
            if workers and time.monotonic() >= next_tick:
                next_tick = time.monotonic() + 60
                _queue_tick()
            if workers and time.monotonic() >= next_housekeeping:
                next_housekeeping = time.monotonic() + HOUSEKEEPING_EVERY
                _queue_housekeeping()
            for queue, proc in list(workers.items()):
                if proc.poll() is not None:
                    print(f"{queue} worker exited; restarting it", flush=True)
                    time.sleep(1)
                    workers[queue] = subprocess.Popen(_worker_argv(queue=queue))
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for proc in (server, *workers.values()):
            if proc:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
    return server.returncode or 0


def cmd_demo(ns) -> int:
    _django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from grassroots.core.jobs import cli_progress, job_create, run_job
    from grassroots.demo.seed import demo_exists, seed_demo

    if demo_exists():
        # No job, no progress bar: there is nothing to do (a "100 % 0/0" bar said otherwise).
        print("The demo campaign already exists; reusing it.")
        _print_logins()
        return 0
    job = job_create(kind="demo.seed", title="Seeding the demo campaign")
    last = [0.0]

    class Reporter:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def advance(self, progress, *, force=False):
            self.inner.advance(progress, force=force)
            now = time.monotonic()
            if now - last[0] > 0.2:
                last[0] = now
                cli_progress(self.inner.job)

    start = time.monotonic()
    result = {}

    def work(reporter):
        result.update(seed_demo(seed=ns.seed, scale=ns.scale, reporter=Reporter(reporter)) or {})
        return {k: v for k, v in result.items() if k != "users"}

    job = run_job(job, work)
    cli_progress(job)
    if result.get("skipped"):
        print("The demo campaign already exists; reusing it.")
    else:
        print(
            f"Demo campaign seeded in {time.monotonic() - start:.1f}s: "
            + ", ".join(f"{k}={v}" for k, v in result.items() if isinstance(v, int))
        )
    _print_logins()
    return 0


def _print_logins() -> None:
    from grassroots.accounts.demo import DEMO_TWO_FACTOR_NOTE
    from grassroots.demo.seed import DEMO_PASSWORD, demo_logins

    print(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for username, role, scope in demo_logins():
        print(f"  {username:<14} {role:<18} {scope}")
    print(f"  {DEMO_TWO_FACTOR_NOTE}")
    print()


class CommandError(Exception):
    """A mistake in what was asked (a missing file, a bad mapping…): said in one line on
    stderr, exit code 2, no traceback."""


def _fail(command: str, message: str) -> int:
    print(f"grassroots {command}: {message}", file=sys.stderr)
    return 2


def _read_mapping(name: str) -> dict:
    """The JSON object in a mapping file, or CommandError saying what is wrong with it."""
    import json
    from pathlib import Path

    path = Path(name)
    if not path.is_file():
        raise CommandError(f"the mapping file {name} does not exist.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(f"the mapping file {name} is not UTF-8 text.")
    except OSError as exc:
        raise CommandError(f"cannot read the mapping file {name}: {exc.strerror}.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"the mapping file {name} is not valid JSON: {exc.msg} "
            f"(line {exc.lineno}, column {exc.colno})."
        )
    if not isinstance(data, dict):
        kind = {list: "an array", str: "a string"}.get(type(data), "a single value")
        raise CommandError(
            f"the mapping file {name} holds {kind}; it must hold a JSON object, "
            '{"columns": {"Column in the file": "person.given_name", …}}.'
        )
    return data


def _suggested_mapping(path: str, template: str, mapping: dict | None) -> dict:
    """The mapping ``--show-mapping`` prints: the template's (or the mapping file's) columns
    fitted to the file's headers, else guesses from the header names; every column of the
    file is listed ("ignore" where nothing fits) so it can be edited."""
    from grassroots.people.imports import services
    from grassroots.people.imports.limits import import_limits
    from grassroots.people.imports.mapping import fit_mapping, suggest
    from grassroots.people.imports.reader import ImportFileError, open_sheet

    try:
        headers = open_sheet(path, limits=import_limits()).headers
    except ImportFileError as exc:
        raise CommandError(str(exc))
    start = (
        mapping
        if mapping is not None
        else (services.template_mapping(template) if template else {})
    )
    fitted = fit_mapping(start, headers) if start else {"columns": suggest(headers)}
    columns = fitted.get("columns") or {}
    guesses = suggest(headers)
    out = {h: columns.get(h, guesses.get(h, "ignore")) for h in headers}
    missing = [h for h in columns if h not in out]
    if missing:
        print(
            "Left out, not in the file: " + ", ".join(missing),
            file=sys.stderr,
        )
    options = start.get("options") or {"match": ["external_id", "name_birth"]}
    return {"columns": out, "constants": start.get("constants") or {}, "options": options}


def _with_keep(mapping: dict, keep: str) -> dict:
    from django.core.exceptions import ValidationError

    from grassroots.people.imports.mapping import with_keep

    try:
        return with_keep(mapping, keep)
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages))


def cmd_import(ns) -> int:
    """Import a voter file or spreadsheet now, with a progress line. A mistake in the command
    (missing file, bad mapping, unknown template or field) is one line and exit code 2."""
    try:
        return _cmd_import(ns)
    except CommandError as exc:
        return _fail("import", str(exc))


def _cmd_import(ns) -> int:
    from pathlib import Path

    if not Path(ns.file).is_file():
        raise CommandError(f"{ns.file}: no such file.")
    if ns.template and ns.mapping:
        raise CommandError("give either --template or --mapping, not both.")
    mapping = _read_mapping(ns.mapping) if ns.mapping else None
    _django()
    import json

    from django.core.exceptions import PermissionDenied, ValidationError

    from grassroots.accounts.models import User
    from grassroots.core.exceptions import Conflict
    from grassroots.people.imports import selectors as import_selectors
    from grassroots.people.imports import services
    from grassroots.people.imports.reader import ImportFileError
    from grassroots.people.runners import import_and_follow_up

    if ns.show_mapping:
        try:
            suggested = _suggested_mapping(ns.file, ns.template or "", mapping)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        if ns.keep:
            suggested = _with_keep(suggested, ns.keep)
        print(json.dumps(suggested, indent=2, ensure_ascii=False))
        return 0
    if not ns.template and mapping is None:
        raise CommandError(
            "give --template NAME or --mapping FILE (--show-mapping prints a mapping to start from)."
        )
    template = ns.template or ""
    if ns.keep:
        if mapping is None:  # the template's mapping, with this option
            try:
                mapping = services.template_mapping(template)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages))
            template = ""
        mapping = _with_keep(mapping, ns.keep)
    actor = SYSTEM
    if ns.as_user:
        actor = User.objects.filter(username=ns.as_user).first()
        if actor is None:
            raise CommandError(f"no user named {ns.as_user!r}.")
    try:
        batch = services.import_create(
            actor=actor,
            path=ns.file,
            mapping=mapping,
            template=template,
            dry_run=ns.dry_run,
        )
    except Conflict as exc:
        print(f"grassroots import: {' '.join(exc.messages)}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        raise CommandError("cannot import " + ns.file + ": " + " ".join(exc.messages))
    except PermissionDenied:
        raise CommandError(f"{ns.as_user} may not do this import (a capability is missing).")

    class Progress:
        def __init__(self):
            self.last = 0.0

        def advance(self, rows, *, force=False):
            now = time.monotonic()
            if not ns.json and (force or now - self.last > 0.3):
                self.last = now
                sys.stderr.write(
                    f"\r{'Checking' if ns.dry_run else 'Importing'} {batch.filename}: {rows:,} rows"
                )
                sys.stderr.flush()

    start = time.monotonic()
    # as the import job of the screens and the API does: then the duplicate search
    try:
        counts, follow_up = import_and_follow_up(batch=batch, reporter=Progress())
    except ImportFileError as exc:  # found while reading: past a limit, damaged further on
        sys.stderr.write("\n")
        print(f"grassroots import: {exc} (import id {batch.pk})", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - start
    if ns.rejects and counts["rejected"]:
        # the one writer of rejected rows (the screens' and the API's download): defused cells
        import_selectors.rejected_rows_write(batch, ns.rejects)
    result = {k: counts[k] for k in ("created", "updated", "unchanged", "rejected")}
    if ns.json:
        print(json.dumps(result))
    else:
        sys.stderr.write("\n")
        label = "Dry run (nothing written)" if ns.dry_run else "Imported"
        rate = counts["rows"] / elapsed if elapsed else 0
        print(
            f"{label}: {counts['rows']:,} rows in {elapsed:.1f}s ({rate:,.0f} rows/s) — "
            + ", ".join(f"{k} {v:,}" for k, v in result.items())
        )
        if counts["rejected"]:
            where = ns.rejects or "--rejects FILE to save them"
            print(f"Rejected rows: {where}")
        print(f"Import id: {batch.pk}")
        if follow_up is not None:
            print(
                f"Looking for duplicates of the imported people: job {follow_up.pk} (a worker runs it)"
            )
    return 0


def cmd_areas_import(ns) -> int:
    """Import an area tree (CSV or GeoJSON) now, with a progress line; exit 1 when the file
    has problems (nothing written), 2 when it cannot be read."""
    _django()
    import json
    from pathlib import Path

    from django.core.exceptions import ValidationError

    from grassroots.accounts.models import User
    from grassroots.geography import area_import

    actor = SYSTEM
    if ns.as_user:
        actor = User.objects.filter(username=ns.as_user).first()
        if actor is None:
            print(f"No user {ns.as_user!r}.", file=sys.stderr)
            return 2
    path = Path(ns.file)
    if not path.is_file():
        print(f"No such file: {ns.file}", file=sys.stderr)
        return 2
    options = {k: v for k, v in (o.split("=", 1) for o in ns.option or [] if "=" in o)}
    if ns.kind:
        options["kind"] = ns.kind
    if ns.parent:
        options["parent"] = ns.parent

    class Progress:
        last = 0.0

        def start(self, total):
            self.total = total

        def advance(self, done, *, force=False):
            now = time.monotonic()
            if not ns.json and (force or now - self.last > 0.3):
                self.last = now
                sys.stderr.write(f"\rWriting areas: {done:,}/{self.total:,}")
                sys.stderr.flush()

    try:
        fmt = area_import.file_format(path)
        result = area_import.area_import_work(
            actor=actor,
            path=str(path),
            fmt=fmt,
            dry_run=ns.dry_run,
            options=options,
            reporter=Progress(),
        )
    except ValidationError as exc:
        print("Cannot import: " + " ".join(exc.messages), file=sys.stderr)
        return 2
    if ns.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        sys.stderr.write("\n")
        if result.get("error"):
            print("Cannot import: " + result["error"], file=sys.stderr)
            return 2
        label = "Dry run (nothing written)" if not result["written"] else "Imported"
        print(
            f"{label}: {result['rows']:,} areas — created {result['created']:,}, "
            f"updated {result['updated']:,}, moved {result['moved']:,}, "
            f"unchanged {result['unchanged']:,}"
        )
        if result["new_kinds"]:
            print("New area kinds: " + ", ".join(result["new_kinds"]))
        if ns.dry_run:
            for line in result["changes"][:50]:
                print("  " + line)
        for p in result["problems"]:
            print(f"{p['unit']} {p['line']}: {p['message']}", file=sys.stderr)
        if result["problem_count"]:
            print(f"{result['problem_count']:,} problems; nothing was written.", file=sys.stderr)
    return 1 if result.get("problem_count") else 0


def cmd_createadmin(ns) -> int:
    _django()
    import getpass

    from grassroots.accounts import services
    from grassroots.accounts.models import Role

    password = os.environ.get("GRASSROOTS_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    user = services.user_create(
        actor=SYSTEM,
        username=ns.username,
        password=password,
        email=ns.email or "",
        roles=Role.objects.filter(slug="admin"),
        scope_all=True,
        is_superuser=True,
    )
    print(f"Admin {user.username} created.")
    return 0


def cmd_housekeeping(ns) -> int:
    """Delete what has outlived its retention now; print the counts as JSON."""
    _django()
    import json

    from grassroots.core.housekeeping import housekeeping_run

    print(json.dumps(housekeeping_run()))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        return cmd_manage(argv[1:])
    parser = argparse.ArgumentParser(prog="grassroots", description="Grassroots operator commands")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the web server (and optionally a worker)")
    p.add_argument("--host", default=os.environ.get("GRASSROOTS_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("GRASSROOTS_PORT", "8000")))
    p.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("GRASSROOTS_WEB_WORKERS", str(DEFAULT_WEB_WORKERS))),
        help="web worker processes (default: CPUs + 1)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("GRASSROOTS_WEB_THREADS", "2")),
        help="threads per web worker",
    )
    p.add_argument(
        "--with-worker", action="store_true", help="also run the task workers (urgent, batch)"
    )
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("worker", help="run the background task workers (one per queue)")
    p.add_argument("--burst", action="store_true", help="run what is queued, then exit")
    p.add_argument("--queue", choices=QUEUES, help="run only this queue's worker")
    p.set_defaults(func=cmd_worker)
    p = sub.add_parser("demo", help="migrate and seed the demo campaign (idempotent)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--scale", type=float, default=float(os.environ.get("GRASSROOTS_DEMO_SCALE", "1.0"))
    )
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("import", help="import a voter file or spreadsheet (CSV/TSV/XLSX, gz/zip)")
    p.add_argument("file")
    p.add_argument("--template", help="a mapping template: us-voter-file, india-roll, osdi-sample…")
    p.add_argument("--mapping", help="a JSON file with the column mapping")
    p.add_argument("--dry-run", action="store_true", help="count what would happen; write nothing")
    p.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    p.add_argument(
        "--rejects",
        help="write the rejected rows to this CSV, as the file has them (the header, each"
        " rejected row, a reason column), formula cells defused: fix and import it again",
    )
    p.add_argument("--as", dest="as_user", help="the username recorded as the importer")
    p.add_argument(
        "--keep",
        metavar="later|newest:COLUMN",
        help="a voter on more than one row: keep the later row (the default), or the row with "
        "the newest date in COLUMN (a column mapped to a date field); overrides the mapping's "
        "option",
    )
    p.add_argument(
        "--show-mapping",
        action="store_true",
        help="print the mapping for this file as JSON (from --template, or guessed from the "
        "column names) to edit and pass back with --mapping; imports nothing",
    )
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("areas", help="set up the area tree (map)")
    areas_sub = p.add_subparsers(dest="areas_command", required=True)
    p = areas_sub.add_parser(
        "import", help="import areas from a CSV (code, name, kind, parent code) or GeoJSON file"
    )
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    p.add_argument("--kind", help="the kind of every area the file does not give one (e.g. part)")
    p.add_argument("--parent", help="the parent code of every area the file does not give one")
    p.add_argument(
        "--option",
        action="append",
        metavar="KEY=VALUE",
        help="code_column=…, name_column=…, kind_column=…, parent_code_column=…",
    )
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.add_argument("--as", dest="as_user", help="the username doing the import (scope checked)")
    p.set_defaults(func=cmd_areas_import)
    p = sub.add_parser("housekeeping", help="delete export files and import data past retention")
    p.set_defaults(func=cmd_housekeeping)
    p = sub.add_parser("createadmin", help="create an admin user")
    p.add_argument("username")
    p.add_argument("--email")
    p.set_defaults(func=cmd_createadmin)
    sub.add_parser("manage", help="run a Django management command")
    ns = parser.parse_args(argv)
    return ns.func(ns)


if __name__ == "__main__":
    sys.exit(main())
