"""Administrative units since 1 July 2025 (34 provinces, 3,321 communes, no district level).

Codes and names come from `vietnam-provinces` (official codes of Decision 19/2025/QĐ-TTg).
The old-to-new province map for birth-registration codes is from ../shared/DOMAIN.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, Ward


@dataclass(frozen=True, slots=True)
class Commune:
    """A current commune-level unit (xã, phường, đặc khu) with its province."""

    code: str
    name: str
    province_code: str
    province_name: str


# Old (pre-2025) 3-digit birth-registration code -> current 2-digit province code.
OLD_TO_CURRENT_PROVINCE: dict[str, str] = {
    **dict.fromkeys(["002", "008"], "08"),
    **dict.fromkeys(["006", "019"], "19"),
    **dict.fromkeys(["010", "015"], "15"),
    **dict.fromkeys(["017", "025", "026"], "25"),
    **dict.fromkeys(["024", "027"], "24"),
    **dict.fromkeys(["030", "031"], "31"),
    **dict.fromkeys(["033", "034"], "33"),
    **dict.fromkeys(["035", "036", "037"], "37"),
    **dict.fromkeys(["044", "045"], "44"),
    **dict.fromkeys(["048", "049"], "48"),
    **dict.fromkeys(["051", "062"], "51"),
    **dict.fromkeys(["052", "064"], "52"),
    **dict.fromkeys(["054", "066"], "66"),
    **dict.fromkeys(["056", "058"], "56"),
    **dict.fromkeys(["060", "067", "068"], "68"),
    **dict.fromkeys(["070", "075"], "75"),
    **dict.fromkeys(["072", "080"], "80"),
    **dict.fromkeys(["074", "077", "079"], "79"),
    **dict.fromkeys(["082", "087"], "82"),
    **dict.fromkeys(["083", "084", "086"], "86"),
    **dict.fromkeys(["089", "091"], "91"),
    **dict.fromkeys(["092", "093", "094"], "92"),
    **dict.fromkeys(["095", "096"], "96"),
    **{old: old[1:] for old in ["001", "004", "011", "012", "014", "020", "022", "038", "040"]},
    **{old: old[1:] for old in ["042", "046"]},
}


@cache
def provinces() -> dict[str, str]:
    """Current province code (2 digits) -> official name."""
    return {f"{int(p.code):02d}": p.name for p in Province.iter_all()}


@cache
def communes_by_province() -> dict[str, tuple[Commune, ...]]:
    """Current province code -> its communes, in official order."""
    names = provinces()
    out: dict[str, list[Commune]] = {code: [] for code in names}
    for ward in Ward.iter_all():
        pcode = f"{int(ward.province_code):02d}"
        out[pcode].append(Commune(f"{int(ward.code):05d}", ward.name, pcode, names[pcode]))
    return {code: tuple(items) for code, items in out.items()}


@cache
def commune(code: str) -> Commune | None:
    """Find a commune by its 5-digit code."""
    try:
        ward = Ward.from_code(int(code))  # type: ignore[arg-type]
    except (ValueError, KeyError):
        return None
    pcode = f"{int(ward.province_code):02d}"
    return Commune(f"{int(ward.code):05d}", ward.name, pcode, provinces()[pcode])


def current_province_of_birth_code(old_code: str) -> str:
    """The current province that absorbed an old birth-registration province."""
    return OLD_TO_CURRENT_PROVINCE[old_code]


def render_address(line: str | None, ward_name: str, province_name: str) -> str:
    """Full address text: line, commune, province (Vietnamese order, comma separated)."""
    return ", ".join(part for part in (line, ward_name, province_name) if part)
