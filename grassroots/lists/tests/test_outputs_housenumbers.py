"""House numbers in walking order: natural keys, building vs flat, odd and even sides."""

from __future__ import annotations

import random

import pytest

from grassroots.lists.outputs import housenumbers as hn


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12", (12, "", "")),
        ("12/1", (12, "/1", "")),
        ("12A", (12, "A", "")),
        ("12 a", (12, "a", "")),
        ("14-16", (14, "-16", "")),
        ("Flat 3, 14", (14, "", "Flat 3")),
        ("Room 2, 5/1", (5, "/1", "Room 2")),
        ("14, Rose Villa", (14, "", "Rose Villa")),
        ("No. 7", (7, "", "")),
        ("H.No. 23B", (23, "B", "")),
        ("#9", (9, "", "")),
        ("১২/৩", (12, "/৩", "")),  # Bengali digits are digits
        ("Gandhi Bhavan", (None, "Gandhi Bhavan", "")),
        ("", (None, "", "")),
        (None, (None, "", "")),
    ],
)
def test_split_finds_the_building_number(text, expected):
    assert hn.split(text) == expected


def test_natural_key_compares_digit_runs_as_numbers():
    words = ["a10", "a9", "A2", "b1", "a2b", "a"]
    assert sorted(words, key=hn.natural_key) == ["a", "A2", "a2b", "a9", "a10", "b1"]


def test_walking_order_within_a_street():
    expected = [
        # odd side
        "1",
        "3",
        "No. 7",
        "9",
        "11",
        "23B",
        # even side
        "2",
        "10",
        "12",
        "12/1",
        "12/2",
        "12/10",
        "12A",
        "12B",
        "14",
        "Flat 3, 14",
        "Flat 10, 14",
        "১৬",
        # no number
        "Gandhi Bhavan",
        "",
    ]
    shuffled = expected[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=hn.sort_key) == expected


@pytest.mark.parametrize(
    "text, side",
    [("1", "odd"), ("12/1", "even"), ("13A", "odd"), ("Flat 3, 14", "even"), ("Shop", "")],
)
def test_side(text, side):
    assert hn.side(text) == side
