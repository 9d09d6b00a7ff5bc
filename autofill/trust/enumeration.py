"""Spotting a key that walks the registry: many misses, or consecutive identifiers.

A portal prefills for many *different* people, so the number of distinct identifiers is
not a signal by itself. Two patterns are: many well-formed identifiers that name no
record (a guesser's misses), and identifiers that follow each other (serials walked one by
one: 001089000001, 001089000002, ...); and listing pages that add up to more of the
registry than a portal's work needs (`listing_limit` records within the window). Each is
counted per key over a sliding window;
crossing a threshold trips the watch once per penalty period, and the caller throttles
the key and writes a flagged audit entry. Counting is per worker: with N workers behind
round-robin each sees every N-th request, so gaps stay small and the thresholds are
reached about N times later; the resulting flag is shared through the rate limiter.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

# Identifiers within this distance of a recent one count as a sequential step.
MAX_GAP = 16
RECENT = 8


def serial_number(registry: str, identifier: str) -> int | None:
    """The identifier as a number whose consecutive values are neighbours, or None."""
    if registry == "citizen" and identifier.isdigit():
        return int(identifier)
    if registry == "business":
        base, _, branch = identifier.partition("-")
        if base.isdigit() and len(base) == 10:
            # The check digit makes neighbouring codes jump: compare the nine digits.
            return int(base[:9]) * 1000 + (int(branch) if branch.isdigit() else 0)
        if base.isdigit() and len(base) == 12:
            return int(base)
    return None


@dataclass
class _Track:
    misses: deque[float] = field(default_factory=deque)
    steps: deque[float] = field(default_factory=deque)
    listed: deque[tuple[float, int]] = field(default_factory=deque)
    recent: dict[str, deque[int]] = field(default_factory=dict)
    quiet_until: float = 0.0


class EnumerationWatch:
    """Per-key counters of misses and sequential steps over a sliding window."""

    def __init__(
        self,
        *,
        window_seconds: int = 60,
        not_found_limit: int = 30,
        sequential_limit: int = 20,
        penalty_seconds: int = 900,
        listing_limit: int = 2000,
        max_keys: int = 10_000,
    ) -> None:
        self.listing_limit = listing_limit
        self.window = window_seconds
        self.not_found_limit = not_found_limit
        self.sequential_limit = sequential_limit
        self.penalty = penalty_seconds
        self._max_keys = max_keys
        self._tracks: OrderedDict[str, _Track] = OrderedDict()

    def observe(
        self, key_id: str, registry: str, identifier: str, *, found: bool, now: float | None = None
    ) -> str | None:
        """Note one lookup; the reason when this one trips the watch, else None."""
        now = time.monotonic() if now is None else now
        track = self._track(key_id)
        horizon = now - self.window
        if not found:
            track.misses.append(now)
        number = serial_number(registry, identifier)
        if number is not None:
            recent = track.recent.setdefault(registry, deque(maxlen=RECENT))
            if any(0 < abs(number - n) <= MAX_GAP for n in recent):
                track.steps.append(now)
            recent.append(number)
        for times in (track.misses, track.steps):
            while times and times[0] < horizon:
                times.popleft()
        if now < track.quiet_until:
            return None
        reason = None
        if len(track.misses) >= self.not_found_limit:
            reason = f"{len(track.misses)} lookups of unknown {registry} identifiers"
        elif len(track.steps) >= self.sequential_limit:
            reason = f"{len(track.steps)} consecutive {registry} identifiers"
        if reason is None:
            return None
        track.quiet_until = now + self.penalty
        return f"{reason} within {self.window} s"

    def observe_listing(
        self, key_id: str, registry: str, records: int, *, now: float | None = None
    ) -> str | None:
        """Note a listing page of `records`; the reason when it trips the watch, else None."""
        now = time.monotonic() if now is None else now
        track = self._track(key_id)
        track.listed.append((now, records))
        while track.listed and track.listed[0][0] < now - self.window:
            track.listed.popleft()
        total = sum(n for _, n in track.listed)
        if now < track.quiet_until or total < self.listing_limit:
            return None
        track.quiet_until = now + self.penalty
        return f"{total} {registry} records listed within {self.window} s"

    def _track(self, key_id: str) -> _Track:
        track = self._tracks.get(key_id)
        if track is None:
            track = self._tracks[key_id] = _Track()
            while len(self._tracks) > self._max_keys:
                self._tracks.popitem(last=False)
        else:
            self._tracks.move_to_end(key_id)
        return track
