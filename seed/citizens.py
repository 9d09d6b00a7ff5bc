"""Generation of citizens in households, a chunk at a time.

A chunk is `CHUNK_PEOPLE` consecutive citizens generated from its own random stream
(`seed`, chunk number), so chunks can be built in any order, in parallel, and still give
the same registry. Families live in one household: a head, a spouse, children, sometimes
the head's parents; every link (spouse, parents, children, household) points at a record
of the same chunk and is written on both sides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from random import Random
from typing import Any

from registries.identifiers import make_personal_id
from registries.search.bulk import IndexBatch
from registries.units import OLD_TO_CURRENT_PROVINCE, Commune
from seed import names
from seed.documents import build_rows
from seed.people import (
    FEMALE,
    KINH,
    MALE,
    Person,
    adopt,
    ethnicity_name,
    full_name,
    marry,
    pick_minority,
    pick_religion,
    pick_surname,
)
from seed.places import (
    address_line,
    communes,
    make_address,
    make_place,
    old_codes_of,
    province_weights,
)
from seed.rules import (
    BASE_ORDINAL,
    CMND_LAST_BIRTH_YEAR,
    MAIL_DOMAINS,
    between,
    card_history,
    mobile,
    pick,
    scramble,
    weighted,
)

CHUNK_PEOPLE = 10_000
# Personal-ID serials: each chunk owns SERIAL_BLOCK serials per (province, century/sex,
# year) prefix, scrambled over the six digits; this caps a registry at 10,000,000 citizens.
SERIAL_BLOCK = 1_000
MAX_CITIZENS = CHUNK_PEOPLE * (1_000_000 // SERIAL_BLOCK)
_YEAR = 365.2425
# Adults of a chunk handed to the business generator (representatives, owners).
MAX_CANDIDATES = 2_000
# Household compositions and their shares (unverified, shaped on the 2019 census averages
# of 3.5 people per household).
_KINDS = ["single", "couple", "nuclear", "three_generations", "single_parent", "siblings"]
_KIND_CUM = [0.13, 0.25, 0.70, 0.86, 0.96, 1.0]
_ALLELE_CUM = [0.146, 0.352, 1.0]
_LONE_STATUS, _LONE_CUM = ["single", "divorced", "widowed"], [3, 6, 10]
_KID_COUNTS, _KID_CUM = [1, 2, 3, 4], [30, 75, 94, 100]
_MIGRATION_TARGETS = ["79", "79", "79", "01", "01", "75", "24", "48", "31"]


@dataclass
class CitizenBatch:
    """The rows of one chunk: citizens, households, adults eligible for businesses, and
    the citizens' search-index batch when the loader asks for it."""

    citizens: list[tuple[Any, ...]] = field(default_factory=list)
    households: list[tuple[str, str, str | None]] = field(default_factory=list)
    candidates: list[tuple[str, str, str, str]] = field(default_factory=list)
    index: IndexBatch | None = None


def _birth(rng: Random, age: int) -> int:
    return BASE_ORDINAL - int((age + rng.random()) * _YEAR) - 1


