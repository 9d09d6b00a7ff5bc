"""`/me`: the citizen's pages behind the e-ID login, with a token on every state change."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests import records
from tests.api.citizen_app import family_service
from tests.api.citizen_login import eid_login, hidden_fields
from tests.api.keyring import bearer, create_key


@pytest.fixture
def family(settings, tmp_path):  # type: ignore[no-untyped-def]
    yield from family_service(settings, tmp_path / "signing-keys")


def _as(client: Any, personal_id: str) -> Any:
    client.cookies.clear()
    assert eid_login(client, personal_id, return_to="/me") == "/me"
    return client


def _me(client: Any) -> str:
    r = client.get("/me")
    assert r.status_code == 200, r.text
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    return r.text


def test_without_a_session_me_sends_to_the_login(anonymous) -> None:
    r = anonymous.get("/me", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/citizen/login?return_to=/me"


def test_the_page_shows_who_read_what_and_why(family) -> None:
    _officer, secret = create_key(family, "prefill")
    body = {"subjects": {"applicant": records.FATHER}, "purpose": "Đăng ký tạm trú"}
    assert family.post("/v1/forms/ct01/prefill", json=body, headers=bearer(secret)).is_success
    html = _me(_as(family, records.FATHER))
    assert "Nguyễn Văn An" in html
    entry = re.search(r'<li class="me-entry kind-assisted".*?</details>', html, re.S)
    assert entry is not None
    text = entry.group(0)
    assert "test prefill" in text and "Đăng ký tạm trú" in text
    assert "Cán bộ hỗ trợ trực tiếp" in text and "ct01" in text
    assert "Họ, chữ đệm và tên" in text
    for other in (records.MOTHER, records.CHILD, records.COMPANY, records.FATHER):
        assert other not in html  # not even the citizen's own ID is printed


def test_another_citizens_reads_are_not_shown(family) -> None:
    _reader, secret = create_key(family, "registry:read")
    family.get(f"/v1/citizens/{records.MOTHER}", headers=bearer(secret))
    assert "test registry:read" not in _me(_as(family, records.FATHER))
    assert "test registry:read" in _me(_as(family, records.MOTHER))


def test_a_state_change_without_the_token_is_refused(family) -> None:
    citizen = _as(family, records.FATHER)
    for path in ("/me/consents/cns_x/revoke", "/me/logout"):
        r = citizen.post(path, data={"csrf": "forged"}, follow_redirects=False)
        assert r.status_code == 403, path
    assert citizen.get("/me").status_code == 200  # still logged in


def test_logout_with_the_pages_token_ends_the_session(family) -> None:
    citizen = _as(family, records.FATHER)
    token = hidden_fields(_me(citizen))["csrf"]
    r = citizen.post("/me/logout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    assert citizen.get("/me", follow_redirects=False).status_code == 303


def test_the_token_is_the_sessions_own(family) -> None:
    token = hidden_fields(_me(_as(family, records.FATHER)))["csrf"]
    other = hidden_fields(_me(_as(family, records.MOTHER)))["csrf"]
    assert token != other and len(token) == 64


def test_an_unknown_consent_cannot_be_revoked(family) -> None:
    citizen = _as(family, records.FATHER)
    token = hidden_fields(_me(citizen))["csrf"]
    r = citizen.post("/me/consents/cns_nope/revoke", data={"csrf": token})
    assert r.status_code == 404
    assert citizen.get("/me/consents/cns_nope/receipt").status_code == 404


def test_older_entries_are_a_page_away(family) -> None:
    _, secret = create_key(family, "registry:read")
    for _ in range(25):
        family.get(f"/v1/citizens/{records.CHILD}", headers=bearer(secret))
    citizen = _as(family, records.CHILD)
    first = _me(citizen)
    link = re.search(r'href="/me\?cursor=([0-9]+)#access-log"', first)
    assert link is not None and first.count('class="me-entry ') == 20
    second = citizen.get("/me", params={"cursor": link.group(1)}).text
    ids = (
        re.findall(r'<time datetime="([^"]+)"', first),
        re.findall(r'<time datetime="([^"]+)"', second),
    )
    assert second.count('class="me-entry ') >= 5
    assert min(ids[0]) >= max(ids[1])
    assert citizen.get("/me", params={"cursor": "not-a-cursor"}).status_code == 200
