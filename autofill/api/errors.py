"""Errors → RFC 9457 problem+json: the one table that maps domain errors to HTTP, and the
handlers for validation, HTTP, database and unexpected errors.

A member the request model does not know is refused (422, `extra_forbidden`) with a
pointer to it and, when a known member is close, a suggestion (`forms` → `form_ids`).
"""

from __future__ import annotations

import difflib
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from autofill import errors as autofill_errors
from autofill.api.problems import pointer, problem
from autofill.stats.errors import InvalidWindow
from forms import errors as form_errors
from registries import errors as registry_errors
from registries.database import DATABASE_DOWN

log = logging.getLogger("autofill")


# The one table that maps domain errors to HTTP: (status, title).
ERROR_STATUS: dict[type[Exception], tuple[int, str]] = {
    registry_errors.InvalidIdentifier: (422, "Invalid identifier"),
    registry_errors.InvalidRecord: (422, "Invalid record"),
    registry_errors.InvalidQuery: (422, "Invalid query"),
    registry_errors.RecordNotFound: (404, "Record not found"),
    registry_errors.RecordConflict: (409, "Conflict"),
    registry_errors.ReseedDisabled: (403, "Reseeding is disabled"),
    registry_errors.RegistryUnavailable: (503, "Registry unavailable"),
    autofill_errors.Unauthenticated: (401, "Unauthenticated"),
    autofill_errors.Forbidden: (403, "Forbidden"),
    autofill_errors.ServiceUnavailable: (503, "Service unavailable"),
    autofill_errors.KeyNotFound: (404, "API key not found"),
    autofill_errors.ConsentNotFound: (404, "Consent not found"),
    autofill_errors.InvalidRequest: (422, "Invalid request"),
    autofill_errors.InvalidToken: (422, "Invalid submission token"),
    autofill_errors.TokenExpired: (410, "Submission token expired"),
    autofill_errors.RateLimited: (429, "Too many requests"),
    autofill_errors.NotAcceptable: (406, "Not acceptable"),
    form_errors.InvalidFormSchema: (422, "Invalid form schema"),
    form_errors.InvalidPrefillRequest: (422, "Invalid prefill request"),
    form_errors.FormNotFound: (404, "Form not found"),
    form_errors.FormRetired: (410, "Form retired"),
    form_errors.FormConflict: (409, "Conflict"),
    InvalidWindow: (422, "Invalid window"),
}


def _status_for(exc: Exception) -> tuple[int, str]:
    for cls in type(exc).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return 500, "Internal error"


async def _domain_error(request: Request, exc: Exception) -> Any:
    status, title = _status_for(exc)
    errors = [
        {"pointer": p.pointer, "detail": p.detail, "code": p.code}
        | ({"suggestion": p.suggestion} if getattr(p, "suggestion", None) else {})
        for p in getattr(exc, "problems", [])
    ]
    if isinstance(exc, registry_errors.InvalidIdentifier) and not errors:
        errors = [{"pointer": "", "detail": exc.detail, "code": exc.code}]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": "5"}
    headers = {**(headers or {}), **getattr(exc, "headers", {})} or None
    detail = getattr(exc, "detail", str(exc))
    return problem(
        status, title, detail, code=getattr(exc, "code", "error"), errors=errors, headers=headers
    )


async def _validation_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        where, ptr = pointer(loc)
        entry = {
            "pointer": ptr,
            "where": where,
            "detail": err.get("msg", ""),
            "code": err.get("type", "invalid"),
        }
        if entry["code"] == "extra_forbidden" and loc:
            suggestion = _suggest(request, loc)
            if suggestion:
                entry["suggestion"] = suggestion
                entry["detail"] = f"unknown member '{loc[-1]}'; did you mean '{suggestion}'?"
            else:
                entry["detail"] = f"unknown member '{loc[-1]}'"
        errors.append(entry)
    first = errors[0]["detail"] if errors else "the request is not valid"
    return problem(422, "Invalid request", first, code="validation_error", errors=errors)


async def _http_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "HTTP error"
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": _allowed_methods(request)}
    return problem(exc.status_code, detail, detail, code=f"http_{exc.status_code}", headers=headers)


def _allowed_methods(request: Request) -> str:
    """Every method the target resource answers, as documented (each method is its own
    route here, so Starlette's own `Allow` names only the first route it tried)."""
    path = request.scope.get("path", "")
    matches = [
        (template.count("{"), operations)
        for template, operations in request.app.openapi().get("paths", {}).items()
        if compile_path(template)[0].match(path)
    ]
    fewest = min((params for params, _ in matches), default=0)  # literal segments win
    methods = {
        method.upper()
        for params, operations in matches
        if params == fewest
        for method in operations
        if method != "parameters"
    }
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


async def _database_down(request: Request, exc: Exception) -> Any:
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return problem(
        503,
        "Database unavailable",
        "the database cannot be reached just now; retry shortly",
        code="database_unavailable",
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> Any:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        500, "Internal error", "an unexpected error occurred; it has been logged", code="internal"
    )


def _suggest(request: Request, loc: tuple[Any, ...]) -> str | None:
    """The known member closest to an unknown one, from the route's body model."""
    route = request.scope.get("route")
    field = getattr(route, "body_field", None)
    model: Any = getattr(field, "type_", None) if field is not None else None
    if model is None:
        model = getattr(getattr(field, "field_info", None), "annotation", None)
    for part in loc[1:-1]:  # nested models: follow the location down
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        member = model.model_fields.get(str(part))
        model = member.annotation if member is not None else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
    return close[0] if close else None


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as problem+json."""
    for cls in ERROR_STATUS:
        app.add_exception_handler(cls, _domain_error)
    app.add_exception_handler(registry_errors.RegistryError, _domain_error)
    app.add_exception_handler(autofill_errors.AutofillError, _domain_error)
    app.add_exception_handler(form_errors.FormError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for cls in DATABASE_DOWN:
        app.add_exception_handler(cls, _database_down)
    app.add_exception_handler(Exception, _unexpected)
