"""Every rule of the personal ID and the tax code."""

from __future__ import annotations

import datetime as dt

import pytest

from registries.errors import InvalidIdentifier
from registries.identifiers import (
    BIRTH_PROVINCE_CODES,
    Sex,
    TaxCodeKind,
    century_sex_digit,
    identify,
    make_personal_id,
    parse_personal_id,
    parse_tax_code,
    tax_check_digit,
)

# Real enterprise codes published in the national business registry (DOMAIN.md and
# python-stdnum's own test list).
REAL_CODES = ["0100109106", "0300588569", "0101248141", "0100233488", "0312687878"]


class TestPersonalId:
    def test_parts(self) -> None:
        parts = parse_personal_id("001089012345")
        assert parts.birth_province_code == "001"
        assert parts.sex is Sex.MALE
        assert parts.birth_year == 1989
        assert parts.serial == "012345"

    @pytest.mark.parametrize(
        ("g", "year", "sex"),
        [
            ("0", 1989, Sex.MALE),
            ("1", 1989, Sex.FEMALE),
            ("2", 2011, Sex.MALE),
            ("3", 2011, Sex.FEMALE),
        ],
    )
    def test_century_and_sex_digit(self, g: str, year: int, sex: Sex) -> None:
        pid = f"079{g}{year % 100:02d}000001"
        parts = parse_personal_id(pid)
        assert (parts.birth_year, parts.sex) == (year, sex)
        assert century_sex_digit(sex, year) == g

    def test_normalises_spaces(self) -> None:
        assert parse_personal_id(" 001 089 012345 ").personal_id == "001089012345"

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("00108901234", "wrong_length"),
            ("0010890123456", "wrong_length"),
            ("00108901234a", "not_digits"),
            ("００１０８９０１２３４５", "not_digits"),
            ("003089012345", "unknown_province"),
            ("097089012345", "unknown_province"),
            ("000089012345", "unknown_province"),
            ("001499012345", "birth_year_in_future"),
            ("001399012345", "birth_year_in_future"),
            ("../etc/passwd", "not_digits"),
        ],
    )
    def test_rejects(self, raw: str, code: str) -> None:
        with pytest.raises(InvalidIdentifier) as info:
            parse_personal_id(raw, today=dt.date(2026, 11, 27))
        assert info.value.code == code

    def test_all_63_province_codes(self) -> None:
        assert len(BIRTH_PROVINCE_CODES) == 63
        for code in BIRTH_PROVINCE_CODES:
            assert parse_personal_id(f"{code}090000001").birth_province_code == code

    def test_make_round_trips(self) -> None:
        pid = make_personal_id("048", Sex.FEMALE, 2003, 42)
        parts = parse_personal_id(pid)
        assert (parts.birth_province_code, parts.sex, parts.birth_year) == ("048", Sex.FEMALE, 2003)


class TestTaxCode:
    @pytest.mark.parametrize("code", REAL_CODES)
    def test_real_codes(self, code: str) -> None:
        assert parse_tax_code(code).kind is TaxCodeKind.ENTERPRISE

    def test_normalises_dots_and_spaces(self) -> None:
        assert parse_tax_code(" 0100.109.106 ").code == "0100109106"

    def test_branch(self) -> None:
        parts = parse_tax_code("0312687878-001")
        assert parts.kind is TaxCodeKind.BRANCH
        assert parts.parent_code == "0312687878"
        assert parse_tax_code("0312687878001").code == "0312687878-001"

    def test_individual_uses_personal_id(self) -> None:
        parts = parse_tax_code("001089012345")
        assert parts.kind is TaxCodeKind.INDIVIDUAL

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("0100109107", "check_digit"),
            ("010010910", "wrong_length"),
            ("0312687878-000", "invalid_component"),
            ("0100000000", "invalid_component"),
            ("0312687878-01", "wrong_length"),
            ("03126878-78001", "wrong_length"),
            ("01001091O6", "not_digits"),
            ("0100109106--001", "not_digits"),
            ("003089012345", "unknown_province"),
        ],
    )
    def test_rejects(self, raw: str, code: str) -> None:
        with pytest.raises(InvalidIdentifier) as info:
            parse_tax_code(raw)
        assert info.value.code == code

    def test_remainder_zero_has_no_code(self) -> None:
        # Find nine digits whose weighted sum is divisible by 11: no check digit exists.
        weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
        for n in range(100000, 200000):
            nine = f"01{n:07d}"
            if sum(w * int(d) for w, d in zip(weights, nine, strict=True)) % 11 == 0:
                break
        assert tax_check_digit(nine) is None
        for last in "0123456789":
            with pytest.raises(InvalidIdentifier):
                parse_tax_code(nine + last)

    def test_identify(self) -> None:
        assert identify("001089012345") == ("citizen", "001089012345")
        assert identify("0100109106") == ("business", "0100109106")
