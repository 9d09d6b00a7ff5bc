"""Real processes and faults for the integration tests: uvicorn workers, a throwaway
redis-server that can be stopped and restarted, and a TCP proxy that can cut a database
off and reconnect it. Everything listens on loopback ports picked free at run time; the
machine's shared Redis and PostgreSQL are never stopped.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY, IN_CI

ROOT = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    """Poll `check()` until it is truthy; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with suppress(Exception):
            if check():
                return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


@contextmanager
def workers(count: int, env: dict[str, str], log_dir: Path) -> Iterator[list[str]]:
    """Start `count` uvicorn processes of the service; yields their base URLs."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOFILL_")}
    base_env |= {
        "PYTHONPATH": str(ROOT),
        "AUTOFILL_ADMIN_KEY": ADMIN_KEY,
        "AUTOFILL_AUDIT_HASH_KEY": AUDIT_HASH_KEY,
        "AUTOFILL_SEED_DEMO": "false",
        "AUTOFILL_PORTAL_ENABLED": "false",
        **env,
    }
    procs, urls, logs = [], [], []
    try:
        for i in range(count):
            port = free_port()
            log = log_dir / f"worker-{i}.log"
            logs.append(log)
            cmd = [sys.executable, "-m", "uvicorn", "main:create_app", "--factory"]
            cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
            cmd += ["--no-server-header", "--no-access-log"]
            with log.open("wb") as out:
                procs.append(subprocess.Popen(cmd, cwd=ROOT, env=base_env, stdout=out, stderr=out))
            urls.append(f"http://127.0.0.1:{port}")
        for url, proc, log in zip(urls, procs, logs, strict=True):
            try:
                wait_until(
                    lambda url=url: httpx.get(url + "/healthz", timeout=1).status_code == 200,
                    30,
                    f"worker {url}",
                )
            except AssertionError:
                proc.poll()
                raise AssertionError(f"worker did not start:\n{log.read_text()[-3000:]}") from None
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def redis_server_binary() -> str:
    """The redis-server binary (skip outside CI, fail in CI, when missing)."""
    binary = shutil.which("redis-server")
    if binary is None:
        if IN_CI:
            pytest.fail("redis-server is not installed: the Redis fault tests need it")
        pytest.skip("redis-server is not installed")
    return binary


class ThrowawayRedis:
    """A private redis-server on a spare port, stopped and restarted by the test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.mkdtemp(prefix="autofill-redis-")
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (or restart) the server, empty, and wait until it answers."""
        cmd = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1"]
        cmd += ["--save", "", "--appendonly", "no", "--dir", self._dir, "--logfile", ""]
        self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.ping, 10, "the throwaway redis-server")

    def ping(self) -> bool:
        """Whether the server answers."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def keys(self) -> int:
        """How many keys the server holds."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
            s.sendall(b"DBSIZE\r\n")
            return int(s.recv(32)[1:].strip())

    def stop(self) -> None:
        """Stop the server (a crash, as far as clients can tell: nothing is kept)."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(10)
            self._proc = None

    def close(self) -> None:
        """Stop and remove its directory."""
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


class TcpProxy:
    """A loopback TCP proxy in front of a real server; `cut()` and `restore()` it."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread.start()
        self.restore()

    def _call(self, coro) -> None:  # type: ignore[no-untyped-def]
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self._writers -= {writer, up_writer}

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()  # a reset, as when the server dies
        self._writers.clear()

    def restore(self) -> None:
        """Accept and forward connections again."""
        self._call(self._listen())

    def cut(self) -> None:
        """Refuse new connections and drop every open one."""
        self._call(self._cut())

    def close(self) -> None:
        """Cut and stop the proxy's thread."""
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def url_for(self, database_url: str) -> str:
        """`database_url` pointed at this proxy."""
        url = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)


def run_async(coro) -> Any:  # type: ignore[no-untyped-def]
    """Run a coroutine to completion on a fresh event loop in its own thread (a test may
    run while another library, such as Playwright's sync API, holds this thread's loop)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")
