"""Addresses and places on the current two-level units (34 provinces, 3,321 communes).

Communes come from `registries.units` (official codes, `vietnam-provinces`). Street names
come from Faker's `vi_VN` address provider, which is right about them (real streets named
after historical figures); its communes and provinces are not used because Faker does not
tie them together (DESIGN §8).
"""

from __future__ import annotations

from functools import cache
from random import Random
from typing import Any

from faker.providers.address.vi_VN import Provider as FakerAddress

from registries.units import (
    OLD_TO_CURRENT_PROVINCE,
    Commune,
    communes_by_province,
    render_address,
)
from seed.rules import between, pick

# Approximate population in millions of the 34 current provinces (2024 figures summed
# over the merged units; unverified, used only as sampling weights).
PROVINCE_POPULATION: dict[str, float] = {
    "01": 8.7, "04": 0.55, "08": 1.87, "11": 0.65, "12": 0.49, "14": 1.3, "15": 1.78,
    "19": 1.69, "20": 0.8, "22": 1.38, "24": 3.6, "25": 4.0, "31": 4.7, "33": 3.6, "37": 4.4,
    "38": 4.3, "40": 3.8, "42": 1.6, "44": 1.9, "46": 1.4, "48": 3.1, "51": 2.2, "52": 3.6,
    "56": 2.2, "66": 3.3, "68": 3.9, "75": 4.5, "79": 14.0, "80": 3.3, "82": 4.4, "86": 4.3,
    "91": 4.9, "92": 4.2, "96": 2.6,
}  # fmt: skip

# From Đà Nẵng southwards the southern spellings (Huỳnh, Võ) and hamlet words (Ấp) prevail.
SOUTHERN = frozenset(["48", "51", "52", "56", "66", "68", "75", "79", "80", "82", "86", "91"])
SOUTHERN = SOUTHERN | {"92", "96"}
MEKONG = frozenset(["75", "79", "80", "82", "86", "91", "92", "96"])
HIGHLAND_NORTH = frozenset(["04", "08", "11", "12", "14", "15", "20"])
HIGHLAND_CENTRAL = frozenset(["52", "66"])

STREETS: tuple[str, ...] = tuple(FakerAddress.streets)
HAMLET_NAMES = [
    "Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Tân Lập", "An Bình", "Phú Mỹ",
    "Hòa Bình", "Tân Tiến", "Quyết Thắng", "Đoàn Kết", "Thống Nhất", "Tiền Phong", "Phú An",
    "Long Hòa", "Mỹ Lợi", "Bình Minh", "Hưng Thịnh", "Thanh Bình", "Đồng Tâm", "Cầu Đá",
]  # fmt: skip


@cache
def old_codes_of(province_code: str) -> tuple[str, ...]:
    """The old birth-registration codes that make up a current province."""
    return tuple(old for old, new in OLD_TO_CURRENT_PROVINCE.items() if new == province_code)


@cache
def province_weights() -> tuple[list[str], list[float]]:
    """Current province codes and their cumulative population weights."""
    codes = list(PROVINCE_POPULATION)
    total, cum = 0.0, []
    for code in codes:
        total += PROVINCE_POPULATION[code]
        cum.append(total)
    return codes, cum


def communes(province_code: str) -> tuple[Commune, ...]:
    """The communes of a current province."""
    return communes_by_province()[province_code]


def address_line(rng: Random, commune: Commune) -> str:
    """House, lane and street in a ward; hamlet in a rural commune."""
    name = commune.name
    pcode = commune.province_code
    if name.startswith("Phường") or name.startswith("Đặc khu"):
        street = pick(rng, STREETS)
        number = between(rng, 1, 420)
        roll = rng.random()
        if roll < 0.45:
            return f"Số {number} {street}"
        lane = "hẻm" if pcode in SOUTHERN else "ngõ"
        if roll < 0.85:
            return f"Số {between(rng, 1, 80)}, {lane} {number}, {street}"
        return f"Số {between(rng, 1, 40)}/{between(rng, 1, 99)} {street}"
    if pcode in MEKONG:
        word = "Ấp"
    elif pcode in HIGHLAND_NORTH:
        word = "Bản" if rng.random() < 0.6 else "Thôn"
    elif pcode in HIGHLAND_CENTRAL:
        word = "Buôn" if pcode == "66" and rng.random() < 0.4 else "Thôn"
    else:
        word = "Xóm" if rng.random() < 0.25 else "Thôn"
    hamlet = str(between(rng, 1, 14)) if rng.random() < 0.5 else pick(rng, HAMLET_NAMES)
    return f"{word} {hamlet}"


def make_address(commune: Commune, line: str | None) -> dict[str, Any]:
    """A structured address document (`registries.schemas.Address`)."""
    return {
        "line": line,
        "ward_code": commune.code,
        "ward_name": commune.name,
        "province_code": commune.province_code,
        "province_name": commune.province_name,
        "text": render_address(line, commune.name, commune.province_name),
    }


@cache
def make_place(commune: Commune) -> dict[str, Any]:
    """A place in Vietnam at commune level (`registries.schemas.Place`); shared, never
    mutate it."""
    return {
        "text": f"{commune.name}, {commune.province_name}",
        "country": "VN",
        "ward_code": commune.code,
        "ward_name": commune.name,
        "province_code": commune.province_code,
        "province_name": commune.province_name,
    }


def make_foreign_place(text: str, country: str) -> dict[str, Any]:
    """A place abroad (`registries.schemas.Place` with a foreign country)."""
    return {
        "text": text,
        "country": country,
        "ward_code": None,
        "ward_name": None,
        "province_code": None,
        "province_name": None,
    }
