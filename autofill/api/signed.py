"""Signed answers (`Accept: application/jose`), the JWKS, and the signing service's wiring.

A route that can answer signed asks `accepts_jose(request)` before it releases anything
(so a 406 never follows an audited release), then answers with `respond(...)`: plain JSON
by default, or a compact JWS (`Content-Type: application/jose`) whose claims are `iss`,
`iat`, `exp`, `aud` (the calling key's id) and the members of the plain answer.
"""

from __future__ import annotations

from typing import Any

import mimeparse
import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from autofill.api.schemas import ProblemDetails
from autofill.errors import NotAcceptable, ServiceUnavailable
from autofill.trust.access import Principal
from autofill.trust.signing import Signer
from autofill.trust.signing_service import Signing

JSON = "application/json"
JOSE = "application/jose"
# Ties go to the last of these (mimeparse): JSON stays the default for `*/*`.
OFFERED = [JOSE, JSON]
PLAIN_ACCEPTS = frozenset({"", "*/*", JSON, "application/json, */*", "*/*, application/json"})
JWKS_PATH = "/.well-known/jwks.json"
VARY = {"Vary": "Accept"}  # the same URL answers JSON or JWS: caches must tell them apart
JWK_SET = "application/jwk-set+json"
JOSE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            JOSE: {
                "schema": {
                    "type": "string",
                    "description": "compact JWS (ES256; claims iss, iat, exp, aud and the "
                    "members of the JSON answer), verifiable with the keys at " + JWKS_PATH,
                }
            }
        }
    },
    406: {
        "model": ProblemDetails,
        "content": {"application/problem+json": {}},
        "description": "the Accept header allows neither application/json nor application/jose",
    },
}

router = APIRouter(tags=["signing"])


def accepts_jose(request: Request) -> bool:
    """Whether the answer is to be signed; `NotAcceptable` when Accept allows neither form."""
    accept = request.headers.get("accept", "").strip()
    if accept in PLAIN_ACCEPTS:  # the common cases, without parsing
        return False
    try:
        chosen = mimeparse.best_match(OFFERED, accept)
    except (ValueError, IndexError):
        chosen = ""
    if not chosen:
        raise NotAcceptable(f"this resource is served as {JSON} or, signed, as {JOSE}")
    if chosen == JOSE:
        get_signer(request)  # 503 now, rather than after the release was audited
    return chosen == JOSE


def respond(request: Request, principal: Principal, body: bytes, *, jose: bool) -> Response:
    """The answer: the JSON bytes as they are, or signed for the calling key."""
    if not jose:
        return Response(body, media_type=JSON, headers=VARY)
    signed = get_signer(request).sign_answer(body, principal.key_id)
    return Response(signed, media_type=JOSE, headers=VARY)


def get_signer(request: Request) -> Signer:
    """The app's signer; 503 when this server has no signing key configured."""
    signing = _signing(request)
    if signing is None or signing.signer is None:
        raise ServiceUnavailable(
            "this server signs nothing: configure AUTOFILL_SIGNING_KEYS_DIR, "
            "AUTOFILL_SIGNING_KEY_FILE or AUTOFILL_SIGNING_KEY"
        )
    return signing.signer


JWKS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the JWK Set (RFC 7517)",
        "content": {
            JWK_SET: {
                "schema": {
                    "type": "object",
                    "required": ["keys"],
                    "properties": {"keys": {"type": "array", "items": {"type": "object"}}},
                }
            }
        },
    }
}


@router.get(JWKS_PATH, operation_id="get_jwks", response_class=Response, responses=JWKS_RESPONSES)
async def jwks(request: Request) -> Response:
    """The public keys answers and checkpoints are signed with (JWK Set, no key needed)."""
    signing = _signing(request)
    keys = signing.signer.jwks() if signing is not None and signing.signer is not None else None
    return Response(
        orjson.dumps(keys or {"keys": []}),
        media_type=JWK_SET,
        headers={"Cache-Control": "public, max-age=60"},
    )


def _signing(request: Request) -> Signing | None:
    """The app's signing service (None before start-up)."""
    services = getattr(request.app.state, "services", None)
    return services.signing if services is not None else None
