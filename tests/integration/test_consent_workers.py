"""The consent flow across two real worker processes on one database (PostgreSQL and
Redis in that pass): the e-ID login, the consent, the code and the token issued by one
worker are what the other honours, once; a revocation through one holds in the other."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from tests.api.citizen_login import hidden_fields, query_of
from tests.api.oauth_flow import REDIRECT, Client, authorize_params, pkce
from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY
from tests.integration.servers import AUTH, workers
from tests.integration.test_workers import prepare, worker_env
from tests.records import citizen

PID = "001089012345"


class Via:
    """One browser (one cookie jar) talking to one of the workers."""

    def __init__(self, http: httpx.Client, base: str) -> None:
        self.http, self.base = http, base

    def get(self, path: str, **kw: object) -> httpx.Response:
        return self.http.get(self.base + path, **kw)  # type: ignore[arg-type]

    def post(self, path: str, **kw: object) -> httpx.Response:
        return self.http.post(self.base + path, **kw)  # type: ignore[arg-type]


def _login_and_consent(a: Via, b: Via, portal: Client) -> tuple[str, str]:
    """Log in and see the consent page through A, decide through B: a code and verifier."""
    verifier, challenge = pkce()
    params = authorize_params(portal, challenge)
    r = a.get("/oauth/authorize", params=params)
    assert r.status_code == 303 and r.headers["location"].startswith("/citizen/login"), r.text
    login = a.get(r.headers["location"])
    eid = a.get(login.headers["location"])
    assert eid.status_code == 200, eid.text
    sent = a.post("/eid/authorize", data={**hidden_fields(eid.text), "personal_id": PID})
    back = b.get(sent.headers["location"])  # the callback through the other worker
    assert back.status_code == 303, back.text
    page = a.get(back.headers["location"])
    assert page.status_code == 200 and "Đồng ý" in page.text, page.text
    decided = b.post("/oauth/authorize", data={**hidden_fields(page.text), "decision": "approve"})
    answer = query_of(decided.headers["location"])
    assert answer["state"] == params["state"], answer
    return answer["code"], verifier


def _token_form(portal: Client, code: str, verifier: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        "client_id": portal.client_id,
        "client_secret": portal.secret,
    }


def test_codes_tokens_and_consents_are_shared_by_the_workers(
    database_url: str, redis_url: str | None, tmp_path
) -> None:
    prepare(database_url)
    env = worker_env(database_url, redis_url) | {
        "AUTOFILL_EID_ENABLED": "true",
        "AUTOFILL_ISSUER": "http://autofill.test",
        "AUTOFILL_SIGNING_KEYS_DIR": str(tmp_path / "signing-keys"),
    }
    # The signing key is provisioned before the workers start, as a deployment does: two
    # workers that both find no key each make one at start (a known race, see the note).
    rotate = [sys.executable, "-m", "autofill.cli", "signing", "rotate"]
    cli_env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOFILL_")}
    cli_env |= {"AUTOFILL_ADMIN_KEY": ADMIN_KEY, "AUTOFILL_AUDIT_HASH_KEY": AUDIT_HASH_KEY, **env}
    made = subprocess.run(rotate, env=cli_env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    with workers(2, env, tmp_path) as (url_a, url_b):
        with httpx.Client(base_url=url_a, headers=AUTH, timeout=10) as admin:
            assert admin.put(f"/v1/citizens/{PID}", json=citizen()).status_code == 200
            r = admin.post("/v1/clients", json={"name": "Cổng thử", "redirect_uris": [REDIRECT]})
            assert r.status_code == 201, r.text
            portal = Client(r.json()["client_id"], r.json()["client_secret"], "Cổng thử")
        with httpx.Client(timeout=10) as browser:
            a, b = Via(browser, url_a), Via(browser, url_b)
            code, verifier = _login_and_consent(a, b, portal)
            first = b.post("/oauth/token", data=_token_form(portal, code, verifier))
            assert first.status_code == 200, first.text
            token = first.json()["access_token"]
            bearer = {"Authorization": f"Bearer {token}"}
            for base in (a, b):
                r = base.post("/v1/forms/ct01/prefill", json={}, headers=bearer)
                assert r.status_code == 200, r.text
                assert r.json()["fields"]["personal_id"]["value"] == PID
            again = a.post("/oauth/token", data=_token_form(portal, code, verifier))
            assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
            for base in (a, b):  # the reuse revoked the token, in both workers at once
                assert (
                    base.post("/v1/forms/ct01/prefill", json={}, headers=bearer).status_code == 401
                )
            # The consent given through the workers is reused, through either of them.
            _, challenge = pkce()
            page = b.get("/oauth/authorize", params=authorize_params(portal, challenge))
            assert page.status_code == 200 and 'id="consent-reuse"' in page.text
            code, verifier = _login_and_consent_again(a, b, portal)
            token = a.post("/oauth/token", data=_token_form(portal, code, verifier)).json()
            bearer = {"Authorization": f"Bearer {token['access_token']}"}
            auth = {"client_id": portal.client_id, "client_secret": portal.secret}
            assert (
                b.post("/oauth/revoke", data={**auth, "token": token["access_token"]}).status_code
                == 200
            )
            assert a.post("/v1/forms/ct01/prefill", json={}, headers=bearer).status_code == 401


def _login_and_consent_again(a: Via, b: Via, portal: Client) -> tuple[str, str]:
    """Already logged in: consent through A, decide through B."""
    verifier, challenge = pkce()
    params = authorize_params(portal, challenge)
    page = a.get("/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    decided = b.post("/oauth/authorize", data={**hidden_fields(page.text), "decision": "approve"})
    return query_of(decided.headers["location"])["code"], verifier
