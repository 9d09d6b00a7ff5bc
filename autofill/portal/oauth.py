"""The demo portal as an OAuth client of this service: "Đăng nhập bằng VNeID (mô phỏng)".

The portal is a registered client (`autofill.consent.clients.ensure_client`, at start-up,
with a secret every worker derives alike). It sends the browser to the service's
authorization endpoint with an authorization code request, PKCE `S256` and a Rich
Authorization Request of type `prefill` (form and purpose); the citizen logs in at the
e-ID and agrees on the consent page; the browser comes back to `/portal/callback` with a
code, which the portal's server side exchanges (with its secret and the PKCE verifier)
for an access token, and prefills with that token.

What the browser keeps between the steps is sealed by the service (`trust.sealing`): the
`state`, the PKCE verifier and the form, then the access token for a later "Điền lại".
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from autofill.consent.clients import ensure_client
from autofill.trust.sealing import Sealer

AUTHORIZE_PATH = "/oauth/authorize"
CALLBACK_PATH = "/portal/callback"
CLIENT_NAME = "Cổng dịch vụ công mẫu"
FLOW_SECONDS = 600  # the longest a login and consent may take
TOKEN_COOKIE_SECONDS = 600  # no longer than an access token lives


def code_challenge(verifier: str) -> str:
    """RFC 7636 `S256`: BASE64URL(SHA256(verifier)), unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class Started:
    """A started authorization: where to send the browser, and what it keeps meanwhile."""

    url: str
    cookie: str


@dataclass(frozen=True, slots=True)
class PortalOAuth:
    """The portal's registration and the sealing of its browser-side state."""

    client_id: str
    secret: str
    redirect_uri: str
    sealer: Sealer

    @classmethod
    def derive(cls, derive: Any, issuer: str) -> PortalOAuth:
        """The portal's client, alike in every worker: id and secret derived from the
        service's keys (`derive(purpose) -> bytes`), its callback under `issuer`."""
        return cls(
            client_id="cli_" + derive("demo-portal-client-id").hex()[:12],
            secret=derive("demo-portal-client").hex(),
            redirect_uri=issuer.rstrip("/") + CALLBACK_PATH,
            sealer=Sealer(derive("demo-portal-oauth")),
        )

    def register(self, engine: Engine) -> None:
        """Register (or update) the portal's client. Workers start together and each does
        it: the one that loses the race to insert the row updates it instead."""
        for attempt in (1, 2):
            try:
                ensure_client(
                    engine,
                    client_id=self.client_id,
                    name=CLIENT_NAME,
                    redirect_uris=[self.redirect_uri],
                    secret=self.secret,
                )
                return
            except IntegrityError:  # inserted by another worker meanwhile: now an update
                if attempt == 2:
                    raise

    def start(self, form_id: str, purpose: str, enterprise_code: str | None = None) -> Started:
        """The authorization request for a form and purpose."""
        verifier = secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-]
        state = secrets.token_urlsafe(24)
        detail: dict[str, str] = {"type": "prefill", "form_id": form_id, "purpose": purpose}
        if enterprise_code:
            detail["enterprise_code"] = enterprise_code
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "state": state,
            "code_challenge": code_challenge(verifier),
            "code_challenge_method": "S256",
            "authorization_details": orjson.dumps([detail]).decode(),
        }
        claims = {"state": state, "verifier": verifier, "form": form_id}
        return Started(
            f"{AUTHORIZE_PATH}?{urlencode(query)}", self.sealer.seal(claims, FLOW_SECONDS)
        )

    def finish(self, cookie: str, state: str) -> dict[str, Any] | None:
        """The flow's claims when the `state` that came back is the one sent, else None."""
        claims = self.sealer.open(cookie)
        if claims is None or not secrets.compare_digest(str(claims.get("state")), state):
            return None
        return claims

    def seal_token(self, token: str, form_id: str) -> str:
        """The access token as the browser keeps it for a later prefill."""
        return self.sealer.seal({"token": token, "form": form_id}, TOKEN_COOKIE_SECONDS)

    def open_token(self, cookie: str) -> tuple[str, str] | None:
        """(access token, form id) from the browser's cookie, or None."""
        claims = self.sealer.open(cookie)
        if claims is None or "token" not in claims:
            return None
        return str(claims["token"]), str(claims["form"])
