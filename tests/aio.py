"""Run a coroutine to completion from a test, even when the thread already runs a loop.

Playwright's sync API (the browser tests) leaves an event loop running in the main
thread for the rest of the session, where `asyncio.run` refuses to start; a short-lived
worker thread always has a fresh loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def run[T](coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coro)` on a thread of its own; returns its result or raises."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
