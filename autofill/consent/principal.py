"""The consent-token principal: a portal acting under one citizen's consent.

A second kind of caller at the one authorisation point (`trust.authz`), beside API keys.
Its `binding` names the citizen, form, version, purpose and enterprise of the consent; its
`refusal` allows prefill (and the submission check) of that form only, for that purpose
and version, about that citizen, and about that enterprise only while the registry says
the citizen is one of its legal representatives, an owner, or the household business's
owner (read at the time of the request). `ConsentTokens` is the `TokenStore` that turns an
access token into this principal, on the `Authenticator`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from autofill.consent.grants import Grants
from autofill.errors import Forbidden
from autofill.trust.access import Binding
from autofill.trust.authz import Action, Ask
from registries.kinds import BUSINESS, CITIZEN
from registries.service import RegistryService

ALLOWED = (Action.PREFILL, Action.VERIFY_SUBMISSION, Action.READ_FORMS)


def represents(record: Mapping[str, Any], personal_id: str) -> bool:
    """Whether the person is a legal representative, an owner, or the household business's
    owner of the business record."""
    for person in record.get("legal_representatives") or []:
        if isinstance(person, dict) and person.get("personal_id") == personal_id:
            return True
    for owner in record.get("owners") or []:
        if (
            isinstance(owner, dict)
            and owner.get("kind") == "person"
            and owner.get("id") == personal_id
        ):
            return True
    household = record.get("legal_form") == "household_business"
    return household and record.get("enterprise_code") == personal_id


async def citizen_represents(
    registry: RegistryService, enterprise_code: str, personal_id: str
) -> bool:
    """Whether the registry, now, names the citizen as acting for the business."""
    doc = await registry.find_doc(BUSINESS.name, enterprise_code)
    return doc is not None and represents(orjson.loads(doc), personal_id)


@dataclass(frozen=True, slots=True)
class ConsentPrincipal:
    """A client (portal) holding a live access token."""

    key_id: str  # the client id
    name: str  # the client's (portal's) name
    binding: Binding
    registry: RegistryService
    rate_limit_per_minute: int | None = None

    @property
    def is_operator(self) -> bool:
        """A consent token carries one citizen's requests: never an operator."""
        return False

    async def refusal(self, ask: Ask) -> Forbidden | None:
        """Outside the consent: another action, form, version, purpose, person, business."""
        bound = self.binding
        if ask.action not in ALLOWED:
            return Forbidden("an access token only prefills the form its consent names")
        other_form = ask.form_id is not None and ask.form_id != bound.form_id
        if other_form and ask.action is not Action.READ_FORMS:
            return Forbidden(f"this access token's consent is for form '{bound.form_id}'")
        if ask.version is not None and ask.version != bound.form_version:
            return Forbidden(f"this access token's consent is for version {bound.form_version}")
        if ask.purpose is not None and ask.purpose != bound.purpose:
            return Forbidden("the purpose differs from the one the citizen consented to")
        for name, identifier in ask.subjects.items():
            registry = ask.registries.get(name, CITIZEN.name)
            if registry == CITIZEN.name and identifier != bound.personal_id:
                return Forbidden(f"subject '{name}': the consent covers only its own citizen")
            if registry == BUSINESS.name:
                if identifier != bound.enterprise_code:
                    return Forbidden(f"subject '{name}': the consent names another enterprise")
                if not await citizen_represents(self.registry, identifier, bound.personal_id):
                    return Forbidden(
                        f"subject '{name}': the citizen does not act for this enterprise"
                    )
        return None


class ConsentTokens:
    """The `TokenStore` of access tokens: a live token → its `ConsentPrincipal`."""

    def __init__(self, grants: Grants, registry: RegistryService) -> None:
        self.grants = grants
        self.registry = registry

    def claims(self, token: str) -> bool:
        """Access tokens are compact JWS; API keys never are."""
        return self.grants.looks_like_token(token)

    async def resolve(self, token: str) -> ConsentPrincipal | None:
        """The principal of a live token, or None (401)."""
        live = await self.grants.resolve(token)
        if live is None:
            return None
        binding = Binding(
            consent_id=live.consent_id,
            personal_id=live.personal_id,
            enterprise_code=live.enterprise_code,
            form_id=live.form_id,
            form_version=live.form_version,
            purpose=live.purpose,
        )
        return ConsentPrincipal(live.client_id, live.client_name, binding, self.registry)
