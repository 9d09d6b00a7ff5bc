"""The OAuth 2.0 authorization server for prefill (DESIGN §10, docs/consent.md).

* `GET /.well-known/openid-configuration`: the server's metadata (RFC 8414 / OIDC).
* `GET /oauth/authorize`: a checked authorization request (`consent.authorize`); without a
  citizen session, the e-ID login first; then the consent page. `POST /oauth/authorize`:
  the citizen's decision ("Đồng ý" / "Từ chối") → the client's redirect URI with a code or
  `error=access_denied`, and the request's `state`.
* `POST /oauth/token`, `POST /oauth/revoke`: the client's calls, authenticated with
  `client_secret_basic` or `client_secret_post`; RFC 6749 JSON errors.

The consent page carries a sealed ticket (`trust.sealing`) of the request it shows, bound
to the citizen: the decision is about exactly that request, by that citizen.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from autofill.api.citizen import current_citizen, login_redirect
from autofill.api.signed import JWKS_PATH
from autofill.consent.authorize import AuthorizeError, check_request, redirect_to
from autofill.consent.clients import ClientInfo, authenticate_client, find_client
from autofill.consent.grants import GrantError
from autofill.consent.principal import citizen_represents
from autofill.container import Services
from autofill.web import environment, page_headers

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(env=environment())
TICKET_SECONDS = 600
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def _services(request: Request) -> Services:
    return request.app.state.services


def _issuer(services: Services) -> str:
    signer = services.signing.signer
    return signer.issuer if signer is not None else services.settings.issuer_url


@router.get("/.well-known/openid-configuration")
async def discovery(request: Request) -> Response:
    """The authorization server's metadata."""
    issuer = _issuer(_services(request))
    body = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "jwks_uri": f"{issuer}{JWKS_PATH}",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "authorization_details_types_supported": ["prefill"],
        "scopes_supported": ["prefill"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "acr_values_supported": ["1", "2"],
        "authorization_response_iss_parameter_supported": True,
        "service_documentation": f"{issuer}/docs",
    }
    headers = {"Cache-Control": "public, max-age=300"}
    return Response(orjson.dumps(body), media_type="application/json", headers=headers)


def _page(
    request: Request, name: str, context: dict[str, Any], status: int = 200,
    targets: tuple[str, ...] = (),
) -> Response:  # fmt: skip
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(page_headers(form_targets=targets))
    return response


def _error_page(request: Request, description: str, status: int = 400) -> Response:
    context = {
        "title": "Yêu cầu không hợp lệ",
        "message": f"Không thể tiếp tục yêu cầu cấp quyền: {description}.",
        "link": "/",
        "link_text": "Về trang chủ",
    }
    return _page(request, "message.html", context, status)


def _back(uri: str, issuer: str, state: str | None, **params: str) -> RedirectResponse:
    location = redirect_to(uri, {**params, "state": state, "iss": issuer})
    return RedirectResponse(location, status_code=303, headers=NO_STORE)


def _when(value: dt.datetime) -> str:
    local = value.astimezone(dt.timezone(dt.timedelta(hours=7)))
    return local.strftime("%H:%M ngày %d/%m/%Y")


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


@router.get("/oauth/authorize")
async def authorize(request: Request) -> Response:
    """Check the request, have the citizen log in, show the consent page."""
    services = _services(request)
    params = dict(request.query_params.items())
    names = [k for k, _ in request.query_params.multi_items()]
    repeated = sorted({k for k in names if names.count(k) > 1})
    try:
        asked = await check_request(services.engine, services.forms, params, repeated)
    except AuthorizeError as exc:
        if not exc.redirect:
            return _error_page(request, exc.description)
        uri, state = params["redirect_uri"], params.get("state")
        return _back(
            uri, _issuer(services), state, error=exc.error, error_description=exc.description
        )
    citizen = await current_citizen(request)
    if citizen is None:
        return login_redirect(f"{request.url.path}?{request.url.query}")
    detail = asked.detail
    issuer = _issuer(services)
    if detail.enterprise_code is not None and not await citizen_represents(
        services.registry, detail.enterprise_code, citizen.personal_id
    ):
        why = "the citizen is not a legal representative or owner of this enterprise"
        return _back(
            asked.redirect_uri, issuer, asked.state, error="access_denied", error_description=why
        )
    citizen_hash = services.trust.hasher.hash(citizen.personal_id)
    reuse = await services.consents.reusable(
        citizen_hash,
        asked.client.client_id,
        detail.form_id,
        asked.scope.form_version,
        detail.purpose,
        detail.enterprise_code,
    )
    ticket = services.oauth.tickets.seal(
        {
            "citizen": citizen_hash,
            "client_id": asked.client.client_id,
            "redirect_uri": asked.redirect_uri,
            "state": asked.state,
            "challenge": asked.challenge,
            "details": detail.as_json(asked.scope.form_version),
            "attributes": list(asked.scope.attributes),
            "reuse": reuse.id if reuse is not None else None,
        },
        TICKET_SECONDS,
    )
    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=services.settings.consent_seconds)
    context = {
        "citizen_name": citizen.name,
        "client_name": asked.client.name,
        "scope": asked.scope,
        "purpose": detail.purpose,
        "enterprise_code": detail.enterprise_code,
        "valid_until": _when(reuse.expires_at if reuse is not None else until),
        "reuse": reuse is not None,
        "reuse_id": reuse.id if reuse is not None else "",
        "reuse_granted": _when(reuse.granted_at) if reuse is not None else "",
        "reuse_until": _when(reuse.expires_at) if reuse is not None else "",
        "ticket": ticket,
    }
    return _page(request, "consent.html", context, targets=(_origin(asked.redirect_uri),))


