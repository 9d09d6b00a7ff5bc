"""The demo portal (`/`) and the coverage dashboard (`/stats`): server-rendered pages.

The browser never holds an API key: the page's server side calls the service's own API
in-process (`autofill.portal.client`) with a random key that only this process knows, so
its prefills go through the real path (scopes, limits, audit, statistics). Personal IDs
travel only in POST bodies, never in URLs (access logs must not hold them).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, FastAPI, Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from autofill.api.dependencies import StateDep
from autofill.api.state import AppState
from autofill.api.stats import get_stats
from autofill.portal import dashboard, personas
from autofill.portal.client import PortalKeyStore, ServiceClient
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


async def start_portal(state: AppState) -> None:
    """Give the portal its server-side key (only when the portal is served)."""
    if not state.settings.should_serve_portal:
        return
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per in-process call
    store = PortalKeyStore()
    state.auth.stores.append(store)
    state.extras["portal_keys"] = store


async def stop_portal(state: AppState) -> None:
    """Close the portal's in-process client."""
    client = state.extras.pop("portal_client", None)
    if client is not None:
        await client.close()


def mount_portal(app: FastAPI) -> None:
    """Serve the portal pages and their static files on `app`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")


def _client(request: Request, state: AppState) -> ServiceClient:
    client = state.extras.get("portal_client")
    if client is None:
        client = ServiceClient(request.app, state.extras["portal_keys"].secret)
        state.extras["portal_client"] = client
    return client


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


async def _catalog(client: ServiceClient) -> list[dict[str, Any]]:
    """The registered forms that are not retired (the services a portal offers)."""
    answer = await client.list_forms()
    items = answer.body.get("items", []) if isinstance(answer.body, dict) else answer.body
    return [f for f in items or [] if isinstance(f, dict) and f.get("id") and not f.get("retired")]


async def _index(
    request: Request,
    state: AppState,
    form_id: str | None,
    *,
    entered: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status: int = 200,
) -> Response:
    client = _client(request, state)
    forms = await _catalog(client)
    schema = None
    if form_id and is_form_id(form_id):
        answer = await client.get_form(quote(form_id, safe=""))
        schema = answer.body if answer.ok else None
        if schema is None and message is None:
            message, status = f"Không có biểu mẫu “{form_id}”.", 404
    subjects = root_subjects(schema) if schema else []
    context = {
        "forms": forms,
        "schema": schema,
        "subjects": subjects,
        "personas": personas.for_subjects(subjects),
        "entered": entered or {},
        "errors": errors or {},
        "message": message,
    }
    return _page(request, "index.html", context, status)


@router.get("/", response_class=HTMLResponse)
async def portal_home(request: Request, state: StateDep, form: str | None = None) -> Response:
    """Choose a form, then give the identifiers its subjects need."""
    return await _index(request, state, form)


@router.post("/prefill", response_class=HTMLResponse)
async def portal_prefill(request: Request, state: StateDep) -> Response:
    """Prefill the chosen form for the given identifiers (or a persona) and show it."""
    data = await request.form()
    form_id = str(data.get("form") or "")
    if not is_form_id(form_id):
        return await _index(request, state, None, message="Hãy chọn một biểu mẫu.", status=422)
    client = _client(request, state)
    schema_answer = await client.get_form(form_id)
    if not schema_answer.ok:
        return await _index(request, state, form_id, status=404)
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
    if not answer.ok:
        registries = {s.name: s.registry for s in root_subjects(schema)}
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
async def portal_submit(request: Request, state: StateDep) -> Response:
    """Take the submitted form, run the submission check, show its verdict."""
    data = await request.form()
    form_id = str(data.get("form") or "")
    if not is_form_id(form_id):
        return await _index(request, state, None, message="Hãy chọn một biểu mẫu.", status=422)
    client = _client(request, state)
    schema_answer = await client.get_form(form_id)
    if not schema_answer.ok:
        return await _index(request, state, form_id, status=404)
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
        verdict = await client.verify(form_id, token, values, subjects)
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
    request: Request, state: StateDep, range: str = "30d", form: str | None = None
) -> Response:
    """The coverage dashboard: the two indicators, per form, over time."""
    client = _client(request, state)
    catalog = await _catalog(client)
    board = await dashboard.build(get_stats(state), client, catalog, range, form)
    return _page(request, "stats.html", {"board": board})
