"""Lookups and prefill at national scale: PostgreSQL + Redis, two workers, against a bare
reference app on two workers, in paired rounds.

    PYTHONPATH=. python bench/scale_speed.py [--pg-url URL] [--redis-url URL] [--seconds 15]

* Service: `AUTOFILL_WORKERS=2 python main.py`, the server as shipped (its settings'
  defaults: record cache on, access log on), on the registry `bench/seed_scale.py` seeded,
  with Redis; port 8111.
* Reference: a bare FastAPI app on two uvicorn workers (port 8112, access log on too):
  `GET /ref/{id}` returns pre-serialised JSON bytes of the size of an average citizen
  record, `POST /ref` the bytes of a real prefill answer (its size measured first).
* Load: wrk, 2 threads, 32 connections; lookups of random citizens among 200,000 sampled
  from the whole registry, prefill of the `bench-20` form (`bench/prefill.py`) for random
  citizens with a recorded father. Reference and service alternate, round after round.
* `pgbench -S` (PostgreSQL's own read ceiling on this machine: 2 clients per core, the
  pgbench tables in the same database) runs beside, when `--pgbench` is given.
Bars (issue 20): lookups >= 0.30 and prefill >= 0.25 of the reference, p99 <= 3x its.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SERVICE, REFERENCE = 8111, 8112
KEY = "bench-admin-key-0123456789"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5434/autofill"
REDIS_URL = "redis://127.0.0.1:6379/14"
OUT = Path(tempfile.gettempdir()) / "autofill-scale-speed"
PG_DATA = "/var/lib/postgresql/15/scale"  # the benchmark cluster's data directory
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


def reference_app():  # type: ignore[no-untyped-def]
    """The bare reference (a uvicorn factory: each worker builds its own)."""
    from fastapi import FastAPI
    from starlette.responses import Response

    app = FastAPI()
    record = json.dumps({"padding": "x" * int(os.environ["REF_RECORD_BYTES"])}).encode()
    answer = json.dumps({"padding": "x" * int(os.environ["REF_ANSWER_BYTES"])}).encode()

    @app.get("/ref/{personal_id}")
    async def lookup(personal_id: str) -> Response:
        return Response(content=record, media_type="application/json")

    @app.post("/ref")
    async def prefill() -> Response:
        return Response(content=answer, media_type="application/json")

    return app


def _env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "AUTOFILL_WORKERS": "2",
        "AUTOFILL_DATABASE_URL": args.pg_url,
        "AUTOFILL_REDIS_URL": args.redis_url,
        "AUTOFILL_ADMIN_KEY": KEY,
        "AUTOFILL_AUDIT_HASH_KEY": "bench-audit-hash-key-0123456789abcdef",
        "AUTOFILL_PORT": str(SERVICE),
        "AUTOFILL_SEED_DEMO": "false",
        "AUTOFILL_PORTAL_ENABLED": "false",
    }


def _wait(url: str) -> None:
    for _ in range(600):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def _post(path: str, body: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{SERVICE}{path}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _sample(pg_url: str) -> tuple[list[str], list[str], int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.connect() as conn:
        ids = conn.execute(
            text("SELECT personal_id FROM citizens TABLESAMPLE SYSTEM (3) REPEATABLE (7)")
        ).scalars()
        lookups = list(ids)[:200_000]
        fathers = conn.execute(
            text(
                "SELECT personal_id FROM citizens TABLESAMPLE SYSTEM (3) REPEATABLE (8) "
                "WHERE father_id IS NOT NULL"
            )
        ).scalars()
        prefills = list(fathers)[:100_000]
        size = conn.execute(
            text("SELECT avg(octet_length(doc)) FROM citizens TABLESAMPLE SYSTEM (1)")
        ).scalar_one()
    engine.dispose()
    return lookups, prefills, int(size)


def _lua(name: str, method: str, path: str, ids: list[str]) -> Path:
    auth = f'wrk.headers["Authorization"] = "Bearer {KEY}"\n'
    table = "local ids = {" + ",".join(f'"{i}"' for i in ids) + "}\n"
    if method == "GET":
        request = f'  return wrk.format("GET", "{path}" .. ids[math.random(#ids)])\n'
    else:
        auth += 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        request = (
            f'  return wrk.format(nil, "{path}", nil, \'{{"subjects": {{"applicant": "\' '
            '.. ids[math.random(#ids)] .. \'"}, "purpose": "benchmark"}\')\n'
        )
    script = OUT / f"{name}.lua"
    script.write_text(
        auth
        + table
        + "math.randomseed(os.time())\nrequest = function()\n"
        + request
        + "end\n"
        + DONE
    )
    return script


def _tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of a process and its live descendants."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo.extend(p for p, parent in parents.items() if parent == pid)
    return total


def _postmaster() -> int:
    return int(Path(PG_DATA, "postmaster.pid").read_text().split()[0])


def _wrk(script: Path, port: int, seconds: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "5s", "-s", str(script),
         f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def pgbench(seconds: int) -> str:
    """`pgbench -S` on the benchmark database (the pgbench tables made once, scale 50)."""
    conn = ["-h", "127.0.0.1", "-p", "5434", "-U", "postgres", "autofill"]
    check = subprocess.run(
        ["psql", *conn, "-Atc", "SELECT to_regclass('pgbench_accounts') IS NOT NULL"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if check != "t":
        subprocess.run(["pgbench", "-i", "-s", "50", "-q", *conn], check=True, capture_output=True)
    out = subprocess.run(
        ["pgbench", "-S", "-n", "-c", "4", "-j", "2", "-T", str(seconds), *conn],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return " | ".join(x for x in out.splitlines() if "tps" in x or "latency" in x)


def main() -> None:
    """Measure, alternating reference and service, and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pgbench", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    lookups, prefills, record_bytes = _sample(args.pg_url)
    print(
        f"{len(lookups):,} lookup ids, {len(prefills):,} prefill subjects, record {record_bytes} B"
    )
    env = _env(args)
    log = (OUT / "service.log").open("wb")
    service = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py")], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    reference = None
    try:
        _wait(f"http://127.0.0.1:{SERVICE}/healthz")
        sys.path.insert(0, str(BENCH))
        from prefill import FORM  # the 20-field chained form of bench/prefill.py

        print("register bench-20:", _post("/v1/forms", FORM)[0])
        status, body = _post(
            "/v1/forms/bench-20/prefill", {"subjects": {"applicant": prefills[0]}, "purpose": "b"}
        )
        assert status == 200, body[:500]
        ref_env = {**env, "REF_RECORD_BYTES": str(record_bytes), "REF_ANSWER_BYTES": str(len(body))}
        reference = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "scale_speed:reference_app", "--factory",
             "--app-dir", str(BENCH), "--workers", "2", "--port", str(REFERENCE)],
            env=ref_env, stdout=(OUT / "reference.log").open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait(f"http://127.0.0.1:{REFERENCE}/ref/1")
        pairs = {
            "lookup": (_lua("ref_get", "GET", "/ref/", lookups[:20_000]),
                       _lua("lookup", "GET", "/v1/citizens/", lookups)),
            "prefill": (_lua("ref_post", "POST", "/ref", prefills[:1000]),
                        _lua("prefill", "POST", "/v1/forms/bench-20/prefill", prefills)),
        }  # fmt: skip
        for ref_lua, lua in pairs.values():  # warm-up
            _wrk(ref_lua, REFERENCE, 3)
            _wrk(lua, SERVICE, 5)
        results: dict[str, dict[str, list[dict]]] = {k: {"ref": [], "svc": []} for k in pairs}
        for n in range(args.rounds):
            for kind, (ref_lua, lua) in pairs.items():
                results[kind]["ref"].append(_wrk(ref_lua, REFERENCE, args.seconds))
                cpu = _tree_cpu(service.pid), _tree_cpu(_postmaster())
                results[kind]["svc"].append(_wrk(lua, SERVICE, args.seconds))
                r, s = results[kind]["ref"][-1], results[kind]["svc"][-1]
                s["cpu_ms"] = (_tree_cpu(service.pid) - cpu[0]) * 1000 / s["requests"]
                s["pg_cpu_ms"] = (_tree_cpu(_postmaster()) - cpu[1]) * 1000 / s["requests"]
                print(
                    f"round {n + 1} {kind:<8} reference {r['rps']:>7,.0f} req/s p99 "
                    f"{r['p99_ms']:6.1f} ms | service {s['rps']:>7,.0f} req/s p99 "
                    f"{s['p99_ms']:6.1f} ms errors {s['errors'] + s['non2xx']} | "
                    f"{s['rps'] / r['rps']:.2f} | CPU per request: service "
                    f"{s['cpu_ms']:.2f} ms, PostgreSQL {s['pg_cpu_ms']:.2f} ms",
                    flush=True,
                )
    finally:
        for proc in (service, reference):
            if proc is not None:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=60)
        log.close()
    bars = {"lookup": 0.30, "prefill": 0.25}
    for kind, runs in results.items():
        ref = sum(r["rps"] for r in runs["ref"]) / len(runs["ref"])
        svc = sum(r["rps"] for r in runs["svc"]) / len(runs["svc"])
        ref_p99 = max(r["p99_ms"] for r in runs["ref"])
        svc_p99 = max(r["p99_ms"] for r in runs["svc"])
        ok = svc / ref >= bars[kind] and svc_p99 <= 3 * ref_p99
        print(
            f"{kind}: service {svc:,.0f} / reference {ref:,.0f} req/s = {svc / ref:.2f} "
            f"(bar {bars[kind]}); p99 {svc_p99:.1f} / {ref_p99:.1f} ms = "
            f"{svc_p99 / ref_p99:.2f}x (bar 3x): {'met' if ok else 'MISSED'}"
        )
    if args.pgbench:
        print(f"pgbench -S (4 clients, 2 threads, {args.seconds} s): {pgbench(args.seconds)}")
    print(f"load average {os.getloadavg()} (2 cores, shared)")


if __name__ == "__main__":
    main()
