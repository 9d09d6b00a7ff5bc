"""The API's documentation: `/docs` (Swagger UI) and `/redoc` served with their assets from
the service itself, and bearer security declared in the OpenAPI document.

The service runs where there may be no internet, so FastAPI's default pages (which load
Swagger UI and ReDoc from a CDN) would be blank. The `fastapi-offline` package ships the
Swagger UI and ReDoc bundles; only its files are used here, with FastAPI's own page
builders, so the app keeps being a plain `FastAPI`.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

from autofill.api import admin
from autofill.config import Settings

ASSETS_URL = "/docs-assets"
BEARER_SCHEME = "bearer"
SECURITY_SCHEMES = {
    BEARER_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "an API key: the admin key printed at start-up (or AUTOFILL_ADMIN_KEY), "
        "or one made with `POST /v1/keys` / `autofill keys create`",
    }
}
PROBLEM_REF = "#/components/schemas/ProblemDetails"
BODY_REFUSALS = {
    "413": "Request body too large or too deeply nested",
    "415": "Request body is not JSON (send `Content-Type: application/json`)",
}
# Swagger UI keeps the key across page reloads, so a try-out does not need it typed again.
SWAGGER_PARAMETERS = {"persistAuthorization": True, "defaultModelsExpandDepth": 0}
# The pages may load nothing from elsewhere (ReDoc would fetch its vendor's logo): the docs
# work offline, and no visit is reported to a third party. The inline styles and the page's
# own start-up script are FastAPI's; ReDoc runs its search in a blob worker.
DOCS_POLICY = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'"
}


def declare_security(document: dict[str, Any]) -> dict[str, Any]:
    """Declare HTTP bearer security for the whole API; operations that answer without a key
    (those that declare no 401) get an empty `security` list of their own, and those that
    declare their own (the citizen's `/v1/me`) keep it."""
    # Merged: routes may declare schemes of their own (the citizen's session cookie).
    document.setdefault("components", {}).setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    document["security"] = [{BEARER_SCHEME: []}]
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "security" in operation:
                continue
            if "401" not in operation.get("responses", {}):
                operation["security"] = []
    return document


def declare_body_refusals(document: dict[str, Any]) -> dict[str, Any]:
    """Every operation that takes a body may also answer 413 (over the size or depth limit)
    and 415 (not JSON): the request guard (`autofill.api.guard`, under /v1) decides both
    before the route runs."""
    problem = document.get("components", {}).get("schemas", {}).get("ProblemDetails")
    content = {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}} if problem else {}
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            if not path.startswith("/v1/") or "requestBody" not in operation:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in BODY_REFUSALS.items():
                responses.setdefault(status, {"description": description, "content": content})
    return document


def mount_docs(app: FastAPI, settings: Settings) -> None:
    """Serve `/docs`, its OAuth2 redirect page and `/redoc` from local assets, and make
    `app.openapi()` declare bearer security and this deployment's limits. Build the app
    with `docs_url=None, redoc_url=None` so FastAPI's CDN pages are not served."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = declare_body_refusals(declare_security(build()))
            admin.document_limits(document, settings)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    assets = str(files("fastapi_offline") / "static")
    app.mount(ASSETS_URL, StaticFiles(directory=assets), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _with_policy(
            get_swagger_ui_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=root + redirect_url,
                swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
                swagger_ui_parameters=SWAGGER_PARAMETERS,
            )
        )

    @app.get(redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _with_policy(
            get_redoc_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
                with_google_fonts=False,
            )
        )


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    page.headers.update(DOCS_POLICY)
    return page
