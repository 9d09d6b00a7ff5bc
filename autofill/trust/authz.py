"""The one authorisation point: a principal asks for an action on a resource, and gets a
`Grant` or a typed refusal (`Forbidden` 403, `RateLimited` 429).

Everything that decides whether a request may go on is here, in this order: what the
principal itself allows (`Principal.refusal`: a key's scopes and form list; a consent
token's citizen, form and purpose), then the principal's budget (`RateLimiter`). The
caller's network address and request id are passed in explicitly and travel on the grant
to the release service, which writes them into the audit.

Prefill is decided before its body is read (scope, form, budget), and the engine asks the
same principal again once the subjects are known (`Authorizer.check`, no budget charged):
a key ignores subjects, a consent token refuses another person's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from autofill.trust.access import Principal
from autofill.trust.limits import RateLimiter


class Action(StrEnum):
    """What a principal may ask to do; each names the key scope it needs."""

    READ_RECORD = "read_record"
    LIST_REGISTRY = "list_registry"  # listings and name search
    EDIT_RECORD = "edit_record"
    PREFILL = "prefill"
    VERIFY_SUBMISSION = "verify_submission"
    READ_FORMS = "read_forms"
    REGISTER_FORM = "register_form"
    READ_AUDIT = "read_audit"
    ADMIN = "admin"

    @property
    def scope(self) -> str | None:
        """The key scope this action needs; None: any authenticated caller."""
        return _SCOPE[self]

    @property
    def form_bound(self) -> bool:
        """Whether a key's form list limits this action."""
        return self in (Action.PREFILL, Action.VERIFY_SUBMISSION)


_SCOPE: dict[Action, str | None] = {
    Action.READ_RECORD: "registry:read",
    Action.LIST_REGISTRY: "registry:read",
    Action.EDIT_RECORD: "registry:write",
    Action.PREFILL: "prefill",
    Action.VERIFY_SUBMISSION: "prefill",
    Action.READ_FORMS: None,
    Action.REGISTER_FORM: "forms:write",
    Action.READ_AUDIT: "audit:read",
    Action.ADMIN: "admin",
}


@dataclass(frozen=True, slots=True)
class Ask:
    """An action on a resource: a form, a registry, and the subjects it concerns."""

    action: Action
    form_id: str | None = None
    registry: str | None = None
    # Subject name -> identifier as sent (prefill), once known, and each one's registry.
    subjects: Mapping[str, str] = field(default_factory=dict)
    registries: Mapping[str, str] = field(default_factory=dict)
    # The purpose the request states and the form version it uses, once known (prefill).
    purpose: str | None = None
    version: int | None = None


@dataclass(frozen=True, slots=True)
class Grant:
    """A decision to let `principal` do `ask`; what the release service audits with."""

    principal: Principal
    ask: Ask
    client: str | None
    request_id: str


# X-Request-ID is stored in the audit: a safe shape only, and no run of digits that could
# be a personal ID or tax code (a caller must not be able to write raw IDs into the log).
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
DIGIT_RUN = re.compile(r"\d{9,}")


def safe_request_id(sent: str | None) -> str:
    """The caller's request id when it is safe to store, else a fresh one."""
    if sent and SAFE_REQUEST_ID.match(sent) and not DIGIT_RUN.search(sent):
        return sent
    return os.urandom(16).hex()


class Authorizer:
    """Decides asks: the principal's own rules, then its budget."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def decide(
        self, principal: Principal, ask: Ask, *, client: str | None, request_id: str
    ) -> Grant:
        """A grant for this ask; raises `Forbidden` or `RateLimited` otherwise."""
        await self.check(principal, ask)
        await self.limiter.admit(principal)
        return Grant(principal, ask, client, request_id)

    @staticmethod
    async def check(principal: Principal, ask: Ask) -> None:
        """The principal's own rules only (no budget): raises `Forbidden` on refusal."""
        refusal = await principal.refusal(ask)
        if refusal is not None:
            raise refusal

    @staticmethod
    async def permits(principal: Principal, ask: Ask) -> bool:
        """Whether the principal's own rules allow the ask (no budget, no error)."""
        return await principal.refusal(ask) is None
