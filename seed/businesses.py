"""Generation of enterprises, branches and household businesses, a chunk at a time.

Business chunk j draws its people from the adults of citizen chunk j mod C (`candidates`),
so every representative and owner is a citizen of the same registry. Enterprise codes are
10 digits with the check digit of Circular 105/2020 (`tax_check_digit`; nine-digit
prefixes whose remainder is 0 are skipped); a branch is its parent's code + `-NNN`; a
household business uses its owner's 12-digit personal ID.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from random import Random
from typing import Any

import orjson

from registries.identifiers import tax_check_digit
from registries.search.bulk import IndexBatch
from registries.units import commune
from seed.names import ascii_fold
from seed.places import address_line, make_address
from seed.rules import (
    BASE_ORDINAL,
    between,
    iso,
    mobile,
    pick,
    scramble,
    stored_datetime,
    timestamp,
    weighted,
)
from seed.vsic import HOUSEHOLD_LINES, SECTORS, line_doc, lines_by_sector

CHUNK_BUSINESSES = 1_000
# Each chunk owns 2 x CHUNK_BUSINESSES seven-digit serials (1 in 11 is skipped for its
# check digit): a registry holds at most 5,000,000 enterprises.
MAX_BUSINESSES = 10_000_000 // (2 * CHUNK_BUSINESSES) * CHUNK_BUSINESSES

_FORMS = [
    "llc_one_member",
    "llc_multi_member",
    "joint_stock",
    "private_enterprise",
    "partnership",
    "branch",
    "household_business",
]
_FORM_CUM = [30, 45, 59, 62, 62.5, 72.5, 100]
_STATUSES = ["active", "suspended", "not_at_registered_address", "dissolving", "dissolved"]
_STATUSES.append("bankrupt")
_STATUS_CUM = [85, 89, 92, 94, 99.5, 100]
# First two digits of the enterprise code: the tax authority's range. Hà Nội 01 and
# HCMC 03 are certain (DOMAIN.md); the others are the old provincial ranges as commonly
# seen (unverified) and a default for the rest.
TAX_PREFIX = {"01": "01", "79": "03", "31": "02", "48": "04", "92": "18", "75": "36"}
TAX_PREFIX |= {"24": "23", "22": "57", "38": "28", "40": "29", "56": "42", "46": "33"}
TAX_PREFIX |= {"68": "58", "66": "60", "91": "16", "33": "09", "37": "06", "25": "26"}
BRAND_WORDS = [
    "MINH", "PHÁT", "HƯNG", "THỊNH", "AN", "PHÚ", "THÀNH", "ĐẠT", "LONG", "HOÀNG", "GIA",
    "VIỆT", "TÂN", "NAM", "KIM", "BẢO", "HẢI", "ĐỨC", "TRƯỜNG", "SƠN", "QUANG", "HÒA",
    "PHƯỚC", "LỘC", "TÀI", "THIÊN", "NHẬT", "ĐÔNG", "TIẾN", "HỒNG", "NGỌC", "VẠN", "XUÂN",
    "TRUNG", "KHANG", "THUẬN", "VINH", "QUỐC", "MỸ", "PHƯƠNG", "LỢI", "BÌNH", "TOÀN", "HUY",
]  # fmt: skip
BRAND_NAMES = [
    "SAO VIỆT", "ĐẠI DƯƠNG", "HOÀNG GIA", "ÁNH DƯƠNG", "MẶT TRỜI", "TRƯỜNG SƠN", "SÔNG HỒNG",
    "CỬU LONG", "PHƯƠNG ĐÔNG", "BÌNH MINH", "THĂNG LONG", "HÀ THÀNH", "SÀI GÒN", "TÂY NGUYÊN",
    "ĐẤT VIỆT", "KIM CƯƠNG", "HOA SEN", "NAM VIỆT", "BẮC HÀ", "PHÚ SĨ", "ĐỈNH CAO", "TƯƠNG LAI",
]  # fmt: skip
SHOP_WORDS = {
    "4711": "TẠP HÓA", "4722": "THỰC PHẨM", "4723": "ĐỒ UỐNG", "5610": "QUÁN ĂN",
    "5630": "CÀ PHÊ", "5629": "ĂN UỐNG", "9631": "SALON TÓC", "4520": "GARA Ô TÔ",
    "4542": "SỬA XE MÁY", "4772": "NHÀ THUỐC", "4771": "THỜI TRANG", "1071": "BÁNH",
    "9620": "GIẶT LÀ", "5510": "NHÀ NGHỈ", "4752": "VẬT LIỆU XÂY DỰNG", "4741": "ĐIỆN THOẠI",
}  # fmt: skip
_FORM_WORDS = {
    "llc_one_member": ("CÔNG TY TNHH", "COMPANY LIMITED", "CO., LTD"),
    "llc_multi_member": ("CÔNG TY TNHH", "COMPANY LIMITED", "CO., LTD"),
    "joint_stock": ("CÔNG TY CỔ PHẦN", "JOINT STOCK COMPANY", "JSC"),
    "private_enterprise": ("DOANH NGHIỆP TƯ NHÂN", "PRIVATE ENTERPRISE", None),
    "partnership": ("CÔNG TY HỢP DANH", "PARTNERSHIP", None),
}
_CAPITAL_MILLIONS = {
    "llc_one_member": (300, 20_000),
    "llc_multi_member": (1_000, 50_000),
    "joint_stock": (2_000, 500_000),
    "private_enterprise": (200, 5_000),
    "partnership": (1_000, 10_000),
    "household_business": (20, 2_000),
}
_SECTOR_NAMES = list(SECTORS)
_SECTOR_CUM: list[float] = []
for _name in _SECTOR_NAMES:
    _SECTOR_CUM.append((_SECTOR_CUM[-1] if _SECTOR_CUM else 0) + SECTORS[_name][1])

BUSINESS_COLUMNS = (
    "enterprise_code",
    "name",
    "legal_form",
    "status",
    "province_code",
    "parent_code",
    "founded_on",
    "updated_at",
    "doc",
)
Candidate = tuple[str, str, str, str]  # personal_id, full_name, sex, ward code of residence


@dataclass
class BusinessBatch:
    """The rows of one business chunk (and their search-index batch when asked for)."""

    businesses: list[tuple[Any, ...]] = field(default_factory=list)
    representatives: list[tuple[str, str, str]] = field(default_factory=list)
    owners: list[tuple[str, str, str, float]] = field(default_factory=list)
    lines: list[tuple[str, str, bool]] = field(default_factory=list)
    index: IndexBatch | None = None

    def add(self, doc: dict[str, Any]) -> None:
        """Add a business document and its link rows."""
        self.businesses.append(business_tuple(doc, orjson.dumps(doc)))
        code = doc["enterprise_code"]
        self.representatives += [
            (code, r["personal_id"], r["title"]) for r in doc["legal_representatives"]
        ]
        self.owners += [(code, o["id"], o["kind"], o["capital_share"]) for o in doc["owners"]]
        self.lines += [(code, b["code"], b["is_main"]) for b in doc["business_lines"]]


def business_tuple(doc: dict[str, Any], raw: bytes) -> tuple[Any, ...]:
    """The row of `businesses` for a document, in `BUSINESS_COLUMNS` order."""
    return (
        doc["enterprise_code"],
        doc["name"],
        doc["legal_form"],
        doc["status"],
        doc["head_office"]["province_code"],
        doc["parent_code"],
        doc["founded_on"],
        stored_datetime(doc["updated_at"]),
        raw,
    )


def enterprise_code(prefix: str, serial: int) -> str | None:
    """A 10-digit enterprise code, or None when these nine digits have no check digit."""
    first_nine = f"{prefix}{serial:07d}"
    digit = tax_check_digit(first_nine)
    return None if digit is None else first_nine + digit


def split_shares(rng: Random, n: int, capital: int) -> list[tuple[float, int]]:
    """n whole-percent shares summing to 100 and their amounts summing to `capital`."""
    weights = [rng.random() + 0.2 for _ in range(n)]
    total = sum(weights)
    shares = [max(1, int(100 * w / total)) for w in weights]
    shares[0] += 100 - sum(shares)
    amounts = [capital * s // 100 for s in shares]
    amounts[0] += capital - sum(amounts)
    return [(float(s), a) for s, a in zip(shares, amounts, strict=True)]


class _Builder:
    """Builds the businesses of one chunk."""

    def __init__(
        self,
        seed: int,
        chunk: int,
        candidates: list[Candidate],
        *,
        source_chunk: int,
        round_no: int,
        rounds: int,
        reserved: frozenset[str],
    ) -> None:
        self.rng = Random(f"businesses:{seed}:{chunk}")
        self.chunk = chunk
        self.candidates = candidates
        self.reserved = reserved
        self.serial = 0
        self.batch = BusinessBatch()
        self.parents: list[dict[str, Any]] = []
        self.branch_counts: dict[str, int] = {}
        # Household-business owners: each round of reuse of a citizen chunk takes its own
        # slice of one fixed shuffle, so no citizen owns two household businesses.
        order = list(range(len(candidates)))
        Random(f"owners:{seed}:{source_chunk}").shuffle(order)
        share = len(order) // max(1, rounds)
        self.household_owners = order[round_no * share : (round_no + 1) * share]

    def people(self, n: int) -> list[Candidate]:
        """Up to n distinct adults."""
        picked: dict[str, Candidate] = {}
        for _ in range(n * 3):
            c = pick(self.rng, self.candidates)
            picked.setdefault(c[0], c)
            if len(picked) == n:
                break
        return list(picked.values())

    def next_code(self, province: str) -> str:
        """The next unused enterprise code of this chunk."""
        prefix = TAX_PREFIX.get(province) or f"{int(province) % 50 + 10:02d}"
        while True:
            if self.serial >= 2 * CHUNK_BUSINESSES:
                raise RuntimeError(f"enterprise-code serials exhausted in chunk {self.chunk}")
            raw = scramble(self.chunk * 2 * CHUNK_BUSINESSES + self.serial, 10**7, 1_234_567, 7)
            self.serial += 1
            code = enterprise_code(prefix, raw)
            if code is not None and code not in self.reserved:
                return code

    def business(self) -> None:
        """Add one business of a random legal form."""
        rng = self.rng
        form = weighted(rng, _FORMS, _FORM_CUM)
        if form == "branch" and not self.parents:
            form = "llc_one_member"
        if form == "household_business" and not self.household_owners:
            form = "llc_one_member"
        if form == "branch":
            self.batch.add(self.branch(pick(rng, self.parents)))
        elif form == "household_business":
            owner = self.candidates[self.household_owners.pop()]
            self.batch.add(self.household_business(owner))
        else:
            doc = self.enterprise(form)
            self.batch.add(doc)
            if doc["status"] not in ("dissolved", "bankrupt"):
                self.parents.append(doc)

    # -- documents ----------------------------------------------------------------------
    def _brand(self) -> str:
        rng = self.rng
        if rng.random() < 0.25:
            return pick(rng, BRAND_NAMES)
        a, b = rng.sample(BRAND_WORDS, 2)
        return f"{a} {b}"

    def _contact(self, brand: str, website: bool) -> tuple[str | None, str | None, str | None]:
        rng = self.rng
        slug = ascii_fold(brand).replace(" ", "")
        tld = pick(rng, ["vn", "com.vn", "com"])
        email = f"{pick(rng, ['info', 'contact', 'ketoan', 'lienhe'])}@{slug}.{tld}"
        site = f"https://www.{slug}.{tld}" if website else None
        return (mobile(rng) if rng.random() < 0.9 else None), email, site

    def _lines(self, sector: str, extra: int) -> list[dict[str, Any]]:
        rng = self.rng
        own = lines_by_sector()[sector]
        main = pick(rng, own)
        codes = [main.code]
        for _ in range(extra):
            pool = own if rng.random() < 0.85 else lines_by_sector()[pick(rng, _SECTOR_NAMES)]
            code = pick(rng, pool).code
            if code not in codes:
                codes.append(code)
        return [line_doc(c, is_main=c == main.code) for c in sorted(codes)]

    def _office(self, ward_code: str) -> dict[str, Any]:
        unit = commune(ward_code)
        assert unit is not None
        return make_address(unit, address_line(self.rng, unit))

    def _capital(self, form: str) -> int:
        low, high = _CAPITAL_MILLIONS[form]
        millions = int(low * (high / low) ** self.rng.random())
        return (millions // 10 * 10 or low) * 1_000_000

    def _founded(self) -> int:
        return BASE_ORDINAL - int(self.rng.random() ** 1.6 * 365.25 * 30) - 1

    def enterprise(self, form: str) -> dict[str, Any]:
        """A company or private enterprise."""
        rng = self.rng
        sector = weighted(rng, _SECTOR_NAMES, _SECTOR_CUM)
        word_vi, word_en = pick(rng, SECTORS[sector][0])
        brand = self._brand()
        head, foreign, short = _FORM_WORDS[form]
        if form == "llc_one_member" and rng.random() < 0.3:
            head = "CÔNG TY TNHH MỘT THÀNH VIÊN"
        ascii_brand = ascii_fold(brand).upper()
        capital = self._capital(form)
        people = self.people(6)
        reps, owners = self._control(form, capital, people)
        ward = people[0][3] if rng.random() < 0.8 else pick(rng, self.candidates)[3]
        office = self._office(ward)
        phone, email, site = self._contact(brand, rng.random() < 0.3)
        en = f"{ascii_brand} {ascii_fold(word_en).upper()} {foreign}"
        return {
            "enterprise_code": self.next_code(office["province_code"]),
            "name": f"{head} {word_vi} {brand}",
            "foreign_name": en if rng.random() < 0.6 else None,
            "short_name": f"{ascii_brand} {short}" if short and rng.random() < 0.5 else None,
            "legal_form": form,
            "founded_on": iso(self._founded()),
            "status": weighted(rng, _STATUSES, _STATUS_CUM),
            "head_office": office,
            "phone": phone,
            "email": email,
            "website": site,
            "charter_capital": capital,
            "legal_representatives": reps,
            "owners": owners,
            "business_lines": self._lines(sector, between(rng, 1, 12)),
            "parent_code": None,
            "updated_at": timestamp(rng),
        }

    def _control(
        self, form: str, capital: int, people: list[Candidate]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Legal representatives and owners of an enterprise."""
        rng = self.rng
        if form in ("private_enterprise", "llc_one_member") and (
            form == "private_enterprise" or rng.random() < 0.8 or not self.parents
        ):
            owner = people[0]
            title = "Chủ doanh nghiệp" if form == "private_enterprise" else "Giám đốc"
            if form == "llc_one_member" and rng.random() < 0.3:
                title = "Chủ tịch công ty"
            return [_rep(owner, title)], [_person_owner(owner, 100.0, capital)]
        if form == "llc_one_member":  # owned by another enterprise, run by a director
            parent = pick(rng, self.parents)
            return [_rep(people[0], "Giám đốc")], [_enterprise_owner(parent, 100.0, capital)]
        if form == "partnership":
            partners = people[: between(rng, 2, 3)]
            shares = split_shares(rng, len(partners), capital)
            reps = [_rep(p, "Thành viên hợp danh") for p in partners]
            return reps, [
                _person_owner(p, s, a) for p, (s, a) in zip(partners, shares, strict=True)
            ]
        n = between(rng, 2, 5) if form == "llc_multi_member" else between(rng, 3, 6)
        members: list[Any] = people[:n]
        if form == "joint_stock" and self.parents and rng.random() < 0.25:
            members[-1] = pick(rng, self.parents)
        shares = split_shares(rng, len(members), capital)
        owners = [
            _enterprise_owner(m, s, a) if isinstance(m, dict) else _person_owner(m, s, a)
            for m, (s, a) in zip(members, shares, strict=True)
        ]
        if form == "llc_multi_member":
            titles = ["Giám đốc", "Chủ tịch Hội đồng thành viên"]
        else:
            titles = ["Tổng giám đốc", "Chủ tịch Hội đồng quản trị"]
        reps = [_rep(people[0], titles[0])]
        if rng.random() < 0.2:
            reps.append(_rep(people[1], titles[1]))
        return reps, owners

    def branch(self, parent: dict[str, Any]) -> dict[str, Any]:
        """A branch of an enterprise of this chunk, with a subset of its lines."""
        rng = self.rng
        n = self.branch_counts.get(parent["enterprise_code"], 0) + 1
        self.branch_counts[parent["enterprise_code"]] = n
        head = self.people(1)[0]
        office = self._office(head[3])
        lines = [b for b in parent["business_lines"] if b["is_main"] or rng.random() < 0.5]
        province = office["province_name"].removeprefix("Thành phố ").removeprefix("Tỉnh ")
        phone, email, _ = self._contact(parent["name"][-12:], False)
        return {
            "enterprise_code": f"{parent['enterprise_code']}-{n:03d}",
            "name": f"CHI NHÁNH {parent['name']} TẠI {province.upper()}",
            "foreign_name": None,
            "short_name": None,
            "legal_form": "branch",
            "founded_on": iso(between(rng, _ordinal(parent["founded_on"]), BASE_ORDINAL - 1)),
            "status": "active" if rng.random() < 0.9 else "suspended",
            "head_office": office,
            "phone": phone,
            "email": email,
            "website": None,
            "charter_capital": 0,
            "legal_representatives": [_rep(head, "Giám đốc chi nhánh")],
            "owners": [],
            "business_lines": lines,
            "parent_code": parent["enterprise_code"],
            "updated_at": timestamp(rng),
        }

    def household_business(self, owner: Candidate) -> dict[str, Any]:
        """A household business whose tax code is its owner's personal ID."""
        rng = self.rng
        main, *others = rng.sample(HOUSEHOLD_LINES, between(rng, 1, 3))
        shop = SHOP_WORDS.get(main, "CỬA HÀNG")
        title = owner[1].upper() if rng.random() < 0.5 else f"{shop} {self._brand()}"
        capital = self._capital("household_business")
        phone = mobile(rng) if rng.random() < 0.95 else None
        return {
            "enterprise_code": owner[0],
            "name": f"HỘ KINH DOANH {title}",
            "foreign_name": None,
            "short_name": None,
            "legal_form": "household_business",
            "founded_on": iso(self._founded()),
            "status": weighted(rng, _STATUSES, _STATUS_CUM),
            "head_office": self._office(owner[3]),
            "phone": phone,
            "email": None,
            "website": None,
            "charter_capital": capital,
            "legal_representatives": [_rep(owner, "Chủ hộ kinh doanh")],
            "owners": [_person_owner(owner, 100.0, capital)],
            "business_lines": [line_doc(c, is_main=c == main) for c in sorted([main, *others])],
            "parent_code": None,
            "updated_at": timestamp(rng),
        }


