"""uvicorn's access log, from a real server process, never shows a personal ID."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.api.keyring import PERSON
from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_access_log_masks_identifiers_and_query_values(database_url, redis_url, tmp_path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "AUTOFILL_DATABASE_URL": database_url,
        "AUTOFILL_PORT": str(port),
        "AUTOFILL_ADMIN_KEY": ADMIN_KEY,
        "AUTOFILL_AUDIT_HASH_KEY": AUDIT_HASH_KEY,
        "AUTOFILL_SEED_DEMO": "false",
        "AUTOFILL_PORTAL_ENABLED": "false",
    }
    if redis_url:
        env["AUTOFILL_REDIS_URL"] = redis_url
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-c", "import main; main.serve()"],
            cwd=tmp_path,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
            auth = {"Authorization": f"Bearer {ADMIN_KEY}"}
            assert httpx.get(f"{base}/v1/citizens/{PERSON}", headers=auth).status_code == 404
            r = httpx.get(f"{base}/v1/audit", params={"subject": PERSON}, headers=auth)
            assert r.status_code == 200
        finally:
            server.terminate()
            server.wait(timeout=15)
    output = log_path.read_text()
    assert "GET /v1/citizens/<id:" in output
    assert "/v1/audit?subject=…" in output
    assert PERSON not in output
