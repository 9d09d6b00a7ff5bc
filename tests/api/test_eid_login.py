"""The mock national e-ID (VNeID stand-in) and the citizen's session over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from autofill.api.citizen import SESSION_COOKIE, Citizen, CitizenDep
from autofill.config import Settings
from seed.personas import PERSONAS
from tests.api.citizen_login import eid_login, hidden_fields, start_login
from tests.api.oauth_flow import with_eid

TYPICAL = next(p for p in PERSONAS if p.key == "typical_adult")
DECEASED = next(p for p in PERSONAS if p.key == "deceased")


@pytest.fixture
def browser(seeded_settings: Settings, tmp_path) -> Iterator[TestClient]:
    """The service with the mock e-ID on and a route that shows the session's citizen."""
    from main import create_app

    app = create_app(with_eid(seeded_settings, tmp_path))

    @app.get("/_who")
    async def who(citizen: CitizenDep) -> dict[str, object]:
        assert isinstance(citizen, Citizen)
        return {"id": citizen.personal_id, "name": citizen.name, "level": citizen.assurance_level}

    with TestClient(app) as c:
        yield c


def _seeded_non_persona(client: TestClient) -> tuple[str, str]:
    r = client.get(
        "/v1/citizens", params={"limit": 50}, headers={"Authorization": "Bearer " + ADMIN}
    )
    assert r.status_code == 200, r.text
    personas = {p.identifier for p in PERSONAS}
    for item in r.json()["items"]:
        if item["personal_id"] not in personas and not item.get("death_date"):
            return item["personal_id"], item["full_name"]
    raise AssertionError("no seeded non-persona citizen")


from tests.conftest import ADMIN_KEY as ADMIN  # noqa: E402


class TestLoginPage:
    def test_lists_personas_and_takes_any_id(self, browser: TestClient) -> None:
        page = start_login(browser)
        assert "Đăng nhập" in page and 'name="personal_id"' in page
        assert TYPICAL.identifier in page and TYPICAL.name in page
        assert 'name="level" value="1"' in page and 'name="level" value="2"' in page
        assert browser.get("/static/portal.css").status_code == 200

    def test_a_typed_non_persona_logs_in_with_the_level_chosen(self, browser) -> None:
        personal_id, name = _seeded_non_persona(browser)
        assert eid_login(browser, personal_id, level="1", return_to="/somewhere?x=1") == (
            "/somewhere?x=1"
        )
        assert browser.get("/_who").json() == {"id": personal_id, "name": name, "level": 1}
        cookie = browser.cookies.get(SESSION_COOKIE)
        assert cookie and personal_id not in cookie

    def test_a_persona_button_logs_in(self, browser: TestClient) -> None:
        page = start_login(browser)
        r = browser.post(
            "/eid/authorize",
            data={**hidden_fields(page), "persona": TYPICAL.identifier, "level": "2"},
            follow_redirects=False,
        )
        assert browser.get(r.headers["location"], follow_redirects=False).status_code == 303
        assert browser.get("/_who").json()["id"] == TYPICAL.identifier

    @pytest.mark.parametrize(
        ("typed", "status", "words"),
        [
            ("12345", 422, "không hợp lệ"),
            ("001099999999", 404, "Không tìm thấy"),
            (DECEASED.identifier, 403, "đã mất"),
        ],
    )
    def test_refusals_say_why_and_leak_nothing(self, browser, typed, status, words) -> None:
        page = start_login(browser)
        r = browser.post(
            "/eid/authorize",
            data={**hidden_fields(page), "personal_id": typed, "level": "2"},
            follow_redirects=False,
        )
        assert r.status_code == status and words in r.text
        # Nothing of the record: the page says no more than the login page did.
        assert r.text.count(DECEASED.name) == page.count(DECEASED.name)
        assert "1956" not in r.text.replace(page, "")
        assert browser.get("/_who").status_code == 401

    def test_a_request_not_from_the_service_is_refused(self, browser: TestClient) -> None:
        r = browser.get(
            "/eid/authorize",
            params={
                "response_type": "code",
                "client_id": "autofill",
                "scope": "openid",
                "redirect_uri": "https://evil.example/cb",
                "state": "s" * 16,
                "nonce": "n" * 16,
            },
        )
        assert r.status_code == 400 and 'name="personal_id"' not in r.text


class TestSession:
    def test_no_session_is_401_problem(self, browser: TestClient) -> None:
        r = browser.get("/_who")
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")

    def test_an_altered_cookie_is_no_session(self, browser: TestClient) -> None:
        eid_login(browser, TYPICAL.identifier)
        value = browser.cookies.get(SESSION_COOKIE)
        browser.cookies.set(SESSION_COOKIE, value[:-3] + "AAA")
        assert browser.get("/_who").status_code == 401

    def test_a_code_is_redeemed_once_and_the_state_must_match(self, browser) -> None:
        page = start_login(browser)
        r = browser.post(
            "/eid/authorize",
            data={**hidden_fields(page), "personal_id": TYPICAL.identifier, "level": "2"},
            follow_redirects=False,
        )
        callback = r.headers["location"]
        assert browser.get(callback, follow_redirects=False).status_code == 303
        browser.cookies.delete(SESSION_COOKIE)
        assert browser.get(callback, follow_redirects=False).status_code == 400

    def test_logout_ends_the_session(self, browser: TestClient) -> None:
        eid_login(browser, TYPICAL.identifier)
        browser.post("/citizen/logout", data={"return_to": "/"}, follow_redirects=False)
        assert browser.get("/_who").status_code == 401

    def test_return_to_never_leaves_the_site(self, browser: TestClient) -> None:
        assert eid_login(browser, TYPICAL.identifier, return_to="//evil.example/") == "/"

    def test_turned_off_there_is_no_eid(self, seeded_settings: Settings) -> None:
        from main import create_app

        off = seeded_settings.model_copy(update={"eid_enabled": False, "portal_enabled": False})
        with TestClient(create_app(off)) as c:
            assert c.get("/eid/authorize").status_code == 404
            assert c.get("/citizen/login", follow_redirects=False).status_code == 503
