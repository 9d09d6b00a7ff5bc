"""Parsed records of the embedded (SQLite) registry, kept in each worker's memory.

Reading a 2.4 KB citizen document costs ~30 µs and parsing it 14-18 µs on the benchmark
host, and a prefill with one chained subject does both twice: in the server under load the
reads and parses were ~17% of all samples (BENCHMARKS.md). The memo keeps the parsed
documents and trusts them only while the registry's change counter stands still: triggers
move that counter on every update or delete of a record, whoever makes it (this worker,
another one, the CLI), so one read of it tells whether anything kept may be stale (the
service reads it once per pass of the event loop for all the requests of that pass:
`RegistryService._changes_this_pass`). Any move empties the memo; edits are rare next to
reads.

Documents handed out are shared between requests: callers must not change them.

Memory is bounded twice: by a number of records and by an estimate of their size in memory.
A parsed citizen takes ~9.3 KB for its 2.4 KB of JSON (`tracemalloc`); in the benchmark
server 39,351 kept records added 416 MiB of anonymous memory, ~10.8 KB each with the memo's
own entries and the allocator's slack, so `PARSED_PER_BYTE` = 5 (~12 KB a citizen).

The cyclic garbage collector. Kept records are millions of references that its full
collections would follow every time: with 40,000 citizens kept, one took ~340 ms and came
about every 5 s under load, which cost more than the memo saved (BENCHMARKS.md). Records are
trees, freed by reference counting alone, so the collector has nothing to find in them; with
`freeze_gc`, after every `FREEZE_EVERY` new records (or a quarter of the memo, whichever is
more) the memo moves what the collector tracks into its permanent generation
(`gc.freeze()`), after a collection of the young generations so that little garbage goes
with it; emptying the memo hands everything back (`gc.unfreeze()`).
"""

from __future__ import annotations

import gc
from collections import OrderedDict
from typing import Any

PARSED_PER_BYTE = 5
FREEZE_EVERY = 4096


class RecordMemo:
    """An LRU of parsed records, valid for one value of the change counter."""

    def __init__(self, *, max_items: int, max_bytes: int, freeze_gc: bool = False) -> None:
        self._items: OrderedDict[tuple[str, str], tuple[dict[str, Any], int]] = OrderedDict()
        self._max_items = max_items
        self._max_bytes = max_bytes
        self._bytes = 0
        self._freeze_gc = freeze_gc
        self._unfrozen = 0  # records kept since the last freeze
        self.freezes = 0
        self.changes: int | None = None
        self.hits = 0
        self.misses = 0

    def check(self, changes: int) -> None:
        """Forget everything unless the change counter still reads as when it was kept."""
        if changes != self.changes:
            self.clear()
            self.changes = changes

    def get(self, registry: str, key: str) -> dict[str, Any] | None:
        """The kept record, or None."""
        item = self._items.get((registry, key))
        if item is None:
            self.misses += 1
            return None
        self.hits += 1
        self._items.move_to_end((registry, key))
        return item[0]

    def put(self, registry: str, key: str, doc: dict[str, Any], size: int) -> None:
        """Keep a record parsed from `size` bytes of JSON, evicting the least recently used."""
        cost = size * PARSED_PER_BYTE
        if cost > self._max_bytes or self._max_items <= 0:
            return
        old = self._items.pop((registry, key), None)
        if old is not None:
            self._bytes -= old[1]
        self._items[(registry, key)] = (doc, cost)
        self._bytes += cost
        while len(self._items) > self._max_items or self._bytes > self._max_bytes:
            _, (_, freed) = self._items.popitem(last=False)
            self._bytes -= freed
        self._unfrozen += 1
        if self._freeze_gc and self._unfrozen >= max(FREEZE_EVERY, len(self._items) // 4):
            gc.collect(1)
            gc.freeze()
            self._unfrozen = 0
            self.freezes += 1

    def clear(self) -> None:
        """Forget everything."""
        self._items.clear()
        self._bytes = 0
        self._unfrozen = 0
        if self._freeze_gc and self.freezes:
            gc.unfreeze()  # what was frozen with the records is the collector's again

    @property
    def size_bytes(self) -> int:
        """The estimated memory the kept records take."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
