"""Ranking candidates with rapidfuzz, and telling which parts of a name matched.

A candidate's score (0-100) compares words, not strings, so word order, a left-out middle
name and a mistyped first letter cost what they should:

* query words and candidate words are paired one to one, most similar pair first; the
  similarity of two words is the Levenshtein similarity of the folded words, and for a
  query typed with marks the mean of that and the similarity of the tone keys, so "Hùng"
  beats "Hưng" when the user typed "Hùng" but both tie when they typed "hung";
* `found`: the length-weighted share of the query's words found; `explained`: the same
  share of the candidate's words (below 1 when the query left a middle name out);
* `ends`: how well the query's first and last words match the candidate's surname and
  given name (or its first two words the given name and surname, Western order), so
  that, all else equal, a name written in either usual order wins;
* score = 100 × (0.55 found + 0.35 explained + 0.10 ends).

Similarities come from `rapidfuzz.process.cdist` between the query's words and the
distinct words of all candidates (a few hundred), then numpy does the rest for all
candidates at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from registries.search.names import NameKeys

FOUND_WEIGHT = 0.55
EXPLAINED_WEIGHT = 0.35
ENDS_WEIGHT = 0.10
LEGAL_FORM_WEIGHT = 0.15


def _similarities(query: Sequence[str], words: Sequence[str]) -> np.ndarray:
    return process.cdist(
        query, words, scorer=Levenshtein.normalized_similarity, dtype=np.float32, workers=1
    )


def _numbered(words: Sequence[str]) -> list[str]:
    """Words with repeats told apart ("văn văn" → "văn", "văn~2"), so a repeated word is
    matched by a repeated word, not twice by the same one."""
    seen: dict[str, int] = {}
    out = []
    for w in words:
        seen[w] = seen.get(w, 0) + 1
        out.append(w if seen[w] == 1 else f"{w}~{seen[w]}")
    return out


def name_scores(query: NameKeys, tones: Sequence[str], folds: Sequence[str]) -> np.ndarray:
    """Scores (0-100) of candidate names given as tone keys and folded keys (each distinct
    name scored once: candidates repeat names)."""
    if not folds or not query.fold:
        return np.zeros(len(folds), dtype=np.float32)
    distinct: dict[str, int] = {}
    where = np.fromiter(
        (distinct.setdefault(t, len(distinct)) for t in tones), np.int32, len(tones)
    )
    if len(distinct) == len(tones):
        return _distinct_scores(query, tones, folds)
    fold_of = dict(zip(tones, folds, strict=True))
    unique = list(distinct)
    return _distinct_scores(query, unique, [fold_of[t] for t in unique])[where]


def _distinct_scores(query: NameKeys, tones: Sequence[str], folds: Sequence[str]) -> np.ndarray:
    n = len(folds)
    query = NameKeys(tuple(_numbered(query.tone)), tuple(_numbered(query.fold)))
    vocabulary: dict[str, int] = {}
    fold_words: list[str] = []
    rows: list[list[int]] = []
    row_lengths: list[list[int]] = []
    for tone, fold in zip(tones, folds, strict=True):
        word_ids: list[int] = []
        split_tone, split_fold = tone.split(), fold.split()
        if len(set(split_fold)) < len(split_fold):
            split_tone, split_fold = _numbered(split_tone), _numbered(split_fold)
        for t, f in zip(split_tone, split_fold, strict=True):
            i = vocabulary.get(t)
            if i is None:
                i = vocabulary[t] = len(vocabulary)
                fold_words.append(f)
            word_ids.append(i)
        rows.append(word_ids)
        row_lengths.append([len(f) for f in split_fold])
    tone_words = list(vocabulary)
    sims = _similarities(query.fold, fold_words)
    if query.marked:  # typed with accents: a word typed without them means no marks
        sims = 0.5 * sims + 0.5 * _similarities(query.tone, tone_words)
    width = max(len(r) for r in rows)
    pad = len(fold_words)  # a column of zero similarity, for padding
    ids = np.full((n, width), pad, dtype=np.int32)
    word_lengths = np.zeros((n, width), dtype=np.float32)
    for k, r in enumerate(rows):
        ids[k, : len(r)] = r
        word_lengths[k, : len(r)] = row_lengths[k]
    sims = np.hstack([sims, np.zeros((len(query.fold), 1), dtype=np.float32)])
    gathered = np.transpose(sims[:, ids], (1, 0, 2))  # (candidates, query words, words)
    query_lengths = np.array([len(w) for w in query.fold], dtype=np.float32)
    last = np.array([len(r) - 1 for r in rows])
    everyone = np.arange(n)
    ends = 0.5 * (gathered[:, 0, 0] + gathered[everyone, -1, last])
    if len(query.fold) > 1:  # or written given name first, Western style
        ends = np.maximum(ends, 0.5 * (gathered[everyone, 0, last] + gathered[:, 1, 0]))
    found, explained = _one_to_one(gathered, query_lengths, word_lengths)
    found /= query_lengths.sum()
    explained /= word_lengths.sum(axis=1)
    return 100 * (FOUND_WEIGHT * found + EXPLAINED_WEIGHT * explained + ENDS_WEIGHT * ends)


def _one_to_one(
    gathered: np.ndarray, query_lengths: np.ndarray, word_lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pair query words with candidate words one to one, best pair first (greedy, for all
    candidates at once); returns the length-weighted similarity sums of both sides."""
    sims = gathered.copy()
    n, q, w = sims.shape
    everyone = np.arange(n)
    found = np.zeros(n, dtype=np.float32)
    explained = np.zeros(n, dtype=np.float32)
    for _ in range(min(q, w)):
        flat = sims.reshape(n, -1).argmax(axis=1)
        row, col = flat // w, flat % w
        best = np.maximum(sims[everyone, row, col], 0)
        found += best * query_lengths[row]
        explained += best * word_lengths[everyone, col]
        sims[everyone, row, :] = -1
        sims[everyone, :, col] = -1
    return found, explained


