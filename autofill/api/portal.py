"""The demo portal (`/`) and the coverage dashboard (`/stats`): server-rendered pages.

The browser never holds an API key: the page's server side calls the service's own API
in-process (`autofill.portal.client`) with a random key that only this process knows, so
its prefills go through the real path (scopes, limits, audit, statistics). Personal IDs
travel only in POST bodies, never in URLs (access logs must not hold them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, FastAPI, Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from autofill.api.dependencies import ServicesDep
from autofill.container import Services
from autofill.errors import RateLimited
from autofill.portal import dashboard, personas
from autofill.portal.client import ApiAnswer, ServiceClient
from autofill.portal.messages import identifier_message, warning_lines
from autofill.portal.submission import submitted_values
from autofill.portal.text import present
from autofill.portal.views import (
    coverage_of,
    is_form_id,
    root_subjects,
    sections_of,
    submission_token,
)
from autofill.portal.visitors import PortalVisitors

PACKAGE = Path(__file__).resolve().parent.parent
PURPOSE = "Cổng dịch vụ công mẫu: điền sẵn tờ khai {form}"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(PACKAGE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
router = APIRouter(include_in_schema=False)


def mount_portal(app: FastAPI) -> None:
    """Serve the portal pages and their static files on `app`."""
    app.include_router(router)
    mount_static(app)


def mount_static(app: FastAPI) -> None:
    """Serve the pages' style sheet and script (the portal's, the e-ID's, the consent's)."""
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")


def _visitors(state: Services) -> PortalVisitors:
    assert state.portal is not None  # the routes are mounted only with the portal
    return state.portal.visitors


def _client(request: Request, state: Services) -> ServiceClient:
    assert state.portal is not None  # the routes are mounted only with the portal
    return state.portal.client


def _page(
    request: Request,
    name: str,
    context: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    response.headers.update(headers or {})
    return response


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _admit(request: Request, state: Services) -> Response | None:
    """None when this visitor may go on; else the page that says to wait."""
    try:
        await _visitors(state).admit(_address(request))
    except RateLimited as exc:
        return await _index(
            request,
            state,
            None,
            message=_failure_message(429),
            status=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    return None


async def _form_unavailable(
    request: Request, state: Services, form_id: str, answer: ApiAnswer
) -> Response:
    """The page for a form the API did not give: missing (404), or refused for another
    reason (a 429 is "too many requests", never "no such form")."""
    if answer.status == 404:
        return await _index(request, state, form_id, status=404)
    return await _index(
        request,
        state,
        None,
        message=_failure_message(answer.status),
        status=answer.status if answer.status < 500 else 503,
    )


async def _catalog(client: ServiceClient) -> list[dict[str, Any]]:
    """The registered forms that are not retired (the services a portal offers)."""
    answer = await client.list_forms()
    items = answer.body.get("items", []) if isinstance(answer.body, dict) else answer.body
    return [f for f in items or [] if isinstance(f, dict) and f.get("id") and not f.get("retired")]


async def _index(
    request: Request,
    state: Services,
    form_id: str | None,
    *,
    entered: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    client = _client(request, state)
    forms = await _catalog(client)
    schema = None
    if form_id and is_form_id(form_id):
        answer = await client.get_form(quote(form_id, safe=""))
        schema = answer.body if answer.ok else None
        if schema is None and message is None:
            if answer.status == 404:
                message, status = f"Không có biểu mẫu “{form_id}”.", 404
            else:
                message = _failure_message(answer.status)
                status = answer.status if answer.status < 500 else 503
    subjects = root_subjects(schema) if schema else []
    context = {
        "forms": forms,
        "schema": schema,
        "subjects": subjects,
        "personas": personas.for_subjects(subjects),
        "entered": entered or {},
        "errors": errors or {},
        "message": message,
        "vneid": state.portal is not None and state.portal.oauth is not None,
    }
    return _page(request, "index.html", context, status, headers)


@router.get("/", response_class=HTMLResponse)
async def portal_home(request: Request, state: ServicesDep, form: str | None = None) -> Response:
    """Choose a form, then give the identifiers its subjects need."""
    return await _index(request, state, form)


@router.post("/prefill", response_class=HTMLResponse)
async def portal_prefill(request: Request, state: ServicesDep) -> Response:
    """Prefill the chosen form for the given identifiers (or a persona) and show it."""
    refused = await _admit(request, state)
    if refused is not None:
        return refused
    data = await request.form()
    form_id = str(data.get("form") or "")
    if not is_form_id(form_id):
        return await _index(request, state, None, message="Hãy chọn một biểu mẫu.", status=422)
    client = _client(request, state)
    schema_answer = await client.get_form(form_id)
    if not schema_answer.ok:
        return await _form_unavailable(request, state, form_id, schema_answer)
    schema = schema_answer.body
    persona = personas.find(str(data.get("persona") or ""))
    entered: dict[str, str] = {}
    for subject in root_subjects(schema):
        raw = str(data.get(f"subject.{subject.name}") or "").strip()
        if persona is not None:
            raw = personas.identifier_for(persona, subject.registry) or raw
        if raw:
            entered[subject.name] = raw
    answer = await client.prefill(form_id, entered, PURPOSE.format(form=form_id))
    registries = {s.name: s.registry for s in root_subjects(schema)}
    await _watch(request, state, answer, entered, registries)
    if not answer.ok:
        errors = {}
        for pointer, code, detail in answer.problems():
            name = pointer.removeprefix("/subjects/")
            errors[name] = identifier_message(code, registries.get(name, ""), detail)
        message = _failure_message(answer.status)
        return await _index(
            request,
            state,
            form_id,
            entered=entered,
            errors=errors,
            message=message,
            status=answer.status if answer.status < 500 else 503,
        )
    result = answer.body
    context = {
        "schema": schema,
        "result": result,
        "sections": sections_of(schema, result),
        "coverage": coverage_of(result),
        "warnings": warning_lines(schema, result),
        "entered": entered,
        "token": submission_token(result),
        "can_verify": client.can_verify(),
    }
    return _page(request, "form.html", context)


async def _watch(
    request: Request,
    state: Services,
    answer: ApiAnswer,
    entered: dict[str, str],
    registries: dict[str, str],
) -> None:
    """Feed this visitor's lookups to its enumeration watch: misses on a 404, else finds."""
    if answer.status not in (200, 404):
        return
    missing = {p.removeprefix("/subjects/") for p, _, _ in answer.problems()}
    visitors = _visitors(state)
    for name, raw in entered.items():
        found = answer.ok or (bool(missing) and name not in missing)
        await visitors.note(_address(request), registries.get(name, ""), raw, found=found)


