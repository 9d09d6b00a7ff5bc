"""Browser tests: Playwright drives Debian's Chromium against a server this suite starts
(uvicorn in a thread, on a free port, with a seeded SQLite registry).

Chromium comes from the system (`/usr/bin/chromium`, installed by `.ci/run`), never from
`playwright install`. In CI (`CI=true`) a missing Chromium or Playwright fails these
tests; elsewhere it skips them with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autofill.config import Settings
from tests.conftest import ADMIN_KEY, IN_CI

CHROMIUM = os.environ.get("AUTOFILL_CHROMIUM", "/usr/bin/chromium")
# The flags this machine kind needs for headless Chromium (no network beyond loopback).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of the system Chromium (fail in CI, skip elsewhere, when missing)."""
    path = shutil.which(CHROMIUM) or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)
    if path is None:
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    return str(path)


class LiveServer:
    """A uvicorn server running the app in a background thread."""

    def __init__(self, settings: Settings) -> None:
        import uvicorn

        from main import create_app

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # The service names itself by the address it is reached at (the issuer of what it
        # signs, and the base of the demo portal's OAuth redirect URI).
        self.app = create_app(settings.model_copy(update={"issuer": self.url}))
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self, timeout: float = 120.0) -> None:
        """Start serving; return once `/healthz` answers."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.started:
                return
            if not self.thread.is_alive():
                raise RuntimeError("the server thread died during start-up")
            time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        """Stop serving and wait for the lifespan's shutdown."""
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()

    def api(self) -> httpx.Client:
        """A client of the server's API with the admin key."""
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=30
        )


@pytest.fixture(scope="session")
def live_server(
    chromium: str, seeded_sqlite_template: Path, tmp_path_factory
) -> Iterator[LiveServer]:
    """The service with the portal on, over a copy of the suite's seeded SQLite registry
    (personas plus 300 citizens and 40 businesses)."""
    database = tmp_path_factory.mktemp("browser") / "registry.db"
    shutil.copyfile(seeded_sqlite_template, database)
    settings = Settings(
        database_url=f"sqlite:///{database}",
        admin_key=ADMIN_KEY,
        seed_demo=False,
        portal_enabled=True,
        _env_file=None,  # type: ignore[call-arg]
    )
    server = LiveServer(settings)
    server.start()
    yield server
    server.stop()


# Module scope, not session: Playwright's sync API keeps an event loop running in the main
# thread while it is open, and later tests that call asyncio.run() must not find one.
@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[object]:
    """A Chromium launched by Playwright with this machine's flags."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A fresh page at desktop width (1280 px), Vietnamese locale."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser) -> Iterator[object]:
    """A fresh page at phone width (390 px), touch, Vietnamese locale."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
    )
    page = context.new_page()
    yield page
    context.close()


def save_screenshot(page, name: str, *, publish: bool = False) -> Path:
    """Save a full-page screenshot under tests/artifacts/; with
    AUTOFILL_UPDATE_SCREENSHOTS=1, also copy it to docs/screenshots/ (shown in README)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if publish and os.environ.get("AUTOFILL_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / path.name)
    return path
