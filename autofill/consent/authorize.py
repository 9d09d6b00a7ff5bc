"""The authorization request (RFC 6749 §4.1.1, RFC 7636, RFC 9396), checked.

What cannot be trusted to come from the client — an unknown client, a redirect URI it did
not register (matched exactly) — is shown to the user and never redirected to
(`AuthorizeError.redirect` False). Everything else is sent back to the client's redirect
URI as an RFC 6749 error with the request's `state`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy import Engine

from autofill.consent.clients import ClientInfo, find_client
from autofill.consent.details import (
    DetailsError,
    FormScope,
    PrefillDetail,
    check_against_form,
    form_scope,
    parse_details,
)
from autofill.consent.grants import CHALLENGE
from forms.errors import FormError
from forms.service import FormStore

SCOPES = {"prefill", "openid"}
MAX_STATE = 500


class AuthorizeError(Exception):
    """An authorization request that cannot go on: `error` (RFC 6749 code), a description,
    and whether it may be sent back to the client's redirect URI."""

    def __init__(self, error: str, description: str, *, redirect: bool = True) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.redirect = redirect


@dataclass(frozen=True, slots=True)
class AuthRequest:
    """A checked authorization request."""

    client: ClientInfo
    redirect_uri: str
    state: str | None
    challenge: str
    detail: PrefillDetail
    scope: FormScope


def redirect_to(uri: str, params: Mapping[str, str | None]) -> str:
    """The redirect URI with the response parameters added to its query."""
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


async def check_request(
    engine: Engine, forms: FormStore, params: Mapping[str, str], repeated: Sequence[str] = ()
) -> AuthRequest:
    """The request checked in RFC 6749's order; `AuthorizeError` at the first problem.
    `repeated` names the parameters the request gave more than once (RFC 6749 §3.1)."""
    client_id = params.get("client_id", "")
    client = await asyncio.to_thread(find_client, engine, client_id) if client_id else None
    if client is None:
        raise AuthorizeError("invalid_request", "unknown client_id", redirect=False)
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:
        raise AuthorizeError(
            "invalid_request", "redirect_uri is not one the client registered", redirect=False
        )
    if repeated:
        raise AuthorizeError("invalid_request", f"repeated parameters: {', '.join(repeated)}")
    if params.get("response_type") != "code":
        raise AuthorizeError("unsupported_response_type", "response_type must be 'code'")
    state = params.get("state")
    if state is not None and len(state) > MAX_STATE:
        raise AuthorizeError("invalid_request", f"state is at most {MAX_STATE} characters")
    challenge = params.get("code_challenge", "")
    if not challenge:
        raise AuthorizeError("invalid_request", "code_challenge is required (PKCE, S256)")
    if params.get("code_challenge_method") != "S256":
        raise AuthorizeError("invalid_request", "code_challenge_method must be 'S256'")
    if not CHALLENGE.match(challenge):
        raise AuthorizeError("invalid_request", "code_challenge is BASE64URL(SHA-256(verifier))")
    scope = params.get("scope")
    if scope is not None and not set(scope.split()) <= SCOPES:
        raise AuthorizeError("invalid_scope", "the only scope is 'prefill'")
    try:
        detail = parse_details(params.get("authorization_details"))
        if not client.allows_form(detail.form_id):
            raise DetailsError(f"this client may not ask for form '{detail.form_id}'")
        try:
            form = await forms.compiled(detail.form_id)
        except FormError:
            raise DetailsError(f"no form '{detail.form_id}' is in service") from None
        check_against_form(detail, form)
    except DetailsError as exc:
        raise AuthorizeError("invalid_authorization_details", str(exc)) from None
    return AuthRequest(client, redirect_uri, state, challenge, detail, form_scope(form))
