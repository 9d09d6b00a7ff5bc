"""Why a blocking-key table and not a trigram index: the alternatives measured on the same
names as the search index, for the same queries.

    PYTHONPATH=. python bench/search_index_choice.py --db FILE [--pg URL] [--queries 100]

FILE is a seeded SQLite registry whose search index is built (bench/search.py makes one).
For the folded names of its citizens it builds and times:

* SQLite FTS5 with the trigram tokenizer: a query either needs every trigram (a substring
  match: one typo and the record is gone) or ORs them (most of the registry shares
  "ngu"), ranked by bm25;
* PostgreSQL pg_trgm (with --pg): a GIN trigram index, `%` similarity with ORDER BY
  similarity, with and without a birth-year filter;
* the blocking-key table that `registries.search` uses: the candidate read alone.

Queries are citizens' folded names with one letter changed. Prints build time, recall of
the right record among the candidates, and p50 / p95 latency.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from registries.search.evaluation import wrong_letter
from registries.search.keys import corrected_keys, distinct_words, typed_keys
from registries.search.names import fold_key

Query = tuple[str, str, int]


def timed(run: Callable[[Query], bool], queries: list[Query]) -> tuple[float, float, float]:
    """Recall (share of True), p50 and p95 milliseconds of `run` over the queries."""
    times, hits = [], 0
    for query in queries:
        started = time.perf_counter()
        hits += run(query)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return hits / len(queries), statistics.median(times), times[int(0.95 * (len(times) - 1))]


def sample(db: str, n: int) -> list[Query]:
    """(personal ID, query = folded name with one wrong letter, birth year) for n citizens."""
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT personal_id, name_fold, birth_date FROM citizen_search").fetchall()
    rng = random.Random(3)
    out = []
    for pid, fold, born in rng.sample(rows, n):
        out.append((pid, wrong_letter(fold, rng) or fold, int(born[:4])))
    return out


def fts5(db: str, queries: list[Query]) -> None:
    """SQLite FTS5 trigram: build, AND query (substring), OR query (bm25 top 1000)."""
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE IF EXISTS temp.names_fts")
    started = time.perf_counter()
    conn.execute(
        "CREATE VIRTUAL TABLE temp.names_fts USING fts5(personal_id UNINDEXED, name, "
        "tokenize='trigram')"
    )
    conn.execute("INSERT INTO names_fts SELECT personal_id, name_fold FROM citizen_search")
    print(f"  FTS5 trigram build: {time.perf_counter() - started:.1f} s")

    def trigrams(text: str) -> list[str]:
        return sorted({text[i : i + 3] for i in range(len(text) - 2) if " " not in text[i : i + 3]})

    for mode in ("AND", "OR"):

        def run(q: Query, mode: str = mode) -> bool:
            pid, query, _ = q
            match = f" {mode} ".join(f'"{t}"' for t in trigrams(query))
            sql = (
                "SELECT personal_id FROM names_fts WHERE names_fts MATCH ? ORDER BY rank LIMIT 1000"
            )
            return pid in {r[0] for r in conn.execute(sql, (match,))}

        recall, p50, p95 = timed(run, queries)
        print(
            f"  FTS5 trigram {mode}: recall in top 1000 {recall:.3f}, p50 {p50:.1f} ms, "
            f"p95 {p95:.1f} ms"
        )
    conn.execute("DROP TABLE temp.names_fts")


def pg_trgm(db: str, url: str, queries: list[Query]) -> None:
    """PostgreSQL pg_trgm: load the names, GIN index, similarity queries."""
    import psycopg

    rows = sqlite3.connect(db).execute(
        "SELECT personal_id, name_fold, CAST(substr(birth_date, 1, 4) AS INTEGER) "
        "FROM citizen_search"
    )
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as pg:
        pg.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        pg.execute(f"CREATE SCHEMA {schema}")
        try:
            pg.execute(f"SET search_path TO {schema}, public")
            pg.execute("CREATE TABLE names (personal_id text, name text, birth_year int)")
            started = time.perf_counter()
            with pg.cursor() as cur, cur.copy("COPY names FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            pg.execute("CREATE INDEX ON names USING gin (name gin_trgm_ops)")
            pg.execute("CREATE INDEX ON names (birth_year)")
            pg.execute("ANALYZE names")
            print(f"  pg_trgm load + GIN build: {time.perf_counter() - started:.1f} s")
            for with_year in (False, True):

                def run(q: Query, with_year: bool = with_year) -> bool:
                    pid, query, year = q
                    sql = "SELECT personal_id FROM names WHERE name %% %s"
                    args: list[Any] = [query]
                    if with_year:
                        sql += " AND birth_year = %s"
                        args.append(year)
                    sql += " ORDER BY similarity(name, %s) DESC LIMIT 10"
                    args.append(query)
                    return pid in {r[0] for r in pg.execute(sql, args)}

                recall, p50, p95 = timed(run, queries)
                label = "name + birth year" if with_year else "name only"
                print(
                    f"  pg_trgm {label}: recall@10 {recall:.3f}, p50 {p50:.1f} ms, p95 {p95:.1f} ms"
                )
        finally:
            pg.execute(f"DROP SCHEMA {schema} CASCADE")


def blocking(db: str, queries: list[Query]) -> None:
    """The blocking-key read (typed word set, then one-word corrections) on SQLite."""
    from registries.database import make_engine
    from registries.search.service import SearchService

    service = SearchService(make_engine(f"sqlite:///{db}"))
    conn = sqlite3.connect(db)
    with service.engine.connect() as sa_conn:
        vocabulary = service._vocabulary(sa_conn, "citizen")
    for with_year in (False, True):

        def run(q: Query, with_year: bool = with_year) -> bool:
            pid, query, year = q
            words = distinct_words(fold_key(query).split())
            keys = typed_keys(words) + corrected_keys(
                words, {w: vocabulary.variants(w) for w in words}
            )
            sql = (
                f"SELECT personal_id FROM citizen_search_keys WHERE key IN "
                f"({','.join('?' * len(keys))})"
            )
            args: list[Any] = list(keys)
            if with_year:
                sql += " AND birth_year = ?"
                args.append(year)
            return pid in {r[0] for r in conn.execute(sql + " LIMIT 1000", args)}

        recall, p50, p95 = timed(run, queries)
        label = "name + birth year" if with_year else "name only"
        print(
            f"  blocking keys {label}: recall in candidates {recall:.3f}, "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )


def main() -> None:
    """Run the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--pg")
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    queries = sample(args.db, args.queries)
    print(f"{args.queries} queries: folded names with one wrong letter")
    blocking(args.db, queries)
    fts5(args.db, queries)
    if args.pg:
        pg_trgm(args.db, args.pg, queries)


if __name__ == "__main__":
    main()
