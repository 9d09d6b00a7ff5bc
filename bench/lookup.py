"""Lookup benchmark: `GET /v1/citizens/{id}` against FastAPI's ceiling, side by side.

    PYTHONPATH=. python bench/lookup.py [--db /tmp/autofill-bench-1m.db] [--seconds 20]

Serves the app (one uvicorn worker, port 8101) on the registry that `bench/seed.py`
built, with a reference route mounted by this benchmark only: a bare FastAPI endpoint
returning pre-serialised JSON bytes of the size of an average citizen record. `wrk`
drives both at 32 connections; the lookup requests pick random existing personal IDs
(a Lua script over 200,000 IDs sampled from the registry) with the record cache
DISABLED for the run (AUTOFILL_CACHE_SIZE=0: every request reads SQLite, the coldest
case). Reference and lookup alternate in the same run, same server, same settings.
The server runs exactly as `python main.py` runs it (`main.serve`: its logging, uvicorn's
access log on, identifiers masked); its log goes to `LOG` rather than the terminal.
Bar (issue 15, the server as shipped): lookup >= 45% of the reference's requests per second,
its p99 <= 3x the reference's p99 in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this directory comes first on sys.path and bench/seed.py would shadow
# the `seed` package: drop it.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

KEY = "bench-admin-key-0123456789"
PORT = 8101
LOG = Path(tempfile.gettempdir()) / "autofill-bench-lookup.log"  # the server's log
DONE = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, '
    .. '"errors": %d, "non2xx": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout, summary.errors.status))
end
"""


def serve(db: Path, payload_size: int) -> None:
    """Run the service with the reference route (in the benchmark's server process)."""
    from fastapi import FastAPI
    from starlette.responses import Response

    from autofill.config import Settings
    from main import create_app
    from main import serve as serve_as_shipped

    settings = Settings(
        database_url=f"sqlite:///{db}",
        admin_key=KEY,
        seed_demo=False,
        portal_enabled=False,
        cache_size=0,
        port=PORT,
        _env_file=None,  # type: ignore[call-arg]
    )
    app: FastAPI = create_app(settings)
    body = json.dumps({"padding": "x" * max(0, payload_size - 15)}).encode()

    @app.get("/bench/reference/{personal_id}")
    async def reference(personal_id: str) -> Response:
        return Response(content=body, media_type="application/json")

    # Served as `python main.py` serves: its logging, uvicorn's access log on.
    serve_as_shipped(settings, app)


def _sample(db: Path, n: int) -> tuple[list[str], int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    total = conn.execute("SELECT count(*) FROM citizens").fetchone()[0]
    ids = [r[0] for r in conn.execute("SELECT personal_id FROM citizens")]
    size = conn.execute("SELECT avg(length(CAST(doc AS BLOB))) FROM citizens").fetchone()[0]
    conn.close()
    random.Random(1).shuffle(ids)
    print(f"registry: {total:,} citizens, average record {size:,.0f} bytes")
    return ids[:n], int(size)


def _lua(path: Path, ids: list[str] | None) -> None:
    auth = f'wrk.headers["Authorization"] = "Bearer {KEY}"\n'
    if ids is None:
        route = (
            "request = function()\n"
            '  return wrk.format("GET", "/bench/reference/" .. math.random(1, 999999))\n'
            "end\n"
        )
        path.write_text(auth + route + DONE)
        return
    table = "local ids = {" + ",".join(f'"{i}"' for i in ids) + "}\n"
    route = (
        "math.randomseed(os.time())\n"
        "request = function()\n"
        '  return wrk.format("GET", "/v1/citizens/" .. ids[math.random(#ids)])\n'
        "end\n"
    )
    path.write_text(auth + table + route + DONE)


def _wrk(script: Path, seconds: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "5s", "-s", str(script),
         f"http://127.0.0.1:{PORT}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def _wait(port: int) -> None:
    for _ in range(6000):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("the server did not start")


def main() -> None:
    """Run both loads and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=Path("/tmp/autofill-bench-1m.db"))
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--payload", type=int, default=2300, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.db, args.payload)
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (then run this again)")
    if not args.db.exists():
        raise SystemExit(f"{args.db} does not exist: run `python bench/seed.py` first")
    ids, size = _sample(args.db, 200_000)
    tmp = Path(tempfile.mkdtemp(prefix="autofill-lookup-"))
    reference, lookup = tmp / "reference.lua", tmp / "lookup.lua"
    _lua(reference, None)
    _lua(lookup, ids)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    log_file = LOG.open("wb")
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--db", str(args.db), "--payload", str(size)],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(PORT)
        for script in (reference, lookup):  # warm-up (imports, page cache, connections)
            _wrk(script, 3)
        results: dict[str, list[dict]] = {"reference": [], "lookup": []}
        for _ in range(args.rounds):
            results["reference"].append(_wrk(reference, args.seconds))
            results["lookup"].append(_wrk(lookup, args.seconds))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        log_file.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print("one uvicorn worker, 32 connections (wrk -t2 -c32), cache disabled, "
          f"{args.rounds} x {args.seconds} s each, alternating")  # fmt: skip
    summary = {}
    for name, runs in results.items():
        rps = sum(r["rps"] for r in runs) / len(runs)
        p99 = max(r["p99_ms"] for r in runs)
        bad = sum(r["errors"] + r["non2xx"] for r in runs)
        summary[name] = (rps, p99)
        print(f"{name:<10} {rps:>9,.0f} req/s   p50 {runs[-1]['p50_ms']:.2f} ms   "
              f"p99 {p99:.2f} ms   errors/non-2xx {bad}")  # fmt: skip
    ratio = summary["lookup"][0] / summary["reference"][0]
    print(f"ratio lookup/reference: {ratio:.0%}")
    p99_ratio = summary["lookup"][1] / summary["reference"][1]
    print(f"p99 lookup/reference: {p99_ratio:.2f}x")
    ok = ratio >= 0.45 and p99_ratio <= 3
    print(f"bar (>= 45%, p99 <= 3x the reference's): {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
