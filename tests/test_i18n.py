"""The UI speaks Hindi, Bengali and Italian, and the catalogues behind it are complete.

The compiled ``.mo`` files are committed, so these tests need no gettext tools: the ``.po``
files are read with a small parser below and the ``.mo`` files with the standard library.
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from grassroots.accounts.models import Role
from grassroots.accounts.services import user_create
from grassroots.core.access import SYSTEM

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
PASSWORD = "pw-123456789"

# What the shell and the people screens must show in each language.
EXPECTED = {
    "hi": {
        "People": "लोग",
        "Households": "परिवार",
        "Dashboard": "डैशबोर्ड",
        "Sign out": "साइन आउट करें",
        "Sign in": "साइन इन करें",
        "Username": "उपयोगकर्ता नाम",
        "Search": "खोजें",
        "Add person": "व्यक्ति जोड़ें",
        "Timeline": "टाइमलाइन",
        "Do not contact": "संपर्क न करें",
    },
    "bn": {
        "People": "মানুষ",
        "Households": "পরিবার",
        "Dashboard": "ড্যাশবোর্ড",
        "Sign out": "সাইন আউট করুন",
        "Sign in": "সাইন ইন করুন",
        "Username": "ব্যবহারকারীর নাম",
        "Search": "খুঁজুন",
        "Add person": "ব্যক্তি যোগ করুন",
        "Timeline": "টাইমলাইন",
        "Do not contact": "যোগাযোগ করবেন না",
    },
    "it": {
        "People": "Persone",
        "Households": "Nuclei familiari",
        "Dashboard": "Bacheca",
        "Sign out": "Esci",
        "Sign in": "Accedi",
        "Username": "Nome utente",
        "Search": "Cerca",
        "Add person": "Aggiungi persona",
        "Timeline": "Cronologia",
        "Do not contact": "Non contattare",
    },
}
LANGS = list(EXPECTED)

# msgstr may equal msgid only for these: technical tokens, proper nouns, and words spelled
# the same in the target language.
SAME_AS_ENGLISH_OK = {
    "—",
    "SMS",
    "WhatsApp",
    "2FA",
    "Referendum",
    "Area",
    "area",
    "No",
    "HTML",
    "Singapore",
    "Password",
    "Menu",
}

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


# --- a small .po reader -----------------------------------------------------------------------


def _unquote(s: str) -> str:
    return ast.literal_eval(s)  # a .po string is a valid Python string literal with C escapes


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr / msgstr[n], flags.

    Obsolete (``#~``) entries are skipped; the header (empty msgid) is returned too.
    """
    entries: list[dict] = []
    cur: dict | None = None
    key: str | None = None

    def flush():
        nonlocal cur
        if cur is not None and "msgid" in cur:
            entries.append(cur)
        cur = None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            key = None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if cur is not None and "msgid" in cur:
                flush()
            cur = cur or {"flags": set()}
            cur["flags"].update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#"):
            if cur is not None and "msgid" in cur:
                flush()
            cur = cur or {"flags": set()}
            continue
        m = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
        if m:
            key = m.group(1)
            if key in ("msgctxt", "msgid") and cur is not None and "msgid" in cur:
                flush()
            cur = cur or {"flags": set()}
            cur[key] = _unquote(m.group(2))
            continue
        if line.startswith('"') and cur is not None and key:
            cur[key] += _unquote(line)
            continue
        raise AssertionError(f"{path}: cannot parse line {raw!r}")
    flush()
    return entries


def po_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / "django.po"


def mo_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / "django.mo"


