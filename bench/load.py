"""Load bench (loopback only, bounded in time): mixed prefill/lookup traffic at the highest
rate this machine holds with zero errors, then 60 s at that load with Redis stopped for
10 s in the middle.

It seeds a registry in a schema of its own on the PostgreSQL server (or a SQLite file under
bench/out/), starts its own throwaway redis-server on a spare port (never the shared one),
serves the deployment configuration (`python main.py`, 2 workers, PostgreSQL + Redis) on
port 8106, and drives it with wrk (`apt-get install -y wrk`) and bench/load.lua:

1. sweep: wrk with 2, 4, 8, ... connections, `--step` seconds each, until throughput stops
   growing; the best step with no error (no socket error, no non-2xx) sets the load;
2. run: `--seconds` at that load in three back-to-back wrk runs — before, during a
   `--outage`-second Redis stop (kill -9, restarted empty afterwards), and after.

    PYTHONPATH=. python bench/load.py                      # PostgreSQL + Redis, 2 workers
    PYTHONPATH=. python bench/load.py --backend sqlite     # the embedded default
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
# `python bench/load.py` puts bench/ first on the path, where bench/seed.py would shadow the
# `seed` package; the project root goes there instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
OUT = ROOT / "bench" / "out"
KEY = "bench-admin-key-0123456789"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


@dataclass
class Step:
    """What one wrk run measured."""

    label: str
    connections: int
    seconds: float
    requests: int
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int

    def row(self) -> str:
        """One line of the printed table."""
        return (
            f"| {self.label:<22} | {self.connections:>5} | {self.seconds:>5.1f} | "
            f"{self.requests:>8} | {self.rate:>8.0f} | {self.p50_ms:>7.2f} | "
            f"{self.p99_ms:>7.2f} | {self.errors:>6} |"
        )


HEADER = (
    "| phase                  | conns |     s | requests |    req/s "
    "| p50 ms  | p99 ms  | errors |\n|---|---|---|---|---|---|---|---|"
)


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS[unit]


def wrk(label: str, url: str, connections: int, seconds: float, env: dict[str, str]) -> Step:
    """Run wrk once and parse its report."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "5s"]
    cmd += ["-s", str(ROOT / "bench" / "load.lua"), url]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    latency: dict[str, float] = {}
    for pct, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M):
        latency[pct] = _ms(value, unit)
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    return Step(label, connections, seconds, requests, rate, latency["50"], latency["99"], errors)


