"""An evaluation set for name search: queries made from real records with the mistakes
people make, each with the record it should find (used by bench/search.py and the tests).

A query may describe several records equally well: "Nguyen Van Hung" is the accent-free
spelling of every Nguyễn Văn Hùng and every Nguyễn Văn Hưng. `equivalent` says when a
returned record is such an equally good answer (the same mistake made on its name gives
the same query); recall is reported both strictly (the very record) and tie-aware.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from registries.search.enterprise import parse_enterprise_name
from registries.search.names import TONE_DIGITS, normalize_name

Corruption = Callable[[str, random.Random], str | None]
LETTERS = "abcdeghiklmnopqrstuvxy"  # the Vietnamese alphabet's base letters, no f j w z


@dataclass(frozen=True, slots=True)
class EvalQuery:
    """One query of the evaluation set and the record it was made from."""

    registry: str
    kind: str
    name: str
    expected_id: str
    expected_name: str
    birth_year: int | None = None


def drop_accents(text: str) -> str:
    """Every mark dropped, đ → d, case kept ("Đặng Thị Hoà" → "Dang Thi Hoa")."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_OPEN_PAIRS = ("oa", "oe", "uy")


def move_tone(text: str) -> str | None:
    """Switch the tone placement style of open oa/oe/uy syllables (hòa ↔ hoà, thủy ↔ thuỷ);
    None when no syllable of the name has a placement to switch."""
    moved, changed = [], False
    for word in text.split(" "):
        nfd = unicodedata.normalize("NFD", word)
        at = next((i for i, ch in enumerate(nfd) if ch in TONE_DIGITS), None)
        base = [ch for ch in nfd if ch not in TONE_DIGITS]
        folded = drop_accents("".join(base)).lower()
        if at is None or not folded.endswith(_OPEN_PAIRS) or folded.startswith("qu"):
            moved.append(word)
            continue
        letters = [i for i, ch in enumerate(base) if not unicodedata.combining(ch)]
        first, second = letters[-2], letters[-1]
        carrier = max(i for i in letters if i < at)  # base index == nfd index before `at`
        target = second if carrier == first else first
        out = [*base[: target + 1], nfd[at], *base[target + 1 :]]
        moved.append(unicodedata.normalize("NFC", "".join(out)))  # NFC reorders the marks
        changed = True
    return " ".join(moved) if changed else None


def _letter_positions(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if ch.isalpha()]


def wrong_letter(text: str, rng: random.Random) -> str | None:
    """One letter replaced by another base letter (its marks go with it)."""
    positions = _letter_positions(text)
    if not positions:
        return None
    i = rng.choice(positions)
    current = drop_accents(text[i]).lower()
    letter = rng.choice([c for c in LETTERS if c != current])
    return text[:i] + (letter.upper() if text[i].isupper() else letter) + text[i + 1 :]


def missing_letter(text: str, rng: random.Random) -> str | None:
    """One letter left out (never a whole one-letter word)."""
    words = text.split(" ")
    choices = [(w, i) for w, word in enumerate(words) if len(word) > 1 for i in range(len(word))]
    if not choices:
        return None
    w, i = rng.choice(choices)
    words[w] = words[w][:i] + words[w][i + 1 :]
    return " ".join(words)


def given_name_first(text: str, rng: random.Random) -> str | None:
    """The given name written first, Western style ("Hùng Nguyễn Văn")."""
    words = text.split(" ")
    return " ".join([words[-1], *words[:-1]]) if len(words) > 1 else None


def middle_left_out(text: str, rng: random.Random) -> str | None:
    """Surname and given name only."""
    words = text.split(" ")
    return f"{words[0]} {words[-1]}" if len(words) > 2 else None


CITIZEN_KINDS: dict[str, Corruption] = {
    "exact": lambda t, r: t,
    "accents_dropped": lambda t, r: drop_accents(t),
    "tone_moved": lambda t, r: move_tone(t),
    "wrong_letter": wrong_letter,
    "missing_letter": missing_letter,
    "given_first": given_name_first,
    "middle_left_out": middle_left_out,
    "all_caps": lambda t, r: t.upper(),
    "nfd": lambda t, r: unicodedata.normalize("NFD", t),
}
# The deterministic corruptions: a record is an equally good answer when the same
# corruption of its name gives the same query.
DETERMINISTIC = {"exact", "accents_dropped", "tone_moved", "given_first", "middle_left_out"}
DETERMINISTIC |= {"all_caps", "nfd", "legal_form_left_out"}

