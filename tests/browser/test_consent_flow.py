"""The citizen in the loop, in a real Chromium: the demo portal's "Đăng nhập bằng VNeID (mô
phỏng)" → the mock e-ID → the consent page → the form filled through the real OAuth flow;
refusal; `/me` with the portal's read and an officer's assisted read; "Thu hồi"; a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from seed.personas import reserved_ids
from tests.browser.conftest import save_screenshot
from tests.browser.test_portal import field, sideways

pytestmark = pytest.mark.browser

FORM = "ct01"
PORTAL_NAME = "Cổng dịch vụ công mẫu"
OFFICER = "Cán bộ một cửa phường Cửa Nam"
OFFICER_PURPOSE = "Hỗ trợ công dân đăng ký thường trú tại quầy"


def seeded_citizens(api: Any, count: int) -> list[dict[str, Any]]:
    """Living adults of the seeded registry who are not personas (nobody lists them on
    the e-ID page: they are logged in as by typing their ID)."""
    found: list[dict[str, Any]] = []
    reserved = reserved_ids()
    r = api.get("/v1/citizens", params={"limit": 200})
    assert r.status_code == 200, r.text
    for record in r.json()["items"]:
        adult = record["birth_date"] < "2000-01-01"
        if record["personal_id"] not in reserved and not record.get("death_date") and adult:
            found.append(record)
        if len(found) == count:
            return found
    raise AssertionError("the seeded registry has too few living adults")


def assisted_read(api: Any, personal_id: str) -> str:
    """An officer's key prefills a form for the citizen at the counter; the key's id."""
    r = api.post("/v1/keys", json={"name": OFFICER, "scopes": ["prefill"]})
    assert r.status_code == 201, r.text
    key_id, secret = r.json()["id"], r.json()["key"]
    body = {"subjects": {"applicant": personal_id}, "purpose": OFFICER_PURPOSE}
    headers = {"Authorization": f"Bearer {secret}"}
    answer = api.post(f"/v1/forms/{FORM}/prefill", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return key_id


def start_vneid(page: Any, base: str) -> None:
    """Choose the form on the portal and press "Đăng nhập bằng VNeID (mô phỏng)"."""
    page.goto(f"{base}/?form={FORM}")
    page.get_by_role("button", name="Đăng nhập bằng VNeID (mô phỏng)").click()
    page.wait_for_selector("#eid-login")


def login_by_typing(page: Any, personal_id: str) -> None:
    """At the mock e-ID: type the personal ID, press "Đăng nhập"."""
    page.fill("#personal_id", personal_id)
    page.locator("#eid-submit").click()
    page.get_by_role("button", name="Đồng ý").wait_for()


def test_consent_flow_then_me_then_revoke(live_server, page) -> None:
    api = live_server.api()
    citizen, other = seeded_citizens(api, 2)  # each test has its own citizens
    pid = citizen["personal_id"]
    officer = assisted_read(api, pid)
    assisted_read(api, other["personal_id"])  # someone else's read: never on this /me
    title = api.get(f"/v1/forms/{FORM}").json()["title"]

    start_vneid(page, live_server.url)
    assert "Đăng nhập" in page.locator("#eid-submit").inner_text()
    save_screenshot(page, "eid-login-desktop", publish=True)
    login_by_typing(page, pid)

    # The consent page names the portal, the form and the purpose; nothing is pre-ticked.
    text = page.locator("main").inner_text()
    assert PORTAL_NAME in text and title in text and f"điền sẵn tờ khai {FORM}" in text
    assert page.locator("input[type=checkbox]:checked").count() == 0
    save_screenshot(page, "consent-desktop", publish=True)
    page.get_by_role("button", name="Đồng ý").click()

    # The form is filled through the token, with the citizen's registry name.
    page.wait_for_selector("#filled-form")
    assert page.locator("#consent-mode").is_visible()
    assert field(page, "full_name").locator(".control").input_value() == citizen["full_name"]

    # /me: the portal's read under consent and the officer's assisted read, with its purpose.
    page.goto(f"{live_server.url}/me")
    consent = page.locator(".me-entry.kind-consent").first
    assert PORTAL_NAME in consent.inner_text() and title in consent.inner_text()
    assisted = page.locator(".me-entry.kind-assisted", has_text=OFFICER).first
    assert OFFICER_PURPOSE in assisted.inner_text()
    html = page.content()
    assert other["personal_id"] not in html and pid not in html
    assert officer in api.get("/v1/keys").text  # the key exists; /me shows its name
    save_screenshot(page, "me-desktop", publish=True)

    # "Thu hồi" takes effect at once: the portal's token no longer prefills.
    assert page.request.post(f"{live_server.url}/portal/refill").status == 200
    page.locator(".me-consent.status-active").get_by_role("button", name="Thu hồi").click()
    page.wait_for_url(re.compile(r"/me\?done=revoked"))
    assert page.locator(".me-consent.status-revoked").count() == 1
    assert page.locator(".me-consent.status-active").count() == 0
    refill = page.request.post(f"{live_server.url}/portal/refill")
    assert refill.status == 401
    assert "thu hồi" in refill.text()


def test_refusal_comes_back_as_access_denied(live_server, page) -> None:
    citizen = seeded_citizens(live_server.api(), 3)[2]
    start_vneid(page, live_server.url)
    login_by_typing(page, citizen["personal_id"])
    page.get_by_role("button", name="Từ chối").click()
    page.wait_for_url(re.compile(r"/portal/callback\?.*error=access_denied"))
    alert = page.locator(".alert-error").inner_text()
    assert "từ chối" in alert and "access_denied" in alert
    assert page.locator("#filled-form").count() == 0


def test_the_flow_fits_a_phone(live_server, phone) -> None:
    citizen = seeded_citizens(live_server.api(), 4)[3]
    start_vneid(phone, live_server.url)
    assert sideways(phone) <= 0, "the e-ID login scrolls sideways on a phone"
    save_screenshot(phone, "eid-login-phone", publish=True)
    login_by_typing(phone, citizen["personal_id"])
    assert sideways(phone) <= 0, "the consent page scrolls sideways on a phone"
    save_screenshot(phone, "consent-phone", publish=True)
    phone.get_by_role("button", name="Đồng ý").click()
    phone.wait_for_selector("#filled-form")
    phone.goto(f"{live_server.url}/me")
    phone.locator(".me-entry.kind-consent").first.wait_for()
    assert sideways(phone) <= 0, "/me scrolls sideways on a phone"
    save_screenshot(phone, "me-phone", publish=True)
