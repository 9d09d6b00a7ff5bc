"""Seed benchmark: 1,000,000 citizens and 100,000 businesses into a fresh SQLite file.

    PYTHONPATH=. python bench/seed.py [--citizens N] [--businesses M] [--path FILE]

Prints rows per table (with the search index's name rows), insert rate per table, total
rows/s, the wall-time split, CPU time and the peak RSS of this process and of its worker
processes (resource.getrusage high-water marks).
Bar (issue 2): <= 60 s and <= 2 GiB.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

# Run as a script, this file's directory comes first on sys.path and its name would
# shadow the `seed` package: drop it.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

from autofill.database import migrate  # noqa: E402
from registries.database import make_engine  # noqa: E402
from seed import seed_registry  # noqa: E402


def _fresh(path: Path) -> str:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--businesses", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--path", type=Path, default=Path("/tmp/autofill-bench-1m.db"))
    args = parser.parse_args()
    url = _fresh(args.path)
    started = time.perf_counter()
    report = seed_registry(
        url, citizens=args.citizens, businesses=args.businesses, seed=args.seed, progress=True
    )
    wall = time.perf_counter() - started
    me, workers = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    self_rss, child_rss = me.ru_maxrss / 1024, workers.ru_maxrss / 1024
    self_cpu, child_cpu = me.ru_utime + me.ru_stime, workers.ru_utime + workers.ru_stime
    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"seeded {args.citizens:,} citizens + {args.businesses:,} businesses (seed {args.seed})")
    print(f"{'table':<26}{'rows':>12}{'insert s':>10}{'insert rows/s':>15}")
    for table, count in report.counts.items():
        spent = report.write_seconds.get(table, 0.0)
        rate = count / spent if spent else 0.0
        print(f"{table:<26}{count:>12,}{spent:>10.2f}{rate:>15,.0f}")
    print(f"{'total':<26}{report.rows:>12,}{sum(report.write_seconds.values()):>10.2f}")
    commit = report.commit_seconds
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in commit.items() if k != "total")
    load_s = wall - commit.get("total", 0.0) - report.index_seconds
    print(
        f"wall time: {wall:.1f} s ({report.rows / wall:,.0f} rows/s) = generate + write "
        f"{load_s:.1f} s + commit {commit.get('total', 0.0):.1f} s ({steps}) + derived-index "
        f"rebuild {report.index_seconds:.1f} s (registries.indexing; on SQLite the search "
        "index is built during the load)"
    )
    print(f"the writer waited {report.wait_seconds:.1f} s for the worker processes' chunks")
    print(
        f"CPU time: writer (main) {self_cpu:.1f} s, workers {child_cpu:.1f} s; "
        f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (2 cores)"
    )
    print(
        f"peak RSS of the main process when the load was done: {report.load_peak_rss_mib:,.0f} MiB"
    )
    print(f"peak RSS: main process {self_rss:,.0f} MiB, largest worker {child_rss:,.0f} MiB")
    print(f"database file: {args.path} ({args.path.stat().st_size / 2**30:.2f} GiB)")
    ok = wall <= 60 and max(self_rss, child_rss) <= 2048
    print(f"bar (<= 60 s, <= 2 GiB, search index included): {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
