"""Name search over both registries: candidates from the blocking-key index, ranked by
rapidfuzz. Nothing here scans every record: each step reads index ranges.

Citizens, with a name (and optionally a birth date or year and a province):

1. With a birth date, the candidates are everyone born that day (a few dozen per day at a
   million records): nothing can be missed.
2. Otherwise the set of the query's folded words is looked up (filters applied inside
   the index); when that gives fewer records than asked for, the sets with one word
   corrected to a registry word one edit away (`Vocabulary`); when still no candidate has
   every word of the query, the pairs of its words, skipping pairs that too many records
   carry when no birth year narrows them (`search_terms` says how many).
3. With a birth year and still no candidate close to the query, the year's records are
   ranked (the last resort: one year of births, not the registry).

Enterprises: the same over the distinctive part of the name, the legal form weighted down.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import Connection, Engine

from registries.errors import InvalidQuery, Problem
from registries.search import repository as repo
from registries.search.enterprise import (
    legal_form_score,
    legal_forms_agree,
    parse_enterprise_name,
)
from registries.search.keys import corrected_keys, distinct_words, pair_keys, typed_keys
from registries.search.names import NameKeys, name_keys, normalize_name
from registries.search.ranking import (
    LEGAL_FORM_WEIGHT,
    citizen_parts,
    distinctive_match,
    name_scores,
)
from registries.units import provinces

MAX_NAME_LENGTH = 200
MAX_LIMIT = 50
MAX_QUERY_WORDS = 16
# Candidates read per step (a query matching more, like "Nguyễn Hùng" at a million
# records, gets the first ones in index order: they match equally well), and the index rows
# a name-only pair lookup may read; both set by measurement (bench/search.py).
CANDIDATE_CAP = 1000
ROW_BUDGET = 60_000
VARIANTS_PER_WORD = 8
VOCABULARY_TTL = 30.0
# Below this score the year's records are ranked as a last resort.
YEAR_SCAN_BELOW = 80.0


class Vocabulary:
    """The words of a registry's names with their counts, for correcting a mistyped word."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.words = list(counts)
        self.counts = counts

    def variants(self, word: str, limit: int = VARIANTS_PER_WORD) -> list[str]:
        """Registry words one edit (OSA: a transposition is one) from `word`, most common first."""
        if len(word) < 2 or not self.words:
            return []
        found = process.extract(
            word, self.words, scorer=OSA.distance, score_cutoff=1, limit=None, processor=None
        )
        near = sorted((w for w, d, _ in found if d == 1), key=lambda w: -self.counts[w])
        return near[:limit]


@dataclass
class _Candidates:
    """Candidates gathered over the steps of one query, by record id."""

    rows: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    def add(self, rows: Sequence[Any]) -> None:
        for row in rows:
            self.rows.setdefault(row[0], tuple(row))


def _problem(pointer: str, detail: str, code: str) -> InvalidQuery:
    return InvalidQuery(detail, problems=[Problem(pointer, detail, code)])


def _check_name(name: str, *, pointer: str = "/name") -> str:
    if len(name) > MAX_NAME_LENGTH:
        raise _problem(pointer, f"at most {MAX_NAME_LENGTH} characters", "too_long")
    if not any(character.isalpha() for character in name):
        # Names have letters; digits alone are an identifier or a year, never a name.
        raise _problem(pointer, "a name search needs at least one letter", "no_letters")
    return name


def _check_common(province: str | None, limit: int) -> None:
    if province is not None and province not in provinces():
        raise _problem("/province", f"no province with code {province!r}", "unknown_province")
    if not 1 <= limit <= MAX_LIMIT:
        raise _problem("/limit", f"a search returns 1 to {MAX_LIMIT} candidates", "out_of_range")


def check_birth(birth_date: dt.date | None, birth_year: int | None) -> int | None:
    """The birth year a query filters on; `InvalidQuery` when out of range or contradictory."""
    this_year = dt.date.today().year
    if birth_year is not None and not 1900 <= birth_year <= this_year:
        raise _problem("/birth_year", f"a year from 1900 to {this_year}", "out_of_range")
    if birth_date is not None:
        if not dt.date(1900, 1, 1) <= birth_date <= dt.date.today():
            raise _problem("/birth_date", "a date from 1900 to today", "out_of_range")
        if birth_year is not None and birth_year != birth_date.year:
            raise _problem("/birth_year", "disagrees with birth_date", "contradiction")
        return birth_date.year
    return birth_year


