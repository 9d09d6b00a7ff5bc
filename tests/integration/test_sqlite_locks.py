"""The embedded server keeps SQLite's locks for as long as it runs (issues 15 and 16).

A process holds its POSIX locks on a file only until it closes *any* descriptor of that
file. A server that opened and closed the live registry file behind SQLite's back (once a
minute) lost its locks; the next CLI beside it then believed it was the file's last user,
checkpointed and deleted the WAL the server was still writing, and a crash lost the audit
entries of data already sent (SQLite, "How To Corrupt An SQLite Database File", §2.2).

So: the server started as `python main.py` starts it, serving for more than a minute; the
real CLI run against the same file; prefills and lookups that answer 200; `kill -9`; then
every audit entry the API reported must be in the file, and the file must be intact.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY, BACKEND
from tests.integration.servers import AUTH, ROOT, free_port, wait_until

pytestmark = pytest.mark.slow

# Past the minute after which the removed keeper re-opened the grown file.
SERVE_SECONDS = 65
PURPOSE = "Đăng ký thường trú"


def _environment(database: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOFILL_")}
    return env | {
        "PYTHONPATH": str(ROOT),
        "AUTOFILL_DATABASE_URL": f"sqlite:///{database}",
        "AUTOFILL_PORT": str(port),
        "AUTOFILL_ADMIN_KEY": ADMIN_KEY,
        "AUTOFILL_AUDIT_HASH_KEY": AUDIT_HASH_KEY,
    }


def _cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    """Run the real `autofill` console script; its standard output."""
    script = Path(sys.executable).with_name("autofill")
    command = [str(script)]
    if not script.exists():  # not installed as a console script: what it runs
        command = [sys.executable, "-c", "import main; main.cli()"]
    done = subprocess.run(
        [*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"autofill {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], subprocess.Popen[bytes]]]:
    """`python main.py` on a fresh embedded file (it seeds the demo registry)."""
    if BACKEND != "sqlite":
        pytest.skip("the embedded SQLite file is what this test is about")
    port = free_port()
    env = _environment(tmp_path / "autofill.db", port)
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py")], cwd=tmp_path, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until(lambda: httpx.get(f"{url}/healthz", timeout=1).status_code == 200, 120, url)
        except AssertionError:
            raise AssertionError(f"server did not start:\n{log.read_text()[-3000:]}") from None
        yield url, env, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_a_crash_after_the_cli_ran_beside_the_server_keeps_every_audit_entry(
    server: tuple[str, dict[str, str], subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    url, env, proc = server
    started = time.monotonic()
    with httpx.Client(base_url=url, headers=AUTH, timeout=30) as http:
        page = http.get("/v1/citizens", params={"limit": 20})
        assert page.status_code == 200, page.text
        people = [c["personal_id"] for c in page.json()["items"]]
        businesses = http.get("/v1/businesses", params={"limit": 5})
        assert businesses.status_code == 200, businesses.text
        codes = [b["enterprise_code"] for b in businesses.json()["items"]]
        assert people and codes

        def serve_a_little(i: int, key: str = ADMIN_KEY) -> None:
            auth = {"Authorization": f"Bearer {key}"}
            pid = people[i % len(people)]
            r = http.post(
                "/v1/forms/ct01/prefill",
                json={"subjects": {"applicant": pid}, "purpose": PURPOSE},
                headers=auth,
            )
            assert r.status_code == 200, r.text
            r = http.get(f"/v1/citizens/{pid}", headers=auth)
            assert r.status_code == 200, r.text
            r = http.get(f"/v1/businesses/{codes[i % len(codes)]}", headers=auth)
            assert r.status_code == 200, r.text

        # Serve for more than a minute, with a few requests on the way.
        i = 0
        while time.monotonic() - started < SERVE_SECONDS:
            serve_a_little(i)
            i += 1
            time.sleep(4)

        # The CLI beside the running server, on the same file.
        _cli(env, tmp_path, "keys", "create", "--name", "counter 3", "--scope", "audit:read")
        out = _cli(
            env,
            tmp_path,
            *("keys", "create", "--name", "one-stop shop"),
            *("--scope", "prefill", "--scope", "registry:read"),
        )
        secret = out.strip().splitlines()[-1]
        assert "ct01" in _cli(env, tmp_path, "forms", "list")

        # The server still serves, and takes the key the CLI made.
        for j in range(6):
            serve_a_little(i + j, secret if j % 2 else ADMIN_KEY)

        reported: set[int] = set()
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": 500} | ({"cursor": cursor} if cursor else {})
            r = http.get("/v1/audit", params=params)
            assert r.status_code == 200, r.text
            reported |= {e["id"] for e in r.json()["items"]}
            cursor = r.json()["next_cursor"]
            if cursor is None:
                break
        assert len(reported) >= 3 * (i + 6)

    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)

    conn = sqlite3.connect(tmp_path / "autofill.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {row[0] for row in conn.execute("SELECT id FROM audit_log")}
        names = {row[0] for row in conn.execute("SELECT name FROM api_keys")}
    finally:
        conn.close()
    assert reported - stored == set()
    assert {"counter 3", "one-stop shop"} <= names
