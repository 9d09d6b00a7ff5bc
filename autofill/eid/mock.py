"""The mock national e-ID (VNeID stand-in): who may log in, its codes and its ID tokens.

Like opengovsg/mockpass for Singpass: testers log in as a seed persona or as anyone in the
citizen registry by typing their personal ID, and choose the assurance level (1 or 2).
A deceased person cannot log in. The login page is `autofill.eid.pages`.

After a login the mock hands the browser a code: a sealed value (`trust.sealing`) that
names the person, the level, the relying party's nonce and redirect URI, and lives
`CODE_SECONDS`. `redeem` turns it into an ID token signed with the service's key (claims
`sub` = the personal ID, `name`, `acr` = "1" or "2", `nonce`, `auth_time`) and then checks
that token as any relying party would, against the published keys. A code is redeemed once
per process; the mock keeps no other state. A real VNeID replaces all of this: its own
pages, its own token endpoint and JWKS.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson

from autofill.eid.provider import LEVELS, Identity, LoginFailed
from autofill.trust.sealing import Sealer
from autofill.trust.signing import Signer
from registries.errors import InvalidIdentifier
from registries.identifiers import normalize_personal_id
from registries.service import RegistryService

CLIENT_ID = "autofill"  # the one relying party of the mock: the service itself
CODE_SECONDS = 60
ID_TOKEN_SECONDS = 300
LOGIN_PATH = "/eid/authorize"


class LoginRefused(Exception):
    """Why the page refuses a login: `reason` is one of invalid, unknown, deceased."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LoginRequest:
    """What a relying party asked for when it sent the browser here."""

    redirect_uri: str
    state: str
    nonce: str


class MockEid:
    """The mock e-ID: an `IdentityProvider` for the service, and the login it serves."""

    name = "VNeID (mô phỏng)"

    def __init__(
        self,
        registry: RegistryService,
        sealer: Sealer,
        signer: Callable[[], Signer | None],
        *,
        callback_path: str,
    ) -> None:
        self.registry = registry
        self._sealer = sealer
        self._signer = signer
        self.callback_path = callback_path
        self._redeemed: OrderedDict[str, float] = OrderedDict()

    # -- the relying party's side (`IdentityProvider`) ------------------------------------
    def authorization_url(self, *, redirect_uri: str, state: str, nonce: str) -> str:
        """The mock's login page, with an OpenID Connect authorization request."""
        query = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "scope": "openid",
            "redirect_uri": redirect_uri,
            "state": state,
            "nonce": nonce,
        }
        return f"{LOGIN_PATH}?{urlencode(query)}"

    async def redeem(self, code: str, *, redirect_uri: str, nonce: str) -> Identity:
        """The identity behind a code, through a signed and checked ID token."""
        claims = self._sealer.open(code)
        if claims is None or claims.get("redirect_uri") != redirect_uri:
            raise LoginFailed("the login code is unknown, expired or not for this service")
        if claims.get("nonce") != nonce or not self._first_use(str(claims.get("jti"))):
            raise LoginFailed("the login code was already used or belongs to another login")
        signer = self._signer()
        if signer is None:
            raise LoginFailed("the mock e-ID cannot sign ID tokens on this server")
        id_token = signer.sign(
            {
                "sub": claims["sub"],
                "name": claims["name"],
                "acr": str(claims["acr"]),
                "nonce": nonce,
                "auth_time": claims["auth_time"],
            },
            CLIENT_ID,
            ttl_seconds=ID_TOKEN_SECONDS,
        )
        return identity_from(signer.verify(id_token, CLIENT_ID), nonce)

    def _first_use(self, jti: str) -> bool:
        now = time.monotonic()
        while self._redeemed and next(iter(self._redeemed.values())) < now:
            self._redeemed.popitem(last=False)
        if jti in self._redeemed:
            return False
        self._redeemed[jti] = now + CODE_SECONDS + 1
        return True

    # -- the login page's side --------------------------------------------------------------
    def check_request(self, client_id: str, redirect_uri: str, state: str, nonce: str) -> bool:
        """Whether an authorization request comes from the one relying party it serves."""
        return (
            client_id == CLIENT_ID
            and redirect_uri == self.callback_path
            and 8 <= len(state) <= 128
            and 8 <= len(nonce) <= 128
        )

    async def login(self, raw_id: str, level: int, request: LoginRequest) -> str:
        """A code for this person at this level; `LoginRefused` when they cannot log in."""
        if level not in LEVELS:
            raise LoginRefused("level")
        try:
            personal_id = normalize_personal_id(raw_id.strip())
        except InvalidIdentifier:
            raise LoginRefused("invalid") from None
        doc = await self.registry.find_doc("citizen", personal_id)
        if doc is None:
            raise LoginRefused("unknown")
        record: dict[str, Any] = orjson.loads(doc)
        if record.get("death_date"):
            raise LoginRefused("deceased")
        claims = {
            "sub": personal_id,
            "name": record.get("full_name", ""),
            "acr": level,
            "auth_time": int(time.time()),
            "nonce": request.nonce,
            "redirect_uri": request.redirect_uri,
            "jti": secrets.token_urlsafe(12),
        }
        return self._sealer.seal(claims, CODE_SECONDS)


def identity_from(claims: dict[str, Any] | None, nonce: str) -> Identity:
    """The identity an ID token's claims vouch for; `LoginFailed` when they do not."""
    if claims is None or claims.get("nonce") != nonce:
        raise LoginFailed("the ID token does not verify")
    try:
        level = int(claims["acr"])
        personal_id = normalize_personal_id(str(claims["sub"]))
        at = dt.datetime.fromtimestamp(int(claims["auth_time"]), dt.UTC)
    except (KeyError, ValueError, InvalidIdentifier):
        raise LoginFailed("the ID token lacks sub, acr or auth_time") from None
    if level not in LEVELS:
        raise LoginFailed("the ID token's acr is not a known level")
    return Identity(personal_id, str(claims.get("name") or ""), level, at)
