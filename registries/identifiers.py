"""Personal identification numbers and enterprise / tax codes: normalise, validate, parse.

Rules (see ../shared/DOMAIN.md): the personal ID is `PPP G YY NNNNNN` (Decree 137/2015
art. 13, Circular 07/2016/TT-BCA, Law on Identification 2023 art. 12), no check digit;
the enterprise code is 10 digits with the check digit of Circular 105/2020/TT-BTC art. 5,
validated by python-stdnum's `stdnum.vn.mst`; a branch adds `-001`…`-999`; since
1 July 2025 individuals and household businesses use their 12-digit personal ID.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError
from stdnum import exceptions as stdnum_errors
from stdnum.vn import mst

from registries.errors import InvalidIdentifier

# The 63 birth-registration province codes: "0" + the pre-2025 two-digit GSO code.
BIRTH_PROVINCE_CODES: frozenset[str] = frozenset(
    [
        "001",
        "002",
        "004",
        "006",
        "008",
        "010",
        "011",
        "012",
        "014",
        "015",
        "017",
        "019",
        "020",
        "022",
        "024",
        "025",
        "026",
        "027",
        "030",
        "031",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "040",
        "042",
        "044",
        "045",
        "046",
        "048",
        "049",
        "051",
        "052",
        "054",
        "056",
        "058",
        "060",
        "062",
        "064",
        "066",
        "067",
        "068",
        "070",
        "072",
        "074",
        "075",
        "077",
        "079",
        "080",
        "082",
        "083",
        "084",
        "086",
        "087",
        "089",
        "091",
        "092",
        "093",
        "094",
        "095",
        "096",
    ]
)

# What a typed or pasted identifier may carry between its digits and is dropped: whitespace of
# any kind, dots, NBSP, zero-width characters and BOM. The log masking reuses this rule.
SEPARATORS = re.compile(r"[\s.\u00a0\u200b\u200c\u200d\ufeff]+")


class Sex(StrEnum):
    """Sex as the population database records it."""

    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True, slots=True)
class PersonalIdParts:
    """What a personal ID says about its holder."""

    personal_id: str
    birth_province_code: str
    sex: Sex
    birth_year: int
    serial: str


def _clean(raw: str) -> str:
    return SEPARATORS.sub("", raw.strip())


def normalize_personal_id(raw: str) -> str:
    """Validate a personal ID and return its canonical 12-digit form."""
    return parse_personal_id(raw).personal_id


def parse_personal_id(raw: str, *, today: dt.date | None = None) -> PersonalIdParts:
    """Split a personal ID into its parts, raising `InvalidIdentifier` naming the broken rule."""
    if not isinstance(raw, str):
        raise InvalidIdentifier("a personal ID is a string of 12 digits", code="not_a_string")
    value = _clean(raw)
    if not value.isascii() or not value.isdigit():
        raise InvalidIdentifier(
            "a personal ID has only the digits 0-9 (no letters or other characters)",
            code="not_digits",
        )
    if len(value) != 12:
        raise InvalidIdentifier(
            f"a personal ID has 12 digits, this one has {len(value)}", code="wrong_length"
        )
    province = value[:3]
    if province not in BIRTH_PROVINCE_CODES:
        raise InvalidIdentifier(
            f"unknown province code {province}: the first three digits must be one of the 63 "
            "birth-registration province codes (001, 002, 004, ..., 096)",
            code="unknown_province",
        )
    g = int(value[3])
    year = 1900 + 100 * (g // 2) + int(value[4:6])
    current_year = (today or dt.date.today()).year
    if year > current_year:
        raise InvalidIdentifier(
            f"digits 4-6 ({value[3:6]}) give birth year {year}, which is in the future",
            code="birth_year_in_future",
        )
    sex = Sex.MALE if g % 2 == 0 else Sex.FEMALE
    return PersonalIdParts(value, province, sex, year, value[6:])


def century_sex_digit(sex: Sex | str, birth_year: int) -> str:
    """The `G` digit for a holder of this sex born in this year."""
    century = (birth_year - 1900) // 100
    if not 0 <= century <= 4:
        raise ValueError(f"birth year {birth_year} is outside 1900-2399")
    return str(2 * century + (0 if Sex(sex) is Sex.MALE else 1))


def make_personal_id(birth_province_code: str, sex: Sex | str, birth_year: int, serial: int) -> str:
    """Build the personal ID for a holder; used by the seeder and tests."""
    if birth_province_code not in BIRTH_PROVINCE_CODES:
        raise ValueError(f"unknown province code {birth_province_code}")
    g = century_sex_digit(sex, birth_year)
    return f"{birth_province_code}{g}{birth_year % 100:02d}{serial:06d}"


class TaxCodeKind(StrEnum):
    """What kind of taxpayer a tax code names."""

    ENTERPRISE = "enterprise"
    BRANCH = "branch"
    INDIVIDUAL = "individual"


@dataclass(frozen=True, slots=True)
class TaxCodeParts:
    """A validated enterprise code / tax code."""

    code: str
    kind: TaxCodeKind
    parent_code: str | None


_MST_ERRORS: dict[type[Exception], tuple[str, str]] = {
    stdnum_errors.InvalidChecksum: (
        "check_digit",
        "the check digit (10th digit) does not match the first nine digits",
    ),
    stdnum_errors.InvalidComponent: (
        "invalid_component",
        "digits 3-9 may not all be zero and a branch suffix runs from 001 to 999",
    ),
}


def parse_tax_code(raw: str) -> TaxCodeParts:
    """Validate an enterprise code, branch code or individual's tax code."""
    if not isinstance(raw, str):
        raise InvalidIdentifier("a tax code is a string of digits", code="not_a_string")
    value = _clean(raw)
    compact = value.replace("-", "")
    if not compact.isascii() or not compact.isdigit() or value.count("-") > 1:
        raise InvalidIdentifier(
            "a tax code has 10 digits, optionally '-' and a 3-digit branch number, "
            "or 12 digits for an individual",
            code="not_digits",
        )
    if "-" in value and (len(value) != 14 or value[10] != "-"):
        raise InvalidIdentifier(
            "a branch code is the parent's 10 digits, '-', and 3 digits (e.g. 0100109106-001)",
            code="wrong_length",
        )
    if len(compact) == 12:
        if "-" in value:
            raise InvalidIdentifier("a 12-digit personal tax code has no '-'", code="not_digits")
        parts = parse_personal_id(compact)
        return TaxCodeParts(parts.personal_id, TaxCodeKind.INDIVIDUAL, None)
    if len(compact) not in (10, 13):
        raise InvalidIdentifier(
            f"a tax code has 10 digits (13 for a branch, 12 for an individual), "
            f"this one has {len(compact)}",
            code="wrong_length",
        )
    try:
        mst.validate(compact)
    except stdnum_errors.ValidationError as exc:
        code, detail = _MST_ERRORS.get(type(exc), ("invalid", "not a valid tax code"))
        raise InvalidIdentifier(detail, code=code) from exc
    if len(compact) == 13:
        return TaxCodeParts(f"{compact[:10]}-{compact[10:]}", TaxCodeKind.BRANCH, compact[:10])
    return TaxCodeParts(compact, TaxCodeKind.ENTERPRISE, None)


