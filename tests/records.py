"""Hand-made, consistent records for form and prefill tests: a family of three and the
enterprise the father represents. Stored through the registry API, in reference order.
"""

from __future__ import annotations

import copy
from typing import Any

FATHER = "001089000001"
MOTHER = "001190000002"
CHILD = "001222000003"
COMPANY = "0100109106"
NO_SUCH_CITIZEN = "001089999999"
NO_SUCH_COMPANY = "0300588569"

HANOI_HOME = {
    "line": "Số 12 ngõ 34 phố Đội Cấn",
    "ward_code": "00004",
    "ward_name": "Phường Ba Đình",
    "province_code": "01",
    "province_name": "Thành phố Hà Nội",
    "text": "Số 12 ngõ 34 phố Đội Cấn, Phường Ba Đình, Thành phố Hà Nội",
}
PLACE = {
    "text": "Xã Kim Liên, Tỉnh Nghệ An",
    "country": "VN",
    "province_code": "40",
    "province_name": "Tỉnh Nghệ An",
}
KINH = {"code": "01", "name": "Kinh"}
VN = {"code": "VN", "name": "Việt Nam"}
UPDATED = "2025-03-01T08:00:00+00:00"


def _citizen(pid: str, name: str, birth: str, sex: str, **extra: Any) -> dict[str, Any]:
    doc = {
        "personal_id": pid,
        "full_name": name,
        "birth_date": birth,
        "sex": sex,
        "birth_place": PLACE,
        "birth_registration_place": PLACE,
        "hometown": PLACE,
        "ethnicity": KINH,
        "religion": "Không",
        "nationality": VN,
        "marital_status": "single",
        "permanent_address": HANOI_HOME,
        "current_address": HANOI_HOME,
        "updated_at": UPDATED,
    }
    doc.update(extra)
    return doc


HOUSEHOLD_MEMBERS = [
    {
        "personal_id": FATHER,
        "full_name": "Nguyễn Văn An",
        "birth_date": "1989-05-15",
        "sex": "male",
        "relation_to_head": "Chủ hộ",
    },
    {
        "personal_id": MOTHER,
        "full_name": "Trần Thị Bình",
        "birth_date": "1990-11-02",
        "sex": "female",
        "relation_to_head": "Vợ",
    },
    {
        "personal_id": CHILD,
        "full_name": "Nguyễn Minh Châu",
        "birth_date": "2022-01-20",
        "sex": "male",
        "relation_to_head": "Con",
    },
]


def household(relation: str) -> dict[str, Any]:
    """The family's household as seen by one member."""
    return {
        "id": "HK0100000001",
        "head_personal_id": FATHER,
        "head_full_name": "Nguyễn Văn An",
        "relation_to_head": relation,
        "members": copy.deepcopy(HOUSEHOLD_MEMBERS),
    }


def father() -> dict[str, Any]:
    """The father: household head, married, with phone, e-mail and an old ID number."""
    return _citizen(
        FATHER,
        "Nguyễn Văn An",
        "1989-05-15",
        "male",
        marital_status="married",
        phone="0912345678",
        email="an.nguyen@example.vn",
        old_id_number="012345678",
        id_card={
            "issued_on": "2021-04-10",
            "expires_on": "2029-05-15",
            "issued_by": "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
        },
        other_names=["An Nguyễn"],
    )


def mother() -> dict[str, Any]:
    """The mother: married to the father, no phone."""
    return _citizen(MOTHER, "Trần Thị Bình", "1990-11-02", "female", marital_status="married")


def child() -> dict[str, Any]:
    """The child."""
    return _citizen(CHILD, "Nguyễn Minh Châu", "2022-01-20", "male")


def company() -> dict[str, Any]:
    """A joint-stock company represented by the father."""
    return {
        "enterprise_code": COMPANY,
        "name": "Công ty cổ phần Thương mại Sông Hồng",
        "foreign_name": "Song Hong Trading Joint Stock Company",
        "legal_form": "joint_stock",
        "founded_on": "2010-06-01",
        "status": "active",
        "head_office": HANOI_HOME,
        "phone": "0243123456",
        "email": "lienhe@songhong.example.vn",
        "charter_capital": 15_000_000_000,
        "legal_representatives": [
            {"personal_id": FATHER, "full_name": "Nguyễn Văn An", "title": "Giám đốc"}
        ],
        "owners": [
            {
                "kind": "person",
                "id": FATHER,
                "name": "Nguyễn Văn An",
                "capital_share": 60.0,
                "capital_amount": 9_000_000_000,
            },
            {
                "kind": "person",
                "id": MOTHER,
                "name": "Trần Thị Bình",
                "capital_share": 40.0,
                "capital_amount": 6_000_000_000,
            },
        ],
        "business_lines": [
            {"code": "4690", "name": "Bán buôn tổng hợp", "is_main": True},
            {"code": "4933", "name": "Vận tải hàng hóa bằng đường bộ", "is_main": False},
        ],
        "updated_at": UPDATED,
    }


def put_family(client: Any) -> None:
    """Store the family and the company through the registry API (references first)."""
    for doc in (father(), mother(), child()):
        _put(client, "citizens", doc["personal_id"], doc)
    father_doc = {
        **father(),
        "spouse": {"personal_id": MOTHER, "full_name": "Trần Thị Bình"},
        "household": household("Chủ hộ"),
        "children": [
            {"personal_id": CHILD, "full_name": "Nguyễn Minh Châu", "birth_date": "2022-01-20"}
        ],
    }
    mother_doc = {
        **mother(),
        "spouse": {"personal_id": FATHER, "full_name": "Nguyễn Văn An"},
        "household": household("Vợ"),
    }
    child_doc = {
        **child(),
        "household": household("Con"),
        "father": {"personal_id": FATHER, "full_name": "Nguyễn Văn An"},
        "mother": {"personal_id": MOTHER, "full_name": "Trần Thị Bình"},
    }
    for doc in (father_doc, mother_doc, child_doc):
        _put(client, "citizens", doc["personal_id"], doc)
    _put(client, "businesses", COMPANY, company())


def _put(client: Any, collection: str, key: str, doc: dict[str, Any]) -> None:
    r = client.put(f"/v1/{collection}/{key}", json=doc)
    assert r.status_code == 200, r.text


def citizen(pid: str = "001089012345", **changes: object) -> dict[str, object]:
    """A minimal valid citizen with no references (the default ID: Hà Nội, male, 1989)."""
    place = {"text": "Hà Nội"}
    doc: dict[str, object] = {
        "personal_id": pid,
        "full_name": "Nguyễn Văn An",
        "birth_date": "1989-05-04",
        "sex": "male",
        "birth_place": place,
        "birth_registration_place": place,
        "hometown": place,
        "ethnicity": KINH,
        "religion": "Không",
        "nationality": VN,
        "marital_status": "single",
        "updated_at": UPDATED,
    }
    doc.update(changes)
    return doc


def citizen_ids(count: int) -> list[str]:
    """`count` distinct personal IDs of men born in 1989 in Hà Nội (serials 100001…)."""
    from registries.identifiers import make_personal_id

    return [make_personal_id("001", "male", 1989, 100_000 + i) for i in range(1, count + 1)]