def _ordinal(iso_date: str) -> int:
    return dt.date.fromisoformat(iso_date).toordinal()


def _rep(person: Candidate, title: str) -> dict[str, Any]:
    return {"personal_id": person[0], "full_name": person[1], "title": title}


def _person_owner(person: Candidate, share: float, amount: int) -> dict[str, Any]:
    return {
        "kind": "person",
        "id": person[0],
        "name": person[1],
        "capital_share": share,
        "capital_amount": amount,
    }


def _enterprise_owner(doc: dict[str, Any], share: float, amount: int) -> dict[str, Any]:
    return {
        "kind": "enterprise",
        "id": doc["enterprise_code"],
        "name": doc["name"],
        "capital_share": share,
        "capital_amount": amount,
    }


def business_chunk(
    seed: int,
    chunk: int,
    count: int,
    candidates: list[Candidate],
    *,
    source_chunk: int = 0,
    round_no: int = 0,
    rounds: int = 1,
    reserved: frozenset[str] = frozenset(),
) -> BusinessBatch:
    """Generate `count` businesses of one chunk, run by the given adult citizens."""
    builder = _Builder(
        seed,
        chunk,
        candidates,
        source_chunk=source_chunk,
        round_no=round_no,
        rounds=rounds,
        reserved=reserved,
    )
    for _ in range(count):
        builder.business()
    return builder.batch
