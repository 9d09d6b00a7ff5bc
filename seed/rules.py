"""Domain rules the generators follow: card validity, phone prefixes, fixed dates.

Every generated date is relative to `BASE_DATE`, never to today's clock, so the same seed
gives byte-identical records on any day.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect
from collections.abc import Sequence
from functools import cache
from random import Random

# The fixed "today" of every seeded registry.
BASE_DATE = dt.date(2026, 7, 1)
BASE_ORDINAL = BASE_DATE.toordinal()

# Card renewal ages (Law on Identification 2023, art. 21): a card issued within two years
# before a milestone lasts to the next one; after 60 there is no expiry.
RENEWAL_AGES = (14, 25, 40, 60)
# Chip cards were issued to everyone of 14 and over from 2021; the issuing authority
# changed when the Law on Identification 2023 took effect (1 July 2024).
MASS_ISSUE_START = dt.date(2021, 3, 1).toordinal()
MASS_ISSUE_END = dt.date(2024, 6, 30).toordinal()
LAW_2023_START = dt.date(2024, 7, 1).toordinal()
ISSUER_BEFORE_2024 = "Cục Cảnh sát quản lý hành chính về trật tự xã hội"
ISSUER_FROM_2024 = "Bộ Công an"
# The 9-digit CMND was replaced by the 12-digit card from 2016.
CMND_LAST_BIRTH_YEAR = 2001

# Mobile prefixes (DOMAIN.md): Viettel, Vinaphone, Mobifone, Vietnamobile, Gmobile, others.
MOBILE_PREFIXES = [
    *("032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098"),
    *("081", "082", "083", "084", "085", "088", "091", "094"),
    *("070", "076", "077", "078", "079", "089", "090", "093"),
    *("052", "056", "058", "092", "059", "099"),
]
MAIL_DOMAINS = ["gmail.com"] * 8 + ["yahoo.com", "outlook.com", "icloud.com", "hotmail.com"]


@cache
def iso(ordinal: int) -> str:
    """ISO date of a proleptic Gregorian ordinal (cached: a registry has few distinct days)."""
    return dt.date.fromordinal(ordinal).isoformat()


def birthday(birth: dt.date, age: int) -> dt.date:
    """The date someone born on `birth` turns `age` (29 February -> 28 February)."""
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:
        return birth.replace(year=birth.year + age, day=28)


def card_expiry(birth: dt.date, issued: dt.date) -> dt.date | None:
    """When a card issued on `issued` expires under the renewal ages; None after 60."""
    for age in RENEWAL_AGES:
        milestone = birthday(birth, age)
        if issued >= milestone:
            continue
        if issued >= birthday(birth, age - 2):
            continue  # issued within two years before the milestone: lasts to the next one
        return milestone
    return None


def issuer(issued_ordinal: int) -> str:
    """The authority named on a card issued that day."""
    return ISSUER_FROM_2024 if issued_ordinal >= LAW_2023_START else ISSUER_BEFORE_2024


def card_history(rng: Random, birth: dt.date, death_ordinal: int | None) -> dict | None:
    """The current card of a person: mass issuance from 2021, renewals at the milestone
    ages (most people renew within months, some let the card expire)."""
    end = min(BASE_ORDINAL, death_ordinal or BASE_ORDINAL)
    fourteen = birthday(birth, 14).toordinal()
    mass = between(rng, MASS_ISSUE_START, MASS_ISSUE_END)
    if mass >= fourteen:
        issued = mass
    elif fourteen + 30 < end and rng.random() < 0.9:
        issued = fourteen + between(rng, 5, 240)
    else:
        return None
    if issued >= end:
        return None
    while True:
        expires = card_expiry(birth, dt.date.fromordinal(issued))
        if expires is None or expires.toordinal() >= end or rng.random() < 0.06:
            break
        renewed = expires.toordinal() - between(rng, 0, 25) + between(rng, 0, 200)
        if renewed >= end:
            break
        issued = max(renewed, issued + 1)
    return {
        "issued_on": iso(issued),
        "expires_on": None if expires is None else expires.isoformat(),
        "issued_by": issuer(issued),
    }


def mobile(rng: Random) -> str:
    """A 10-digit mobile number with a valid prefix."""
    return f"{pick(rng, MOBILE_PREFIXES)}{rng.randrange(10_000_000):07d}"


def timestamp(rng: Random, *, within_days: int = 900) -> str:
    """An `updated_at` before the base date, in the form pydantic dumps (UTC, 'Z')."""
    back = int(rng.random() * within_days * 86_400) + 1
    day, seconds = divmod(BASE_ORDINAL * 86_400 - back, 86_400)
    hours, rest = divmod(seconds, 3_600)
    return f"{iso(day)}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}Z"


def stored_datetime(value: str) -> str:
    """An `updated_at` of a document in the text form SQLAlchemy stores on SQLite (UTC)."""
    if len(value) == 20 and value[-1] == "Z":
        return f"{value[:10]} {value[11:19]}.000000"
    moment = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def scramble(value: int, modulus: int, multiplier: int, offset: int) -> int:
    """A bijection of [0, modulus): spreads sequential serials so they look random."""
    return (value * multiplier + offset) % modulus


# Faster equivalents of Random.choice / randint / choices(cum_weights=...): the seeder
# draws tens of millions of values, and these skip the generic argument handling.
def pick[T](rng: Random, items: Sequence[T]) -> T:
    """A uniformly chosen item."""
    return items[int(rng.random() * len(items))]


def between(rng: Random, low: int, high: int) -> int:
    """A uniform integer in [low, high]."""
    return low + int(rng.random() * (high - low + 1))


def weighted[T](rng: Random, items: Sequence[T], cumulative: Sequence[float]) -> T:
    """An item drawn with the given cumulative weights."""
    return items[bisect(cumulative, rng.random() * cumulative[-1])]