class SearchService:
    """Ranked name search over the citizen and business registries (synchronous)."""

    def __init__(
        self,
        engine: Engine,
        connect: Callable[[], AbstractContextManager[Connection]] | None = None,
    ) -> None:
        self.engine = engine
        # Where searches read: the engine, or a replica that has replayed every edit.
        self.connect = connect or engine.connect
        self._vocabularies: dict[str, tuple[float, Vocabulary]] = {}
        self._lock = threading.Lock()

    def forget_vocabulary(self, registry: str) -> None:
        """Drop the cached words of a registry (after a write)."""
        self._vocabularies.pop(registry, None)

    def _vocabulary(self, conn: Connection, registry: str) -> Vocabulary:
        cached = self._vocabularies.get(registry)
        if cached is not None and time.monotonic() - cached[0] < VOCABULARY_TTL:
            return cached[1]
        with self._lock:
            vocabulary = Vocabulary(repo.words(conn, registry))
            self._vocabularies[registry] = (time.monotonic(), vocabulary)
        return vocabulary

    def _keys(
        self, conn: Connection, registry: str, wanted: list[str], *, narrowed: bool
    ) -> list[str]:
        """The keys worth reading: present in the index and, unless a filter on the birth
        year narrows each key, the rarest first within the row budget."""
        counts = repo.term_counts(conn, registry, "k", wanted)
        present = sorted(counts, key=lambda k: (counts[k], k))
        if narrowed or not present:
            return present
        chosen: list[str] = []
        rows = 0
        for key in present:
            if chosen and rows + counts[key] > ROW_BUDGET:
                break
            chosen.append(key)
            rows += counts[key]
        return chosen

    def _gather(
        self,
        conn: Connection,
        registry: str,
        words: Sequence[str],
        limit: int,
        fetch: Any,
        *,
        narrowed: bool,
    ) -> list[tuple[Any, ...]]:
        """Candidates for a query's folded words, step by step (see the module docstring);
        `fetch(keys, grouped)` reads index rows."""
        found = _Candidates()
        found.add(fetch(typed_keys(words), False))
        complete = bool(found.rows)  # a word set read gives records with exactly those words
        if len(found.rows) < limit:
            vocabulary = self._vocabulary(conn, registry)
            corrected = corrected_keys(words, {w: vocabulary.variants(w) for w in words})
            if corrected:
                rows = fetch(corrected, False)
                complete = complete or bool(rows)
                found.add(rows)
        if not complete:
            pairs = self._keys(conn, registry, pair_keys(words), narrowed=narrowed)
            if pairs:
                found.add(fetch(pairs, True))
        return list(found.rows.values())

    # ------------------------------------------------------------------ citizens

    def search_citizens(
        self,
        *,
        name: str,
        birth_date: dt.date | None = None,
        birth_year: int | None = None,
        province: str | None = None,
        limit: int = 10,
    ) -> list[dict[str, Any]]:
        """Citizens whose name is like `name`, best first, with score and matched parts."""
        _check_name(name)
        _check_common(province, limit)
        year = check_birth(birth_date, birth_year)
        query = name_keys(name)
        with self.connect() as conn:
            if birth_date is not None:
                rows = repo.citizens_born(
                    conn, birth_date, birth_date, province=province, cap=CANDIDATE_CAP
                )
            else:
                rows = self._citizen_candidates(conn, query, year, province, limit)
            ranked = _rank(query, rows, limit)
            summaries = repo.citizen_summaries(conn, [rows[i][0] for i, _ in ranked])
        names = provinces()
        results = []
        for i, score in ranked:
            pid, tone, fold = rows[i][0], rows[i][1], rows[i][2]
            summary = summaries.get(pid)
            if summary is None:  # deleted between the two reads
                continue
            matched: dict[str, str] = citizen_parts(query, tone, fold)
            if birth_date is not None:
                matched["birth_date"] = "exact"
            elif year is not None:
                matched["birth_year"] = "exact"
            if province is not None:
                matched["province"] = "exact"
            results.append(
                {
                    "personal_id": pid,
                    "full_name": summary.full_name,
                    "birth_date": summary.birth_date.isoformat(),
                    "province_code": summary.province_code,
                    "province_name": names.get(summary.province_code or ""),
                    "score": round(score / 100, 3),
                    "matched": matched,
                }
            )
        return results

    def _citizen_candidates(
        self,
        conn: Connection,
        query: NameKeys,
        year: int | None,
        province: str | None,
        limit: int,
    ) -> list[tuple[Any, ...]]:
        words = distinct_words(query.fold)[:MAX_QUERY_WORDS]

        def fetch(keys: list[str], grouped: bool) -> list[Any]:
            return repo.citizen_candidates(
                conn, keys, birth_year=year, province=province, cap=CANDIDATE_CAP, grouped=grouped
            )

        rows = self._gather(conn, "citizen", words, limit, fetch, narrowed=year is not None)
        if year is not None:
            best = name_scores(query, [r[1] for r in rows], [r[2] for r in rows])
            if not len(best) or float(best.max()) < YEAR_SCAN_BELOW:
                first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
                found = _Candidates()
                found.add(rows)
                found.add(repo.citizens_born(conn, first, last, province=province, cap=10**7))
                rows = list(found.rows.values())
        return rows

    # ------------------------------------------------------------------ businesses

    def search_businesses(
        self, *, name: str, province: str | None = None, limit: int = 10
    ) -> list[dict[str, Any]]:
        """Enterprises whose name is like `name`, best first, with score and matched parts."""
        _check_name(name)
        _check_common(province, limit)
        parsed = parse_enterprise_name(name)
        query = parsed.distinctive
        words = distinct_words(query.fold)[:MAX_QUERY_WORDS]
        with self.connect() as conn:

            def fetch(keys: list[str], grouped: bool) -> list[Any]:
                return repo.business_candidates(
                    conn, keys, province=province, cap=CANDIDATE_CAP, grouped=grouped
                )

            rows = self._gather(conn, "business", words, limit, fetch, narrowed=False)
            scores = name_scores(query, [r[1] for r in rows], [r[2] for r in rows])
            if parsed.legal_form is not None and len(rows):
                agree = np.array(
                    [legal_form_score(parsed.legal_form, r[3], r[4]) for r in rows],
                    dtype=np.float32,
                )
                scores = (1 - LEGAL_FORM_WEIGHT) * scores + LEGAL_FORM_WEIGHT * agree
            ranked = _top(scores, [r[0] for r in rows], limit)
            summaries = repo.business_summaries(conn, [rows[i][0] for i, _ in ranked])
        names = provinces()
        results = []
        for i, score in ranked:
            code, tone, fold, legal_form = rows[i][0], rows[i][1], rows[i][2], rows[i][3]
            summary = summaries.get(code)
            if summary is None:
                continue
            matched = {"name": distinctive_match(query, tone, fold)}
            if parsed.legal_form is not None:
                agrees = legal_forms_agree(parsed.legal_form, legal_form)
                matched["legal_form"] = "exact" if agrees else "different"
            if province is not None:
                matched["province"] = "exact"
            results.append(
                {
                    "enterprise_code": code,
                    "name": summary.name,
                    "legal_form": summary.legal_form,
                    "status": summary.status,
                    "province_code": summary.province_code,
                    "province_name": names.get(summary.province_code or ""),
                    "score": round(score / 100, 3),
                    "matched": matched,
                }
            )
        return results


