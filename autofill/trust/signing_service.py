"""The signing service of one app: the signer, its key poll, and the audit checkpoints.

Opened once at start, after the audit log, and closed before it. `signer` is None on a
shared database without a configured key (nothing is signed, no checkpoints are written:
see `signing.signing_config`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine

from autofill.config import Settings
from autofill.trust.audit import AuditLog
from autofill.trust.checkpoints import Checkpointer
from autofill.trust.signing import Signer, open_signer, signing_config

log = logging.getLogger(__name__)


@dataclass
class Signing:
    """The app's signer and the background work that keeps it and the checkpoints going."""

    signer: Signer | None
    checkpointer: Checkpointer | None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def open(cls, settings: Settings, engine: Engine, audit: AuditLog | None) -> Signing:
        """Load or make the signing key, start the key poll and the checkpoints (on the
        running loop), and give the audit log its checkpoint hooks.

        Synchronous on purpose: nothing else may run on the loop between the audit log's
        start and the seal being attached here (its retention purge signs its cut).
        """
        config = signing_config(settings)
        if config is None:
            log.warning(
                "no signing key configured (AUTOFILL_SIGNING_KEYS_DIR, _KEY_FILE or _KEY): "
                "answers cannot be signed and the audit log gets no checkpoints"
            )
            return cls(None, None)
        signer = open_signer(config, engine)
        checkpointer = Checkpointer(
            engine,
            signer,
            seconds=settings.audit_checkpoint_seconds,
            entries=settings.audit_checkpoint_entries,
        )
        if audit is not None:
            audit.on_commit.append(checkpointer.note)
            audit.seal = checkpointer.seal
        checkpointer.start()
        poll = _follow_rotations(signer, engine, settings.signing_poll_seconds)
        return cls(signer, checkpointer, [asyncio.create_task(poll, name="signing-keys")])

    async def close(self) -> None:
        """Stop the key poll and the checkpoints."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self.checkpointer is not None:
            await self.checkpointer.close()


async def _follow_rotations(signer: Signer, engine: Engine, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(signer.refresh, engine)
        except Exception as exc:  # the database may be down for a while; the next poll retries
            log.warning("signing keys not refreshed: %s", type(exc).__name__)
