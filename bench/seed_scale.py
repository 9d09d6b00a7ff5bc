"""Seed at national scale: PostgreSQL at 10M citizens against SQLite at 1M, in one run.

    PYTHONPATH=. python bench/seed_scale.py [--pg-url URL] [--citizens N] [--businesses M]

Runs a 1M SQLite seed (fresh file), the PostgreSQL seed (`--reset`), then the SQLite seed
again (the machine is shared: the reference is the mean of the runs either side). Each seed
runs in its own process under `/usr/bin/time -v` (peak RSS of the writer; the worker
processes' high-water mark is reported by the seed itself). Prints rows, seconds, rows/s,
the ratio of per-row speeds, and the PostgreSQL relation sizes per row (table, TOAST,
indexes, search index). Bar (issue 20): PostgreSQL rows/s >= 0.6 x SQLite rows/s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5434/autofill"
SQLITE_PATH = Path("/tmp/autofill-bench-scale-1m.db")
_CHILD = """
import json, resource, sys, time
from autofill.database import migrate
from registries.database import make_engine
from seed import seed_registry

def main():
    url, citizens, businesses, reset = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    engine = make_engine(url); migrate(engine); engine.dispose()
    r = seed_registry(url, citizens=citizens, businesses=businesses, seed=2026,
                      reset=reset == "1", progress=True)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print("REPORT " + json.dumps({"rows": r.rows, "seconds": r.seconds, "counts": r.counts,
        "write": r.write_seconds, "commit": r.commit_seconds, "index": r.index_seconds,
        "wait": r.wait_seconds, "worker_rss_mib": kids}))

if __name__ == "__main__":
    main()
"""
# Relations of each registry: the record tables, then the search index's.
REGISTRIES = {
    "citizen": (["citizens", "households"], ["citizen_search", "citizen_search_keys"]),
    "business": (
        ["businesses", "business_representatives", "business_owners", "business_lines"],
        ["business_search", "business_search_keys"],
    ),
}


def seed(url: str, citizens: int, businesses: int, reset: bool) -> dict:
    """One seed in a child process; its report, wall time and peak RSS."""
    script = Path("/tmp/autofill_seed_scale_child.py")
    script.write_text(_CHILD)
    cmd = ["/usr/bin/time", "-v", sys.executable, str(script), url, str(citizens)]
    cmd += [str(businesses), "1" if reset else "0"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"seed failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("REPORT "))
    report = json.loads(line.removeprefix("REPORT "))
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    report["writer_rss_mib"] = int(rss.group(1)) / 1024 if rss else 0.0
    return report


def fresh_sqlite(path: Path) -> str:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def show(label: str, r: dict) -> float:
    rate = r["rows"] / r["seconds"]
    print(
        f"{label:<30}{r['rows']:>13,}{r['seconds']:>9.1f} s{rate:>11,.0f} rows/s  "
        f"writer RSS {r['writer_rss_mib']:,.0f} MiB, workers {r['worker_rss_mib']:,.0f} MiB"
    )
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in r["commit"].items())
    print(f"{'':<30}after the load: {steps}; waited for generation {r['wait']:.1f} s")
    return rate


def sizes(url: str) -> None:
    """Bytes per record of each registry: table (with TOAST), its indexes, search index."""
    engine = create_engine(url)
    with engine.connect() as conn:

        def size(fn: str, rel: str) -> int:
            return int(conn.execute(text(f"SELECT {fn}('{rel}')")).scalar_one())

        print(f"{'relation':<28}{'heap+TOAST':>14}{'indexes':>14}")
        for registry, (tables, search) in REGISTRIES.items():
            records = conn.execute(text(f"SELECT count(*) FROM {tables[0]}")).scalar_one()
            heap = idx = sidx = 0
            for rel in tables + search:
                t, i = size("pg_table_size", rel), size("pg_indexes_size", rel)
                print(f"{rel:<28}{t / 2**20:>11,.0f} MB{i / 2**20:>11,.0f} MB")
                if rel in search:
                    sidx += t + i
                else:
                    heap, idx = heap + t, idx + i
            print(
                f"per {registry} ({records:,}): table {heap / records:,.0f} B + indexes "
                f"{idx / records:,.0f} B + search index {sidx / records:,.0f} B = "
                f"{(heap + idx + sidx) / records:,.0f} B"
            )
        db = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        print(f"database: {db / 2**30:.2f} GiB")
    engine.dispose()


def main() -> None:
    """Run the seeds interleaved and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--citizens", type=int, default=10_000_000)
    parser.add_argument("--businesses", type=int, default=1_000_000)
    parser.add_argument("--sqlite-citizens", type=int, default=1_000_000)
    parser.add_argument("--sqlite-businesses", type=int, default=100_000)
    parser.add_argument("--sizes-only", action="store_true", help="print the sizes only")
    parser.add_argument("--no-after", action="store_true", help="skip the second SQLite seed")
    args = parser.parse_args()
    if args.sizes_only:
        sizes(args.pg_url)
        return
    lite = (args.sqlite_citizens, args.sqlite_businesses)
    print(f"{'seed':<30}{'rows':>13}{'wall':>11}{'rate':>18}")
    before = show(f"SQLite {lite[0]:,} (before)", seed(fresh_sqlite(SQLITE_PATH), *lite, False))
    label = f"PostgreSQL {args.citizens:,}"
    pg = show(label, seed(args.pg_url, args.citizens, args.businesses, True))
    rates = [before]
    if not args.no_after:
        rates.append(
            show(f"SQLite {lite[0]:,} (after)", seed(fresh_sqlite(SQLITE_PATH), *lite, False))
        )
    reference = sum(rates) / len(rates)
    ratio = pg / reference
    print(f"per-row speed, PostgreSQL / SQLite (mean of the SQLite runs): {ratio:.2f}")
    print(f"bar (issue 20, >= 0.6): {'met' if ratio >= 0.6 else 'MISSED'}; load {os.getloadavg()}")
    sizes(args.pg_url)


if __name__ == "__main__":
    main()
