"""Codes and access tokens: PKCE, single use, expiry, client authentication, revocation,
and the token's cryptography checked with another library (PyJWT)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from autofill.config import Settings
from seed.personas import PERSONAS
from tests.api.oauth_flow import (
    exchange,
    get_code,
    pkce,
    prefill,
    register,
    token_for,
    with_eid,
)

TYPICAL = next(p for p in PERSONAS if p.key == "typical_adult").identifier


def _app(settings: Settings, tmp_path, **update: object) -> TestClient:  # type: ignore[no-untyped-def]
    from main import create_app

    return TestClient(create_app(with_eid(settings, tmp_path, **update)))


@pytest.fixture
def browser(seeded_settings: Settings, tmp_path) -> Iterator[TestClient]:
    """The service with the mock e-ID on; requests carry no key."""
    with _app(seeded_settings, tmp_path) as c:
        yield c


def _error(r) -> str:  # type: ignore[no-untyped-def]
    assert r.headers["content-type"].startswith("application/json")
    return r.json()["error"]


class TestCodes:
    def test_a_wrong_verifier_is_invalid_grant_and_the_right_one_still_works(self, browser) -> None:
        portal = register(browser)
        code, verifier = get_code(browser, portal, TYPICAL)
        wrong, _ = pkce()
        r = exchange(browser, portal, code, wrong)
        assert r.status_code == 400 and _error(r) == "invalid_grant"
        assert exchange(browser, portal, code, verifier).status_code == 200

    def test_a_reused_code_is_refused_and_revokes_its_token(self, browser) -> None:
        portal = register(browser)
        code, verifier = get_code(browser, portal, TYPICAL)
        first = exchange(browser, portal, code, verifier)
        token = first.json()["access_token"]
        assert prefill(browser, token).status_code == 200
        again = exchange(browser, portal, code, verifier)
        assert again.status_code == 400 and again.json() == {
            "error": "invalid_grant",
            "error_description": "the code was already used",
        }
        assert prefill(browser, token).status_code == 401

    def test_another_clients_code_is_invalid_grant(self, browser) -> None:
        portal, other = register(browser), register(browser, "Cổng khác")
        code, verifier = get_code(browser, portal, TYPICAL)
        r = exchange(browser, other, code, verifier)
        assert r.status_code == 400 and _error(r) == "invalid_grant"

    def test_client_authentication(self, browser: TestClient) -> None:
        portal = register(browser)
        code, verifier = get_code(browser, portal, TYPICAL)
        portal.secret += "x"
        r = exchange(browser, portal, code, verifier)
        assert r.status_code == 401 and _error(r) == "invalid_client"
        r = exchange(browser, portal, code, verifier, basic=True)
        assert r.status_code == 401 and "Basic" in r.headers["www-authenticate"]
        r = browser.post("/oauth/token", data={"grant_type": "authorization_code", "code": code})
        assert r.status_code == 401 and _error(r) == "invalid_client"

    def test_unsupported_grant_type_and_missing_members(self, browser) -> None:
        portal = register(browser)
        auth = {"client_id": portal.client_id, "client_secret": portal.secret}
        r = browser.post("/oauth/token", data={**auth, "grant_type": "password"})
        assert r.status_code == 400 and _error(r) == "unsupported_grant_type"
        r = browser.post("/oauth/token", data={**auth, "grant_type": "authorization_code"})
        assert r.status_code == 400 and _error(r) == "invalid_request"

    def test_an_expired_code_is_invalid_grant(self, seeded_settings: Settings, tmp_path) -> None:
        with _app(seeded_settings, tmp_path, oauth_code_seconds=1) as browser:
            portal = register(browser)
            code, verifier = get_code(browser, portal, TYPICAL)
            time.sleep(1.2)
            r = exchange(browser, portal, code, verifier)
            assert r.status_code == 400 and r.json()["error_description"] == "the code has expired"


class TestTokens:
    def test_verifies_with_pyjwt_against_the_published_keys(self, browser) -> None:
        portal = register(browser)
        token = token_for(browser, portal, TYPICAL)
        meta = browser.get("/.well-known/openid-configuration").json()
        keys = jwt.PyJWKSet.from_dict(browser.get("/.well-known/jwks.json").json())
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "ES256" and header["typ"] == "at+jwt"
        key = next(k for k in keys.keys if k.key_id == header["kid"])
        claims = jwt.decode(
            token, key, algorithms=["ES256"], audience=meta["issuer"], issuer=meta["issuer"]
        )
        assert claims["client_id"] == portal.client_id
        assert 0 < claims["exp"] - claims["iat"] <= 600
        assert claims["authorization_details"] == [
            {
                "type": "prefill",
                "form_id": "ct01",
                "form_version": 1,
                "purpose": claims["authorization_details"][0]["purpose"],
            }
        ]
        # The citizen appears only as a pseudonym for this client: never the personal ID.
        assert TYPICAL not in str(claims) and len(claims["sub"]) == 64

    def test_an_altered_or_foreign_token_is_401(self, browser: TestClient) -> None:
        portal = register(browser)
        token = token_for(browser, portal, TYPICAL)
        head, body, signature = token.split(".")
        flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
        assert prefill(browser, f"{head}.{flipped}.{signature}").status_code == 401
        claims = jwt.decode(token, options={"verify_signature": False})
        forged = jwt.encode(
            claims,
            ec.generate_private_key(ec.SECP256R1()),
            algorithm="ES256",
            headers={"kid": jwt.get_unverified_header(token)["kid"], "typ": "at+jwt"},
        )
        r = prefill(browser, forged)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")

    def test_an_expired_token_is_401(self, seeded_settings: Settings, tmp_path) -> None:
        with _app(seeded_settings, tmp_path, oauth_token_seconds=1) as browser:
            portal = register(browser)
            token = token_for(browser, portal, TYPICAL)
            time.sleep(2.1)
            assert prefill(browser, token).status_code == 401

    def test_revocation_endpoint(self, browser: TestClient) -> None:
        portal, other = register(browser), register(browser, "Cổng khác")
        token = token_for(browser, portal, TYPICAL)
        auth = {"client_id": other.client_id, "client_secret": other.secret}
        assert browser.post("/oauth/revoke", data={**auth, "token": token}).status_code == 200
        assert prefill(browser, token).status_code == 200  # not the other client's to revoke
        auth = {"client_id": portal.client_id, "client_secret": portal.secret}
        assert browser.post("/oauth/revoke", data={**auth, "token": token}).status_code == 200
        assert prefill(browser, token).status_code == 401
        r = browser.post("/oauth/revoke", data=auth)
        assert r.status_code == 400 and _error(r) == "invalid_request"

    def test_a_revoked_client_tokens_stop(self, browser: TestClient) -> None:
        from tests.api.oauth_flow import ADMIN

        portal = register(browser)
        token = token_for(browser, portal, TYPICAL)
        assert browser.delete(f"/v1/clients/{portal.client_id}", headers=ADMIN).status_code == 204
        assert prefill(browser, token).status_code == 401


def test_expired_codes_and_tokens_are_purged(browser: TestClient) -> None:
    import datetime as dt

    from sqlalchemy import text

    portal = register(browser)
    token = token_for(browser, portal, TYPICAL)
    services = browser.app.state.services  # type: ignore[attr-defined]
    assert services.oauth.grants.purge(dt.datetime.now(dt.UTC)) == 0  # nothing expired yet
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert services.oauth.grants.purge(later) == 2  # the code and the token
    with services.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM oauth_tokens")).scalar_one() == 0
    assert prefill(browser, token).status_code == 401