class Redis:
    """A throwaway redis-server on a spare port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it empty and wait for PONG."""
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        cmd += ["--appendonly", "no", "--dir", str(OUT), "--logfile", ""]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("the throwaway redis-server did not start")

    def stop(self) -> None:
        """Kill it (as a crash looks to clients)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def _free_port(start: int) -> int:
    import socket

    for port in range(start, start + 100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port")


def _seed(url: str, citizens: int, businesses: int, ids: int = 0) -> tuple[Path, Path]:
    import main  # noqa: F401  (features register their derived indexes on import)
    from autofill.database import migrate
    from registries.database import make_engine
    from seed import seed_registry

    engine = make_engine(url)
    migrate(engine)
    report = seed_registry(url, citizens=citizens, businesses=businesses, seed=2019, reset=True)
    print(f"seeded {citizens:,} citizens and {businesses:,} businesses in {report.seconds:.1f} s")
    files = OUT / "load-citizens.txt", OUT / "load-businesses.txt"
    with engine.connect() as conn:
        for path, query in zip(
            files,
            ("SELECT personal_id FROM citizens", "SELECT enterprise_code FROM businesses"),
            strict=True,
        ):
            keys = [row[0] for row in conn.execute(text(query))]
            path.write_text("\n".join(keys[:ids] if ids else keys) + "\n")
    engine.dispose()
    return files


def _serve(env: dict[str, str], base: str) -> subprocess.Popen[bytes]:
    log = (OUT / "load-server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "main.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    for _ in range(600):
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not become ready; see bench/out/load-server.log")


def main() -> None:
    """Seed, serve, sweep, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--database-url", default=os.environ.get("AUTOFILL_BENCH_DB", PG))
    parser.add_argument("--citizens", type=int, default=20_000)
    parser.add_argument("--businesses", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8106)
    parser.add_argument("--connections", default="2,4,8,16,32,64")
    parser.add_argument("--step", type=float, default=8.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--outage", type=float, default=10.0)
    parser.add_argument("--ids", type=int, default=0, help="draw from the first N IDs only")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{args.port}"
    redis: Redis | None = None
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = None
    server = None
    try:
        if args.backend == "postgres":
            admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            sep = "&" if "?" in args.database_url else "?"
            url = f"{args.database_url}{sep}options=-csearch_path%3D{schema},public"
            redis = Redis(_free_port(6390))
            redis.start()
        else:
            db = OUT / "load.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            url = f"sqlite:///{db}"
        citizens_file, businesses_file = _seed(url, args.citizens, args.businesses, args.ids)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOFILL_")}
        env |= {
            "AUTOFILL_DATABASE_URL": url,
            "AUTOFILL_ADMIN_KEY": KEY,
            "AUTOFILL_AUDIT_HASH_KEY": "bench-audit-hash-key-0123456789abcdef",
            "AUTOFILL_WORKERS": str(args.workers),
            "AUTOFILL_PORT": str(args.port),
            "AUTOFILL_SEED_DEMO": "false",
            "AUTOFILL_PORTAL_ENABLED": "false",
            "PYTHONPATH": str(ROOT),
        }
        if redis is not None:
            env["AUTOFILL_REDIS_URL"] = f"redis://127.0.0.1:{redis.port}/0"
        server = _serve(env, base)
        wrk_env = {
            **os.environ,
            "AUTOFILL_BENCH_KEY": KEY,
            "AUTOFILL_BENCH_CITIZENS": str(citizens_file),
            "AUTOFILL_BENCH_BUSINESSES": str(businesses_file),
        }
        print(f"{args.backend}, {args.workers} workers, wrk -t2 on the same 2 cores")
        wrk("warm-up", base, 8, 5, wrk_env)
        print("\nsweep\n" + HEADER)
        best: Step | None = None
        flat = 0
        for connections in (int(c) for c in args.connections.split(",")):
            step = wrk(f"sweep c={connections}", base, connections, args.step, wrk_env)
            print(step.row(), flush=True)
            if step.errors:
                break
            if best is not None and step.rate < best.rate * 1.03:
                flat += 1
                if flat == 2:
                    break
            else:
                flat = 0
            if best is None or step.rate > best.rate:
                best = step
        assert best is not None, "even the lightest load had errors"
        print(f"\nhighest rate with zero errors: {best.rate:.0f} req/s at {best.connections} "
              f"connections (p50 {best.p50_ms:.2f} ms, p99 {best.p99_ms:.2f} ms)")  # fmt: skip
        before = (args.seconds - args.outage) / 2
        print(f"\n{args.seconds:g} s at {best.connections} connections\n" + HEADER)
        phases = [wrk("before", base, best.connections, before, wrk_env)]
        print(phases[-1].row(), flush=True)
        if redis is not None:
            redis.stop()
            phases.append(wrk("Redis stopped", base, best.connections, args.outage, wrk_env))
            redis.start()
        else:
            phases.append(wrk("middle (no Redis)", base, best.connections, args.outage, wrk_env))
        print(phases[-1].row(), flush=True)
        phases.append(wrk("after", base, best.connections, before, wrk_env))
        print(phases[-1].row(), flush=True)
        total = sum(p.requests for p in phases)
        errors = sum(p.errors for p in phases)
        print(f"\nall {args.seconds:g} s: {total:,} requests, {errors} errors")
        print("readyz after:", httpx.get(base + "/readyz", timeout=5).json())
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if redis is not None:
            redis.stop()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()


if __name__ == "__main__":
    main()
