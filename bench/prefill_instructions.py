"""Prefill against the reference in CPU instructions, counted by callgrind (issue 3).

    PYTHONPATH=. python bench/prefill_instructions.py [--database PATH] [--requests 600]

Why: on this machine kind the time a request takes moves by up to 30% from one minute to
the next and by 2x from one machine to another (BENCHMARKS.md), and `perf` counts nothing
(no `cpu` PMU). An instruction count does not move with the host: callgrind gives the same
total for the same work whatever else the machine does. So this script measures the issue's
ratio in the one unit that holds still, and a change of a few percent shows.

What runs is `bench/prefill.py`'s own server (same app, form `bench-20`, the reference
endpoint, uvicorn with uvloop and httptools, one worker), under `valgrind --tool=callgrind`
with instrumentation off until the measurement. For each phase the script turns counting
on (`callgrind_control -i on`, `-z`), sends `--requests` requests over 32 kept-alive
connections from this process (not counted: only the server runs under valgrind), and
dumps the counts (`-d`). Reference and prefill alternate `--rounds` times; each figure is
the median of its rounds. Warm: the memo holds the 20,000-subject pool, as in
`bench/prefill.py`; cold: memo off, subjects no request had read. The ratio printed is the
reference's instructions per request over prefill's: the share of the reference's request
rate prefill would reach if time followed instructions. Both are given for the event loop's
thread, where every request is handled and which sets the request rate, and for all the
server's threads (the audit log's checkpoints and subject index run on others). Compare the
loop's figures: what the other threads do once a second weighs ~50 times more per request
under valgrind than at full speed, so the all-threads figure overstates it.

It does not: the count leaves out the kernel (socket reads and writes, the audit log's
WAL writes), waits for memory (a cache miss costs cycles, not instructions) and how the
threads share the two cores. Prefill touches more memory and writes more than the
reference, so its time ratio is lower than its instruction ratio (BENCHMARKS.md gives
both). The time benchmark stays the judge of the bar; this one shows
whether a change removed work. Valgrind runs the server ~50x slower: 5-10 minutes a run.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_prefill", ROOT / "bench" / "prefill.py")
assert _spec and _spec.loader
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

CONNECTIONS = 32
PREFILL = "/v1/forms/bench-20/prefill"


def start(database: Path, cache: bool, out: Path) -> subprocess.Popen[bytes]:
    """The benchmark server under callgrind, instrumentation off, once it answers."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHONHASHSEED": "0",
        # Warming the registry's mapping only keeps pages resident; it does not change a
        # request's instructions, and under valgrind it takes minutes.
        "AUTOFILL_SQLITE_MMAP_BYTES": "0",
    }
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--separate-threads=yes",
        f"--callgrind-out-file={out}/callgrind.%p",
        sys.executable,
        str(ROOT / "bench" / "prefill.py"),
        "--serve",
        "--database",
        str(database),
    ] + ([] if cache else ["--no-cache"])
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{bench.PORT}/healthz", timeout=5)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"the server under valgrind exited ({proc.returncode})"
                ) from None
            time.sleep(1)
    proc.kill()
    raise RuntimeError("the server under valgrind did not answer within 15 minutes")


def control(pid: int, *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, capture_output=True)


async def _send(path: str, bodies: list[bytes], connections: int) -> None:
    """POST each body once, over `connections` kept-alive connections; all must be 200."""
    queue = list(reversed(bodies))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {bench.KEY}\r\n"
        "Content-Type: application/json\r\n"
    ).encode()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", bench.PORT)
        try:
            while queue:
                body = queue.pop()
                writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
                status = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                if b" 200 " not in status:
                    raise RuntimeError(f"{path}: {status.decode().strip()}")
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))


