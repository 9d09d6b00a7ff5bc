"""The mock e-ID's pages at /eid: the login (a persona or any personal ID, level 1 or 2).

`GET /eid/authorize` takes an OpenID Connect authorization request from the service (the
mock's one relying party) and shows the login; `POST /eid/authorize` logs in and sends the
browser back to the service's callback with a code and the request's `state`. Personal
IDs travel only in POST bodies, never in URLs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from autofill.eid.mock import LOGIN_PATH, LoginRefused, LoginRequest, MockEid
from autofill.web import environment, page_headers

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(env=environment())

MESSAGES = {
    "invalid": "Số định danh cá nhân không hợp lệ: cần đủ 12 chữ số, đúng mã tỉnh và năm sinh.",
    "unknown": "Không tìm thấy số định danh cá nhân này trong CSDL quốc gia về dân cư (mô phỏng).",
    "deceased": (
        "Không thể đăng nhập: theo CSDL quốc gia về dân cư, người mang số định danh này "
        "đã mất. Tài khoản định danh điện tử của người đã mất không còn được sử dụng."
    ),
    "level": "Hãy chọn mức độ tài khoản định danh điện tử: mức 1 hoặc mức 2.",
}
STATUS = {"invalid": 422, "unknown": 404, "deceased": 403, "level": 422}


def _personas() -> list[Any]:
    try:
        from seed.personas import PERSONAS
    except ImportError:  # a build without the seed package: only the ID field
        return []
    return [p for p in PERSONAS if p.registry == "citizen"]


def _eid(request: Request) -> MockEid:
    eid = request.app.state.services.eid
    assert isinstance(eid, MockEid)  # the pages are mounted only with the mock
    return eid


def _page(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    response = templates.TemplateResponse(request, "eid_login.html", context, status_code=status)
    response.headers.update(page_headers())
    return response


def _login_page(
    request: Request, login: LoginRequest, *, entered: str = "", level: int = 2,
    message: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    context = {
        "login": login,
        "personas": _personas(),
        "entered": entered,
        "level": level,
        "message": message,
    }
    return _page(request, context, status)


def _refused(request: Request) -> Response:
    context: dict[str, Any] = {"login": None, "personas": [], "entered": "", "level": 2}
    context["message"] = "Yêu cầu đăng nhập không hợp lệ: hãy bắt đầu lại từ dịch vụ cần đăng nhập."
    return _page(request, context, 400)


@router.get(LOGIN_PATH)
async def eid_authorize(
    request: Request,
    response_type: str = "",
    client_id: str = "",
    redirect_uri: str = "",
    state: str = "",
    nonce: str = "",
    scope: str = "",
) -> Response:
    """The login page for an authorization request of the service."""
    eid = _eid(request)
    if response_type != "code" or "openid" not in scope.split():
        return _refused(request)
    if not eid.check_request(client_id, redirect_uri, state, nonce):
        return _refused(request)
    return _login_page(request, LoginRequest(redirect_uri, state, nonce))


@router.post(LOGIN_PATH)
async def eid_login(request: Request) -> Response:
    """Log in as a persona or as the personal ID typed; back to the service with a code."""
    eid = _eid(request)
    form = await request.form()
    field = {k: str(form.get(k) or "") for k in ("redirect_uri", "state", "nonce", "client_id")}
    if not eid.check_request(
        field["client_id"], field["redirect_uri"], field["state"], field["nonce"]
    ):
        return _refused(request)
    login = LoginRequest(field["redirect_uri"], field["state"], field["nonce"])
    raw = str(form.get("persona") or "").strip() or str(form.get("personal_id") or "").strip()
    chosen = str(form.get("level") or "2")  # the page's own default, as a browser sends it
    level = int(chosen) if chosen in ("1", "2") else 0
    try:
        code = await eid.login(raw, level, login)
    except LoginRefused as exc:
        entered = raw[:20]
        return _login_page(
            request,
            login,
            entered=entered,
            level=level or 2,
            message=MESSAGES[exc.reason],
            status=STATUS[exc.reason],
        )
    query = urlencode({"code": code, "state": login.state})
    return RedirectResponse(f"{login.redirect_uri}?{query}", status_code=303)