@router.post("/oauth/authorize")
async def decide(request: Request) -> Response:
    """The citizen's decision on the consent page."""
    services = _services(request)
    form = await request.form()
    ticket = services.oauth.tickets.open(str(form.get("ticket") or ""))
    citizen = await current_citizen(request)
    if ticket is None or citizen is None:
        return _error_page(request, "trang đồng ý đã hết hạn; hãy bắt đầu lại từ cổng dịch vụ")
    citizen_hash = services.trust.hasher.hash(citizen.personal_id)
    client = await asyncio.to_thread(find_client, services.engine, ticket["client_id"])
    if ticket["citizen"] != citizen_hash or client is None:
        return _error_page(request, "phiên đăng nhập đã thay đổi; hãy bắt đầu lại từ cổng dịch vụ")
    issuer, uri, state = _issuer(services), ticket["redirect_uri"], ticket["state"]
    if form.get("decision") != "approve":
        why = "the citizen refused"
        return _back(uri, issuer, state, error="access_denied", error_description=why)
    detail = ticket["details"]
    code = detail.get("enterprise_code")
    if code is not None and not await citizen_represents(
        services.registry, code, citizen.personal_id
    ):
        why = "the citizen is not a legal representative or owner of this enterprise"
        return _back(uri, issuer, state, error="access_denied", error_description=why)
    consent = await services.consents.get(ticket["reuse"]) if ticket["reuse"] else None
    if consent is None or not consent.live():
        consent = await services.consents.grant(
            citizen_hash=citizen_hash,
            client_id=client.client_id,
            form_id=detail["form_id"],
            form_version=detail["form_version"],
            attributes=ticket["attributes"],
            purpose=detail["purpose"],
            assurance_level=citizen.assurance_level,
            enterprise_code=code,
        )
    issued = await services.oauth.grants.issue_code(
        client_id=client.client_id,
        consent_id=consent.id,
        redirect_uri=uri,
        challenge=ticket["challenge"],
        personal_id=citizen.personal_id,
    )
    return _back(uri, issuer, state, code=issued)


def _oauth_error(error: str, description: str, status: int = 400, basic: bool = False) -> Response:
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="autofill"' if basic else "Bearer"
    body = {"error": error, "error_description": description}
    return Response(orjson.dumps(body), status, media_type="application/json", headers=headers)


async def _client(request: Request, form: Any) -> ClientInfo | Response:
    """The authenticated client (Basic or post), or the error response."""
    header = request.headers.get("authorization", "")
    posted_id, posted_secret = form.get("client_id"), form.get("client_secret")
    basic = header.lower().startswith("basic ")
    if basic and posted_secret is not None:
        return _oauth_error("invalid_request", "authenticate the client one way only")
    if basic:
        try:
            raw = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return _oauth_error("invalid_client", "malformed Basic credentials", 401, True)
        client_id, _, secret = raw.partition(":")
        client_id, secret = unquote(client_id), unquote(secret)  # RFC 6749 §2.3.1
    elif posted_id is not None and posted_secret is not None:
        client_id, secret = str(posted_id), str(posted_secret)
    else:
        return _oauth_error("invalid_client", "client authentication is required", 401)
    found = await asyncio.to_thread(
        authenticate_client, _services(request).engine, client_id, secret
    )
    if found is None or (posted_id is not None and str(posted_id) != found.client_id):
        return _oauth_error("invalid_client", "unknown client or wrong secret", 401, basic)
    return found


@router.post("/oauth/token")
async def token(request: Request) -> Response:
    """Exchange an authorization code (with its PKCE verifier) for an access token."""
    form = await request.form()
    client = await _client(request, form)
    if isinstance(client, Response):
        return client
    if form.get("grant_type") != "authorization_code":
        return _oauth_error("unsupported_grant_type", "grant_type must be authorization_code")
    missing = [n for n in ("code", "redirect_uri", "code_verifier") if not form.get(n)]
    if missing:
        return _oauth_error("invalid_request", f"missing {', '.join(missing)}")
    try:
        answer = await _services(request).oauth.grants.exchange(
            code=str(form["code"]),
            client_id=client.client_id,
            redirect_uri=str(form["redirect_uri"]),
            verifier=str(form["code_verifier"]),
        )
    except GrantError as exc:
        status = 503 if exc.error == "temporarily_unavailable" else 400
        return _oauth_error(exc.error, exc.description, status)
    return Response(orjson.dumps(answer), media_type="application/json", headers=NO_STORE)


@router.post("/oauth/revoke")
async def revoke(request: Request) -> Response:
    """Revoke an access token of the calling client (RFC 7009)."""
    form = await request.form()
    client = await _client(request, form)
    if isinstance(client, Response):
        return client
    value = form.get("token")
    if not value:
        return _oauth_error("invalid_request", "missing token")
    await _services(request).oauth.grants.revoke(str(value), client.client_id)
    return Response(status_code=200, headers=NO_STORE)