def normalize_tax_code(raw: str) -> str:
    """Validate a tax code and return its canonical form."""
    return parse_tax_code(raw).code


def tax_check_digit(first_nine: str) -> str | None:
    """The check digit for nine digits, or None when no valid code exists (remainder 0)."""
    digit = mst.calc_check_digit(first_nine)
    return digit if len(digit) == 1 else None


def identify(raw: str) -> tuple[str, str]:
    """Tell which registry an identifier belongs to: ("citizen", id) or ("business", code)."""
    value = _clean(raw) if isinstance(raw, str) else raw
    if isinstance(value, str) and len(value) == 12 and value.isdigit():
        return "citizen", normalize_personal_id(value)
    return "business", normalize_tax_code(raw)


def personal_id_pattern(today: dt.date | None = None) -> str:
    """A regular expression for the valid personal IDs (province list, no future year)."""
    provinces = "|".join(sorted(code[1:] for code in BIRTH_PROVINCE_CODES))
    last = (today or dt.date.today()).year
    century, year = divmod(last - 1900, 100)  # G digits 0..2*century+1 are past centuries
    tens, units = divmod(year, 10)
    up_to_year = f"{tens}[0-{units}]" if tens == 0 else f"(?:[0-{tens - 1}][0-9]|{tens}[0-{units}])"
    past = f"[0-{2 * century - 1}][0-9]{{2}}|" if century else ""
    return f"^0(?:{provinces})(?:{past}[{2 * century}{2 * century + 1}]{up_to_year})[0-9]{{6}}$"


def tax_code_pattern(today: dt.date | None = None) -> str:
    """A regular expression for the tax codes in canonical form: 10 digits whose digits 3-9
    are not all zero, optionally '-' and a branch number 001-999, or an individual's personal
    ID. The check digit is beyond a regular expression: a code that matches may still have
    a wrong one."""
    middle = "|".join(f"0{{{k}}}[1-9][0-9]{{{6 - k}}}" for k in range(7))
    branch = "00[1-9]|0[1-9][0-9]|[1-9][0-9]{2}"
    person = personal_id_pattern(today).removeprefix("^").removesuffix("$")
    return f"^(?:[0-9]{{2}}(?:{middle})[0-9](?:-(?:{branch}))?|{person})$"


def _pydantic(fn):  # type: ignore[no-untyped-def]
    def validate(value: object) -> str:
        try:
            return fn(value)
        except InvalidIdentifier as exc:
            raise PydanticCustomError(exc.code, exc.detail) from None

    return validate


PersonalId = Annotated[
    str,
    BeforeValidator(_pydantic(normalize_personal_id)),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": personal_id_pattern(),
            "description": "12-digit personal identification number (số định danh cá nhân)",
            "examples": ["001089012345"],
        }
    ),
]
TaxCode = Annotated[
    str,
    BeforeValidator(_pydantic(normalize_tax_code)),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": tax_code_pattern(),
            "description": "enterprise code / tax code: 10 digits, a branch's 10+'-'+3, "
            "or an individual's 12-digit personal ID",
            "examples": ["0100109106"],
        }
    ),
]
