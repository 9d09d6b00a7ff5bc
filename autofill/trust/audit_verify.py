"""`audit verify`: walk the hash chain and the signed checkpoints, name what was tampered with.

It needs nothing but the database: the public keys that signed the checkpoints are in it
(`signing_keys`), so an auditor runs it on a copy. What it finds, in log order:

* **changed** — an entry no longer matches its own hash (its fields, or its id: an entry
  moved to another place is "changed" at the first id that moved); or the chain at a
  checkpoint's position differs from what the checkpoint signed (rows rewritten with their
  hashes recomputed);
* **removed** — ids missing with the link across them broken, or the log's first entry
  follows neither the start of the chain nor a signed checkpoint (retention cuts only at
  one);
* **inserted** — an entry without hashes, or one whose link does not follow its predecessor;
* **cut** — the log ends before the last checkpoint's position;
* **checkpoint** — a checkpoint whose signature does not verify against its key, whose key
  is unknown, whose stored columns differ from what it signed, or a missing number.

What it cannot see: entries cut off (or appended with recomputed hashes) after the last
checkpoint, when the head row was made to agree (docs/signing-and-audit.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson
from joserfc import jws
from joserfc.jwk import ECKey
from sqlalchemy import Engine, func, select, type_coerce
from sqlalchemy.types import NullType

from autofill.models import AuditChainHead, AuditEntry
from autofill.trust.audit_chain import GENESIS, HEAD_ID, entry_hash
from autofill.trust.audit_writers import COLUMNS
from autofill.trust.checkpoints import Checkpoint, all_checkpoints
from autofill.trust.signing_keys import ALG, list_keys

PAGE = 5000
MAX_FINDINGS = 100


class Signed(NamedTuple):
    """What a verified checkpoint says about the chain at its position."""

    number: int
    head: str
    retention: bool  # written by a retention purge at its cut


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong with the log."""

    kind: str  # changed | removed | inserted | cut | checkpoint
    detail: str
    entry_id: int | None = None
    checkpoint: int | None = None


@dataclass
class VerifyReport:
    """What a verification walked and found."""

    entries: int = 0
    checkpoints: int = 0
    first_id: int | None = None
    last_id: int | None = None
    covered_to: int | None = None  # the last checkpoint's position
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    def public(self) -> dict[str, Any]:
        """The API's shape."""
        return {
            "ok": self.ok,
            "entries": self.entries,
            "checkpoints": self.checkpoints,
            "first_id": self.first_id,
            "last_id": self.last_id,
            "covered_to": self.covered_to,
            "findings": [
                {
                    "kind": f.kind,
                    "entry_id": f.entry_id,
                    "checkpoint": f.checkpoint,
                    "detail": f.detail,
                }
                for f in self.findings
            ],
        }


def _check_signatures(
    engine: Engine, checkpoints: list[Checkpoint], report: VerifyReport, exported: list[str]
) -> dict[int, Signed]:
    """What the checkpoints (stored and exported) signed, by position; each one that does
    not verify, or whose stored columns differ from its claims, is a finding."""
    keys = {k.kid: ECKey.import_key(k.jwk) for k in list_keys(engine)}
    signed: dict[int, Signed] = {}
    stored = {cp.number for cp in checkpoints}
    for token in exported:
        claims, kid, problem = _claims(token, keys)
        if claims is None:
            report.findings.append(Finding("checkpoint", f"an exported checkpoint: {problem}"))
            continue
        signed[claims["position"]] = _signed(claims)
        if claims["checkpoint"] not in stored:
            number = claims["checkpoint"]
            report.findings.append(
                Finding("checkpoint", f"exported checkpoint {number} is missing here", None, number)
            )
    for expected, cp in enumerate(checkpoints, start=1):
        if cp.number != expected and not any(f.kind == "checkpoint" for f in report.findings):
            report.findings.append(
                Finding("checkpoint", f"checkpoint {expected} is missing", None, expected)
            )
        claims, kid, problem = _claims(cp.jws, keys)
        if claims is None:
            report.findings.append(Finding("checkpoint", problem, None, cp.number))
            continue
        stated = (claims["checkpoint"], claims["position"], claims["head"], kid)
        if stated != (cp.number, cp.position, cp.head_hash, cp.kid):
            report.findings.append(
                Finding(
                    "checkpoint", "its stored columns differ from what it signed", None, cp.number
                )
            )
        signed[claims["position"]] = _signed(claims)
    return signed


def _signed(claims: dict[str, Any]) -> Signed:
    return Signed(claims["checkpoint"], claims["head"], claims.get("retention") is True)


def _claims(token: str, keys: dict[str, ECKey]) -> tuple[dict[str, Any] | None, str, str]:
    """A checkpoint JWS's claims and kid, when one of the keys signed it; else None, and
    what is wrong with it."""
    try:
        kid = str(jws.extract_compact(token.encode()).headers().get("kid"))
    except Exception:  # joserfc raises several kinds for a malformed token
        return None, "", "it is not a compact JWS"
    key = keys.get(kid)
    if key is None:
        return None, kid, f"signed by unknown key {kid}"
    try:
        claims = orjson.loads(jws.deserialize_compact(token, key, algorithms=[ALG]).payload)
    except Exception:  # ... and for a signature that does not verify
        return None, kid, "its signature does not verify"
    wanted = {"checkpoint": int, "position": int, "head": str}
    if not isinstance(claims, dict) or not all(
        isinstance(claims.get(name), kind) for name, kind in wanted.items()
    ):
        return None, kid, "its claims are not a checkpoint's"
    return claims, kid, ""