# --- the catalogues ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", LANGS)
def test_catalogue_header(code):
    header = next(e for e in read_po(po_path(code)) if e["msgid"] == "")
    assert "fuzzy" not in header["flags"]
    fields = dict(line.split(": ", 1) for line in header["msgstr"].splitlines() if ": " in line)
    assert fields["Language"] == code
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"].startswith("nplurals=2; plural=(n")


@pytest.mark.parametrize("code", LANGS)
def test_every_entry_is_translated_and_not_fuzzy(code):
    entries = [e for e in read_po(po_path(code)) if e["msgid"] != ""]
    assert len(entries) > 300
    problems = []
    for e in entries:
        label = e["msgid"]
        if "fuzzy" in e["flags"]:
            problems.append(f"fuzzy: {label!r}")
        if "msgid_plural" in e:
            forms = [e.get("msgstr[0]", ""), e.get("msgstr[1]", "")]
            if not all(f.strip() for f in forms):
                problems.append(f"empty plural: {label!r}")
            for f in forms:
                if set(PLACEHOLDER.findall(f)) - set(
                    PLACEHOLDER.findall(e["msgid"]) + PLACEHOLDER.findall(e["msgid_plural"])
                ):
                    problems.append(f"unknown placeholder in {f!r}")
            continue
        s = e.get("msgstr", "")
        if not s.strip():
            problems.append(f"empty: {label!r}")
        elif (
            s == e["msgid"]
            and e["msgid"] not in SAME_AS_ENGLISH_OK
            and re.search("[A-Za-z]", PLACEHOLDER.sub("", e["msgid"]))  # not only placeholders
        ):
            problems.append(f"left in English: {label!r}")
        if sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(e["msgid"])):
            problems.append(f"placeholders differ: {label!r} -> {s!r}")
    assert not problems, "\n".join(problems)


