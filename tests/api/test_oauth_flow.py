"""The OAuth code flow over HTTP: discovery, the authorization request, the consent page,
refusals and errors (RFC 6749, RFC 7636, RFC 9396)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from autofill.config import Settings
from seed.personas import PERSONAS
from tests.api.citizen_login import query_of
from tests.api.oauth_flow import (
    ADMIN,
    PURPOSE,
    REDIRECT,
    authorize_params,
    consent_page,
    decide,
    details,
    exchange,
    get_code,
    pkce,
    register,
    with_eid,
)

TYPICAL = next(p for p in PERSONAS if p.key == "typical_adult").identifier
WIDOWED = next(p for p in PERSONAS if p.key == "widowed").identifier  # represents nothing


@pytest.fixture
def browser(seeded_settings: Settings, tmp_path) -> Iterator[TestClient]:
    """The service with the mock e-ID on; requests carry no key (a browser, a portal)."""
    from main import create_app

    with TestClient(create_app(with_eid(seeded_settings, tmp_path))) as c:
        yield c


class TestDiscovery:
    def test_metadata(self, browser: TestClient) -> None:
        meta = browser.get("/.well-known/openid-configuration").json()
        issuer = meta["issuer"]
        assert meta["authorization_endpoint"] == issuer + "/oauth/authorize"
        assert meta["token_endpoint"] == issuer + "/oauth/token"
        assert meta["revocation_endpoint"] == issuer + "/oauth/revoke"
        assert meta["jwks_uri"] == issuer + "/.well-known/jwks.json"
        assert meta["code_challenge_methods_supported"] == ["S256"]
        assert meta["authorization_details_types_supported"] == ["prefill"]
        assert set(meta["token_endpoint_auth_methods_supported"]) == {
            "client_secret_basic",
            "client_secret_post",
        }
        assert browser.get("/.well-known/jwks.json").json()["keys"]


class TestConsentPage:
    def test_names_the_portal_form_purpose_and_data_grouped(self, browser) -> None:
        portal = register(browser, "Cổng DVC tỉnh Thử Nghiệm")
        _, challenge = pkce()
        page = consent_page(browser, authorize_params(portal, challenge), TYPICAL)
        assert page.status_code == 200, page.text
        html = page.text
        assert "Cổng DVC tỉnh Thử Nghiệm" in html
        assert "Mẫu CT01" in html and "phiên bản 1" in html
        assert PURPOSE in html
        assert "CSDL quốc gia về dân cư" in html and "Họ, chữ đệm và tên" in html
        assert "Đồng ý" in html and "Từ chối" in html
        assert "checked" not in html  # nothing pre-ticked
        assert "https://portal.example" in page.headers["content-security-policy"]

    def test_business_form_groups_enterprise_and_representative(self, browser) -> None:
        rep = _representative(browser, "0109881236")
        portal = register(browser)
        _, challenge = pkce()
        params = authorize_params(
            portal,
            challenge,
            authorization_details=details("business-change", enterprise_code="0109881236"),
        )
        html = consent_page(browser, params, rep).text
        assert 'data-person="enterprise"' in html and 'data-person="representative"' in html
        assert "CSDL quốc gia về đăng ký doanh nghiệp" in html and "Tên doanh nghiệp" in html

    def test_refusal_redirects_with_access_denied_and_state(self, browser) -> None:
        portal = register(browser)
        _, challenge = pkce()
        params = authorize_params(portal, challenge)
        back = decide(browser, consent_page(browser, params, TYPICAL).text, "deny")
        assert back["error"] == "access_denied" and back["state"] == params["state"]
        assert "code" not in back

    def test_a_live_consent_is_reused_and_the_page_says_so(self, browser) -> None:
        portal = register(browser)
        get_code(browser, portal, TYPICAL)
        _, challenge = pkce()
        page = consent_page(browser, authorize_params(portal, challenge), TYPICAL)
        assert 'id="consent-reuse"' in page.text
        back = decide(browser, page.text)
        assert "code" in back
        consents = browser.app.state.services.consents  # type: ignore[attr-defined]
        hasher = browser.app.state.services.trust.hasher  # type: ignore[attr-defined]
        import asyncio

        listed = asyncio.run(consents.list_for(hasher.hash(TYPICAL)))
        assert len(listed) == 1

    def test_someone_representing_nothing_is_refused_at_the_consent_step(self, browser) -> None:
        portal = register(browser)
        _, challenge = pkce()
        params = authorize_params(
            portal,
            challenge,
            authorization_details=details("business-change", enterprise_code="0109881236"),
        )
        r = consent_page(browser, params, WIDOWED)
        assert r.status_code == 303
        back = query_of(r.headers["location"])
        assert back["error"] == "access_denied" and back["state"] == params["state"]


def _representative(client: TestClient, code: str) -> str:
    record = client.get(f"/v1/businesses/{code}", headers=ADMIN).json()
    return record["legal_representatives"][0]["personal_id"]


class TestAuthorizationErrors:
    @pytest.mark.parametrize(
        ("change", "error"),
        [
            ({"code_challenge": ""}, "invalid_request"),
            ({"code_challenge_method": "plain"}, "invalid_request"),
            ({"response_type": "token"}, "unsupported_response_type"),
            (
                {"authorization_details": details(form_id="no-such-form")},
                "invalid_authorization_details",
            ),
            ({"authorization_details": details(fomr_id="ct01")}, "invalid_authorization_details"),
            (
                {"authorization_details": details("business-change")},
                "invalid_authorization_details",
            ),
            ({"authorization_details": "[]"}, "invalid_authorization_details"),
            ({"scope": "admin"}, "invalid_scope"),
        ],
    )
    def test_sent_back_to_the_client_with_state(self, browser, change, error) -> None:
        portal = register(browser)
        _, challenge = pkce()
        params = authorize_params(portal, challenge, **change)
        r = browser.get("/oauth/authorize", params=params, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith(REDIRECT)
        back = query_of(r.headers["location"])
        assert back["error"] == error and back["state"] == params["state"], back

    def test_a_repeated_parameter_is_invalid_request(self, browser: TestClient) -> None:
        portal = register(browser)
        _, challenge = pkce()
        query = [*authorize_params(portal, challenge).items(), ("state", "again")]
        r = browser.get("/oauth/authorize", params=query, follow_redirects=False)
        back = query_of(r.headers["location"])
        assert back["error"] == "invalid_request" and "state" in back["error_description"]

    def test_a_misspelt_member_is_named(self, browser: TestClient) -> None:
        portal = register(browser)
        _, challenge = pkce()
        params = authorize_params(portal, challenge, authorization_details=details(purpos="x"))
        r = browser.get("/oauth/authorize", params=params, follow_redirects=False)
        assert "purpos" in query_of(r.headers["location"])["error_description"]

    @pytest.mark.parametrize(
        "change",
        [{"redirect_uri": "https://portal.example/other"}, {"client_id": "cli_000000000000"}],
    )
    def test_never_redirected_to_an_unregistered_uri(self, browser, change) -> None:
        portal = register(browser)
        _, challenge = pkce()
        r = browser.get(
            "/oauth/authorize", params=authorize_params(portal, challenge, **change),
            follow_redirects=False,
        )  # fmt: skip
        assert r.status_code == 400 and "location" not in r.headers

    def test_a_form_outside_the_clients_list_is_refused(self, browser: TestClient) -> None:
        portal = register(browser, form_ids=["dc01"])
        _, challenge = pkce()
        r = browser.get(
            "/oauth/authorize", params=authorize_params(portal, challenge), follow_redirects=False
        )
        assert query_of(r.headers["location"])["error"] == "invalid_authorization_details"


class TestDecision:
    def test_a_ticket_is_bound_to_the_citizen_who_saw_it(self, browser) -> None:
        portal = register(browser)
        _, challenge = pkce()
        page = consent_page(browser, authorize_params(portal, challenge), TYPICAL)
        from tests.api.citizen_login import eid_login, hidden_fields

        eid_login(browser, WIDOWED)
        r = browser.post(
            "/oauth/authorize",
            data={**hidden_fields(page.text), "decision": "approve"},
            follow_redirects=False,
        )
        assert r.status_code == 400

    def test_the_whole_flow_with_basic_authentication(self, browser) -> None:
        portal = register(browser)
        code, verifier = get_code(browser, portal, TYPICAL)
        r = exchange(browser, portal, code, verifier, basic=True)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 600
        assert body["authorization_details"][0]["form_id"] == "ct01"
        assert r.headers["cache-control"] == "no-store"
