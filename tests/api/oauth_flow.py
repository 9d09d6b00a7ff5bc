"""The OAuth code flow driven over HTTP against the test app, as a portal and a browser."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from tests.api.citizen_login import eid_login, hidden_fields, query_of
from tests.conftest import ADMIN_KEY

REDIRECT = "https://portal.example/callback"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
PURPOSE = "Nộp tờ khai thay đổi thông tin cư trú trực tuyến"


@dataclass
class Client:
    """A registered client."""

    client_id: str
    secret: str
    name: str


def register(client: TestClient, name: str = "Cổng DVC thử nghiệm", **extra: Any) -> Client:
    """A new client registered with the admin key."""
    body = {"name": name, "redirect_uris": [REDIRECT], **extra}
    r = client.post("/v1/clients", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    return Client(r.json()["client_id"], r.json()["client_secret"], name)


def pkce() -> tuple[str, str]:
    """A verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def details(form_id: str = "ct01", purpose: str = PURPOSE, **more: Any) -> str:
    """An `authorization_details` parameter."""
    return json.dumps([{"type": "prefill", "form_id": form_id, "purpose": purpose, **more}])


def authorize_params(portal: Client, challenge: str, **over: str) -> dict[str, str]:
    """A well-formed authorization request."""
    params = {
        "response_type": "code",
        "client_id": portal.client_id,
        "redirect_uri": REDIRECT,
        "state": "st-" + secrets.token_hex(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "authorization_details": details(),
    }
    params.update(over)
    return params


def consent_page(browser: TestClient, params: dict[str, str], personal_id: str | None) -> Any:
    """GET /oauth/authorize, logging in through the e-ID when asked to; the last answer."""
    r = browser.get("/oauth/authorize", params=params, follow_redirects=False)
    if r.status_code == 303 and r.headers["location"].startswith("/citizen/login"):
        assert personal_id is not None
        back = eid_login(
            browser, personal_id, return_to=query_of(r.headers["location"])["return_to"]
        )
        r = browser.get(back, follow_redirects=False)
    return r


def decide(browser: TestClient, page_html: str, decision: str = "approve") -> dict[str, str]:
    """Press "Đồng ý" or "Từ chối"; the parameters the client's redirect URI receives."""
    r = browser.post(
        "/oauth/authorize",
        data={**hidden_fields(page_html), "decision": decision},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith(REDIRECT + "?")
    return query_of(r.headers["location"])


def get_code(browser: TestClient, portal: Client, personal_id: str, **over: str) -> tuple[str, str]:
    """The whole browser part: a code and its verifier."""
    verifier, challenge = pkce()
    params = authorize_params(portal, challenge, **over)
    page = consent_page(browser, params, personal_id)
    assert page.status_code == 200, page.text
    back = decide(browser, page.text)
    assert back["state"] == params["state"] and "code" in back, back
    return back["code"], verifier


def exchange(
    client: TestClient, portal: Client, code: str, verifier: str, *, basic: bool = False
) -> Any:
    """POST /oauth/token (client_secret_post, or Basic)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    if basic:
        raw = f"{portal.client_id}:{portal.secret}".encode()
        headers = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        return client.post("/oauth/token", data=form, headers=headers)
    form |= {"client_id": portal.client_id, "client_secret": portal.secret}
    return client.post("/oauth/token", data=form, headers={"Authorization": ""})


def token_for(browser: TestClient, portal: Client, personal_id: str, **over: str) -> str:
    """An access token for the citizen, through the whole flow."""
    code, verifier = get_code(browser, portal, personal_id, **over)
    r = exchange(browser, portal, code, verifier)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def prefill(client: TestClient, token: str, form_id: str = "ct01", **body: Any) -> Any:
    """POST the prefill with the access token as the bearer."""
    return client.post(
        f"/v1/forms/{form_id}/prefill",
        json=body or {},
        headers={"Authorization": f"Bearer {token}"},
    )


def with_eid(settings: Any, tmp_path: Any, **update: Any) -> Any:
    """Settings with the mock e-ID on and a signing key (a shared database has none by
    default: ID tokens, access tokens and receipts are signed)."""
    return settings.model_copy(
        update={"eid_enabled": True, "signing_keys_dir": tmp_path / "signing-keys", **update}
    )