_ABBREVIATIONS = {
    "llc_one_member": ("cty tnhh mtv", "cty tnhh 1tv", "cty tnhh"),
    "llc_multi_member": ("cty tnhh", "cty tnhh 2tv"),
    "llc": ("cty tnhh",),
    "joint_stock": ("ctcp", "cty cp", "cty co phan"),
    "partnership": ("cty hop danh",),
    "private_enterprise": ("dntn",),
    "household_business": ("hkd",),
}


def abbreviate_legal_form(text: str, rng: random.Random) -> str | None:
    """Typed informally: the legal form abbreviated, lower case, no accents
    ("CÔNG TY TNHH MỘT THÀNH VIÊN HOÀNG PHÁT" → "cty tnhh mtv hoang phat")."""
    parsed = parse_enterprise_name(text)
    if parsed.legal_form is None or parsed.legal_form == "branch":
        return None
    form = rng.choice(_ABBREVIATIONS.get(parsed.legal_form, ("cty",)))
    return f"{form} {parsed.distinctive.fold_text}"


def legal_form_left_out(text: str, rng: random.Random) -> str | None:
    """Only the distinctive part of the name."""
    parsed = parse_enterprise_name(text)
    if parsed.legal_form is None:
        return None
    return " ".join(text.split()[-len(parsed.distinctive.fold) :])


def _in_distinctive(corrupt: Corruption) -> Corruption:
    def apply(text: str, rng: random.Random) -> str | None:
        n = len(parse_enterprise_name(text).distinctive.fold)
        words = text.split(" ")
        head, tail = words[:-n], " ".join(words[-n:])
        changed = corrupt(tail, rng)
        return None if changed is None else " ".join([*head, changed])

    return apply


BUSINESS_KINDS: dict[str, Corruption] = {
    "exact": lambda t, r: t,
    "accents_dropped": lambda t, r: drop_accents(t),
    "legal_form_abbreviated": abbreviate_legal_form,
    "legal_form_left_out": legal_form_left_out,
    "wrong_letter": _in_distinctive(wrong_letter),
    "missing_letter": _in_distinctive(missing_letter),
    "nfd": lambda t, r: unicodedata.normalize("NFD", t),
}


# The kinds of query made from each registry's names.
KINDS_OF = {"citizen": CITIZEN_KINDS, "business": BUSINESS_KINDS}


def make_queries(
    registry: str,
    records: Sequence[tuple[str, str, int | None]],
    *,
    per_kind: int,
    seed: int = 4,
    with_birth_year: bool = False,
) -> list[EvalQuery]:
    """`per_kind` queries of each kind from records (id, name, birth year), sampled with a
    fixed seed; a record a kind does not apply to (no oa/oe/uy to move) is skipped."""
    kinds = KINDS_OF[registry]
    rng = random.Random(seed)
    queries = []
    for kind, corrupt in kinds.items():
        made = 0
        for record_id, name, year in rng.sample(list(records), len(records)):
            if made == per_kind:
                break
            text = corrupt(name, rng)
            if text is None:
                continue
            if kind not in {"exact", "all_caps", "nfd"} and text == name:
                continue
            queries.append(
                EvalQuery(registry, kind, text, record_id, name, year if with_birth_year else None)
            )
            made += 1
    return queries


def equivalent(query: EvalQuery, candidate_name: str) -> bool:
    """True when a returned name answers the query as well as the expected record's name:
    the same name, or for a deterministic mistake the same query made from it (a name with
    no middle name to leave out, or no tone to move, is that query itself)."""
    if normalize_name(candidate_name) == normalize_name(query.expected_name):
        return True
    if query.kind not in DETERMINISTIC:
        return False
    kinds = KINDS_OF[query.registry]
    made = kinds[query.kind](candidate_name, random.Random(0))
    if made is None:  # nothing to leave out or move: the name itself is the same query
        made = candidate_name
    return normalize_name(made) == normalize_name(query.name)
