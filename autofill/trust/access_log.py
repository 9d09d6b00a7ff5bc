"""A citizen's own view of the audit log: every release of their data, newest first.

Estonia's Data Tracker is the model: who received which of my data, when, for which form,
and why. The entries are the audit log's own, read under the citizen's keyed subject hash
(`autofill.trust.hashing`), so they include the releases where the citizen was a chained
subject (named as a representative or owner inside a business record, audited as
themselves). Only what concerns the citizen is shown: no other subject's hash, no
caller's network address, no request id. Each entry says its kind:

* `consent`: a portal prefilled a form under the citizen's consent (an OAuth token);
* `assisted`: an officer's API key prefilled a form with the citizen in front of them;
* `registry_read`: an API key read, listed, searched or edited the registry record.

"Who" is the key's or the portal's name, resolved when the log is read (a revoked key
keeps its name).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from autofill.models import ApiKey
from autofill.trust.audit import PREFILL, AuditFilter, AuditLog
from forms.vocabulary import vocabulary

CONSENT, ASSISTED, REGISTRY_READ = "consent", "assisted", "registry_read"
KINDS = (CONSENT, ASSISTED, REGISTRY_READ)
WHOLE_RECORD = "Toàn bộ hồ sơ"
_INDEX = re.compile(r"\[\d*\]")

# key id -> name, for the ids the log holds (a callable reads them in bulk).
NameSource = Callable[[set[str]], Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class DataItem:
    """One piece of the citizen's data that was released: its path and its label."""

    registry: str
    path: str
    label: str


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One release of the citizen's data, as the citizen sees it."""

    id: int
    at: dt.datetime
    kind: str  # consent | assisted | registry_read
    action: str  # prefill | lookup | listing | search | edit
    who: str  # the key's or the portal's name
    who_id: str  # the key id or the OAuth client id
    form_id: str | None
    form_version: int | None
    purpose: str | None
    registry: str | None
    data: tuple[DataItem, ...]
    # Released as someone named inside a business record (representative, owner).
    via_business: bool
    consent_id: str | None


def label_of(registry: str | None, path: str) -> str:
    """The Vietnamese label of an attribute path as the audit stores it."""
    if path == "*":
        return WHOLE_RECORD
    if registry is None:
        return path
    try:
        attributes = vocabulary(registry)
    except (KeyError, ValueError):
        return path
    found = attributes.get(_INDEX.sub("", path))
    return found.label if found is not None else path


def kind_of(entry: Mapping[str, Any]) -> str:
    """Consent (a token under a consent), assisted (a key's prefill) or a registry read."""
    if entry.get("consent_id"):
        return CONSENT
    return ASSISTED if entry["action"] == PREFILL else REGISTRY_READ


class AccessLog:
    """Reads one subject's releases, newest first, a keyset page at a time."""

    def __init__(
        self,
        audit: AuditLog,
        engine: Engine,
        *,
        fixed_names: Mapping[str, str] | None = None,
        citizen_registry: str = "citizen",
    ) -> None:
        self._audit = audit
        self._engine = engine
        self._fixed = dict(fixed_names or {})
        self._citizen_registry = citizen_registry
        # Other name sources (the OAuth clients' names), consulted after the API keys.
        self.name_sources: list[NameSource] = [self._key_names]

    def page(
        self, subject_hash: str, *, limit: int = 50, before_id: int | None = None
    ) -> tuple[list[AccessEntry], int | None]:
        """The subject's entries older than `before_id`, newest first, and the id to pass
        as `before_id` for the next page (None on the last one)."""
        where = AuditFilter(subject_hash=subject_hash, limit=limit, before_id=before_id)
        rows, _ = self._audit.search_entries(where)
        # Only entries under this very subject (the query already says so: kept explicit).
        rows = [row for row in rows if row["subject_hash"] == subject_hash]
        names = self.names({row["key_id"] for row in rows})
        entries = [self._entry(row, names) for row in rows]
        more = entries[-1].id if len(rows) == limit and entries else None
        return entries, more

    def names(self, key_ids: set[str]) -> dict[str, str]:
        """The display names of keys and clients, by id."""
        out = {k: self._fixed[k] for k in key_ids if k in self._fixed}
        for source in self.name_sources:
            missing = key_ids - out.keys()
            if not missing:
                break
            out.update(source(missing))
        return out

    def _key_names(self, key_ids: set[str]) -> Mapping[str, str]:
        with self._engine.connect() as conn:
            found = conn.execute(select(ApiKey.id, ApiKey.name).where(ApiKey.id.in_(key_ids)))
            return {row.id: row.name for row in found}

    def _entry(self, row: Mapping[str, Any], names: Mapping[str, str]) -> AccessEntry:
        registry = row["registry"]
        at = dt.datetime.fromisoformat(row["at"]) if isinstance(row["at"], str) else row["at"]
        return AccessEntry(
            id=row["id"],
            at=at,
            kind=kind_of(row),
            action=row["action"],
            who=names.get(row["key_id"], row["key_id"]),
            who_id=row["key_id"],
            form_id=row["form_id"],
            form_version=row["form_version"],
            purpose=row["purpose"],
            registry=registry,
            data=tuple(_items(registry, row["attributes"])),
            via_business=registry is not None and registry != self._citizen_registry,
            consent_id=row.get("consent_id"),
        )


def _items(registry: str | None, paths: Iterable[str]) -> list[DataItem]:
    return [DataItem(registry or "", path, label_of(registry, path)) for path in paths]
