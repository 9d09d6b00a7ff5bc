"""Transforms: each named function, its typing, and the Vietnamese words."""

from __future__ import annotations

import datetime as dt

import pytest

from forms.transforms import TRANSFORMS, bind
from forms.vnwords import date_words, number_words
from forms.vocabulary import VType

ADDRESS = {
    "line": "Số 1 Tràng Tiền",
    "ward_name": "Phường Hoàn Kiếm",
    "province_name": "Thành phố Hà Nội",
    "text": "Số 1 Tràng Tiền, Phường Hoàn Kiếm",
}


def run(name: str, value, vtype: VType, **args):  # type: ignore[no-untyped-def]
    return bind(TRANSFORMS[name], args, vtype)(value)


@pytest.mark.parametrize(
    ("name", "value", "vtype", "args", "expected"),
    [
        ("upper", "Nguyễn Văn An", VType("text"), {}, "NGUYỄN VĂN AN"),
        ("lower", "ĐỖ Thị", VType("text"), {}, "đỗ thị"),
        ("title", "trần  thị bình", VType("text"), {}, "Trần Thị Bình"),
        ("surname", "Nguyễn Văn An", VType("text"), {}, "Nguyễn"),
        ("given_names", "Nguyễn Văn An", VType("text"), {}, "Văn An"),
        ("date_format", "1989-05-15", VType("date"), {}, "15/05/1989"),
        ("date_format", "1989-05-15", VType("date"), {"sep": "-"}, "15-05-1989"),
        ("date_format", "2025-03-01T08:00:00+00:00", VType("datetime"), {}, "01/03/2025"),
        ("day", "1989-05-15", VType("date"), {}, 15),
        ("month", "1989-05-15", VType("date"), {}, 5),
        ("year", "1989-05-15", VType("date"), {}, 1989),
        (
            "date_words",
            "2024-03-15",
            VType("date"),
            {},
            "Ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi tư",
        ),
        ("number_words", 15_000_000_000, VType("integer"), {"unit": "đồng"}, "Mười lăm tỷ đồng"),
        ("thousands", 1_500_000, VType("integer"), {}, "1.500.000"),
        ("label", "female", VType("code", codes="sex"), {}, "Nữ"),
        ("label", "divorced", VType("code", codes="marital_status"), {}, "Đã ly hôn"),
        ("label", "joint_stock", VType("code", codes="legal_form"), {}, "Công ty cổ phần"),
        (
            "label",
            "dissolving",
            VType("code", codes="business_status"),
            {},
            "Đang làm thủ tục giải thể",
        ),
        ("yes_no", True, VType("boolean"), {}, "Có"),
        ("address_text", ADDRESS, VType("address"), {}, ADDRESS["text"]),
        ("address_line", ADDRESS, VType("address"), {}, "Số 1 Tràng Tiền"),
        ("address_ward", ADDRESS, VType("address"), {}, "Phường Hoàn Kiếm"),
        ("address_province", ADDRESS, VType("address"), {}, "Thành phố Hà Nội"),
        ("first", ["a", "b"], VType("text", many=True), {}, "a"),
        ("join", ["a", "b"], VType("text", many=True), {}, "a, b"),
        ("join", ["a", None, "b"], VType("text", many=True), {"sep": "; "}, "a; b"),
        ("count", [1, 2, 3], VType("object", many=True), {}, 3),
        ("upper", ["an", "bình"], VType("text", many=True), {}, ["AN", "BÌNH"]),
    ],
)
def test_transform(name, value, vtype, args, expected) -> None:  # type: ignore[no-untyped-def]
    assert run(name, value, vtype, **args) == expected


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_missing_values_pass_through(name: str) -> None:
    t = TRANSFORMS[name]
    kind = sorted(t.takes)[0]
    vtype = VType(kind, many=t.whole_list, codes="sex" if kind == "code" else None)
    assert bind(t, {}, vtype)(None) is None


def test_every_transform_is_documented_and_typed() -> None:
    for t in TRANSFORMS.values():
        assert t.doc and t.takes


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (105, "một trăm linh năm"),
        (1989, "một nghìn chín trăm tám mươi chín"),
        (2005, "hai nghìn không trăm linh năm"),
        (2024, "hai nghìn không trăm hai mươi tư"),
        (1_000_005, "một triệu không trăm linh năm"),
        (1_500_000_000, "một tỷ năm trăm triệu"),
        (2_000_000_000_000, "hai nghìn tỷ"),
    ],
)
def test_number_words(n: int, words: str) -> None:
    assert number_words(n) == words


def test_date_words() -> None:
    assert date_words(dt.date(2001, 1, 31)) == (
        "Ngày ba mươi mốt tháng một năm hai nghìn không trăm linh một"
    )