def verify_log(
    engine: Engine,
    *,
    progress: Callable[[int], None] | None = None,
    exported: list[str] | None = None,
) -> VerifyReport:
    """Walk the whole log and every checkpoint (see the module's docstring); `exported`
    are checkpoint JWS kept elsewhere, held against the log like its own."""
    report = VerifyReport()
    with engine.connect() as conn:
        checkpoints = all_checkpoints(conn)
        head = conn.execute(select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)).first()
    report.checkpoints = len(checkpoints)
    signed = _check_signatures(engine, checkpoints, report, exported or [])
    report.covered_to = max(signed, default=None)
    table = AuditEntry.__table__
    # Values as stored, without SQLAlchemy's conversions: a row edited by hand into another
    # form (a time in another format, a boolean column holding 2) must not be read back
    # as the value it replaced.
    raw = [type_coerce(table.c[n], NullType()).label(n) for n in COLUMNS]
    columns = [table.c.id, table.c.prev_hash, table.c.entry_hash, *raw]
    prev_id: int | None = None
    prev_hash: str | None = None
    with engine.connect() as conn:
        while True:
            query = select(*columns).order_by(table.c.id).limit(PAGE)
            if prev_id is not None:
                query = query.where(table.c.id > prev_id)
            rows = conn.execute(query).all()
            if not rows:
                break
            for row in rows:
                _check_entry(row._mapping, prev_id, prev_hash, signed, report)
                prev_id = row.id
                prev_hash = row.entry_hash or prev_hash
            report.entries += len(rows)
            if progress is not None:
                progress(len(rows))
            if len(report.findings) >= MAX_FINDINGS:
                break
    report.last_id = prev_id
    _check_tail(report, signed, head)
    return report


def _check_entry(
    row: Any,
    prev_id: int | None,
    prev_hash: str | None,
    signed: dict[int, Signed],
    report: VerifyReport,
) -> None:
    entry_id, stored_prev, stored = row["id"], row["prev_hash"], row["entry_hash"]
    found = report.findings.append
    if prev_id is None:
        report.first_id = entry_id
        after_cut = any(c.head == stored_prev and p < entry_id for p, c in signed.items())
        if stored_prev not in (GENESIS, None) and not after_cut:
            found(
                Finding(
                    "removed",
                    f"entries before id {entry_id} are missing: it follows "
                    "neither the start of the chain nor a signed checkpoint",
                    entry_id,
                )
            )
    if stored is None or stored_prev is None:
        found(
            Finding(
                "inserted",
                f"id {entry_id} carries no hash: it was not written by the service",
                entry_id,
            )
        )
        return
    fields = {name: row[name] for name in COLUMNS}
    if type(fields["flagged"]) is int and fields["flagged"] in (0, 1):
        fields["flagged"] = bool(fields["flagged"])  # SQLite's storage of a boolean
    try:
        recomputed = entry_hash(entry_id, stored_prev, fields)
    except (ValueError, TypeError):  # a time that is no time: not what the service wrote
        recomputed = None
    if recomputed != stored:
        found(
            Finding(
                "changed",
                f"id {entry_id} does not match its hash: changed, or moved from another id",
                entry_id,
            )
        )
    elif prev_hash is not None and stored_prev != prev_hash:
        assert prev_id is not None
        if entry_id > prev_id + 1:
            found(
                Finding(
                    "removed",
                    f"ids {prev_id + 1}..{entry_id - 1} were removed (the "
                    f"link from id {prev_id} to id {entry_id} is broken)",
                    prev_id + 1,
                )
            )
        else:
            found(
                Finding(
                    "inserted",
                    f"id {entry_id} does not follow id {prev_id}: one was "
                    "inserted or rewritten with its hash, or entries between them removed",
                    entry_id,
                )
            )
    checkpoint = signed.get(entry_id)
    if checkpoint is not None and checkpoint.head != stored:
        found(
            Finding(
                "changed",
                f"the chain at id {entry_id} differs from signed checkpoint "
                f"{checkpoint.number}: entries up to id {entry_id} were rewritten",
                entry_id,
                checkpoint.number,
            )
        )


def _check_tail(report: VerifyReport, signed: dict[int, Signed], head: Any) -> None:
    last = report.last_id or 0
    newest = signed.get(report.covered_to) if report.covered_to is not None else None
    if report.last_id is None and newest is not None and newest.retention:
        # Retention removed every entry, and signed where it cut: nothing is missing,
        # unless the head moved on past that cut.
        if head is not None and head.last_id > (report.covered_to or 0):
            report.findings.append(
                Finding("cut", f"the log is empty, but the chain head records id {head.last_id}")
            )
        return
    if report.covered_to is not None and report.covered_to > last:
        number = signed[report.covered_to].number
        report.findings.append(
            Finding(
                "cut",
                f"the log ends at id {last}, but checkpoint {number} signed id "
                f"{report.covered_to}: the entries after id {last} were cut off",
                last + 1,
                number,
            )
        )
    elif head is not None and head.last_id > last:
        report.findings.append(
            Finding(
                "cut",
                f"the log ends at id {last}, but the chain head records id "
                f"{head.last_id}: entries after the last checkpoint were cut off",
                last + 1,
            )
        )


def count_entries(engine: Engine) -> int:
    """How many entries a walk will read (for a progress bar)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one())