def _rank(query: NameKeys, rows: Sequence[Any], limit: int) -> list[tuple[int, float]]:
    scores = name_scores(query, [r[1] for r in rows], [r[2] for r in rows])
    return _top(scores, [r[0] for r in rows], limit)


def _top(scores: np.ndarray, ids: Sequence[str], limit: int) -> list[tuple[int, float]]:
    """Indexes of the best `limit` scores, ties broken by identifier (stable across backends)."""
    if not len(ids):
        return []
    rounded = np.round(scores.astype(np.float64), 4)
    if len(ids) > limit:
        cutoff = np.partition(rounded, len(ids) - limit)[len(ids) - limit]
        pool = np.nonzero(rounded >= cutoff)[0].tolist()
    else:
        pool = list(range(len(ids)))
    pool.sort(key=lambda i: (-rounded[i], ids[i]))
    return [(i, float(scores[i])) for i in pool[:limit]]


def _describe_citizen_query(name: str) -> dict[str, Any]:
    return {"normalized": normalize_name(name), "key": name_keys(name).tone_text}


def _describe_business_query(name: str) -> dict[str, Any]:
    parsed = parse_enterprise_name(name)
    return {
        "normalized": normalize_name(name),
        "legal_form": parsed.legal_form,
        "distinctive": parsed.distinctive.tone_text,
    }


_DESCRIBE = {"citizen": _describe_citizen_query, "business": _describe_business_query}


def describe_query(name: str, registry: str) -> dict[str, Any]:
    """How the service read a query's name (echoed in the response)."""
    return _DESCRIBE[registry](name)
