"""The audit log's subject index on SQLite, kept off the request path in a file of its own.

Who saw my data? needs the entries of one subject, so the log is indexed by subject hash.
Those hashes are random: in the log's own table every entry wrote a random page of that
index, and with the registry file's 16 KiB pages each such page became a 16 KiB WAL frame
at the commit the request waits for. Measured on this machine kind (batches of 62 rows, a
log of 600,000 entries): 52.7 us of CPU per row with the index, 16.5 without it
(BENCHMARKS.md, "Prefill and lookup on a slowed host, audit subject index").

So on SQLite the index lives in a file beside the registry (`<registry>-audit-subjects`),
and a background thread brings it up to date about once a second (`catch_up`): one
statement reads the entries past the index's watermark from the log (a read, so it never
takes the registry file's write lock that the request path's commits need) and inserts
them sorted. The file is derived data: it holds nothing the log does not, it is written
without fsync, and a missing, stale or foreign file is rebuilt from the log. Searches by
subject read the index for entries up to its watermark and the log itself past it, so an
entry is found the moment it is committed.

PostgreSQL keeps the index in the table (`ix_audit_log_subject_hash`): its writer is not
on the event loop and its indexes are not WAL frames of a shared file.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = "-audit-subjects"
# Entries indexed per transaction: a first catch-up over a long log reads it in chunks
# rather than in one snapshot that would keep the registry's WAL from being reused.
CHUNK = 100_000
# Page cache of the catch-up's connection: the index's pages it writes are random.
CACHE_KIB = 64 * 1024
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS subjects ("
    " subject_hash TEXT NOT NULL, entry_id INTEGER NOT NULL,"
    " PRIMARY KEY (subject_hash, entry_id)) WITHOUT ROWID",
    # One row: the last log entry indexed, and its subject hash (to notice a log that was
    # replaced by another one, whose ids start again).
    "CREATE TABLE IF NOT EXISTS watermark ("
    " one INTEGER PRIMARY KEY CHECK (one = 1), entry_id INTEGER NOT NULL, subject_hash TEXT)",
)


def index_path(log_path: str) -> str:
    """Where the subject index of a SQLite audit log lives."""
    return log_path + SUFFIX


class SubjectIndex:
    """Subject hash -> audit entry ids, for entries up to a watermark."""

    def __init__(self, log_path: str, *, chunk: int = CHUNK) -> None:
        self.log_path = log_path
        self.chunk = chunk
        self.path = index_path(log_path)
        self._lock = threading.Lock()  # one catch-up at a time in this process
        self._conn: sqlite3.Connection | None = None
        self._files: tuple[tuple[int, int] | None, ...] = ()

    def _connection(self) -> sqlite3.Connection:
        """The catch-up's connection, kept from one catch-up to the next with its page cache
        (opening it anew each second, its index pages came from the OS every time: ~65 us
        a row under the prefill benchmark); opened again once either file was replaced or
        removed. Called under `_lock`."""
        if self._conn is not None and self._files == (_file(self.path), _file(self.log_path)):
            return self._conn
        self.close()
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")  # derived data: rebuilt if ever lost
            conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            for statement in _SCHEMA:
                conn.execute(statement)
            uri = Path(self.log_path).resolve().as_uri() + "?mode=ro"
            conn.execute("ATTACH DATABASE ? AS log", (uri,))
        except BaseException:
            conn.close()
            raise
        self._conn, self._files = conn, (_file(self.path), _file(self.log_path))
        return conn

    def close(self) -> None:
        """Close the kept connection (it opens again when needed)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def catch_up(self) -> int:
        """Index the log's entries past the watermark; how many were added.

        Other processes (workers) may run it at the same time: the index's write lock,
        taken before the watermark is read, puts them one after the other.
        """
        added = 0
        with self._lock:
            conn = self._connection()
            try:
                while True:  # a chunk per transaction: no long snapshot of the log
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        more, done = self._catch_up(conn)
                        conn.execute("COMMIT")
                    except BaseException:
                        conn.execute("ROLLBACK")
                        raise
                    added += more
                    if done:
                        break
            except sqlite3.Error:
                self.close()  # start afresh next time
                raise
        return added

    def _catch_up(self, conn: sqlite3.Connection) -> tuple[int, bool]:
        """Index the next chunk of entries: (rows added, whether the index is caught up)."""
        mark = conn.execute("SELECT entry_id, subject_hash FROM watermark").fetchone()
        last, last_hash = (0, None) if mark is None else mark
        if last and not self._same_log(conn, last, last_hash):
            log.warning("the audit log does not match its subject index; rebuilding it")
            conn.execute("DELETE FROM subjects")
            last = 0
        newest = conn.execute("SELECT max(id) FROM log.audit_log").fetchone()[0]
        if newest is None or newest <= last:
            return 0, True
        top = conn.execute(
            "SELECT max(id) FROM log.audit_log WHERE id > ? AND id <= ?",
            (last, last + self.chunk),
        ).fetchone()[0]
        if top is None:  # a gap wider than a chunk (purged entries): jump over it
            top = conn.execute(
                "SELECT min(id) FROM log.audit_log WHERE id > ?", (last,)
            ).fetchone()[0]
        cursor = conn.execute(
            "INSERT INTO subjects (subject_hash, entry_id)"
            " SELECT subject_hash, id FROM log.audit_log"
            " WHERE id > ? AND id <= ? AND subject_hash IS NOT NULL"
            " ORDER BY subject_hash, id",
            (last, top),
        )
        top_hash = conn.execute(
            "SELECT subject_hash FROM log.audit_log WHERE id = ?", (top,)
        ).fetchone()[0]
        conn.execute(
            "INSERT OR REPLACE INTO watermark (one, entry_id, subject_hash) VALUES (1, ?, ?)",
            (top, top_hash),
        )
        return max(cursor.rowcount, 0), top >= newest

    @staticmethod
    def _same_log(conn: sqlite3.Connection, last: int, last_hash: str | None) -> bool:
        row = conn.execute(
            "SELECT subject_hash FROM log.audit_log WHERE id = ?", (last,)
        ).fetchone()
        if row is not None:
            return bool(row[0] == last_hash)
        # The watermark's entry is gone: purged by retention (the log still goes past it)
        # or the log was replaced by a shorter one.
        top = conn.execute("SELECT max(id) FROM log.audit_log").fetchone()[0]
        return top is not None and top > last

    def entries(self, subject_hash: str, below: int | None = None) -> tuple[int, Iterator[int]]:
        """The watermark, and the indexed entry ids of a subject below `below`, newest first.

        Entries past the watermark are not in the index yet: the caller reads them from
        the log. Without an index file yet, the watermark is 0 (read the whole log).
        """
        if not Path(self.path).exists():
            return 0, iter(())
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        try:
            conn.execute("BEGIN")  # one snapshot for the watermark and the ids
            mark = conn.execute("SELECT entry_id FROM watermark").fetchone()
            last = 0 if mark is None else int(mark[0])
            limit = last if below is None else min(last, below - 1)
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT entry_id FROM subjects WHERE subject_hash = ? AND entry_id <= ?"
                    " ORDER BY entry_id DESC",
                    (subject_hash, limit),
                )
            ]
        except sqlite3.OperationalError:  # created but not yet set up by a catch-up
            return 0, iter(())
        finally:
            conn.close()
        return last, iter(ids)

    def forget_before(self, entry_id: int) -> int:
        """Drop index rows of entries older than `entry_id` (after a retention purge)."""
        with self._lock:
            try:
                cursor = self._connection().execute(
                    "DELETE FROM subjects WHERE entry_id < ?", (entry_id,)
                )
            except sqlite3.Error:
                self.close()
                raise
            return max(cursor.rowcount, 0)


def _file(path: str) -> tuple[int, int] | None:
    """A file's identity (device, inode), None when it does not exist."""
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino
