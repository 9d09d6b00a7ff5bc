"""A person being generated, and the pieces of a citizen document built from it."""

from __future__ import annotations

import datetime as dt
from random import Random
from typing import Any

from seed import names
from seed.places import SOUTHERN
from seed.rules import BASE_ORDINAL, iso, pick, weighted

MALE, FEMALE = "male", "female"
NATIONALITY_VN = {"code": "VN", "name": "Việt Nam"}

_ETHNIC_CODES = [code for code, _, _ in names.ETHNIC_GROUPS]
_ETHNIC_NAMES = [name for _, name, _ in names.ETHNIC_GROUPS]
_MINORITIES = list(range(1, len(_ETHNIC_CODES)))
_MINORITY_CUM: list[float] = []
_total = 0.0
for _, _, _size in names.ETHNIC_GROUPS[1:]:
    _total += _size
    _MINORITY_CUM.append(_total)
ETHNICITY_DOCS = [{"code": c, "name": n} for c, n in zip(_ETHNIC_CODES, _ETHNIC_NAMES, strict=True)]
KINH = 0

_RELIGIONS = list(names.RELIGIONS)
_RELIGION_CUM: list[float] = []
_total = 0.0
for _share in names.RELIGIONS.values():
    _total += _share
    _RELIGION_CUM.append(_total)


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


_SURNAMES = {south: names.surnames_for(south) for south in (False, True)}
_SURNAME_CUM = {south: _cumulative(w) for south, (_, w) in _SURNAMES.items()}
_MIDDLE = {
    (MALE, False): (list(names.MIDDLE_MALE), _cumulative(list(names.MIDDLE_MALE.values()))),
    (FEMALE, False): (list(names.MIDDLE_FEMALE), _cumulative(list(names.MIDDLE_FEMALE.values()))),
    (MALE, True): (
        list(names.MIDDLE_MALE),
        _cumulative([names.YOUNG_VAN if k == "Văn" else v for k, v in names.MIDDLE_MALE.items()]),
    ),
    (FEMALE, True): (
        list(names.MIDDLE_FEMALE),
        _cumulative([names.YOUNG_THI if k == "Thị" else v for k, v in names.MIDDLE_FEMALE.items()]),
    ),
}
_GIVEN = {MALE: names.GIVEN_MALE, FEMALE: names.GIVEN_FEMALE}


def pick_minority(rng: Random) -> int:
    """Index into `ETHNICITY_DOCS` of a group other than the Kinh, weighted by size."""
    return weighted(rng, _MINORITIES, _MINORITY_CUM)


def ethnicity_name(index: int) -> str:
    """The name of an ethnic group by index."""
    return _ETHNIC_NAMES[index]


def pick_religion(rng: Random) -> str:
    """A religion, weighted by census share."""
    return weighted(rng, _RELIGIONS, _RELIGION_CUM)


def pick_surname(rng: Random, ethnicity: int, province_code: str) -> str:
    """A family name fitting the ethnic group and the region."""
    group = _ETHNIC_NAMES[ethnicity]
    if group == "Mông":
        return pick(rng, names.MONG_CLANS)
    if group == "Ê Đê":
        return pick(rng, names.EDE_CLANS)
    special = names.ETHNIC_SURNAMES.get(group)
    if special and rng.random() < 0.8:
        return pick(rng, special)
    south = province_code in SOUTHERN
    return weighted(rng, _SURNAMES[south][0], _SURNAME_CUM[south])


def full_name(rng: Random, ethnicity: int, sex: str, surname: str, birth_year: int) -> str:
    """A full name in Vietnamese order (family, middle, given) agreeing with sex."""
    group = _ETHNIC_NAMES[ethnicity]
    if group == "Ê Đê":
        if sex == MALE:
            return f"Y {pick(rng, names.EDE_GIVEN_MALE)} {surname}"
        return f"H'{pick(rng, names.EDE_GIVEN_FEMALE)} {surname}"
    if group == "Mông":
        if sex == MALE:
            middle = "A" if rng.random() < 0.6 else "Văn"
            return f"{surname} {middle} {pick(rng, names.MONG_GIVEN_MALE)}"
        return f"{surname} Thị {pick(rng, names.MONG_GIVEN_FEMALE)}"
    middles, cum = _MIDDLE[(sex, birth_year >= 2000)]
    middle = weighted(rng, middles, cum)
    given = pick(rng, _GIVEN[sex])
    if middle == given:
        given = pick(rng, _GIVEN[sex])
    if birth_year >= 1980 and rng.random() < 0.12 and middle not in ("Văn", "Thị"):
        # Four-syllable names (two middle names) are common among younger cohorts.
        extra = weighted(rng, middles, cum)
        if extra not in (middle, given, "Văn", "Thị"):
            middle = f"{extra} {middle}"
    return f"{surname} {middle} {given}"


class Person:
    """One citizen while its household is being built; turned into a document later."""

    __slots__ = (
        "alleles",
        "birth",
        "birth_place",
        "birth_registration",
        "card",
        "children",
        "cmnd",
        "death",
        "email",
        "ethnicity",
        "father",
        "hometown",
        "index",
        "marital",
        "mother",
        "name",
        "old_code",
        "personal_id",
        "phone",
        "relation",
        "religion",
        "sex",
        "spouse",
        "surname",
        "temporary",
    )

    def __init__(self, sex: str, birth: int, surname: str, ethnicity: int) -> None:
        self.sex = sex
        self.birth = birth  # ordinal
        self.surname = surname
        self.ethnicity = ethnicity
        self.name = ""
        self.personal_id = ""
        self.old_code = ""
        self.relation = "Chủ hộ"
        self.father: Person | None = None
        self.mother: Person | None = None
        self.spouse: Person | None = None
        self.children: list[Person] = []
        self.death: int | None = None
        self.marital = "single"
        self.temporary: dict[str, Any] | None = None
        self.phone: str | None = None
        self.email: str | None = None
        self.card: dict[str, Any] | None = None
        self.cmnd: str | None = None
        self.religion = "Không"
        self.alleles = ("O", "O")
        self.birth_place: dict[str, Any] = {}
        self.birth_registration: dict[str, Any] = {}
        self.hometown: dict[str, Any] = {}
        self.index = 0

    @property
    def birth_year(self) -> int:
        """Year of birth."""
        return dt.date.fromordinal(self.birth).year

    @property
    def age(self) -> int:
        """Whole years at the base date."""
        return (BASE_ORDINAL - self.birth) * 400 // 146_097

    def ref(self) -> dict[str, str]:
        """A `PersonRef` document."""
        return {"personal_id": self.personal_id, "full_name": self.name}

    def child_doc(self) -> dict[str, str]:
        """A `Child` document."""
        return {
            "personal_id": self.personal_id,
            "full_name": self.name,
            "birth_date": iso(self.birth),
        }


def marry(a: Person, b: Person) -> None:
    """Link two people as spouses (both sides)."""
    a.spouse, b.spouse = b, a
    a.marital = b.marital = "married"


def adopt(parent: Person, child: Person) -> None:
    """Link a parent and a child (both sides)."""
    if parent.sex == MALE:
        child.father = parent
    else:
        child.mother = parent
    parent.children.append(child)
