"""Name search: recall@1, recall@10 and latency per query kind, at several registry sizes.

    PYTHONPATH=. python bench/search.py --sizes 100000 1000000 [--per-kind 200]

For each size N it uses a seeded SQLite registry of N citizens and N/10 businesses: the
file given by --db (or `{--dir}/search-{N}.db`, or the seed benchmark's file when it
exists), seeding it with `seed.seed_registry` when missing. It times a full rebuild of
the search index, builds the evaluation set (`registries.search.evaluation`) from the
registry's own records and runs every query in this one process through
`SearchService`, one at a time. Recall is reported strictly (the very record) and
tie-aware (the record or one the query describes equally well, see `equivalent`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import shutil
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

# Run as a script, this file's directory comes first on sys.path and bench/seed.py would
# shadow the `seed` package: drop it.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

from sqlalchemy import select  # noqa: E402

from registries import models  # noqa: E402
from registries.database import make_engine  # noqa: E402
from registries.search import rebuild as search_index  # noqa: E402
from registries.search.evaluation import EvalQuery, equivalent, make_queries  # noqa: E402
from registries.search.service import SearchService  # noqa: E402

# The seed benchmark's registry (bench/seed.py): copied, never changed in place.
SEED_BENCH_FILES = {1_000_000: Path("/tmp/autofill-bench-1m.db")}


def registry_file(size: int, args: argparse.Namespace) -> Path:
    """The SQLite file of a registry of `size` citizens (migrated, so the search tables
    exist): --db, or a copy of the seed benchmark's file, or seeded here."""
    from autofill.database import migrate

    if args.db:
        path = Path(args.db)
    else:
        path = Path(args.dir) / f"search-{size}.db"
        seed_file = SEED_BENCH_FILES.get(size)
        if not path.exists() and seed_file is not None and seed_file.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(seed_file, path)
            print(f"  copied {seed_file} to {path}", flush=True)
    exists = path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)  # a registry seeded before the search migration gets its index here
    engine.dispose()
    if not exists:
        from seed import seed_registry

        started = time.perf_counter()
        seed_registry(f"sqlite:///{path}", citizens=size, businesses=size // 10, seed=2019)
        print(f"  seeded {path} in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def load_records(engine: Any) -> tuple[list[Any], list[Any]]:
    """(id, name, birth year) of every citizen and every business."""
    c, b = models.Citizen, models.Business
    with engine.connect() as conn:
        citizens = [
            (pid, name, born.year)
            for pid, name, born in conn.execute(select(c.personal_id, c.full_name, c.birth_date))
        ]
        businesses = [
            (code, name, None) for code, name in conn.execute(select(b.enterprise_code, b.name))
        ]
    return citizens, businesses


def run(service: SearchService, query: EvalQuery) -> tuple[float, list[dict[str, Any]]]:
    """One search, timed."""
    started = time.perf_counter()
    if query.registry == "citizen":
        found = service.search_citizens(name=query.name, birth_year=query.birth_year, limit=10)
    else:
        found = service.search_businesses(name=query.name, limit=10)
    return (time.perf_counter() - started) * 1000, found


def measure(service: SearchService, queries: list[EvalQuery]) -> dict[str, dict[str, float]]:
    """Recall and latency per query kind (and "all")."""
    key_field = {"citizen": ("personal_id", "full_name"), "business": ("enterprise_code", "name")}
    by_kind: dict[str, list[tuple[float, int | None, int | None]]] = defaultdict(list)
    for q in queries:
        ms, found = run(service, q)
        id_field, name_field = key_field[q.registry]
        strict = next((i for i, f in enumerate(found) if f[id_field] == q.expected_id), None)
        tie = next(
            (
                i
                for i, f in enumerate(found)
                if f[id_field] == q.expected_id or equivalent(q, f[name_field])
            ),
            None,
        )
        by_kind[q.kind].append((ms, strict, tie))
        by_kind["all"].append((ms, strict, tie))
    table = {}
    for kind, rows in by_kind.items():
        times = sorted(r[0] for r in rows)
        n = len(rows)
        table[kind] = {
            "n": n,
            "r1": sum(r[2] == 0 for r in rows) / n,
            "r10": sum(r[2] is not None for r in rows) / n,
            "r1_strict": sum(r[1] == 0 for r in rows) / n,
            "r10_strict": sum(r[1] is not None for r in rows) / n,
            "p50": statistics.median(times),
            "p95": times[min(n - 1, int(0.95 * n))],
        }
    return table


def show(title: str, table: dict[str, dict[str, float]]) -> None:
    """Print one table."""
    print(f"\n  {title}")
    print(
        f"  {'kind':<24}{'n':>5}{'r@1':>7}{'r@10':>7}{'r@1 strict':>12}{'r@10 strict':>13}"
        f"{'p50 ms':>9}{'p95 ms':>9}"
    )
    kinds = [k for k in table if k != "all"] + ["all"]
    for kind in kinds:
        r = table[kind]
        print(
            f"  {kind:<24}{r['n']:>5}{r['r1']:>7.3f}{r['r10']:>7.3f}{r['r1_strict']:>12.3f}"
            f"{r['r10_strict']:>13.3f}{r['p50']:>9.1f}{r['p95']:>9.1f}"
        )


def bench_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    """Everything for one registry size."""
    url = args.url or f"sqlite:///{registry_file(size, args)}"
    print(f"\n== {size:,} citizens: {url}", flush=True)
    engine = make_engine(url)
    results: dict[str, Any] = {}
    if not args.skip_rebuild:
        started = time.perf_counter()
        search_index.rebuild(engine)
        results["rebuild_s"] = time.perf_counter() - started
        print(f"  search index rebuilt in {results['rebuild_s']:.1f} s", flush=True)
    citizens, businesses = load_records(engine)
    print(f"  {len(citizens):,} citizens, {len(businesses):,} businesses", flush=True)
    service = SearchService(engine)
    sets = {
        "citizens, name + birth year": make_queries(
            "citizen", citizens, per_kind=args.per_kind, seed=args.seed, with_birth_year=True
        ),
        "citizens, name only": make_queries(
            "citizen", citizens, per_kind=args.per_kind, seed=args.seed + 1
        ),
    }
    if businesses:
        sets["enterprises, name"] = make_queries(
            "business", businesses, per_kind=args.per_kind, seed=args.seed + 2
        )
    # The service never holds the registry's records in memory; this script does (to build
    # the queries), so keep the garbage collector from walking them during the timings.
    gc.collect()
    gc.freeze()
    for queries in sets.values():  # warm the page cache and the vocabularies
        for q in queries[:: max(1, len(queries) // 50)]:
            run(service, q)
    for title, queries in sets.items():
        results[title] = measure(service, queries)
        show(title, results[title])
    engine.dispose()
    gc.unfreeze()
    return results


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--dir", default="/tmp/autofill-search-bench")
    parser.add_argument("--db", help="use this SQLite file (one size only)")
    parser.add_argument("--url", help="use this database URL as it is (one size only)")
    parser.add_argument("--skip-rebuild", action="store_true")
    args = parser.parse_args(argv)
    print(f"search benchmark {dt.datetime.now():%Y-%m-%d %H:%M}, python {sys.version.split()[0]}")
    all_results = {size: bench_size(size, args) for size in args.sizes}
    if len(all_results) > 1:
        small, large = min(all_results), max(all_results)
        print(f"\n  change from {small:,} to {large:,} citizens (all kinds): r@10 and p95 ms")
        for title in all_results[large]:
            if title == "rebuild_s":
                continue
            a, b = all_results[small][title]["all"], all_results[large][title]["all"]
            print(
                f"  {title:<30} r@10 {a['r10']:.3f} → {b['r10']:.3f}   "
                f"p95 {a['p95']:.1f} → {b['p95']:.1f} ms"
            )


if __name__ == "__main__":
    main()
