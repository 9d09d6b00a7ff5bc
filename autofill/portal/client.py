"""The portal back-end's client of this service: the HTTP API, called in-process with a
key that never leaves the server."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from autofill.trust import KeyPrincipal, Principal, hash_secret

PORTAL_KEY_ID = "portal-demo"
PORTAL_SCOPES = frozenset({"prefill"})


class PortalKeyStore:
    """Holds the demo portal's one key: random per process, known only to this process."""

    def __init__(self) -> None:
        self.secret = secrets.token_urlsafe(32)
        self._hash = hash_secret(self.secret)
        # Never locked by the enumeration watch: one guesser must not lock every visitor
        # out; the portal limits each visitor's address itself (`autofill.portal.visitors`).
        self.principal = KeyPrincipal(
            PORTAL_KEY_ID,
            "Cổng dịch vụ công mẫu (cán bộ hỗ trợ, nhập số định danh)",
            PORTAL_SCOPES,
            lock_on_enumeration=False,
        )

    async def find(self, secret_hash: str) -> Principal | None:
        """The portal's principal for its own key, None for any other."""
        return self.principal if secrets.compare_digest(secret_hash, self._hash) else None


@dataclass(frozen=True, slots=True)
class ApiAnswer:
    """A response of the service: status and decoded JSON body."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300

    def problem_detail(self) -> str:
        """The problem's `detail` (or a generic text) of an error answer."""
        if isinstance(self.body, dict):
            return str(self.body.get("detail") or self.body.get("title") or "")
        return f"HTTP {self.status}"

    def problems(self) -> list[tuple[str, str, str]]:
        """(JSON pointer, code, detail) for each located problem of an error answer."""
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        return [
            (str(e.get("pointer", "")), str(e.get("code") or ""), str(e.get("detail", "")))
            for e in errors or []
            if isinstance(e, dict)
        ]


class ServiceClient:
    """Calls the service's `/v1` API through the ASGI app itself, with the portal key."""

    def __init__(self, app: Any, secret: str) -> None:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._http = httpx.AsyncClient(
            transport=transport,
            base_url="http://autofill.internal",
            headers={"Authorization": f"Bearer {secret}", "User-Agent": "autofill-demo-portal"},
            timeout=30.0,
        )
        self._app = app
        self._can_verify: bool | None = None

    async def _call(self, method: str, path: str, **kwargs: Any) -> ApiAnswer:
        response = await self._http.request(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        return ApiAnswer(response.status_code, body)

    async def list_forms(self) -> ApiAnswer:
        """`GET /v1/forms`."""
        return await self._call("GET", "/v1/forms")

    async def get_form(self, form_id: str) -> ApiAnswer:
        """`GET /v1/forms/{id}`."""
        return await self._call("GET", f"/v1/forms/{form_id}")

    async def prefill(self, form_id: str, subjects: dict[str, str], purpose: str) -> ApiAnswer:
        """`POST /v1/forms/{id}/prefill`."""
        body = {"subjects": subjects, "purpose": purpose}
        return await self._call("POST", f"/v1/forms/{form_id}/prefill", json=body)

    async def exchange_code(
        self, code: str, verifier: str, *, client_id: str, secret: str, redirect_uri: str
    ) -> ApiAnswer:
        """`POST /oauth/token`: the code and PKCE verifier for an access token (the
        portal authenticates as an OAuth client, `client_secret_basic`)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        return await self._call("POST", "/oauth/token", data=form, auth=(client_id, secret))

    async def prefill_with_token(self, form_id: str, token: str) -> ApiAnswer:
        """`POST /v1/forms/{id}/prefill` under a citizen's consent: the subject and the
        purpose come from the token."""
        headers = {"Authorization": f"Bearer {token}"}
        body: dict[str, Any] = {"subjects": {}}
        return await self._call("POST", f"/v1/forms/{form_id}/prefill", json=body, headers=headers)

    def can_verify(self) -> bool:
        """Whether the service has the submission check (`POST /v1/forms/{id}/verify`)."""
        if self._can_verify is None:
            paths = self._app.openapi().get("paths", {}) if hasattr(self._app, "openapi") else {}
            self._can_verify = "/v1/forms/{form_id}/verify" in paths
        return self._can_verify

    async def verify(
        self,
        form_id: str,
        token: str,
        values: dict[str, Any],
        subjects: dict[str, str],
        *,
        access_token: str | None = None,
    ) -> ApiAnswer:
        """`POST /v1/forms/{id}/verify`: with the portal's key and the subjects typed, or,
        for a form filled under a citizen's consent, with its access token (the service
        knows the subjects from the consent)."""
        path = f"/v1/forms/{form_id}/verify"
        if access_token is None:
            body = {"token": token, "values": values, "subjects": subjects}
            return await self._call("POST", path, json=body)
        headers = {"Authorization": f"Bearer {access_token}"}
        body = {"token": token, "values": values}
        return await self._call("POST", path, json=body, headers=headers)

    async def close(self) -> None:
        """Release the client."""
        await self._http.aclose()
