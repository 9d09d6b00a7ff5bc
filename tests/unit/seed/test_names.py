"""Realism of names and ethnic groups over a few thousand generated citizens."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest

from seed.citizens import citizen_chunk


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    batch = citizen_chunk(2024, 0, 6_000)
    return [orjson.loads(row[-1]) for row in batch.citizens]


def test_nguyen_share_is_plausible(docs) -> None:
    share = sum(d["full_name"].startswith("Nguyễn ") for d in docs) / len(docs)
    assert 0.32 <= share <= 0.44


def test_many_surnames_not_faker_ten(docs) -> None:
    surnames = Counter(d["full_name"].split()[0] for d in docs)
    assert len(surnames) >= 30


def test_middle_names_agree_with_sex(docs) -> None:
    for d in docs:
        words = d["full_name"].split()
        if d["sex"] == "male":
            assert "Thị" not in words[1:-1], d["full_name"]
        else:
            assert "Văn" not in words[1:-1], d["full_name"]


def test_kinh_share_and_54_group_codes(docs) -> None:
    groups = Counter(d["ethnicity"]["name"] for d in docs)
    assert 0.80 <= groups["Kinh"] / len(docs) <= 0.90
    assert len(groups) >= 8


def test_religion_and_blood_group_shares(docs) -> None:
    religion = Counter(d["religion"] for d in docs)
    assert 0.80 <= religion["Không"] / len(docs) <= 0.92
    blood = Counter(d["blood_group"] for d in docs)
    assert blood["O"] > blood["B"] > blood["A"] > blood["AB"]


def test_children_take_the_fathers_surname(docs) -> None:
    by_id = {d["personal_id"]: d for d in docs}
    checked = 0
    for d in docs:
        father = d["father"] and by_id.get(d["father"]["personal_id"])
        if father and father["ethnicity"]["name"] == "Kinh" and d["mother"]:
            mother = by_id[d["mother"]["personal_id"]]
            if mother["ethnicity"]["name"] != "Ê Đê":
                assert d["full_name"].split()[0] == father["full_name"].split()[0]
                checked += 1
    assert checked > 500