class _Builder:
    """Builds the households of one chunk."""

    def __init__(self, seed: int, chunk: int, reserved: frozenset[str]) -> None:
        self.rng = Random(f"citizens:{seed}:{chunk}")
        self.chunk = chunk
        self.reserved = reserved
        self.serials: dict[str, int] = {}
        self.count = 0
        self.extra: list[Person] = []
        self.deceased: list[Person] = []
        self.households: list[tuple[list[Person], dict[str, Any]]] = []
        self.provinces, self.province_cum = province_weights()

    # -- one household ------------------------------------------------------------------
    def household(self, room: int) -> None:
        """Add one household (and its deceased relatives) of at most `room` people."""
        rng = self.rng
        ethnicity = KINH if rng.random() < 0.853 else pick_minority(rng)
        homes = names.ETHNIC_HOMES.get(ethnicity_name(ethnicity))
        if ethnicity != KINH and homes is None:
            homes = names.MOUNTAIN
        if homes and rng.random() < 0.85:
            province = pick(rng, homes)
        else:
            province = weighted(rng, self.provinces, self.province_cum)
        commune = pick(rng, communes(province))
        address = make_address(commune, address_line(rng, commune))
        kind = weighted(rng, _KINDS, _KIND_CUM)
        religion = pick_religion(rng)
        self.extra = []
        members = self._members(kind, ethnicity, province)
        if len(members) + len(self.extra) > room:
            self.extra = []
            members = self._members("single", ethnicity, province)
        olds = old_codes_of(province)
        local = olds[int(commune.code) % len(olds)]
        everyone = members + self.extra
        for p in everyone:
            p.religion = religion if rng.random() < 0.95 else "Không"
            self._origin(p, local, commune if p.relation == "Con" else None)
        for p in everyone:
            self._hometown(p)
            self._names_and_papers(p, province)
            if p.relation in ("Con", "Chủ hộ", "Em", "Anh", "Chị") and 18 <= p.age <= 45:
                self._maybe_migrant(p, province)
        self.households.append((members, address))
        self.deceased.extend(self.extra)

    def _person(self, sex: str, age: int, surname: str, ethnicity: int, relation: str) -> Person:
        p = Person(sex, _birth(self.rng, age), surname, ethnicity)
        p.relation = relation
        rng = self.rng
        p.alleles = (
            weighted(rng, names.ALLELES, _ALLELE_CUM),
            weighted(rng, names.ALLELES, _ALLELE_CUM),
        )
        return p

    def _child_of(
        self, father: Person | None, mother: Person | None, age: int, relation: str
    ) -> Person:
        rng = self.rng
        parent = father or mother
        assert parent is not None
        sex = MALE if rng.random() < 0.512 else FEMALE
        surname = parent.surname
        if mother is not None and ethnicity_name(mother.ethnicity) == "Ê Đê":
            surname = mother.surname  # matrilineal clans
        child = self._person(sex, age, surname, parent.ethnicity, relation)
        child.alleles = (
            pick(rng, father.alleles) if father else pick(rng, names.ALLELES),
            pick(rng, mother.alleles) if mother else pick(rng, names.ALLELES),
        )
        for p in (father, mother):
            if p is not None:
                adopt(p, child)
        return child

    def _couple(
        self, husband_age: int, ethnicity: int, province: str, head_is_husband: bool
    ) -> tuple[Person, Person]:
        rng = self.rng
        wife_age = max(18, husband_age - max(-3, min(12, int(rng.gauss(2.5, 3)))))
        wife_ethnicity = ethnicity if rng.random() < 0.93 else KINH
        h_rel, w_rel = ("Chủ hộ", "Vợ") if head_is_husband else ("Chồng", "Chủ hộ")
        husband = self._person(
            MALE, husband_age, pick_surname(rng, ethnicity, province), ethnicity, h_rel
        )
        wife = self._person(
            FEMALE, wife_age, pick_surname(rng, wife_ethnicity, province), wife_ethnicity, w_rel
        )
        marry(husband, wife)
        return husband, wife

    def _kids(
        self, father: Person | None, mother: Person | None, n: int, relation: str
    ) -> list[Person]:
        rng = self.rng
        parent_age = mother.age if mother else (father.age - 3 if father else 0)
        oldest = min(parent_age - 19, 35)
        if oldest < 0:
            return []
        youngest = 0
        for p in (father, mother):
            if p is not None and p.death is not None:
                youngest = (BASE_ORDINAL - p.death) // 365 + 1
                if youngest > oldest:  # the parent died later: children born before
                    p.death = BASE_ORDINAL - between(rng, 30, 300)
                    youngest = 1
        if youngest > oldest:
            return []
        ages = sorted({between(rng, youngest, oldest) for _ in range(n)}, reverse=True)
        return [self._child_of(father, mother, a, relation) for a in ages]

    def _deceased_spouse(self, survivor: Person, ethnicity: int, province: str) -> Person:
        rng = self.rng
        if survivor.sex == MALE:
            sex, age = FEMALE, survivor.age - between(rng, 0, 5)
            surname = pick_surname(rng, ethnicity, province)
        else:
            sex, age = MALE, survivor.age + between(rng, -2, 8)
            surname = pick_surname(rng, ethnicity, province)
        dead = self._person(sex, max(age, 25), surname, ethnicity, "")
        marry(dead, survivor)
        survivor.marital = "widowed"
        dead.death = max(BASE_ORDINAL - between(rng, 30, 365 * 12), dead.birth + int(25 * _YEAR))
        self.extra.append(dead)
        return dead

    def _members(self, kind: str, ethnicity: int, province: str) -> list[Person]:
        rng = self.rng
        surname = pick_surname(rng, ethnicity, province)
        if kind == "single":
            sex = MALE if rng.random() < 0.5 else FEMALE
            age = between(rng, 19, 88)
            p = self._person(sex, age, surname, ethnicity, "Chủ hộ")
            if age > 35:
                p.marital = weighted(rng, _LONE_STATUS, _LONE_CUM)
            return [p]
        if kind == "siblings":
            sex = MALE if rng.random() < 0.5 else FEMALE
            head = self._person(sex, between(rng, 20, 30), surname, ethnicity, "Chủ hộ")
            out = [head]
            for _ in range(between(rng, 1, 2)):
                sex = MALE if rng.random() < 0.5 else FEMALE
                age = between(rng, 18, 30)
                rel = "Em" if age < head.age else ("Anh" if sex == MALE else "Chị")
                out.append(self._person(sex, age, surname, ethnicity, rel))
            return out
        if kind == "single_parent":
            sex = FEMALE if rng.random() < 0.8 else MALE
            parent = self._person(sex, between(rng, 28, 60), surname, ethnicity, "Chủ hộ")
            other: Person | None = None
            if rng.random() < 0.5:
                other = self._deceased_spouse(parent, ethnicity, province)
            else:
                parent.marital = "divorced"
            father, mother = (parent, other) if sex == MALE else (other, parent)
            kids = self._kids(father, mother, between(rng, 1, 3), "Con")
            if father is None:
                absent = pick_surname(rng, ethnicity, province)  # the father's, not registered
                for k in kids:
                    k.surname = absent
            return [parent, *kids]
        head_is_husband = rng.random() < 0.85
        if kind == "couple":
            age = between(rng, 23, 34) if rng.random() < 0.5 else between(rng, 55, 85)
        else:
            age = between(rng, 26, 62)
        husband, wife = self._couple(age, ethnicity, province, head_is_husband)
        out = [husband, wife] if head_is_husband else [wife, husband]
        if kind == "couple":
            return out
        n = weighted(rng, _KID_COUNTS, _KID_CUM)
        out += self._kids(husband, wife, n, "Con")
        if kind == "three_generations":
            out += self._elders_of(out[0], ethnicity, province)
        return out

    def _elders_of(self, head: Person, ethnicity: int, province: str) -> list[Person]:
        rng = self.rng
        father_age = min(head.age + between(rng, 22, 36), 99)
        father, mother = self._couple(father_age, ethnicity, province, True)
        father.surname = head.surname
        father.relation, mother.relation = "Cha", "Mẹ"
        head.alleles = (pick(rng, father.alleles), pick(rng, mother.alleles))
        adopt(father, head)
        adopt(mother, head)
        roll = rng.random()
        if roll < 0.55:
            return [father, mother]
        survivor, dead = (mother, father) if roll < 0.85 else (father, mother)
        dead.death = BASE_ORDINAL - between(rng, 30, 365 * 10)
        dead.relation = ""
        survivor.marital = "widowed"
        self.extra.append(dead)
        return [survivor]

    # -- per person ---------------------------------------------------------------------
    def _origin(self, p: Person, local_code: str, home_commune: Commune | None) -> None:
        rng = self.rng
        if rng.random() < (0.92 if home_commune is not None else 0.75):
            old = local_code
        else:
            current = weighted(rng, self.provinces, self.province_cum)
            old = pick(rng, old_codes_of(current))
        p.old_code = old
        current = OLD_TO_CURRENT_PROVINCE[old]
        if home_commune is not None and old == local_code and rng.random() < 0.6:
            registered = home_commune
        else:
            registered = pick(rng, communes(current))
        p.birth_registration = make_place(registered)
        if rng.random() < 0.8:
            p.birth_place = p.birth_registration
        else:
            p.birth_place = make_place(pick(rng, communes(current)))

    def _hometown(self, p: Person) -> None:
        """Quê quán follows the father (the mother when no father is registered)."""
        if p.hometown:
            return
        parent = p.father or p.mother
        if parent is not None:
            self._hometown(parent)
            p.hometown = parent.hometown
        elif self.rng.random() < 0.7:
            p.hometown = p.birth_registration
        else:
            province = OLD_TO_CURRENT_PROVINCE[p.old_code]
            p.hometown = make_place(pick(self.rng, communes(province)))

    def _maybe_migrant(self, p: Person, province: str) -> None:
        """Some young adults live and work elsewhere on a temporary registration."""
        rng = self.rng
        if p.death is not None or rng.random() >= 0.1:
            return
        target = pick(rng, _MIGRATION_TARGETS)
        if target == province:
            return
        commune = pick(rng, communes(target))
        p.temporary = make_address(commune, address_line(rng, commune))

    def _names_and_papers(self, p: Person, province: str) -> None:
        rng = self.rng
        year = p.birth_year
        p.name = full_name(rng, p.ethnicity, p.sex, p.surname, year)
        p.personal_id = self._personal_id(p.old_code, p.sex, year)
        p.index = self.chunk * CHUNK_PEOPLE + self.count
        self.count += 1
        p.card = card_history(rng, dt.date.fromordinal(p.birth), p.death)
        age = p.age
        if year <= CMND_LAST_BIRTH_YEAR and rng.random() < 0.85:
            p.cmnd = f"{scramble(p.index, 10**9, 7_777_777, 918_273_645):09d}"
        if p.death is not None:
            return
        if age >= 15 and rng.random() < 0.92:
            p.phone = mobile(rng)
        if 16 <= age <= 65 and rng.random() < 0.4:
            given = names.ascii_fold(p.name.rsplit(" ", 1)[-1])
            family = names.ascii_fold(p.surname).replace(" ", "").replace("'", "")
            if rng.random() < 0.5:
                handle = f"{given}{family}{year % 100:02d}"
            else:
                handle = f"{family}.{given}{between(rng, 1, 999)}"
            p.email = f"{handle}@{pick(rng, MAIL_DOMAINS)}"

    def _personal_id(self, old_code: str, sex: str, year: int) -> str:
        prefix = _id_prefix(old_code, sex, year)
        while True:
            n = self.serials.get(prefix, 0)
            if n >= SERIAL_BLOCK:
                raise RuntimeError(f"personal-ID serials exhausted for {prefix}")
            self.serials[prefix] = n + 1
            # Per-prefix offset: the scramble stays a bijection for each prefix.
            shift = int(prefix) * 7_727 % 1_000_000
            serial = scramble(self.chunk * SERIAL_BLOCK + n + shift, 1_000_000, 7_919, 104_729)
            pid = f"{prefix}{serial:06d}"
            if pid not in self.reserved:
                return pid


@cache
def _id_prefix(old_code: str, sex: str, year: int) -> str:
    """`PPP G YY` of a personal ID (cached: few distinct combinations)."""
    return make_personal_id(old_code, sex, year, 0)[:6]


def citizen_chunk(
    seed: int,
    chunk: int,
    count: int,
    *,
    reserved_ids: frozenset[str] = frozenset(),
    reserved_households: frozenset[str] = frozenset(),
) -> CitizenBatch:
    """Generate `count` citizens (households and their deceased relatives) of one chunk."""
    builder = _Builder(seed, chunk, reserved_ids)
    while builder.count < count:
        builder.household(count - builder.count)
    citizens, households = build_rows(
        builder.rng,
        builder.households,
        builder.deceased,
        chunk,
        reserved_households=reserved_households,
    )
    candidates = [
        (p.personal_id, p.name, p.sex, (p.temporary or address)["ward_code"])
        for members, address in builder.households
        for p in members
        if 22 <= p.age <= 70
    ]
    if len(candidates) > MAX_CANDIDATES:
        candidates = Random(f"candidates:{seed}:{chunk}").sample(candidates, MAX_CANDIDATES)
    return CitizenBatch(citizens, households, candidates)
