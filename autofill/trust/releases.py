"""The release service: the one way personal data leaves the service.

Every route that sends registry data, and the prefill engine, call it with a `Grant` (who
asked, from where, under which request id) and say, in trust's own terms, whose data goes
out (registry and identifier), which attributes, and why. It feeds the enumeration watch,
charges the caller's budget for every record beyond the first, commits the audit entries
before the data is returned, and, for prefill, issues the submission token. It takes no
HTTP request and knows nothing of prefill's types: prefill calls trust, never the reverse.

Everyone whose data leaves gets an entry under their own subject: the people named inside
a business record (legal representatives, owners) as well as the business itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from autofill.trust.access import Principal
from autofill.trust.audit import (
    EDIT,
    ENUMERATION,
    LISTING,
    LOOKUP,
    PREFILL,
    SEARCH,
    AuditLog,
    Disclosed,
    Release,
)
from autofill.trust.authz import Action, Ask, Authorizer, Grant
from autofill.trust.enumeration import EnumerationWatch
from autofill.trust.limits import RateLimiter
from autofill.trust.submission import SubmissionSigner
from registries.errors import RecordNotFound
from registries.service import RegistryService

log = logging.getLogger(__name__)

KEY_FIELD = {"citizen": "personal_id", "business": "enterprise_code"}
# Parts of a business record that name people (or enterprises), and their id member.
PEOPLE = {"legal_representatives": "personal_id", "owners": "id"}


@dataclass(frozen=True, slots=True)
class IssuedSubmission:
    """The submission token of a prefill, as the answer carries it."""

    token: str
    expires_at: str  # ISO 8601
    locked_fields: list[str]


def people_inside(record: Mapping[str, Any], attributes: Iterable[str]) -> list[Disclosed]:
    """Who is named in the released parts of a business record, each with those parts."""
    found: dict[str, set[str]] = {}
    for attribute in attributes:
        head = attribute.split(".", 1)[0]
        part, _, index = head.partition("[")
        parts = list(PEOPLE) if attribute == "*" else [part] if part in PEOPLE else []
        for name in parts:
            items = record.get(name) or []
            if index and attribute != "*":
                position = index.rstrip("]")
                items = items[int(position) : int(position) + 1] if position.isdigit() else []
            for item in items:
                identifier = item.get(PEOPLE[name]) if isinstance(item, dict) else None
                if isinstance(identifier, str) and identifier:
                    found.setdefault(identifier, set()).add(name if attribute == "*" else attribute)
    # The data comes from the business registry: its paths are the attributes.
    return [Disclosed("business", who, sorted(parts)) for who, parts in found.items()]


def _with_people(data: Iterable[Disclosed]) -> list[Disclosed]:
    out = []
    for item in data:
        out.append(item)
        if item.record is not None and item.registry == "business":
            out.extend(people_inside(item.record, item.attributes))
    return out


class ReleaseService:
    """Releases and audits personal data for granted requests."""

    def __init__(
        self,
        registry: RegistryService,
        audit: AuditLog,
        watch: EnumerationWatch,
        limiter: RateLimiter,
        signer: SubmissionSigner,
    ) -> None:
        self.registry = registry
        self.audit = audit
        self.watch = watch
        self.limiter = limiter
        self.signer = signer
        # The last token expiry and its text: the tokens of one second share it.
        self._expiry: tuple[int, str] = (0, "")

    async def _commit(
        self,
        grant: Grant,
        action: str,
        data: Iterable[Disclosed],
        *,
        hashed: Mapping[str, str] | None = None,
        **about: Any,
    ) -> None:
        binding = grant.principal.binding
        release = Release(
            grant.principal,
            action,
            _with_people(data),
            request_id=grant.request_id,
            client=grant.client,
            consent_id=binding.consent_id if binding is not None else None,
            **about,
        )
        if release.data:
            await self.audit.record(release, hashed=hashed)

    async def read_record(self, grant: Grant, registry: str, identifier: str) -> bytes:
        """A record's stored document, audited before it is returned."""
        try:
            doc = await self.registry.get_doc(registry, identifier)
        except RecordNotFound:
            await self.note_lookup(grant.principal, registry, identifier, found=False)
            raise
        await self.note_lookup(grant.principal, registry, identifier, found=True)
        record = orjson.loads(doc) if registry == "business" else None
        await self._commit(grant, LOOKUP, [Disclosed(registry, identifier, ["*"], record)])
        return doc

    async def release_page(self, grant: Grant, registry: str, docs: Sequence[bytes]) -> None:
        """Audit a listing page before it is sent; it costs one budget unit a record."""
        if not docs:
            return
        await self._bulk(grant, registry, len(docs))
        key = KEY_FIELD[registry]
        records = [orjson.loads(doc) for doc in docs]
        await self._commit(
            grant,
            LISTING,
            [Disclosed(registry, r[key], ["*"], r) for r in records],
        )

    async def release_results(
        self, grant: Grant, registry: str, items: Sequence[Mapping[str, Any]]
    ) -> None:
        """Audit ranked search candidates (each names a person or business) before they go."""
        if not items:
            return
        await self._bulk(grant, registry, len(items))
        key = KEY_FIELD[registry]
        data = [
            Disclosed(registry, item[key], [a for a in item if a not in {"score", "matched"}])
            for item in items
        ]
        await self._commit(grant, SEARCH, data)

    async def release_edit(self, grant: Grant, registry: str, identifier: str, doc: bytes) -> bool:
        """Audit the stored record after an edit when the caller may read it; whether it may."""
        if not await Authorizer.permits(
            grant.principal, Ask(Action.READ_RECORD, registry=registry)
        ):
            return False
        record = orjson.loads(doc) if registry == "business" else None
        await self._commit(grant, EDIT, [Disclosed(registry, identifier, ["*"], record)])
        return True

    async def release_prefill(
        self,
        grant: Grant,
        *,
        form_id: str,
        form_version: int,
        purpose: str,
        data: Sequence[Disclosed],
        roots: Mapping[str, str],
        locked: Mapping[str, Any],
    ) -> IssuedSubmission:
        """Audit a prefill (every subject found, with what of theirs is released) and issue
        its submission token, bound to the root subjects (`roots`: name -> identifier)."""
        for item in data:
            if item.identifier in roots.values():
                await self.note_lookup(grant.principal, item.registry, item.identifier, found=True)
        # Each subject hashed once, for the audit entry and the token alike.
        hashed = {item.identifier: self.audit.hasher.hash(item.identifier) for item in data}
        for identifier in roots.values():
            hashed.setdefault(identifier, self.audit.hasher.hash(identifier))
        await self._commit(
            grant,
            PREFILL,
            data,
            hashed=hashed,
            form_id=form_id,
            form_version=form_version,
            purpose=purpose,
        )
        token = self.signer.issue(
            key_id=grant.principal.key_id,
            form_id=form_id,
            form_version=form_version,
            subjects={name: hashed[identifier] for name, identifier in roots.items()},
            locked=locked,
        )
        if self._expiry[0] != token.expires_at:
            text = dt.datetime.fromtimestamp(token.expires_at, dt.UTC).isoformat()
            self._expiry = (token.expires_at, text)
        return IssuedSubmission(token.token, self._expiry[1], sorted(locked))

    async def note_misses(self, grant: Grant, misses: Iterable[tuple[str, str]]) -> None:
        """Tell the enumeration watch which (registry, identifier) named no record."""
        for registry, identifier in misses:
            await self.note_lookup(grant.principal, registry, identifier, found=False)

    async def note_lookup(
        self, principal: Principal, registry: str, identifier: str, *, found: bool
    ) -> None:
        """Feed the enumeration watch; throttle and audit a key that trips it."""
        reason = self.watch.observe(principal.key_id, registry, identifier, found=found)
        if reason is not None:
            await self._flag(principal, reason, registry)

    async def _bulk(self, grant: Grant, registry: str, records: int) -> None:
        # The request itself was counted when it was granted; each further record counts.
        await self.limiter.charge(grant.principal, records - 1)
        reason = self.watch.observe_listing(grant.principal.key_id, registry, records)
        if reason is not None:
            await self._flag(grant.principal, reason, registry)

    async def _flag(self, principal: Principal, reason: str, registry: str) -> None:
        log.warning("key %s flagged for enumeration: %s", principal.key_id, reason)
        if not principal.is_operator:
            # Operators' admin keys are flagged in the audit but never locked out.
            await self.limiter.flag(principal.key_id, self.watch.penalty)
        await self.audit.record_event(principal, ENUMERATION, reason, registry=registry)
