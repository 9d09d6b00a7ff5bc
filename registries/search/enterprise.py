"""Enterprise names: the legal-form words recognised in any spelling, and the distinctive rest.

"CÔNG TY TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN HOÀNG PHÁT", "Cty TNHH MTV Hoàng Phát" and
"cong ty tnhh 1 thanh vien hoang phat" all read as (llc_one_member, "hoàng phát"). The
legal form is what thousands of names share, so search weights it down and lets the
distinctive part decide. Patterns match folded words (no marks), longest first; the short
abbreviations that are also ordinary words (CP, HD, CN) only count next to a legal form
word or, for CN (chi nhánh), at the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from registries.search.names import NameKeys, name_keys

# (folded words, part, where): where "any" = anywhere, "after" = right after another
# legal-form word, "start" = first word only.
_PATTERNS: list[tuple[tuple[str, ...], str, str]] = [
    (("cong", "ty"), "company", "any"),
    (("cty",), "company", "any"),
    (("congty",), "company", "any"),
    (("company",), "company", "any"),
    (("trach", "nhiem", "huu", "han"), "llc", "any"),
    (("tnhh",), "llc", "any"),
    (("limited", "liability"), "llc", "any"),
    (("company", "limited"), "llc", "any"),
    (("co", "ltd"), "llc", "any"),
    (("ltd",), "llc", "any"),
    (("llc",), "llc", "any"),
    (("mot", "thanh", "vien"), "one_member", "any"),
    (("1", "thanh", "vien"), "one_member", "any"),
    (("mtv",), "one_member", "any"),
    (("1tv",), "one_member", "any"),
    (("one", "member"), "one_member", "any"),
    (("hai", "thanh", "vien", "tro", "len"), "multi_member", "any"),
    (("2", "thanh", "vien", "tro", "len"), "multi_member", "any"),
    (("hai", "thanh", "vien"), "multi_member", "any"),
    (("2", "thanh", "vien"), "multi_member", "any"),
    (("2tv",), "multi_member", "any"),
    (("co", "phan"), "joint_stock", "any"),
    (("ctcp",), "joint_stock_company", "any"),
    (("jsc",), "joint_stock", "any"),
    (("joint", "stock"), "joint_stock", "any"),
    (("cp",), "joint_stock", "after"),
    (("hop", "danh"), "partnership", "any"),
    (("hd",), "partnership", "after"),
    (("doanh", "nghiep", "tu", "nhan"), "private_enterprise", "any"),
    (("dntn",), "private_enterprise", "any"),
    (("ho", "kinh", "doanh"), "household_business", "any"),
    (("hkd",), "household_business", "any"),
    (("chi", "nhanh"), "branch", "any"),
    (("branch",), "branch", "any"),
    (("cn",), "branch", "start"),
]
_PATTERNS.sort(key=lambda p: -len(p[0]))
_BY_FIRST_WORD: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
for _pattern in _PATTERNS:
    _BY_FIRST_WORD.setdefault(_pattern[0][0], []).append(_pattern)

# Legal forms as `registries.schemas.LegalForm` values, plus two families a name may only
# half say: "llc" (TNHH without the number of members) and "company" (just "công ty").
LLC_FORMS = frozenset({"llc_one_member", "llc_multi_member"})
COMPANY_FORMS = LLC_FORMS | {"joint_stock", "partnership"}


@dataclass(frozen=True, slots=True)
class EnterpriseName:
    """An enterprise name split into its legal form and its distinctive words."""

    legal_form: str | None
    keys: NameKeys
    distinctive: NameKeys


def _legal_form(parts: set[str]) -> str | None:
    if "branch" in parts:
        return "branch"
    if "joint_stock" in parts or "joint_stock_company" in parts:
        return "joint_stock"
    if "one_member" in parts:
        return "llc_one_member"
    if "multi_member" in parts:
        return "llc_multi_member"
    for form in ("llc", "partnership", "private_enterprise", "household_business", "company"):
        if form in parts:
            return form
    return None


def parse_enterprise_name(text: str) -> EnterpriseName:
    """Recognise the legal form of an enterprise name and keep the distinctive words."""
    keys = name_keys(text)
    fold = keys.fold
    legal = [False] * len(fold)
    parts: set[str] = set()
    i = 0
    while i < len(fold):
        for words, part, where in _BY_FIRST_WORD.get(fold[i], ()):
            n = len(words)
            if fold[i : i + n] != words:
                continue
            if where == "start" and i != 0:
                continue
            if where == "after" and not (i > 0 and legal[i - 1]):
                continue
            legal[i : i + n] = [True] * n
            parts.add(part)
            i += n
            break
        else:
            i += 1
    kept = [j for j in range(len(fold)) if not legal[j]]
    if not kept:  # a name made only of legal-form words: keep them all as its name
        kept = list(range(len(fold)))
    distinctive = NameKeys(tuple(keys.tone[j] for j in kept), tuple(fold[j] for j in kept))
    return EnterpriseName(_legal_form(parts), keys, distinctive)


@lru_cache(maxsize=1 << 16)
def written_legal_form(name_fold: str) -> str | None:
    """The legal form a (folded) enterprise name spells out."""
    return parse_enterprise_name(name_fold).legal_form


def legal_form_score(asked: str, stored: str, name_fold: str) -> float:
    """0-100: 100 when the name spells the asked legal form the same way ("TNHH MTV" for
    "TNHH MTV"), 90 when the registered form fits it, 0 when it does not."""
    if written_legal_form(name_fold) == asked:
        return 100.0
    return 90.0 if legal_forms_agree(asked, stored) else 0.0


def legal_forms_agree(asked: str, stored: str) -> bool:
    """True when a legal form read from a query fits a record's legal form."""
    if asked == stored:
        return True
    if asked == "llc":
        return stored in LLC_FORMS
    if asked == "company":
        return stored in COMPANY_FORMS
    return False
