"""Schemathesis against a fresh embedded server, as an outside tester runs it: the service
started by `main.py` on an empty SQLite file (demo seed, small), then `st run` over the
served `/openapi.json` with every phase (examples, coverage, fuzzing, stateful) and every
check, with the admin key.

Every check includes `positive_data_acceptance` (a request the document calls valid is
not refused) and `negative_data_rejection` (one it calls invalid is refused), so the
document must say what the server enforces. `schemathesis.toml` beside this file names the
few operations whose remaining rules JSON Schema cannot state (rules across parameters,
a record's consistency with the registry), where a 422 is also accepted. Bounded: reseeds
are capped to the demo's small size, the examples per operation are counted (not timed, so
the run is the same on a slow machine) and the seed is fixed: about a minute here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY, BACKEND

# The embedded default is what a newcomer runs; the PostgreSQL pass would repeat it as is.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite pass runs the embedded server"),
]

ROOT = Path(__file__).resolve().parents[2]
PHASES = "examples,coverage,fuzzing,stateful"
MAX_EXAMPLES = 50


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def embedded_server(tmp_path: Path) -> Iterator[str]:
    """`python main.py` on a fresh SQLite file in an empty folder; its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "AUTOFILL_DATABASE_URL": f"sqlite:///{tmp_path / 'autofill.db'}",
        "AUTOFILL_PORT": str(port),
        "AUTOFILL_ADMIN_KEY": ADMIN_KEY,
        "AUTOFILL_AUDIT_HASH_KEY": AUDIT_HASH_KEY,
        "AUTOFILL_DEMO_CITIZENS": "300",
        "AUTOFILL_DEMO_BUSINESSES": "30",
        "AUTOFILL_RESEED_MAX_CITIZENS": "300",
        "AUTOFILL_RESEED_MAX_BUSINESSES": "30",
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py")], cwd=tmp_path, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail((tmp_path / "server.log").read_text()[-3000:])
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_schemathesis_all_phases_all_checks(embedded_server: str, tmp_path: Path) -> None:
    st = Path(sys.executable).with_name("st")
    command = [
        str(st),
        "--config-file",
        str(Path(__file__).with_name("schemathesis.toml")),
        "run",
        f"{embedded_server}/openapi.json",
        "--header",
        f"Authorization: Bearer {ADMIN_KEY}",
        "--phases",
        PHASES,
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "17",
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
    ]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-2_000:]