def covers(query_words: Sequence[str], name_fold: str) -> bool:
    """True when every folded query word is a word of the name."""
    words = set(name_fold.split())
    return all(w in words for w in query_words)


_ORDER = {"exact": 0, "accents": 1, "fuzzy": 2, "missing": 3}


def _pair_kind(query_tone: str, query_fold: str, tone: str, fold: str) -> tuple[int, int]:
    """(kind rank, edit distance) of a query word against a record word; rank 3 = no match."""
    if tone == query_tone:
        return 0, 0
    if fold == query_fold:
        return 1, 0
    limit = 1 if len(fold) <= 4 else 2
    distance = OSA.distance(fold, query_fold, score_cutoff=limit)
    return (2, distance) if distance <= limit else (3, 0)


def word_matches(query: NameKeys, tones: Sequence[str], folds: Sequence[str]) -> list[str]:
    """How each word of a record's name is matched, pairing query words one to one (best
    pairs first, then the nearer position)."""
    pairs = sorted(
        (_pair_kind(qt, qf, t, f), abs(i - j), i, j)
        for i, (t, f) in enumerate(zip(tones, folds, strict=True))
        for j, (qt, qf) in enumerate(zip(query.tone, query.fold, strict=True))
    )
    kinds = ["missing"] * len(folds)
    used_words, used_query = set(), set()
    for (rank, _), _, i, j in pairs:
        if rank == 3 or i in used_words or j in used_query:
            continue
        kinds[i] = _KINDS[rank]
        used_words.add(i)
        used_query.add(j)
    return kinds


_KINDS = ("exact", "accents", "fuzzy", "missing")


def _combine(kinds: list[str]) -> str:
    if not kinds:
        return "missing"
    if "missing" in kinds and len(set(kinds)) > 1:
        return "partial"
    return max(kinds, key=_ORDER.__getitem__)


def citizen_parts(query: NameKeys, name_tone: str, name_fold: str) -> dict[str, str]:
    """Which parts of a citizen's name (surname, middle, given) the query matched, and how."""
    tones, folds = name_tone.split(), name_fold.split()
    kinds = word_matches(query, tones, folds)
    if len(kinds) == 1:
        return {"given": kinds[0]}
    parts = {"surname": kinds[0], "given": kinds[-1]}
    if len(kinds) > 2:
        parts["middle"] = _combine(kinds[1:-1])
    return parts


def distinctive_match(query: NameKeys, tone: str, fold: str) -> str:
    """How the distinctive part of an enterprise name is matched by the query's."""
    if query.tone_text == tone:
        return "exact"
    if query.fold_text == fold:
        return "accents"
    if covers(query.fold, fold):
        return "partial"
    return "fuzzy"