def counted(pid: int, out: Path, path: str, bodies: list[bytes]) -> tuple[int, int]:
    """Instructions the server ran while answering `bodies`: on the event loop's thread
    (the main one, where every request is handled), and on all its threads together."""
    control(pid, "-i", "on")
    control(pid, "-z")
    asyncio.run(_send(path, bodies, CONNECTIONS))
    before = set(out.glob(f"callgrind.{pid}.*"))
    control(pid, "-d")
    control(pid, "-i", "off")
    loop = every = 0
    for dump in set(out.glob(f"callgrind.{pid}.*")) - before:  # one file per thread: ...-01
        match = re.search(r"^(?:summary|totals):\s+(\d+)", dump.read_text(errors="replace"), re.M)
        if match is None:
            raise RuntimeError(f"no instruction total in {dump}")
        every += int(match.group(1))
        if dump.name.endswith("-01"):
            loop = int(match.group(1))
    if not loop:
        raise RuntimeError(f"no dump of the main thread in {out}")
    return loop, every


def bodies_for(ids: list[str], n: int, rng: random.Random) -> list[bytes]:
    return [
        json.dumps(
            {"subjects": {"applicant": rng.choice(ids)}, "purpose": "Đo hiệu năng"},
            ensure_ascii=False,
        ).encode()
        for _ in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", type=Path, default=Path("/tmp/autofill-bench/registry-1m.db"))
    parser.add_argument("--requests", type=int, default=600, help="requests per phase")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--modes", default="warm,cold", help="warm, cold, or warm,cold")
    args = parser.parse_args()
    missing = [tool for tool in ("valgrind", "callgrind_control") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"needs {' and '.join(missing)} (Debian: apt-get install -y valgrind)")
    modes = args.modes.split(",")
    bench.OUT.mkdir(parents=True, exist_ok=True)
    bench.ensure_database(args.database)
    subjects = bench.pick_subjects(args.database)
    (bench.OUT / "subjects.json").write_text(json.dumps(subjects))
    out = bench.OUT / "callgrind"
    out.mkdir(exist_ok=True)
    for old in out.glob("callgrind.*"):
        old.unlink()
    rng = random.Random(11)
    results: dict[str, dict[str, list[float]]] = {}
    for mode, cache in (("warm", True), ("cold", False)):
        if mode not in modes:
            continue
        started = time.monotonic()
        proc = start(args.database, cache, out)
        try:
            pool = subjects[mode]
            if cache:
                bench.warm_up(pool)  # uninstrumented: only valgrind's own slowdown
            # One uncounted round first: the first requests build caches of their own.
            asyncio.run(_send(PREFILL, bodies_for(pool, 64, rng), CONNECTIONS))
            asyncio.run(_send("/bench/reference", bodies_for(pool, 64, rng), CONNECTIONS))
            per: dict[str, list[float]] = {}
            for _ in range(args.rounds):
                for name, path in (("reference", "/bench/reference"), ("prefill", PREFILL)):
                    loop, every = counted(proc.pid, out, path, bodies_for(pool, args.requests, rng))
                    per.setdefault(f"{name} loop", []).append(loop / args.requests)
                    per.setdefault(f"{name} all", []).append(every / args.requests)
        finally:
            proc.terminate()
            proc.wait()
        results[mode] = per
        figures = {name: statistics.median(values) for name, values in per.items()}
        for where in ("loop", "all"):
            ref, pre = figures[f"reference {where}"], figures[f"prefill {where}"]
            print(
                f"{mode}, {'event loop thread' if where == 'loop' else 'all threads'}: "
                f"instructions per request, reference {ref / 1e6:.3f} M, prefill "
                f"{pre / 1e6:.3f} M (rounds: "
                f"{', '.join(f'{x / 1e6:.3f}' for x in per[f'prefill {where}'])}) | "
                f"ratio {ref / pre:.1%}"
            )
        print(
            f"{mode}: {args.rounds} x {args.requests} requests a side, "
            f"{time.monotonic() - started:.0f} s under valgrind"
        )
    (bench.OUT / "prefill_instructions.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