def _failure_message(status: int) -> str:
    if status == 404:
        return "Không tìm thấy hồ sơ với số định danh / mã số thuế đã nhập."
    if status == 422:
        return "Số định danh hoặc mã số thuế chưa hợp lệ: xem hướng dẫn dưới ô nhập."
    if status == 429:
        return "Có quá nhiều yêu cầu; vui lòng thử lại sau ít phút."
    if status == 503:
        return "Hệ thống CSDL tạm thời không truy cập được; vui lòng thử lại sau."
    return f"Không điền sẵn được biểu mẫu (lỗi {status})."


@router.post("/submit", response_class=HTMLResponse)
async def portal_submit(request: Request, state: ServicesDep) -> Response:
    """Take the submitted form, run the submission check, show its verdict."""
    return await submitted(request, state, access_token=None)


async def submitted(request: Request, state: Services, *, access_token: str | None) -> Response:
    """The submission check's verdict on the posted form: with the portal's key and the
    typed subjects, or with the access token of the consent the form was filled under."""
    refused = await _admit(request, state)
    if refused is not None:
        return refused
    data = await request.form()
    form_id = str(data.get("form") or "")
    if not is_form_id(form_id):
        return await _index(request, state, None, message="Hãy chọn một biểu mẫu.", status=422)
    client = _client(request, state)
    schema_answer = await client.get_form(form_id)
    if not schema_answer.ok:
        return await _form_unavailable(request, state, form_id, schema_answer)
    schema = schema_answer.body
    form = {k: str(v) for k, v in data.items()}
    values = submitted_values(schema, form)
    subjects = {
        s.name: form[f"subject.{s.name}"]
        for s in root_subjects(schema)
        if form.get(f"subject.{s.name}")
    }
    token = form.get("token") or ""
    verdict = None
    if token and client.can_verify():
        verdict = await client.verify(form_id, token, values, subjects, access_token=access_token)
    labels = {f["key"]: f["label"] for f in schema.get("fields") or []}
    summary = [
        {
            "key": f["key"],
            "label": f["label"],
            "required": bool(f.get("required")),
            "text": present(f, values.get(f["key"])),
        }
        for f in schema.get("fields") or []
    ]
    missing_required = [row["label"] for row in summary if row["required"] and not row["text"]]
    context = {
        "schema": schema,
        "summary": summary,
        "missing_required": missing_required,
        "labels": labels,
        "verdict": verdict,
        "can_verify": client.can_verify(),
    }
    status = 200 if verdict is None or verdict.ok else verdict.status
    return _page(request, "result.html", context, status)


@router.get("/stats", response_class=HTMLResponse)
async def portal_stats(
    request: Request, state: ServicesDep, range: str = "30d", form: str | None = None
) -> Response:
    """The coverage dashboard: the two indicators, per form, over time."""
    client = _client(request, state)
    catalog = await _catalog(client)
    board = await dashboard.build(state.stats.service, client, catalog, range, form)
    return _page(request, "stats.html", {"board": board})