# Where ``make messages`` looks, and what it leaves out (keep in step with the Makefile).
SOURCE_DIR = LOCALE_DIR.parent
MAKEMESSAGES_IGNORE = ["static/*", "demo/*"]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogues as ``make messages`` would leave them for the source as it is now.

    The source tree is copied and ``makemessages`` (the project's, which also knows the
    ``_l`` alias) merges every marked string into copies of the committed ``.po`` files, so a
    string added to a template or to Python and never translated shows up as empty or fuzzy.
    """
    import os
    import shutil

    from django.core.management import call_command
    from django.test import override_settings

    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.fail("GNU gettext (xgettext, msgmerge) is needed: apt-get install gettext")
    root = tmp_path_factory.mktemp("messages") / "grassroots"
    shutil.copytree(
        SOURCE_DIR,
        root,
        ignore=shutil.ignore_patterns(
            "__pycache__", "static", "*.mo", "*.ttf", "*.sqlite3*", "*.json.gz", "*.csv"
        ),
    )
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with override_settings(LOCALE_PATHS=[root / "locale"]):
            call_command(
                "makemessages", locale=LANGS, ignore_patterns=MAKEMESSAGES_IGNORE, verbosity=0
            )
    finally:
        os.chdir(cwd)
    return {code: read_po(root / "locale" / code / "LC_MESSAGES" / "django.po") for code in LANGS}


@pytest.mark.parametrize("code", LANGS)
def test_every_string_in_the_source_has_a_translation(extracted, code):
    """A string marked in a template or in Python but missing from (or fuzzy in) the committed
    catalogue fails here: run ``make messages`` and translate it."""
    missing = []
    for e in extracted[code]:
        if e["msgid"] == "":
            continue
        text = e.get("msgstr") if "msgid_plural" not in e else e.get("msgstr[0]")
        if "fuzzy" in e["flags"] or not (text or "").strip():
            ctx = f"[{e['msgctxt']}] " if "msgctxt" in e else ""
            missing.append(f"{ctx}{e['msgid']!r}")
    assert not missing, f"{len(missing)} strings without a {code} translation:\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize("code", LANGS)
def test_compiled_catalogue_matches_po(code):
    """The committed .mo is compiled from the current .po (run compilemessages after edits)."""
    with mo_path(code).open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    assert mo.info()["language"] == code
    stale = []
    for e in read_po(po_path(code)):
        if e["msgid"] == "":
            continue
        if "msgid_plural" in e and "msgctxt" in e:
            got = [mo.npgettext(e["msgctxt"], e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
            if got != [e["msgstr[0]"], e["msgstr[1]"]]:
                stale.append(e["msgid"])
        elif "msgid_plural" in e:
            got = [mo.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
            if got != [e["msgstr[0]"], e["msgstr[1]"]]:
                stale.append(e["msgid"])
        elif "msgctxt" in e:
            if mo.pgettext(e["msgctxt"], e["msgid"]) != e["msgstr"]:
                stale.append(e["msgid"])
        elif mo.gettext(e["msgid"]) != e["msgstr"]:
            stale.append(e["msgid"])
    assert not stale, f"{mo_path(code)} is out of date for: {stale[:10]}"


@pytest.mark.parametrize("code", LANGS)
def test_key_strings_translate_at_run_time(code):
    from django.utils import translation

    with translation.override(code):
        for english, translated in EXPECTED[code].items():
            assert translation.gettext(english) == translated
        assert translation.ngettext("%(n)s seat", "%(n)s seats", 3) != "%(n)s seats"


# --- the screens ------------------------------------------------------------------------------


@pytest.fixture
def admin_user(db):
    return user_create(
        actor=SYSTEM,
        username="u",
        password=PASSWORD,
        roles=Role.objects.filter(slug="admin"),
        scope_all=True,
        is_superuser=True,
        two_factor_exempt=True,  # the admin role requires 2FA; signs in with a password here
    )


def set_language(client, code):
    r = client.post("/i18n/setlang/", {"language": code, "next": "/"})
    assert r.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == code


@pytest.mark.parametrize("code", LANGS)
def test_shell_and_people_screens_are_translated(client, admin_user, code):
    assert client.login(username="u", password=PASSWORD)
    set_language(client, code)
    words = EXPECTED[code]
    for url in ("/", "/people/"):
        r = client.get(url)
        assert r.status_code == 200, url
        body = r.content.decode()
        assert f'<html lang="{code}">' in body
        assert f">{words['People']}</a>" in body, url  # nav label
        assert words["Dashboard"] in body
        assert words["Sign out"] in body
        assert "Sign out" not in body, url
        assert ">People<" not in body, url
    body = client.get("/people/").content.decode()
    assert words["Search"] in body and words["Add person"] in body
    assert "No people match these filters." not in body


@pytest.mark.parametrize("code", LANGS)
def test_person_detail_is_translated(client, admin_user, people, code):
    from grassroots.people.services import person_update

    ananya = people["ananya"]
    person_update(actor=SYSTEM, person=ananya, data={"do_not_contact": True})
    assert client.login(username="u", password=PASSWORD)
    set_language(client, code)
    body = client.get(reverse("people:person_detail", args=[ananya.pk])).content.decode()
    assert EXPECTED[code]["Timeline"] in body
    assert EXPECTED[code]["Do not contact"] in body
    for english in ("Timeline", "Do not contact", "Sign out", ">Details<", ">Consent<"):
        assert english not in body


@pytest.mark.parametrize("code", LANGS)
def test_login_page_is_translated(client, db, code):
    set_language(client, code)
    r = client.get(reverse("accounts:login"))
    assert r.status_code == 200
    body = r.content.decode()
    assert f'<html lang="{code}">' in body
    assert EXPECTED[code]["Sign in"] in body
    assert EXPECTED[code]["Username"] in body
    assert "Sign in" not in body
    assert "Username" not in body


def test_english_is_still_the_default_and_can_be_chosen_back(client, admin_user):
    assert client.login(username="u", password=PASSWORD)
    assert "Sign out" in client.get("/").content.decode()
    set_language(client, "hi")
    assert "Sign out" not in client.get("/").content.decode()
    set_language(client, "en")
    body = client.get("/people/").content.decode()
    assert "Sign out" in body and ">People</a>" in body


# --- words that need their sense: contexts, relative times, names campaigns type ---------------


RANGE_WORDS = {
    # lower / upper bound of the age and household-size ranges, and "contacted by (channel)"
    "hi": ("से", "तक", "माध्यम"),
    "bn": ("থেকে", "পর্যন্ত", "মাধ্যম"),
    "it": ("Da", "A", "Tramite"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("code", LANGS)
def test_segment_builder_range_and_channel_words_have_their_sense(code):
    from django.utils import translation

    from grassroots.lists.registry import filters

    low, high, by = RANGE_WORDS[code]
    with translation.override(code):
        for key in ("age", "household_size"):
            params = {p["name"]: p for p in filters.get(key).describe()["params"]}
            assert (params["min"]["label"], params["max"]["label"]) == (low, high), key
        contacted = {p["name"]: p for p in filters.get("contacted").describe()["params"]}
        assert contacted["channel"]["label"] == by
        described = [f.describe() for f in filters]
    # every condition, hint and option of the builder is in the language
    english = {f.describe()["label"] for f in filters}
    assert not english & {d["label"] for d in described} - SAME_AS_ENGLISH_OK


@pytest.mark.parametrize(
    ("code", "hours_ago", "days"),
    [
        ("hi", "3\u00a0घंटे पहले", "2\u00a0दिन"),
        ("bn", "3\u00a0ঘণ্টা আগে", "2\u00a0দিন"),
        ("it", "3\u00a0ore fa", "2\u00a0giorni"),
    ],
)
def test_relative_times_are_translated(code, hours_ago, days):
    import datetime as dt

    from django.contrib.humanize.templatetags.humanize import naturaltime
    from django.utils import timezone, translation
    from django.utils.timesince import timesince

    now = timezone.now()
    with translation.override(code):
        assert naturaltime(now - dt.timedelta(hours=3, minutes=1)) == hours_ago
        assert timesince(now - dt.timedelta(days=2, hours=1), now).startswith(days)
        assert "ago" not in naturaltime(now - dt.timedelta(days=40))


@pytest.mark.django_db
def test_area_kinds_and_custom_field_labels_follow_the_language(client, admin_user, people):
    from grassroots.geography.services import area_kind_ensure
    from grassroots.people.models import CustomField, CustomFieldValue

    kind = people["ananya"].area.kind
    kind.names = {"bn": "ভাগ (বুথ)", "hi": "भाग (बूथ)"}
    kind.save()
    field = CustomField.objects.create(
        key="occupation", label="Occupation", type="text", labels={"bn": "পেশা"}
    )
    CustomFieldValue.objects.create(person=people["ananya"], field=field, value="Teacher")
    assert client.login(username="u", password=PASSWORD)
    set_language(client, "bn")
    body = client.get(reverse("people:person_detail", args=[people["ananya"].pk])).content.decode()
    assert "<dt>পেশা</dt>" in body and "Occupation" not in body
    body = client.get(reverse("geography:area_detail", args=[people["ananya"].area.pk]))
    assert "ভাগ (বুথ)" in body.content.decode()
    set_language(client, "it")  # no Italian name: the name as entered
    body = client.get(reverse("people:person_detail", args=[people["ananya"].pk])).content.decode()
    assert "<dt>Occupation</dt>" in body
    # seeding again adds the languages a kind lacks and keeps the ones set by hand
    again = area_kind_ensure(code=kind.code, name=kind.name, names={"bn": "অংশ", "it": "Sezione"})
    assert again.names == {"bn": "ভাগ (বুথ)", "hi": "भाग (बूथ)", "it": "Sezione"}


# --- strings shown to users but never marked for translation ----------------------------------

# Where Python strings reach people through screens. Left out: the API (developers read it),
# the operator's command line, demo data, tests, migrations.
NOT_SCREENS = {"tests", "migrations", "api", "demo", "testing", "management"}
LABEL_KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label"}
ERRORS = {"ValidationError", "PermissionDenied", "Http404", "Conflict", "Forbidden", "Invalid"}
MESSAGES = {"debug", "info", "success", "warning", "error", "add_message"}


def _is_words(node) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and bool(re.search(r"[A-Za-z]{2,}", PLACEHOLDER.sub("", node.value)))
    )


def test_python_strings_for_screens_are_marked_for_translation():
    """A form label, a model field's name, a flash message or an error raised to the user as a
    bare string literal is never extracted, so it shows in English in every language."""
    problems = []
    for path in sorted(SOURCE_DIR.rglob("*.py")):
        rel = path.relative_to(SOURCE_DIR)
        if NOT_SCREENS & set(rel.parts) or rel.name in ("cli.py", "seed.py", "demo.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            bare = []
            if name.endswith("Field") or name in ("ForeignKey", "ManyToManyField", "OneToOneField"):
                bare += [k.value for k in node.keywords if k.arg in LABEL_KEYWORDS]
            if name in ERRORS and node.args:
                bare.append(node.args[0])
            if (
                name in MESSAGES
                and isinstance(func, ast.Attribute)
                and getattr(func.value, "id", "") == "messages"
            ):
                bare += node.args[1:2]
            problems += [f"{rel}:{node.lineno} {name}({v.value!r})" for v in bare if _is_words(v)]
    assert not problems, "wrap these in gettext:\n" + "\n".join(problems)


TEMPLATE_TEXT_OK = {"Grassroots", "WhatsApp", "SMS", "Enter", "Authorization", "Bearer"}
# Examples of technical input (an action prefix, an address, a hash name), the same in every
# language.
TEMPLATE_TEXT_OK_IN = {
    "templates/accounts/audit_list.html": {"user", "consent", "auth"},
    "templates/messaging/broadcast_detail.html": {"you", "example", "org"},
    "templates/people/import_detail.html": {"sha"},
}


def _template_words(source: str) -> list[str]:
    """Visible words of a template that are outside {% translate %} / {% blocktranslate %}."""
    s = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", " ", source, flags=re.S)
    s = re.sub(r"\{#.*?#\}", " ", s, flags=re.S)
    s = re.sub(r"\{%\s*blocktrans(late)?\b.*?\{%\s*endblocktrans(late)?\s*%\}", " ", s, flags=re.S)
    s = re.sub(r"<(script|style|code|kbd|samp|pre)\b.*?</\1>", " ", s, flags=re.S)
    s = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", s, flags=re.S)
    found = []
    for m in re.finditer(r"(?<![:\w-])(placeholder|title|aria-label|alt)=\"([^\"]*)\"", s):
        found += re.findall(r"[A-Za-z]{2,}", m.group(2))
    text = re.sub(r"<[^>]*>", " ", s, flags=re.S)
    found += re.findall(r"[A-Za-z]{2,}", text)
    return [w for w in found if w not in TEMPLATE_TEXT_OK]


def test_template_text_is_inside_translate_tags():
    problems = {}
    for path in sorted(SOURCE_DIR.rglob("*.html")):
        if "static" in path.parts:
            continue
        rel = str(path.relative_to(SOURCE_DIR))
        ok = TEMPLATE_TEXT_OK_IN.get(rel, set())
        words = [w for w in _template_words(path.read_text(encoding="utf-8")) if w not in ok]
        if words:
            problems[rel] = words[:8]
    assert not problems, f"text outside {{% translate %}}: {problems}"


def test_the_template_check_sees_bare_text():
    assert _template_words("<p>{% translate 'Saved' %}</p><p>Saved</p>") == ["Saved"]
    assert _template_words('<input placeholder="e.g. Kolkata">') == ["Kolkata"]
    assert _template_words("<p>{% blocktranslate %}Hi {{ n }}{% endblocktranslate %}</p>") == []
    assert _template_words('<kbd>Ctrl</kbd> <code>grt_</code> <b x-text="label"></b>') == []


@pytest.mark.django_db
def test_custom_field_labels_per_language_are_edited_in_the_admin(client, admin_user):
    from grassroots.people.models import CustomField

    field = CustomField.objects.create(key="occupation", label="Occupation", type="text")
    assert client.login(username="u", password=PASSWORD)
    url = reverse("admin:people_customfield_change", args=[field.pk])
    assert client.get(url).status_code == 200
    r = client.post(
        url,
        {
            "key": "occupation",
            "label": "Occupation",
            "labels": '{"hi": "पेशा", "bn": "পেশা"}',
            "type": "text",
            "choices": "[]",
            "help_text": "",
            "sort_order": 100,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    field.refresh_from_db()
    assert field.labels == {"hi": "पेशा", "bn": "পেশা"}


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "ago"), [("hi", "3\u00a0घंटे पहले"), ("bn", "3\u00a0ঘণ্টা আগে")])
def test_person_page_says_when_in_the_language(client, admin_user, people, code, ago):
    import datetime as dt

    from django.utils import timezone

    from grassroots.people.models import Person

    ananya = people["ananya"]
    Person.objects.filter(pk=ananya.pk).update(
        last_contacted_at=timezone.now() - dt.timedelta(hours=3, minutes=5)
    )
    assert client.login(username="u", password=PASSWORD)
    set_language(client, code)
    body = client.get(reverse("people:person_detail", args=[ananya.pk])).content.decode()
    assert ago in body
    assert "hours ago" not in body
