"""SingleFlight: one read per key at a time, shared by every caller, not cancelled by one."""

from __future__ import annotations

import asyncio

import pytest

from registries.flights import SingleFlight
from tests.aio import run


def test_callers_at_the_same_moment_share_one_read() -> None:
    reads: list[str] = []

    async def read(key: str) -> str:
        reads.append(key)
        await asyncio.sleep(0.01)
        return key.upper()

    async def main() -> list[str]:
        flight: SingleFlight[str, str] = SingleFlight()
        first = await asyncio.gather(*(flight.run("a", lambda: read("a")) for _ in range(10)))
        other = await flight.run("b", lambda: read("b"))
        again = await flight.run("a", lambda: read("a"))  # the first read is over
        return [*first, other, again]

    assert run(main()) == ["A"] * 10 + ["B", "A"]
    assert reads == ["a", "b", "a"]


def test_a_caller_that_goes_away_does_not_cancel_the_read_for_the_others() -> None:
    async def main() -> str:
        flight: SingleFlight[str, str] = SingleFlight()

        async def read() -> str:
            await asyncio.sleep(0.05)
            return "done"

        leaving = asyncio.ensure_future(flight.run("k", read))
        staying = asyncio.ensure_future(flight.run("k", read))
        await asyncio.sleep(0.01)
        leaving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leaving
        return await staying

    assert run(main()) == "done"


def test_errors_reach_every_caller_and_the_next_call_reads_again() -> None:
    calls = 0

    async def read() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        if calls == 1:
            raise OSError("down")
        return "up"

    async def main() -> tuple[list[object], str]:
        flight: SingleFlight[str, str] = SingleFlight()
        failed = await asyncio.gather(
            *(flight.run("k", read) for _ in range(3)), return_exceptions=True
        )
        return failed, await flight.run("k", read)

    failed, after = run(main())
    assert all(isinstance(e, OSError) for e in failed) and after == "up" and calls == 2


def test_forget_lets_the_next_caller_start_a_new_read() -> None:
    async def main() -> tuple[int, int, int]:
        flight: SingleFlight[str, int] = SingleFlight()
        reads = 0

        async def read(seconds: float) -> int:
            nonlocal reads
            reads += 1
            number = reads
            await asyncio.sleep(seconds)
            return number

        first = asyncio.ensure_future(flight.run("k", lambda: read(0.01)))
        await asyncio.sleep(0)
        flight.forget()
        second = asyncio.ensure_future(flight.run("k", lambda: read(0.05)))
        await asyncio.sleep(0)
        await first  # its end must not drop the second read, still running
        third = await flight.run("k", lambda: read(0.01))
        return await first, await second, third

    assert run(main()) == (1, 2, 2)
