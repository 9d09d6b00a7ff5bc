"""The mistakes the evaluation set makes are the ones it says it makes."""

from __future__ import annotations

import random
import unicodedata

from registries.search.evaluation import (
    EvalQuery,
    abbreviate_legal_form,
    drop_accents,
    equivalent,
    make_queries,
    missing_letter,
    move_tone,
    wrong_letter,
)
from registries.search.names import normalize_name, tone_key


def test_move_tone_switches_placement_and_keeps_the_key() -> None:
    for name, moved in [
        ("Lê Thị Hòa", "Lê Thị Hoà"),
        ("Trần Thuỷ", "Trần Thủy"),
        ("Phạm Khỏe", "Phạm Khoẻ"),
    ]:
        assert move_tone(name) == moved
        assert tone_key(name) == tone_key(moved)
    assert move_tone("Nguyễn Văn Hoàng") is None  # closed syllable: one placement only
    assert move_tone("Lê Quý") is None  # qu + y


def test_letter_mistakes_change_exactly_one_letter() -> None:
    rng = random.Random(1)
    for _ in range(50):
        wrong = wrong_letter("Nguyễn Văn Hùng", rng)
        assert wrong is not None and len(wrong) == len("Nguyễn Văn Hùng")
        assert sum(a != b for a, b in zip(wrong, "Nguyễn Văn Hùng", strict=True)) == 1
        missing = missing_letter("Nguyễn Văn Hùng", rng)
        assert missing is not None and len(missing) == len("Nguyễn Văn Hùng") - 1


def test_drop_accents_and_abbreviation() -> None:
    assert drop_accents("Đặng Thị Hoà") == "Dang Thi Hoa"
    name = "CÔNG TY TNHH MỘT THÀNH VIÊN XÂY DỰNG HOÀNG PHÁT"
    assert abbreviate_legal_form(name, random.Random(0)) in {
        "cty tnhh mtv xay dung hoang phat",
        "cty tnhh 1tv xay dung hoang phat",
        "cty tnhh xay dung hoang phat",
    }


def test_queries_per_kind_and_equivalence() -> None:
    records = [(f"id{i}", n, 1980 + i) for i, n in enumerate(["Nguyễn Thị Hòa", "Lê Văn Thủy"])]
    queries = make_queries("citizen", records, per_kind=1, with_birth_year=True)
    kinds = {q.kind for q in queries}
    assert {"exact", "accents_dropped", "tone_moved", "nfd", "middle_left_out"} <= kinds
    nfd = next(q for q in queries if q.kind == "nfd")
    assert nfd.name == unicodedata.normalize("NFD", nfd.expected_name)
    assert normalize_name(nfd.name) == normalize_name(nfd.expected_name)
    query = EvalQuery("citizen", "accents_dropped", "Nguyen Van Hung", "x", "Nguyễn Văn Hùng", 1985)
    assert equivalent(query, "Nguyễn Văn Hưng")  # the same query from another name
    assert not equivalent(query, "Nguyễn Văn Hùynh")
    typo = EvalQuery("citizen", "wrong_letter", "Nguyễn Văn Hùnh", "x", "Nguyễn Văn Hùng", 1985)
    assert equivalent(typo, "Nguyễn Văn Hùng")
    assert not equivalent(typo, "Nguyễn Văn Hưng")
