"""Signed checkpoints of the audit chain: its head, position and length, as a JWS.

A checkpoint says "the entry at id P has hash H, and the chain held N entries then",
signed with the service's current key (`Signer.sign_statement`: `iss`, `iat` and the
claims `checkpoint`, `position`, `head`, `count`). Whoever rewrites rows cannot make new
checkpoints without the private key, which is not in the database; `audit_verify` holds
the chain against them. Checkpoints are numbered 1, 2, 3...: a missing number is a
checkpoint removed. Two workers that write one at the same moment race for the same
number; the loser's insert fails on the key and it writes nothing.

Each worker writes one every `audit_checkpoint_seconds` when the chain moved, and after
every `audit_checkpoint_entries` entries it committed itself. A retention purge first
writes one at the last entry it deletes (`seal`), so the chain stays verifiable from there.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from autofill.models import AuditChainHead, AuditCheckpoint, AuditEntry
from autofill.trust.audit_chain import HEAD_ID
from autofill.trust.signing import Signer

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One signed checkpoint."""

    number: int
    position: int
    head_hash: str
    entry_count: int
    at: dt.datetime
    kid: str
    jws: str

    def public(self) -> dict[str, Any]:
        """The API's shape."""
        return {
            "number": self.number,
            "position": self.position,
            "head_hash": self.head_hash,
            "entry_count": self.entry_count,
            "at": self.at.isoformat(),
            "kid": self.kid,
            "jws": self.jws,
        }


def _checkpoint(row: Any) -> Checkpoint:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)
    return Checkpoint(
        row.number, row.position, row.head_hash, row.entry_count, at, row.kid, row.jws
    )


def write_checkpoint(
    conn: Connection, signer: Signer, *, position: int | None = None, retention: bool = False
) -> Checkpoint | None:
    """Sign the chain at `position` (default: its head) in the caller's transaction;
    None when a checkpoint already covers that position. `retention` marks the cut of a
    retention purge (the entries up to it are about to go)."""
    head = conn.execute(select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)).one()
    if position is None or position == head.last_id:
        position, head_hash, count = head.last_id, head.last_hash, head.entry_count
    else:
        head_hash = conn.execute(
            select(AuditEntry.entry_hash).where(AuditEntry.id == position)
        ).scalar_one()
        later = conn.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.id > position)
        ).scalar_one()
        count = head.entry_count - later
    covered = conn.execute(
        select(AuditCheckpoint.number).where(AuditCheckpoint.position == position).limit(1)
    ).first()
    if covered is not None and not retention:
        return None
    last = conn.execute(select(func.max(AuditCheckpoint.number))).scalar() or 0
    number = last + 1
    claims: dict[str, Any] = {
        "checkpoint": number,
        "position": position,
        "head": head_hash,
        "count": count,
    }
    if retention:
        claims["retention"] = True
    token = signer.sign_statement(claims)
    at = dt.datetime.now(dt.UTC)
    values = {
        "number": number,
        "position": position,
        "head_hash": head_hash,
        "entry_count": count,
        "at": at,
        "kid": signer.kid,
        "jws": token,
    }
    conn.execute(insert(AuditCheckpoint).values(**values))
    return Checkpoint(**values)


def checkpoint_now(engine: Engine, signer: Signer) -> Checkpoint | None:
    """Sign the chain's head now; None when it is already covered (or another worker
    wrote the same checkpoint number first)."""
    try:
        with engine.begin() as conn:
            return write_checkpoint(conn, signer)
    except IntegrityError:
        return None


def list_checkpoints(
    engine: Engine, *, limit: int = 100, before: int | None = None
) -> list[Checkpoint]:
    """Checkpoints newest first."""
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.number.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditCheckpoint.number < before)
    with engine.connect() as conn:
        return [_checkpoint(row) for row in conn.execute(query)]


def all_checkpoints(conn: Connection) -> list[Checkpoint]:
    """Every checkpoint, oldest first."""
    rows = conn.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.number))
    return [_checkpoint(row) for row in rows]


class Checkpointer:
    """A worker's background checkpoints: on a timer, and after its own entries pile up."""

    def __init__(self, engine: Engine, signer: Signer, *, seconds: float, entries: int) -> None:
        self._engine = engine
        self._signer = signer
        self._seconds = seconds
        self._entries = entries
        self._pending = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def note(self, written: int) -> None:
        """Called after each audit batch this worker committed."""
        self._pending += written
        if self._pending >= self._entries:
            self._wake.set()

    def seal(self, conn: Connection, position: int) -> None:
        """Sign the chain at a retention cut, in the purge's transaction."""
        write_checkpoint(conn, self._signer, position=position, retention=True)

    def start(self) -> None:
        """Start the background task on the running loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="audit-checkpoints")

    async def close(self) -> None:
        """Stop the task."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._seconds)
            self._wake.clear()
            self._pending = 0
            try:
                await asyncio.to_thread(checkpoint_now, self._engine, self._signer)
            except Exception as exc:  # the task must outlive a bad round: the next one retries
                log.warning("audit checkpoint not written: %s", type(exc).__name__)
