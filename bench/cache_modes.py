"""Which record-cache design pays under mixed prefill/lookup load (loopback, bounded):
the same seeded PostgreSQL registry served by 2 workers with (1) memory tier + Redis tier,
(2) memory tier with Redis carrying only the invalidations, (3) no cache; each driven by
wrk for `--seconds` at `--connections`, over all seeded IDs (little reuse, like real
prefill traffic) and over a hot set of 2,000 IDs. Two rounds, interleaved.

    PYTHONPATH=. python bench/cache_modes.py
"""

from __future__ import annotations

import os
import signal
import sys
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load

MODES = {
    "memory + Redis tier": {"AUTOFILL_CACHE_SHARED_TIER": "true"},
    "memory, Redis bus only": {"AUTOFILL_CACHE_SHARED_TIER": "false"},
    "no cache": {"AUTOFILL_CACHE_SIZE": "0"},
}


def main() -> None:
    """Seed once, then serve and measure each mode in turn, twice."""
    seconds = float(os.environ.get("BENCH_SECONDS", "15"))
    connections = int(os.environ.get("BENCH_CONNECTIONS", "16"))
    load.OUT.mkdir(parents=True, exist_ok=True)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(load.PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{load.PG}?options=-csearch_path%3D{schema},public"
    redis = load.Redis(load._free_port(6390))
    try:
        citizens, businesses = load._seed(url, 20_000, 2_000)
        hot = load.OUT / "load-citizens-hot.txt", load.OUT / "load-businesses-hot.txt"
        for src, dst, n in ((citizens, hot[0], 2_000), (businesses, hot[1], 200)):
            dst.write_text("\n".join(src.read_text().split()[:n]) + "\n")
        print(f"PostgreSQL, 2 workers, wrk -t2 -c{connections}, {seconds:g} s per cell")
        print("| mode | IDs | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|")
        for _round in range(2):
            for mode, extra in MODES.items():
                redis.start()
                env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOFILL_")}
                env |= {
                    "AUTOFILL_DATABASE_URL": url,
                    "AUTOFILL_REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
                    "AUTOFILL_ADMIN_KEY": load.KEY,
                    "AUTOFILL_AUDIT_HASH_KEY": "bench-audit-hash-key-0123456789abcdef",
                    "AUTOFILL_WORKERS": "2",
                    "AUTOFILL_PORT": "8106",
                    "AUTOFILL_SEED_DEMO": "false",
                    "AUTOFILL_PORTAL_ENABLED": "false",
                    "PYTHONPATH": str(load.ROOT),
                    **extra,
                }
                base = "http://127.0.0.1:8106"
                server = load._serve(env, base)
                try:
                    for label, files in (
                        ("all 22,000", (citizens, businesses)),
                        ("hot 2,200", hot),
                    ):
                        wrk_env = {
                            **os.environ,
                            "AUTOFILL_BENCH_KEY": load.KEY,
                            "AUTOFILL_BENCH_CITIZENS": str(files[0]),
                            "AUTOFILL_BENCH_BUSINESSES": str(files[1]),
                        }
                        load.wrk("warm-up", base, connections, 3, wrk_env)
                        step = load.wrk(label, base, connections, seconds, wrk_env)
                        print(
                            f"| {mode} | {label} | {step.rate:.0f} | {step.p50_ms:.1f} | "
                            f"{step.p99_ms:.1f} | {step.errors} |",
                            flush=True,
                        )
                finally:
                    os.killpg(server.pid, signal.SIGTERM)
                    server.wait(15)
                    redis.stop()
    finally:
        redis.stop()
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
