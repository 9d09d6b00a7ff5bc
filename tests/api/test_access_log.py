"""uvicorn's access log, from a real server process, never shows a personal ID."""

from __future__ import annotations

import os
import re
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


def _serve_and_log(database_url, redis_url, tmp_path, requests) -> str:
    """Start a real server, run `requests(base, auth)`, stop it; its captured output."""
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
            requests(base, {"Authorization": f"Bearer {ADMIN_KEY}"})
        finally:
            server.terminate()
            server.wait(timeout=15)
    return log_path.read_text()


def test_access_log_masks_identifiers_and_query_values(database_url, redis_url, tmp_path) -> None:
    def requests(base: str, auth: dict[str, str]) -> None:
        assert httpx.get(f"{base}/v1/citizens/{PERSON}", headers=auth).status_code == 404
        r = httpx.get(f"{base}/v1/audit", params={"subject": PERSON}, headers=auth)
        assert r.status_code == 200

    output = _serve_and_log(database_url, redis_url, tmp_path, requests)
    assert "GET /v1/citizens/<id:" in output
    assert "/v1/audit?subject=…" in output
    assert PERSON not in output


# Spellings the identifier parser reads as the same ID (so the lookup answers, not 422),
# and one it refuses (a 422 whose request line is logged all the same).
ACCEPTED_SPELLINGS = [
    "/v1/citizens/001085%E2%80%8B004512",  # zero-width space
    "/v1/citizens/001085%C2%A0004512",  # NBSP
    "/v1/citizens/001085%09004512",  # tab
    "/v1/citizens/001%20%20%20085004512",  # a run of spaces
    "/v1/citizens/%EF%BB%BF001085004512",  # BOM
    "/v1/citizens/001.085.004.512",
    "/v1/businesses/0100%E2%80%8B109106",  # a tax code
    "/v1/businesses/0100109106%09-001",  # a branch code
]
REFUSED_SPELLINGS = ["/v1/citizens/001-085-004-512", "/v1/businesses/0100-109-106"]


def _digits_only(text: str) -> str:
    # What a reader of the log recovers by dropping escapes and anything between digits.
    return re.sub(r"[^0-9\n]", "", re.sub(r"%[0-9A-Fa-f]{2}", "", text))


def test_access_log_masks_every_spelling_the_parser_accepts(
    database_url, redis_url, tmp_path
) -> None:
    def requests(base: str, auth: dict[str, str]) -> None:
        for path in ACCEPTED_SPELLINGS:
            assert httpx.get(f"{base}{path}", headers=auth).status_code == 404, path
        for path in REFUSED_SPELLINGS:
            assert httpx.get(f"{base}{path}", headers=auth).status_code == 422, path

    output = _serve_and_log(database_url, redis_url, tmp_path, requests)
    access = [line for line in output.splitlines() if '"GET /v1/' in line]
    assert len(access) == len(ACCEPTED_SPELLINGS) + len(REFUSED_SPELLINGS), output
    for line in access:
        assert "<id:" in line, line
        for secret in ("001085004512", "0100109106", "109106"):
            assert secret not in _digits_only(line), line
