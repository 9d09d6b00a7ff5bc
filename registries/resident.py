"""Keep the embedded registry file in memory: map it, touch it once, hold the mapping.

On the machines this service is measured on, the kernel pages out file pages that no
process maps and that nobody touched for about a minute (a DAMON `pageout` scheme:
`/sys/kernel/mm/damon/admin/kdamonds/0`, access age >= 12 x 5 s, anonymous and mapped
pages exempt). A registry of a million citizens is read at random, so most of its pages
go untouched for minutes, get paged out, and the next read of one waits for the disk on
the event loop: measured on the 1M bench registry, a primary-key read took 17 us on
average with the file in memory and 118-482 us (max 454 ms) once paged out, and the
lookup benchmark's p99 went from 19 ms to 120-440 ms (BENCHMARKS.md, "Lookup").

A mapped page is exempt, so a thread of each worker maps the file read-only and touches
every page once; SQLite keeps reading through its own `pread` calls and finds them in the
page cache. This is what `pg_prewarm` does for PostgreSQL. Under real memory pressure the
kernel can still reclaim mapped file pages; the mapping costs page tables (~2 MB per GB
per worker), not memory of its own (the page cache is shared by all workers).

The file is read in chunks with `readinto` (the GIL is released while the disk works),
then each page of the chunk is touched through the mapping (a minor fault, ~1 ms of GIL
per 4 MB). Every `refresh_seconds` the keeper follows the file:

* **Grown** (the audit log's checkpoints append to a registry file all the time under
  load): only the new tail is mapped, as a mapping of its own, and touched; the earlier
  mappings stay. Re-mapping and touching the whole file instead took 2.5-5 s of a 4 GB
  registry's every minute under the prefill benchmark, ~1,000 GIL holds of ~1 ms each,
  and the event loop's slow turns (20-35 ms) clustered in those seconds.
* **Replaced** (a reseed), **shrunk**, or grown `MAX_SEGMENTS` times: mapped again whole.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import os
import threading
from io import BufferedReader
from pathlib import Path

log = logging.getLogger(__name__)

PAGE = mmap.PAGESIZE
CHUNK = 4 << 20
# Tails mapped one by one before the whole file is mapped again (one per refresh that
# found growth: at the default minute, 17 hours of steady writes).
MAX_SEGMENTS = 1024


class ResidentFile:
    """Holds a read-only mapping of a file, its pages touched, refreshed as it grows."""

    def __init__(self, path: str | Path, *, max_bytes: int, refresh_seconds: float = 60.0) -> None:
        self._path = Path(path)
        self._max_bytes = max_bytes
        self._refresh_seconds = refresh_seconds
        self._maps: list[mmap.mmap] = []  # consecutive ranges of the file, from offset 0
        self._identity: tuple[int, int] | None = None  # (inode, mapped size)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.warmed = threading.Event()
        self.resident_bytes = 0

    def start(self) -> None:
        """Start the keeper thread (a daemon: it never holds the process up)."""
        if self._thread is None and self._max_bytes > 0:
            self._thread = threading.Thread(target=self._run, name="sqlite-resident", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the thread and drop the mapping."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._release()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh()
            except OSError as exc:  # the file is gone or unreadable: try again later
                log.debug("registry file not kept resident: %s", exc)
            self.warmed.set()
            self._stop.wait(self._refresh_seconds)

    def refresh(self) -> None:
        """Map and touch what is new in the file: its grown tail, or all of a new file."""
        stat = self._path.stat()
        size = min(stat.st_size, self._max_bytes) // PAGE * PAGE
        if size == 0 or (stat.st_ino, size) == self._identity:
            return
        mapped = self._identity[1] if self._identity is not None else 0
        grown = (
            self._identity is not None
            and self._identity[0] == stat.st_ino
            and size > mapped
            and mapped % mmap.ALLOCATIONGRANULARITY == 0
            and len(self._maps) < MAX_SEGMENTS
        )
        start = mapped if grown else 0
        with self._path.open("rb") as file:
            mapping = mmap.mmap(file.fileno(), size - start, access=mmap.ACCESS_READ, offset=start)
            file.seek(start)
            touched = self._warm(file, mapping, size - start)
        if not grown:
            self._release()
        self._maps.append(mapping)
        self._identity = (stat.st_ino, size)
        self.resident_bytes = start + touched

    @property
    def segments(self) -> int:
        """How many mappings hold the file (one, plus one per followed growth)."""
        return len(self._maps)

    def _warm(self, file: BufferedReader, mapping: mmap.mmap, size: int) -> int:
        """Read `size` bytes from the file's position and touch each page of the mapping
        (which starts at that position); the bytes touched."""
        buffer = bytearray(CHUNK)
        view = memoryview(mapping)
        try:
            offset = 0
            while offset < size and not self._stop.is_set():
                # Into the page cache first, GIL released; a short read means the file
                # shrank since it was measured, and nothing past it is touched.
                got = file.readinto(buffer)
                got = min(got or 0, size - offset) // PAGE * PAGE
                if got == 0:
                    break
                sum(view[offset : offset + got : PAGE])  # one byte per page: now mapped
                offset += got
            return offset
        finally:
            view.release()

    def _release(self) -> None:
        for mapping in self._maps:
            with contextlib.suppress(BufferError, ValueError):
                mapping.close()
        self._maps, self._identity, self.resident_bytes = [], None, 0


def resident_file(path: str, max_bytes: int) -> ResidentFile | None:
    """A started keeper for a registry file, or None when it is turned off."""
    if max_bytes <= 0 or not os.path.exists(path):
        return None
    keeper = ResidentFile(path, max_bytes=max_bytes)
    keeper.start()
    return keeper
