"""Named personas: fixed records with the edge cases a form must survive.

They are in every seeded registry, whatever the seed or size, with the same identifiers
(the generators skip these identifiers). Their families and companies refer to each other,
so the fake country stays consistent around them too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson

from registries.units import commune
from seed.businesses import BusinessBatch
from seed.documents import citizen_doc, citizen_tuple, household_doc
from seed.people import FEMALE, MALE, Person, adopt, marry
from seed.places import make_address, make_foreign_place, make_place
from seed.rules import card_expiry, issuer
from seed.vsic import line_doc

UPDATED_AT = "2026-06-15T09:00:00Z"


@dataclass(frozen=True, slots=True)
class Persona:
    """A named test record and the edge case it covers."""

    key: str
    registry: str  # "citizen" or "business"
    identifier: str
    name: str
    covers: str

    @property
    def personal_id(self) -> str | None:
        """The identifier when the persona is a citizen."""
        return self.identifier if self.registry == "citizen" else None

    @property
    def enterprise_code(self) -> str | None:
        """The identifier when the persona is a business."""
        return self.identifier if self.registry == "business" else None

    @property
    def description(self) -> str:
        """The edge case it covers (alias of `covers`)."""
        return self.covers


PERSONAS: tuple[Persona, ...] = (
    Persona("typical_adult", "citizen", "001085004512", "Nguyễn Văn An",
            "adult with a valid card, spouse, two children and both parents in his household"),
    Persona("spouse", "citizen", "033187006218", "Trần Thị Bình",
            "married woman keeping her surname; owns a household business"),
    Persona("minor", "citizen", "001215003391", "Nguyễn Minh Khôi",
            "child under 14: no card, no phone, parents linked both ways"),
    Persona("new_card_at_14", "citizen", "001311002845", "Nguyễn Ngọc Hân",
            "teenager whose first card (at 14) runs to the age of 25"),
    Persona("elderly_old_cmnd", "citizen", "036052001177", "Nguyễn Văn Bảo",
            "elderly man with an old 9-digit CMND and a card without expiry (over 60)"),
    Persona("deceased", "citizen", "033056002719", "Trần Văn Hùng",
            "deceased (death_date set), no address; legal representative of a dissolved company"),
    Persona("widowed", "citizen", "033159004823", "Phạm Thị Hoa",
            "widow living alone; spouse link to the deceased persona"),
    Persona("expired_card", "citizen", "038300007731", "Lê Thị Mai",
            "card issued at 20 expired at 25 (2025-05-20) and not renewed"),
    Persona("no_permanent_address", "citizen", "079079005560", "Đỗ Văn Tâm",
            "no permanent or temporary residence, no household: current address only"),
    Persona("born_abroad", "citizen", "001196008802", "Nguyễn Ngọc Minh Anh",
            "born in Osaka, Japan, birth registered at the consulate; four-syllable name; "
            "other name"),
    Persona("temporary_address", "citizen", "040198003327", "Vũ Thị Lan",
            "permanent residence in Nghệ An, temporary (and current) residence in HCMC"),
    Persona("ethnic_minority", "citizen", "066090001985", "Y Bhin Niê",
            "Ê Đê name order (Y + name + clan), Tin lành religion"),
    Persona("namesake", "citizen", "042085006634", "Nguyễn Văn An",
            "same name and birth date as typical_adult, another person: fuzzy match must not fill"),
    Persona("old_style_tone", "citizen", "046192002210", "Lê Thị Hoà",
            "old-style tone placement (Hoà, not Hòa) kept as written; born on 29 February"),
    Persona("two_representatives", "business", "0109881236", "CÔNG TY CỔ PHẦN CÔNG NGHỆ SAO MAI",
            "joint-stock company with two legal representatives and three shareholders"),
    Persona("branch", "business", "0109881236-001",
            "CHI NHÁNH CÔNG TY CỔ PHẦN CÔNG NGHỆ SAO MAI TẠI THÀNH PHỐ HỒ CHÍ MINH",
            "branch (code parent-001), head of branch, subset of the parent's lines"),
    Persona("dissolved_enterprise", "business", "0109881243",
            "CÔNG TY TNHH THƯƠNG MẠI HƯNG THỊNH",
            "dissolved two-member LLC whose legal representative has died"),
    Persona("household_business", "business", "033187006218", "HỘ KINH DOANH TẠP HÓA BÌNH AN",
            "household business whose tax code is its owner's 12-digit personal ID"),
    Persona("enterprise_owners", "business", "0315552357", "CÔNG TY CỔ PHẦN ĐẦU TƯ PHƯƠNG NAM",
            "joint-stock company owned mostly by other enterprises"),
    Persona("single_member_llc", "business", "0107663458",
            "CÔNG TY TNHH MỘT THÀNH VIÊN DỊCH VỤ AN KHANG",
            "one-member LLC owned by a citizen, run by a director who is not the owner"),
    Persona("private_enterprise", "business", "0308123477", "DOANH NGHIỆP TƯ NHÂN TÂM ĐỨC",
            "private enterprise whose owner has no permanent address"),
)  # fmt: skip

PERSONA_HOUSEHOLDS = tuple(f"HK90000000{n:02d}" for n in range(1, 9))


def persona(key: str) -> Persona:
    """The persona with this key; `KeyError` naming the known keys when there is none."""
    for p in PERSONAS:
        if p.key == key:
            return p
    raise KeyError(f"no persona {key!r}; known: {', '.join(p.key for p in PERSONAS)}")


def reserved_ids() -> frozenset[str]:
    """Identifiers the generators must not produce."""
    return frozenset(p.identifier for p in PERSONAS)


def _date(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


def _card(p: Person, issued: str) -> dict[str, Any]:
    expires = card_expiry(dt.date.fromordinal(p.birth), dt.date.fromisoformat(issued))
    return {
        "issued_on": issued,
        "expires_on": expires.isoformat() if expires else None,
        "issued_by": issuer(_date(issued)),
    }


def _place(ward: str) -> dict[str, Any]:
    unit = commune(ward)
    assert unit is not None, ward
    return make_place(unit)


def _address(ward: str, line: str) -> dict[str, Any]:
    unit = commune(ward)
    assert unit is not None, ward
    return make_address(unit, line)


def _person(
    pid: str, name: str, birth: str, *, born: str, card: str | None, **extra: Any
) -> Person:
    sex = MALE if int(pid[3]) % 2 == 0 else FEMALE
    surname = name.split()[0]
    p = Person(sex, _date(birth), surname, extra.pop("ethnicity", 0))
    p.personal_id, p.name, p.old_code = pid, name, pid[:3]
    p.birth_registration = p.birth_place = p.hometown = _place(born)
    p.card = _card(p, card) if card else None
    p.alleles = extra.pop("alleles", ("O", "A"))
    for attr, value in extra.items():
        setattr(p, attr, value)
    return p


@cache
def _people() -> dict[str, Person]:
    """Every persona citizen, linked."""
    hn = "00166"  # Phường Cầu Giấy, Hà Nội
    an = _person(
        "001085004512",
        "Nguyễn Văn An",
        "1985-03-14",
        born=hn,
        card="2025-03-20",
        phone="0912345678",
        email="an.nguyen85@gmail.com",
        alleles=("A", "O"),
        cmnd="013456789",
    )
    binh = _person(
        "033187006218",
        "Trần Thị Bình",
        "1987-07-22",
        born="11977",
        card="2021-05-18",
        phone="0987654321",
        religion="Phật giáo",
    )
    khoi = _person("001215003391", "Nguyễn Minh Khôi", "2015-01-09", born=hn, card=None)
    han = _person("001311002845", "Nguyễn Ngọc Hân", "2011-09-05", born=hn, card="2025-10-15")
    bao = _person(
        "036052001177",
        "Nguyễn Văn Bảo",
        "1952-08-02",
        born="13285",
        card="2021-06-01",
        cmnd="162345678",
        phone="0904111222",
        alleles=("A", "A"),
    )
    cuc = _person(
        "036155003064",
        "Lê Thị Cúc",
        "1955-11-30",
        born="13285",
        card="2021-06-01",
        cmnd="162987654",
    )
    hung = _person(
        "033056002719",
        "Trần Văn Hùng",
        "1956-02-17",
        born="11977",
        card="2021-04-02",
        cmnd="150112233",
        death=_date("2024-11-02"),
    )
    hoa = _person(
        "033159004823",
        "Phạm Thị Hoa",
        "1959-12-03",
        born="11977",
        card="2021-04-02",
        cmnd="150445566",
        phone="0356789012",
    )
    mai = _person(
        "038300007731",
        "Lê Thị Mai",
        "2000-05-20",
        born="14797",
        card="2021-04-10",
        cmnd="174556677",
        phone="0369123456",
        email="lethimai2000@gmail.com",
    )
    tam = _person(
        "079079005560",
        "Đỗ Văn Tâm",
        "1979-10-10",
        born="26740",
        card="2022-01-20",
        cmnd="024789123",
        phone="0903555777",
    )
    minh_anh = _person(
        "001196008802",
        "Nguyễn Ngọc Minh Anh",
        "1996-04-27",
        born=hn,
        card="2021-08-09",
        phone="0977001122",
        email="minhanh.nguyen@outlook.com",
    )
    minh_anh.birth_place = make_foreign_place("Osaka, Nhật Bản", "JP")
    minh_anh.birth_registration = make_foreign_place(
        "Tổng Lãnh sự quán Việt Nam tại Osaka, Nhật Bản", "JP"
    )
    lan = _person(
        "040198003327",
        "Vũ Thị Lan",
        "1998-06-12",
        born="16738",
        card="2022-03-03",
        cmnd="187334455",
        phone="0868123456",
        email="vuthilan98@gmail.com",
        temporary=_address("26743", "Số 12, hẻm 45, Lê Thánh Tôn"),
    )
    bhin = _person(
        "066090001985",
        "Y Bhin Niê",
        "1990-09-01",
        born="24133",
        card="2021-07-07",
        cmnd="241556677",
        phone="0905998877",
        religion="Tin lành",
        ethnicity=11,
    )
    namesake = _person(
        "042085006634",
        "Nguyễn Văn An",
        "1985-03-14",
        born="18133",
        card="2021-09-15",
        cmnd="183667788",
        phone="0888456123",
    )
    hoa2 = _person(
        "046192002210",
        "Lê Thị Hoà",
        "1992-02-29",
        born="19789",
        card="2021-12-01",
        cmnd="191223344",
        phone="0793456789",
        religion="Công giáo",
    )
    marry(an, binh)
    marry(bao, cuc)
    marry(hung, hoa)
    hoa.marital = "widowed"
    for child in (han, khoi):
        adopt(an, child)
        adopt(binh, child)
    for parent in (bao, cuc):
        adopt(parent, an)
    for parent in (hung, hoa):
        adopt(parent, binh)
    an.relation, binh.relation, han.relation, khoi.relation = "Chủ hộ", "Vợ", "Con", "Con"
    bao.relation, cuc.relation = "Cha", "Mẹ"
    return {
        p.personal_id: p
        for p in (an, binh, khoi, han, bao, cuc, hung, hoa, mai, tam, minh_anh, lan, bhin,
                  namesake, hoa2)
    }  # fmt: skip


def citizen_rows() -> tuple[list[tuple[Any, ...]], list[tuple[str, str, str | None]]]:
    """Rows of the persona citizens and their households."""
    people = _people()
    g = people.__getitem__
    homes = [
        (["001085004512", "033187006218", "001311002845", "001215003391", "036052001177",
          "036155003064"], _address("00166", "Số 18, ngõ 92, Trần Thái Tông")),
        (["033159004823"], _address("11977", "Thôn Đông")),
        (["038300007731"], _address("14797", "Số 56 Lê Lợi")),
        (["001196008802"], _address("00004", "Số 7 Phan Đình Phùng")),
        (["040198003327"], _address("16738", "Bản Mường Nọc")),
        (["066090001985"], _address("24133", "Buôn Ako Dhông")),
        (["042085006634"], _address("18133", "Thôn 3")),
        (["046192002210"], _address("19789", "Số 21 Nguyễn Trãi")),
    ]  # fmt: skip
    citizens, households = [], []
    for hid, (ids, address) in zip(PERSONA_HOUSEHOLDS, homes, strict=True):
        members = [g(i) for i in ids]
        households.append((hid, members[0].personal_id, address["ward_code"]))
        for p, hh in zip(members, household_doc(hid, members[0], members), strict=True):
            other = ["Anna Nguyen"] if p.personal_id == "001196008802" else None
            doc = citizen_doc(
                p, household=hh, permanent=address, updated_at=UPDATED_AT, other_names=other
            )
            citizens.append(citizen_tuple(doc, orjson.dumps(doc)))
    tam = g("079079005560")
    tam_doc = citizen_doc(tam, household=None, permanent=None, updated_at=UPDATED_AT)
    tam_doc["current_address"] = _address("26740", "Phòng trọ số 5, hẻm 12 Bến Vân Đồn")
    hung_doc = citizen_doc(g("033056002719"), household=None, permanent=None, updated_at=UPDATED_AT)
    for doc in (tam_doc, hung_doc):
        citizens.append(citizen_tuple(doc, orjson.dumps(doc)))
    return citizens, households


def _rep(pid: str, title: str) -> dict[str, str]:
    return {"personal_id": pid, "full_name": _people()[pid].name, "title": title}


def _owner(kind: str, ident: str, name: str, share: float, capital: int) -> dict[str, Any]:
    amount = capital * int(share) // 100
    return {"kind": kind, "id": ident, "name": name, "capital_share": share,
            "capital_amount": amount}  # fmt: skip


def _business(code: str, name: str, form: str, **fields: Any) -> dict[str, Any]:
    office = fields.pop("office")
    doc = {
        "enterprise_code": code,
        "name": name,
        "foreign_name": fields.pop("foreign_name", None),
        "short_name": fields.pop("short_name", None),
        "legal_form": form,
        "founded_on": fields.pop("founded_on"),
        "status": fields.pop("status", "active"),
        "head_office": _address(*office),
        "phone": fields.pop("phone", None),
        "email": fields.pop("email", None),
        "website": fields.pop("website", None),
        "charter_capital": fields.pop("capital", 0),
        "legal_representatives": fields.pop("reps"),
        "owners": fields.pop("owners", []),
        "business_lines": [line_doc(c, is_main=i == 0) for i, c in enumerate(fields.pop("lines"))],
        "parent_code": fields.pop("parent_code", None),
        "updated_at": UPDATED_AT,
    }
    doc["business_lines"].sort(key=lambda b: b["code"])
    assert not fields, fields
    return doc


def business_batch() -> BusinessBatch:
    """Rows of the persona businesses."""
    sao_mai, capital = "CÔNG TY CỔ PHẦN CÔNG NGHỆ SAO MAI", 15_000_000_000
    shares = [(40.0, "001085004512"), (35.0, "040198003327"), (25.0, "033187006218")]
    batch = BusinessBatch()
    docs = [
        _business(
            "0109881236", sao_mai, "joint_stock", founded_on="2016-08-18",
            office=("00166", "Tầng 9, Số 1 Trần Thái Tông"), capital=capital,
            foreign_name="SAO MAI TECHNOLOGY JOINT STOCK COMPANY", short_name="SAO MAI TECH JSC",
            phone="0912345679", email="info@saomaitech.vn", website="https://www.saomaitech.vn",
            reps=[_rep("001085004512", "Tổng giám đốc"),
                  _rep("040198003327", "Chủ tịch Hội đồng quản trị")],
            owners=[_owner("person", pid, _people()[pid].name, share, capital)
                    for share, pid in shares],
            lines=["6201", "6202", "6209", "6311", "4651", "7020"],
        ),
        _business(
            "0109881236-001", f"CHI NHÁNH {sao_mai} TẠI THÀNH PHỐ HỒ CHÍ MINH", "branch",
            founded_on="2021-03-01", office=("26743", "Số 65 Lê Lợi"),
            phone="0868123457", email="hcm@saomaitech.vn",
            reps=[_rep("040198003327", "Giám đốc chi nhánh")], lines=["6201", "6209"],
            parent_code="0109881236",
        ),
        _business(
            "0109881243", "CÔNG TY TNHH THƯƠNG MẠI HƯNG THỊNH", "llc_multi_member",
            founded_on="2005-04-11", status="dissolved", office=("11977", "Thôn Đông"),
            capital=2_000_000_000, reps=[_rep("033056002719", "Giám đốc")],
            owners=[_owner("person", "033056002719", "Trần Văn Hùng", 70.0, 2_000_000_000),
                    _owner("person", "033159004823", "Phạm Thị Hoa", 30.0, 2_000_000_000)],
            lines=["4632", "4631", "4711"],
        ),
        _business(
            "033187006218", "HỘ KINH DOANH TẠP HÓA BÌNH AN", "household_business",
            founded_on="2019-10-02", office=("00166", "Số 18, ngõ 92, Trần Thái Tông"),
            capital=150_000_000, phone="0987654321",
            reps=[_rep("033187006218", "Chủ hộ kinh doanh")],
            owners=[_owner("person", "033187006218", "Trần Thị Bình", 100.0, 150_000_000)],
            lines=["4711", "4722"],
        ),
        _business(
            "0315552357", "CÔNG TY CỔ PHẦN ĐẦU TƯ PHƯƠNG NAM", "joint_stock",
            founded_on="2019-01-15", office=("26740", "Số 2 Hải Triều"), capital=50_000_000_000,
            foreign_name="PHUONG NAM INVESTMENT JOINT STOCK COMPANY",
            short_name="PHUONG NAM INVEST", email="contact@phuongnaminvest.com.vn",
            reps=[_rep("079079005560", "Tổng giám đốc")],
            owners=[_owner("enterprise", "0109881236", sao_mai, 60.0, 50_000_000_000),
                    _owner("enterprise", "0107663458",
                           "CÔNG TY TNHH MỘT THÀNH VIÊN DỊCH VỤ AN KHANG", 30.0, 50_000_000_000),
                    _owner("person", "001085004512", "Nguyễn Văn An", 10.0, 50_000_000_000)],
            lines=["6810", "6820", "7020"],
        ),
        _business(
            "0107663458", "CÔNG TY TNHH MỘT THÀNH VIÊN DỊCH VỤ AN KHANG", "llc_one_member",
            founded_on="2012-06-06", office=("00004", "Số 7 Phan Đình Phùng"),
            capital=3_000_000_000, phone="0977001123",
            reps=[_rep("001196008802", "Giám đốc")],
            owners=[_owner("person", "036052001177", "Nguyễn Văn Bảo", 100.0, 3_000_000_000)],
            lines=["8110", "8121", "8129", "8130"],
        ),
        _business(
            "0308123477", "DOANH NGHIỆP TƯ NHÂN TÂM ĐỨC", "private_enterprise",
            founded_on="2010-09-09", status="suspended", office=("26740", "Số 90 Hàm Nghi"),
            capital=800_000_000, phone="0903555777",
            reps=[_rep("079079005560", "Chủ doanh nghiệp")],
            owners=[_owner("person", "079079005560", "Đỗ Văn Tâm", 100.0, 800_000_000)],
            lines=["4933", "5225"],
        ),
    ]  # fmt: skip
    for doc in docs:
        batch.add(doc)
    return batch


def persona_record_counts() -> dict[str, int]:
    """How many records the personas and their relatives add to each registry."""
    return {"citizen": len(citizen_rows()[0]), "business": len(business_batch().businesses)}
