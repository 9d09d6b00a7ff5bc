"""The demo portal's "Đăng nhập bằng VNeID (mô phỏng)" over HTTP: a registered client with
PKCE S256, state checked, refusal as access_denied, a business form for its representative,
and the typed-ID path kept as the officer's assisted mode."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests import records
from tests.api.citizen_app import family_service
from tests.api.citizen_login import eid_login, hidden_fields, query_of


@pytest.fixture
def family(settings, tmp_path):  # type: ignore[no-untyped-def]
    yield from family_service(settings, tmp_path / "signing-keys")


def _local(location: str) -> str:
    """The path and query of an absolute URL of this service (the test client's host
    differs from the issuer's)."""
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _start(client: Any, form: str = "ct01", **more: str) -> tuple[str, dict[str, str]]:
    r = client.post("/portal/vneid", data={"form": form, **more}, follow_redirects=False)
    assert r.status_code == 303, r.text
    cookie = r.headers["set-cookie"]
    assert "af_portal_flow=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    return r.headers["location"], query_of(r.headers["location"])


def _consent_page(client: Any, authorize: str, personal_id: str) -> str:
    r = client.get(authorize, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/citizen/login")
    back = eid_login(client, personal_id, return_to=query_of(r.headers["location"])["return_to"])
    page = client.get(back, follow_redirects=False)
    assert page.status_code == 200, page.text
    return page.text


def _decide(client: Any, html: str, decision: str) -> str:
    data = {**hidden_fields(html), "decision": decision}
    r = client.post("/oauth/authorize", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


def test_the_authorization_request_is_pkce_s256_with_a_prefill_detail(family) -> None:
    location, query = _start(family)
    assert location.startswith("/oauth/authorize?")
    assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43 and query["client_id"].startswith("cli_")
    assert query["redirect_uri"].endswith("/portal/callback") and len(query["state"]) >= 32
    (detail,) = json.loads(query["authorization_details"])
    assert detail == {"type": "prefill", "form_id": "ct01", "purpose": detail["purpose"]}
    assert "ct01" in detail["purpose"]


def test_agree_fills_the_form_with_the_citizens_registry_name(family) -> None:
    authorize, query = _start(family)
    html = _consent_page(family, authorize, records.MOTHER)
    assert "Cổng dịch vụ công mẫu" in html and "Tờ khai thay đổi thông tin cư trú" in html
    back = _decide(family, html, "approve")
    assert query_of(back)["state"] == query["state"]
    r = family.get(_local(back))
    assert r.status_code == 200, r.text
    assert 'id="consent-mode"' in r.text and 'value="Trần Thị Bình"' in r.text
    assert "af_portal_token=" in r.headers["set-cookie"]
    again = family.post("/portal/refill")
    assert again.status_code == 200 and 'value="Trần Thị Bình"' in again.text


def test_a_form_filled_under_consent_is_checked_on_submission(family) -> None:
    """The portal never learns the personal ID: it submits to /portal/submit, which runs
    the submission check with the consent's access token."""
    authorize, _ = _start(family)
    back = _decide(family, _consent_page(family, authorize, records.MOTHER), "approve")
    page = family.get(_local(back))
    assert 'action="/portal/submit"' in page.text
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text))
    fields = {k: html.unescape(v) for k, v in fields.items()}
    r = family.post("/portal/submit", data=fields)
    assert r.status_code == 200, r.text
    assert 'data-verdict="intact"' in r.text
    family.cookies.delete("af_portal_token", path="/portal")
    assert family.post("/portal/submit", data=fields).status_code == 401


def test_refusal_comes_back_as_access_denied(family) -> None:
    authorize, _ = _start(family)
    back = _decide(family, _consent_page(family, authorize, records.MOTHER), "deny")
    assert query_of(back)["error"] == "access_denied"
    r = family.get(_local(back))
    assert r.status_code == 403
    assert "từ chối" in r.text and "access_denied" in r.text and "filled-form" not in r.text


def test_a_state_that_is_not_ours_is_refused(family) -> None:
    authorize, _ = _start(family)
    back = _decide(family, _consent_page(family, authorize, records.MOTHER), "approve")
    code = query_of(back)["code"]
    r = family.get("/portal/callback", params={"code": code, "state": "forged-state"})
    assert r.status_code == 400 and "filled-form" not in r.text
    family.cookies.delete("af_portal_flow", path="/portal")
    r = family.get(_local(back))
    assert r.status_code == 400


def test_refill_without_a_consent_is_401(family) -> None:
    r = family.post("/portal/refill")
    assert r.status_code == 401 and "VNeID" in r.text


def test_a_representative_fills_their_enterprises_form(family) -> None:
    authorize, _ = _start(family, "business-change", enterprise_code=records.COMPANY)
    (detail,) = json.loads(query_of(authorize)["authorization_details"])
    assert detail["enterprise_code"] == records.COMPANY
    back = _decide(family, _consent_page(family, authorize, records.FATHER), "approve")
    r = family.get(_local(back))
    assert r.status_code == 200, r.text
    assert 'value="CÔNG TY CỔ PHẦN THƯƠNG MẠI SÔNG HỒNG"' in r.text


def test_a_citizen_who_represents_nothing_cannot_fill_it(family) -> None:
    authorize, _ = _start(family, "business-change", enterprise_code=records.COMPANY)
    r = family.get(authorize, follow_redirects=False)
    back = eid_login(family, records.CHILD, return_to=query_of(r.headers["location"])["return_to"])
    answer = family.get(back, follow_redirects=False)
    assert answer.status_code == 303  # refused at the consent step, before any page
    assert query_of(answer.headers["location"])["error"] == "access_denied"
    r = family.get(_local(answer.headers["location"]))
    assert r.status_code == 403 and "không phải người đại diện" in r.text
    assert "filled-form" not in r.text


def test_the_typed_id_path_stays_as_the_assisted_mode(family) -> None:
    page = family.get("/", params={"form": "ct01"})
    assert page.status_code == 200
    assert "Đăng nhập bằng VNeID (mô phỏng)" in page.text
    assert "Cán bộ hỗ trợ: nhập số định danh" in page.text
    r = family.post("/prefill", data={"form": "ct01", "subject.applicant": records.MOTHER})
    assert r.status_code == 200 and 'value="Trần Thị Bình"' in r.text
    assert 'id="consent-mode"' not in r.text
