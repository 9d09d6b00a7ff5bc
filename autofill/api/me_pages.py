"""`/me`: the citizen's own pages (Vietnamese, mobile first) over the `/v1/me` reads.

The citizen logs in through the national e-ID (`autofill.api.citizen.login_redirect`); the
session cookie is SameSite=Lax, and every state change here is a POST that carries a
token tied to the session (an HMAC of the login, derived from the service's keys), so
another site can neither revoke a consent nor log the citizen out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from autofill.api.citizen import Citizen, current_citizen, login_redirect, logout
from autofill.api.dependencies import ServicesDep
from autofill.api.me import access_page, consent_items, consents_of
from autofill.container import Services
from autofill.trust.access_log import ASSISTED, CONSENT, REGISTRY_READ
from autofill.trust.audit import CURSOR_PATTERN
from autofill.web import environment, page_headers

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(env=environment())
PAGE_SIZE = 20
VIETNAM = dt.timezone(dt.timedelta(hours=7))
KIND_LABELS = {
    CONSENT: "Cổng dịch vụ công, theo sự đồng ý của bạn",
    ASSISTED: "Cán bộ hỗ trợ trực tiếp (khóa API)",
    REGISTRY_READ: "Truy cập cơ sở dữ liệu",
}
ACTION_LABELS = {
    "prefill": "Điền sẵn tờ khai",
    "lookup": "Tra cứu hồ sơ",
    "listing": "Liệt kê hồ sơ",
    "search": "Tìm kiếm",
    "edit": "Cập nhật hồ sơ",
}
STATUS_LABELS = {"active": "Còn hiệu lực", "expired": "Đã hết hạn", "revoked": "Đã thu hồi"}


def mount_me(app: FastAPI) -> None:
    """Serve the citizen's pages on `app`."""
    app.include_router(router)


def csrf_token(services: Services, citizen: Citizen) -> str:
    """The token a form of this login session carries (nothing another site can know)."""
    key = services.trust.hasher.derive("me-pages-csrf")
    session = f"{citizen.personal_id}|{citizen.logged_in_at.isoformat()}".encode()
    return hmac.new(key, session, hashlib.sha256).hexdigest()


def _valid_token(services: Services, citizen: Citizen, sent: object) -> bool:
    return isinstance(sent, str) and hmac.compare_digest(sent, csrf_token(services, citizen))


def local_time(value: dt.datetime) -> str:
    """A time as Vietnam reads it: 03/12/2026 21:05."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


async def _form_titles(services: Services, form_ids: set[str]) -> dict[str, str]:
    titles = {}
    for form_id in form_ids:
        try:
            stored = await services.forms.get(form_id)
        except Exception:  # a retired or removed form keeps its id
            continue
        titles[form_id] = str(stored.summary().get("title") or form_id)
    return titles


def _refused(request: Request, status: int) -> Response:
    message = (
        "Phiên đăng nhập đã thay đổi: hãy mở lại trang Dữ liệu của tôi và thử lại."
        if status == 403
        else "Bạn không có sự đồng ý nào với mã này."
    )
    context = {
        "active": "me",
        "title": "Dữ liệu của tôi",
        "message": message,
        "link": "/me",
        "link_text": "Quay lại trang Dữ liệu của tôi",
    }
    return _page(request, "message.html", context, status)


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(page_headers())
    return response


@router.get("/me", response_class=HTMLResponse)
async def me_home(request: Request, services: ServicesDep, cursor: str | None = None) -> Response:
    """The citizen's data: who used it, when, for what; and the consents they gave."""
    citizen = await current_citizen(request)
    if citizen is None:
        return login_redirect("/me")
    if cursor is not None and not re.fullmatch(CURSOR_PATTERN, cursor):
        cursor = None
    entries, next_cursor = await access_page(services.trust, citizen, PAGE_SIZE, cursor)
    consents = await consent_items(request, services.trust.hasher.hash(citizen.personal_id))
    titles = await _form_titles(
        services, {e.form_id for e in entries if e.form_id} | {c.form_id for c in consents}
    )
    context = {
        "active": "me",
        "citizen": citizen,
        "entries": entries,
        "next_cursor": next_cursor,
        "consents": consents,
        "titles": titles,
        "kinds": KIND_LABELS,
        "actions": ACTION_LABELS,
        "statuses": STATUS_LABELS,
        "when": local_time,
        "csrf": csrf_token(services, citizen),
        "notice": request.query_params.get("done"),
    }
    return _page(request, "me.html", context)


@router.post("/me/consents/{consent_id}/revoke", response_class=HTMLResponse)
async def me_revoke(consent_id: str, request: Request, services: ServicesDep) -> Response:
    """ "Thu hồi": revoke one consent at once, then back to `/me`."""
    citizen = await current_citizen(request)
    if citizen is None:
        return login_redirect("/me")
    form = await request.form()
    if not _valid_token(services, citizen, form.get("csrf")):
        return _refused(request, 403)
    subject = services.trust.hasher.hash(citizen.personal_id)
    revoked = await consents_of(request).revoke(consent_id[:64], subject)
    if revoked is None:
        return _refused(request, 404)
    return RedirectResponse("/me?done=revoked#consents", status_code=303)


@router.get("/me/consents/{consent_id}/receipt")
async def me_receipt(consent_id: str, request: Request, services: ServicesDep) -> Response:
    """Download the signed receipt of one of the citizen's consents."""
    citizen = await current_citizen(request)
    if citizen is None:
        return login_redirect("/me")
    subject = services.trust.hasher.hash(citizen.personal_id)
    receipt = await consents_of(request).receipt(consent_id[:64], subject)
    if receipt is None:
        return _refused(request, 404)
    headers = {"Content-Disposition": f'attachment; filename="bien-nhan-{consent_id[:64]}.jws"'}
    return Response(receipt, media_type="application/jose", headers=headers)


@router.post("/me/logout")
async def me_logout(request: Request, services: ServicesDep) -> Response:
    """End the citizen's session (a POST with the session's token)."""
    citizen = await current_citizen(request)
    response = RedirectResponse("/", status_code=303)
    if citizen is not None:
        form = await request.form()
        if not _valid_token(services, citizen, form.get("csrf")):
            return _refused(request, 403)
        await logout(response)
    return response
