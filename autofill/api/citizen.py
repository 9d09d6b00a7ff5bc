"""The citizen's login to the service, through the national e-ID (VNeID or its mock).

`GET /citizen/login?return_to=/path` sends the browser to the e-ID with a fresh `state`
and `nonce` (kept in a sealed cookie for the way back); `GET /citizen/callback` redeems
the code through the `IdentityProvider` and opens the citizen's session: a sealed cookie
(`trust.sealing`: encrypted and authenticated, so no personal ID in clear), HttpOnly,
SameSite=Lax, `citizen_session_seconds` long. `POST /citizen/logout` ends it.

Routes that serve the citizen use `current_citizen(request)` (pages) or `CitizenDep`
(API: 401 problem+json without a session), and `login_redirect(return_to)`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from autofill.container import Services
from autofill.eid.provider import LEVELS, LoginFailed
from autofill.errors import Unauthenticated
from autofill.web import environment, page_headers

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(env=environment())

SESSION_COOKIE = "af_citizen"
LOGIN_COOKIE = "af_eid_login"
LOGIN_SECONDS = 600  # the longest a login at the e-ID may take
CALLBACK_PATH = "/citizen/callback"
MAX_RETURN = 4000  # an authorization request with its details comes back whole, or not at all


@dataclass(frozen=True, slots=True)
class Citizen:
    """The citizen logged in to the service through the national e-ID."""

    personal_id: str  # 12 digits, canonical
    name: str  # full name from the registry
    assurance_level: int  # 1 or 2
    logged_in_at: dt.datetime  # UTC


def safe_return(path: str | None) -> str:
    """A local path to come back to (never another site), else "/"."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path if len(path) <= MAX_RETURN else "/"


def _services(request: Request) -> Services:
    return request.app.state.services


async def current_citizen(request: Request) -> Citizen | None:
    """The citizen of this request's session cookie, or None."""
    claims = _services(request).citizen_sessions.open(request.cookies.get(SESSION_COOKIE, ""))
    if claims is None or claims.get("kind") != "session":
        return None
    try:
        level = int(claims["acr"])
        at = dt.datetime.fromtimestamp(int(claims["at"]), dt.UTC)
        citizen = Citizen(str(claims["sub"]), str(claims["name"]), level, at)
    except (KeyError, ValueError, TypeError):
        return None
    return citizen if level in LEVELS else None


async def require_citizen(request: Request) -> Citizen:
    """The logged-in citizen; 401 problem+json without a session."""
    citizen = await current_citizen(request)
    if citizen is None:
        raise Unauthenticated("log in through the national e-ID first (GET /citizen/login)")
    return citizen


CitizenDep = Annotated[Citizen, Depends(require_citizen)]


def login_redirect(return_to: str) -> RedirectResponse:
    """303 to the e-ID login, coming back to `return_to` (a local path)."""
    return RedirectResponse(
        f"/citizen/login?return_to={quote(safe_return(return_to), safe='/')}", status_code=303
    )


async def logout(response: Response) -> None:
    """Clear the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def _message(request: Request, title: str, message: str, status: int) -> Response:
    context: dict[str, Any] = {
        "title": title,
        "message": message,
        "link": "/",
        "link_text": "Về trang chủ",
    }
    response = templates.TemplateResponse(request, "message.html", context, status_code=status)
    response.headers.update(page_headers())
    return response


@router.get("/citizen/login")
async def citizen_login(request: Request, return_to: str = "/") -> Response:
    """Send the browser to the national e-ID; it comes back to `/citizen/callback`."""
    provider = _services(request).eid
    if provider is None:
        return _message(
            request,
            "Không đăng nhập được",
            "Dịch vụ định danh điện tử chưa được cấu hình trên máy chủ này.",
            503,
        )
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    sealed = _services(request).citizen_sessions.seal(
        {"kind": "login", "state": state, "nonce": nonce, "return_to": safe_return(return_to)},
        LOGIN_SECONDS,
    )
    url = provider.authorization_url(redirect_uri=CALLBACK_PATH, state=state, nonce=nonce)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        LOGIN_COOKIE,
        sealed,
        max_age=LOGIN_SECONDS,
        path="/citizen",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get(CALLBACK_PATH)
async def citizen_callback(request: Request, code: str = "", state: str = "") -> Response:
    """Redeem the e-ID's code, open the session, go back where the login started."""
    services = _services(request)
    login = services.citizen_sessions.open(request.cookies.get(LOGIN_COOKIE, ""))
    sent = str(login.get("state")) if login is not None and login.get("kind") == "login" else ""
    if not sent or not state or services.eid is None or not secrets.compare_digest(sent, state):
        return _message(
            request,
            "Không đăng nhập được",
            "Phiên đăng nhập đã hết hạn hoặc không hợp lệ; hãy đăng nhập lại.",
            400,
        )
    assert login is not None and services.eid is not None
    try:
        who = await services.eid.redeem(code, redirect_uri=CALLBACK_PATH, nonce=login["nonce"])
    except LoginFailed:
        return _message(
            request, "Không đăng nhập được", "Mã đăng nhập không hợp lệ hoặc đã hết hạn.", 400
        )
    seconds = services.settings.citizen_session_seconds
    session = services.citizen_sessions.seal(
        {
            "kind": "session",
            "sub": who.personal_id,
            "name": who.name,
            "acr": who.assurance_level,
            "at": int(who.authenticated_at.timestamp()),
        },
        seconds,
    )
    response = RedirectResponse(safe_return(login.get("return_to")), status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/citizen")
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/citizen/logout")
async def citizen_logout(request: Request) -> Response:
    """End the citizen's session."""
    form = await request.form()
    response = RedirectResponse(safe_return(str(form.get("return_to") or "/")), status_code=303)
    await logout(response)
    return response
