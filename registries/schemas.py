"""Registry records as the API returns them. Attribute paths here are part of the contract:
form schemas reference them (DESIGN §5). Stored documents have exactly this shape.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from registries.identifiers import PersonalId, Sex, TaxCode

# Characters a name or address never holds: controls, invisible format characters
# (zero-width, bidi overrides, BOM, soft hyphen, tags), lone surrogates, private use.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\ue000-\uf8ff"
    "\U000e0000-\U000e007f]"
)


def _visible_nfc(value: str) -> str:
    """Text in NFC (so "Nguyễn" typed decomposed is the same name), without invisibles."""
    found = _INVISIBLE.search(value)
    if found:
        raise PydanticCustomError(
            "invisible_character",
            "contains the invisible or control character U+{cp:04X} at position {pos}",
            {"cp": ord(found.group()), "pos": found.start()},
        )
    return unicodedata.normalize("NFC", value)


Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    AfterValidator(_visible_nfc),
]
Phone = Annotated[str, StringConstraints(pattern=r"^0[0-9]{9}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Address(_Record):
    """A structured address on the current two-level units."""

    line: Text | None = Field(None, description="house number, street, hamlet")
    ward_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]
    ward_name: Text
    province_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
    province_name: Text
    text: Text = Field(description="the rendered full address")


class Place(_Record):
    """A place of birth, birth registration or origin; abroad when `country` is not VN."""

    text: Text
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "VN"
    ward_code: str | None = None
    ward_name: str | None = None
    province_code: str | None = None
    province_name: str | None = None


class CodeName(_Record):
    """A coded value with its Vietnamese name."""

    code: str
    name: Text


class IdCard(_Record):
    """The current identity card (thẻ căn cước)."""

    issued_on: dt.date
    expires_on: dt.date | None = Field(None, description="none after the age of 60")
    issued_by: Text


class PersonRef(_Record):
    """A reference to another citizen."""

    personal_id: PersonalId
    full_name: Text


class HouseholdMember(_Record):
    """One member of a household as the household record lists them."""

    personal_id: PersonalId
    full_name: Text
    birth_date: dt.date
    sex: Sex
    relation_to_head: Text


class Household(_Record):
    """The household the citizen belongs to (hộ gia đình)."""

    id: Annotated[str, StringConstraints(pattern=r"^HK[0-9]{10}$")]
    head_personal_id: PersonalId
    head_full_name: Text
    relation_to_head: Text
    members: list[HouseholdMember]


class Child(_Record):
    """A child of the citizen."""

    personal_id: PersonalId
    full_name: Text
    birth_date: dt.date


class MaritalStatus(StrEnum):
    """Marital status (labels in Vietnamese in `MARITAL_STATUS_LABELS`)."""

    SINGLE = "single"
    MARRIED = "married"
    DIVORCED = "divorced"
    WIDOWED = "widowed"


MARITAL_STATUS_LABELS = {
    "single": "Chưa kết hôn",
    "married": "Đã kết hôn",
    "divorced": "Đã ly hôn",
    "widowed": "Góa",
}
SEX_LABELS = {"male": "Nam", "female": "Nữ"}


class CitizenRecord(_Record):
    """A citizen of the population database (Law on Identification 2023, art. 9)."""

    personal_id: PersonalId
    full_name: Text
    other_names: list[Text] = []
    birth_date: dt.date
    sex: Sex
    birth_place: Place
    birth_registration_place: Place
    hometown: Place
    ethnicity: CodeName
    religion: Text
    nationality: CodeName
    blood_group: Literal["O", "A", "B", "AB"] | None = None
    old_id_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{9}$")] | None = None
    id_card: IdCard | None = None
    permanent_address: Address | None = None
    temporary_address: Address | None = None
    current_address: Address | None = None
    marital_status: MaritalStatus
    household: Household | None = None
    father: PersonRef | None = None
    mother: PersonRef | None = None
    spouse: PersonRef | None = None
    children: list[Child] = []
    phone: Phone | None = None
    email: Email | None = None
    death_date: dt.date | None = None
    updated_at: dt.datetime


class BusinessStatus(StrEnum):
    """Legal status of an enterprise (DESIGN §5)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    NOT_AT_ADDRESS = "not_at_registered_address"
    DISSOLVING = "dissolving"
    DISSOLVED = "dissolved"
    BANKRUPT = "bankrupt"


BUSINESS_STATUS_LABELS = {
    "active": "Đang hoạt động",
    "suspended": "Tạm ngừng kinh doanh",
    "not_at_registered_address": "Không hoạt động tại địa chỉ đã đăng ký",
    "dissolving": "Đang làm thủ tục giải thể",
    "dissolved": "Đã giải thể",
    "bankrupt": "Đã phá sản",
}


class LegalForm(StrEnum):
    """Legal form of an enterprise or household business."""

    LLC_ONE = "llc_one_member"
    LLC_MULTI = "llc_multi_member"
    JOINT_STOCK = "joint_stock"
    PARTNERSHIP = "partnership"
    PRIVATE = "private_enterprise"
    HOUSEHOLD = "household_business"
    BRANCH = "branch"


LEGAL_FORM_LABELS = {
    "llc_one_member": "Công ty trách nhiệm hữu hạn một thành viên",
    "llc_multi_member": "Công ty trách nhiệm hữu hạn hai thành viên trở lên",
    "joint_stock": "Công ty cổ phần",
    "partnership": "Công ty hợp danh",
    "private_enterprise": "Doanh nghiệp tư nhân",
    "household_business": "Hộ kinh doanh",
    "branch": "Chi nhánh",
}


class LegalRepresentative(_Record):
    """A legal representative (người đại diện theo pháp luật); always a citizen."""

    personal_id: PersonalId
    full_name: Text
    title: Text


class Owner(_Record):
    """An owner, member or founding shareholder: a citizen or an enterprise."""

    kind: Literal["person", "enterprise"]
    id: str = Field(description="personal ID for a person, enterprise code for an enterprise")
    name: Text
    capital_share: float = Field(ge=0, le=100, description="percent of charter capital")
    capital_amount: int = Field(ge=0, description="VND")


class BusinessLine(_Record):
    """A business line by its level-4 VSIC code; exactly one is main."""

    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
    name: Text
    is_main: bool
    vsic_version: str = "2018"


class BusinessRecord(_Record):
    """An enterprise, branch or household business of the business-registration database."""

    enterprise_code: TaxCode
    name: Text
    foreign_name: Text | None = None
    short_name: Text | None = None
    legal_form: LegalForm
    founded_on: dt.date
    status: BusinessStatus
    head_office: Address
    phone: Phone | None = None
    email: Email | None = None
    website: Annotated[str, StringConstraints(max_length=200)] | None = None
    charter_capital: int = Field(ge=0, description="VND")
    legal_representatives: list[LegalRepresentative] = Field(min_length=1)
    owners: list[Owner] = []
    business_lines: list[BusinessLine] = Field(min_length=1)
    parent_code: TaxCode | None = None
    updated_at: dt.datetime
