"""Blocking keys: which index rows a name writes and which a query reads.

A key is a set of folded words, written sorted and space-separated. A name writes

* its whole word set ("nguyen van hung" → "hung nguyen van"): the key a query with the same
  words reads, whatever their order, accents, tone placement or case;
* the unordered pairs of its words ("hung nguyen", "hung van", "nguyen van"): what a query
  with a word left out (a middle name) or a different middle name still shares with it;
* single words: a citizen's given name, every distinctive word of an enterprise name.

A query first reads its whole word set; when that gives fewer records than were asked for,
the word sets with one word corrected (a typo); only when no candidate then has all its
words, its pairs. Whole sets and pairs are selective where single words are not: "nguyen"
is 38% of a population.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

# Above this many distinct words, only near pairs (next word and the one after) are kept.
MAX_ALL_PAIRS = 6


def pair_key(a: str, b: str) -> str:
    """The key of an unordered pair of folded words."""
    return f"{a} {b}" if a <= b else f"{b} {a}"


def set_key(words: Iterable[str]) -> str:
    """The key of a set of folded words."""
    return " ".join(sorted(set(words)))


def distinct_words(words: Iterable[str]) -> list[str]:
    """Words in first-seen order without repeats or empties."""
    return list(dict.fromkeys(w for w in words if w))


def word_pairs(words: Sequence[str]) -> set[str]:
    """Pair keys of a name's distinct words (all pairs, or near pairs for long names)."""
    uniq = distinct_words(words)
    if len(uniq) <= MAX_ALL_PAIRS:
        return {pair_key(a, b) for a, b in combinations(uniq, 2)}
    return {
        pair_key(uniq[i], uniq[j])
        for i in range(len(uniq))
        for j in (i + 1, i + 2)
        if j < len(uniq)
    }


def citizen_keys(fold_words: Sequence[str]) -> set[str]:
    """The keys a citizen's name writes: its word set, its pairs, its given name (last word)."""
    uniq = distinct_words(fold_words)
    if not uniq:
        return set()
    return {set_key(uniq), fold_words[-1]} | word_pairs(uniq)


def business_keys(distinctive_words: Sequence[str]) -> set[str]:
    """The keys an enterprise name writes: word set, pairs and words of its distinctive part."""
    uniq = distinct_words(distinctive_words)
    if not uniq:
        return set()
    return {set_key(uniq)} | word_pairs(uniq) | set(uniq)


def typed_keys(words: Sequence[str]) -> list[str]:
    """The first key a query reads: the set of its words as typed."""
    uniq = distinct_words(words)
    return [set_key(uniq)] if uniq else []


def corrected_keys(words: Sequence[str], variants: dict[str, list[str]]) -> list[str]:
    """The query's word set with one word replaced by a registry word one edit away."""
    uniq = distinct_words(words)
    return list(
        dict.fromkeys(
            set_key([*uniq[:i], v, *uniq[i + 1 :]])
            for i, w in enumerate(uniq)
            for v in variants.get(w, [])
        )
    )


def pair_keys(words: Sequence[str]) -> list[str]:
    """The pairs of the query's words (for a name the query has more or other words than)."""
    uniq = distinct_words(words)
    return [pair_key(a, b) for a, b in combinations(uniq, 2)] if len(uniq) > 2 else []
