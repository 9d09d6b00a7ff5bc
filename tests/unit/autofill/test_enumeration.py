"""The enumeration watch: misses and consecutive identifiers trip it, ordinary use does not."""

from __future__ import annotations

import random

from autofill.trust.enumeration import EnumerationWatch, serial_number


def _watch() -> EnumerationWatch:
    return EnumerationWatch(
        window_seconds=60, not_found_limit=10, sequential_limit=8, penalty_seconds=300
    )


class TestSerialNumber:
    def test_neighbouring_tax_codes_are_neighbours(self) -> None:
        # 0100109106 and 0100109113 are consecutive valid codes (check digits differ).
        a = serial_number("business", "0100109106")
        b = serial_number("business", "0100109113")
        assert a is not None and b is not None and abs(a - b) == 1000

    def test_branches_are_neighbours_of_each_other(self) -> None:
        a = serial_number("business", "0100109106-001")
        b = serial_number("business", "0100109106-002")
        assert a is not None and b is not None and b - a == 1


class TestWatch:
    def test_walking_serials_trips_once(self) -> None:
        watch = _watch()
        reasons = [
            watch.observe("k", "citizen", f"001089{n:06d}", found=True, now=float(n))
            for n in range(1, 20)
        ]
        tripped = [r for r in reasons if r]
        assert len(tripped) == 1
        assert "consecutive citizen identifiers" in tripped[0]
        assert "001089" not in tripped[0]

    def test_many_misses_trip(self) -> None:
        watch = _watch()
        rng = random.Random(1)
        reasons = [
            watch.observe("k", "citizen", f"0010{rng.randrange(10**8):08d}", found=False, now=i)
            for i in range(10)
        ]
        assert reasons[-1] is not None and "unknown citizen identifiers" in reasons[-1]
        assert all(r is None for r in reasons[:-1])

    def test_a_portal_serving_many_people_is_not_flagged(self) -> None:
        watch = _watch()
        rng = random.Random(2)
        for i in range(2000):
            found = rng.random() > 0.002
            pid = f"0{rng.randrange(1, 97):02d}{rng.randrange(10):01d}{rng.randrange(10**8):08d}"
            assert watch.observe("portal", "citizen", pid, found=found, now=i / 10) is None

    def test_old_misses_leave_the_window(self) -> None:
        watch = _watch()
        for i in range(9):
            assert watch.observe("k", "citizen", f"0011{i:06d}00", found=False, now=i * 10) is None
        assert watch.observe("k", "citizen", "001100000000", found=False, now=200) is None

    def test_keys_are_counted_apart(self) -> None:
        watch = _watch()
        for n in range(1, 15):
            assert watch.observe(f"k{n % 2}", "citizen", f"001089{n:06d}", found=True) is None


class TestListings:
    def test_listing_much_of_a_registry_trips_once(self) -> None:
        watch = EnumerationWatch(window_seconds=60, listing_limit=1000, penalty_seconds=900)
        assert watch.observe_listing("k", "citizen", 500, now=0.0) is None
        reason = watch.observe_listing("k", "citizen", 500, now=10.0)
        assert reason is not None and "1000 citizen records listed" in reason
        assert watch.observe_listing("k", "citizen", 500, now=20.0) is None  # penalty period

    def test_pages_spread_over_time_do_not_add_up(self) -> None:
        watch = EnumerationWatch(window_seconds=60, listing_limit=1000)
        for minute in range(10):
            assert watch.observe_listing("k", "citizen", 600, now=minute * 61.0) is None
