"""The demo portal and the dashboard in a real Chromium, against a live server."""

from __future__ import annotations

import re

import pytest

from autofill.portal.text import present
from seed.personas import persona
from tests.browser.conftest import save_screenshot

pytestmark = pytest.mark.browser

FORM = "ct01"
ADULT = persona("typical_adult")


def prefill_in_browser(page, base: str, form_id: str, identifier: str) -> None:
    """Open the portal, choose a form, type an identifier, ask for prefill."""
    page.goto(f"{base}/")
    page.select_option("#form-select", form_id)  # submits itself (data-autosubmit)
    page.wait_for_url(re.compile(rf"form={form_id}"))
    page.locator("#prefill-form input.control").first.fill(identifier)
    page.get_by_role("button", name="Điền sẵn tờ khai").click()
    page.wait_for_selector("#filled-form")


def field(page, key: str):
    """The field block of a form field."""
    return page.locator(f'.field[data-key="{key}"]')


def root_attribute_fields(schema: dict) -> dict[str, str]:
    """Fields mapped straight from a root subject's scalar attribute, with no transform."""
    roots = {name for name, s in schema["subjects"].items() if not s.get("from")}
    found = {}
    for spec in schema["fields"]:
        mapping = spec.get("prefill") or {}
        subject, _, attribute = (mapping.get("from") or "").partition(".")
        plain = re.fullmatch(r"[a-z_]+", attribute) and not mapping.get("transform")
        if subject in roots and plain:
            found[spec["key"]] = attribute
    return found


def sideways(page) -> int:
    """How far a page is wider than its viewport (a mobile browser would zoom out to show it
    all, so compare with the viewport set, not with `innerWidth`)."""
    return page.evaluate("document.documentElement.scrollWidth") - page.viewport_size["width"]


def coverage_prefills(api, form_id: str) -> int:
    """How many prefills of a form the statistics API has counted in the last day."""
    report = api.get("/v1/stats/coverage", params={"form": form_id, "bucket": "hour"}).json()
    return report["totals"]["prefills"]


def test_prefill_submit_and_count(live_server, page, phone) -> None:
    api = live_server.api()
    schema = api.get(f"/v1/forms/{FORM}").json()
    record = api.get(f"/v1/citizens/{ADULT.identifier}").json()
    expected = api.post(
        f"/v1/forms/{FORM}/prefill",
        json={"subjects": {"applicant": ADULT.identifier}, "purpose": "kiểm thử trình duyệt"},
    ).json()
    counted_before = coverage_prefills(api, FORM)

    prefill_in_browser(page, live_server.url, FORM, ADULT.identifier)

    # The coverage bar says what the API says.
    coverage = expected["coverage"]
    assert page.locator("#coverage-filled").inner_text() == str(coverage["filled"])
    assert page.locator("#coverage-total").inner_text() == str(coverage["total"])

    # Fields mapped straight from the record show the lookup API's values.
    specs = {spec["key"]: spec for spec in schema["fields"]}
    direct = root_attribute_fields(schema)
    assert len(direct) >= 3, direct
    for key, attribute in direct.items():
        control = field(page, key).locator(".control")
        assert control.input_value() == present(specs[key], record[attribute]), key

    # Every filled field shows its envelope's value, and says where it came from.
    for key, envelope in expected["fields"].items():
        block = field(page, key)
        status = envelope["status"]
        if status == "not_applicable" and not specs[key].get("prefill"):
            status = "manual"  # no registry fills it: the user types it
        assert block.get_attribute("data-status") == status, key
        if envelope["status"] == "filled" and specs[key]["type"] != "list":
            assert block.locator(".control").input_value() in (
                present(specs[key], envelope["value"]),
                str(envelope["value"]),
            ), key
            assert "CSDL quốc gia về dân cư" in block.locator(".note").inner_text()

    # Locked fields are read-only: typing into one changes nothing.
    locked = page.locator('.field[data-locked="true"] .control')
    assert locked.count() >= 3
    for i in range(locked.count()):
        assert locked.nth(i).get_attribute("readonly") is not None
    name = field(page, "full_name").locator(".control")
    before = name.input_value()
    name.click()
    page.keyboard.type("XYZ")
    assert name.input_value() == before == record["full_name"]
    assert "cập nhật" in field(page, "full_name").locator(".note").inner_text()

    # The user completes and changes unlocked fields.
    for key, envelope in expected["fields"].items():
        if envelope["status"] != "filled" and specs[key]["type"] in ("text", "textarea"):
            field(page, key).locator(".control").fill("Công an phường Cửa Nam, Hà Nội")
    unlocked = next(
        k for k, e in expected["fields"].items() if e["status"] == "filled" and not e["locked"]
        and specs[k]["type"] in ("text", "phone")
    )  # fmt: skip
    field(page, unlocked).locator(".control").fill("0987654321")
    save_screenshot(page, "form-filled-desktop", publish=True)

    prefill_in_browser(phone, live_server.url, FORM, ADULT.identifier)
    width = sideways(phone)
    assert width <= 0, f"the filled form scrolls sideways by {width}px on a phone"
    save_screenshot(phone, "form-filled-phone", publish=True)

    page.get_by_role("button", name="Nộp hồ sơ").click()
    verdict = page.locator("#verdict")
    verdict.wait_for()
    summary = page.locator(f'.summary-row[data-key="{unlocked}"] dd')
    assert summary.inner_text() == "0987654321"
    assert verdict.get_attribute("data-verdict") == "intact", verdict.inner_text()
    save_screenshot(page, "form-submitted")

    # The dashboard counts the two prefills the portal made.
    page.goto(f"{live_server.url}/stats?range=24h&form={FORM}")
    row = page.locator(f'#forms-table tr[data-form="{FORM}"]')
    assert int(row.locator(".prefills").inner_text()) == counted_before + 2
    assert coverage_prefills(api, FORM) == counted_before + 2

    # Other services' traffic (through the API, as their portals would) shows up beside it.
    others = prefill_every_other_form(api)
    page.goto(f"{live_server.url}/stats?range=24h")
    for form_id in others:
        assert page.locator(f'#forms-table tr[data-form="{form_id}"]').count() == 1, form_id
    value = page.locator("#indicator-services_using_business_registry .value").inner_text()
    assert value != "—"
    save_screenshot(page, "dashboard", publish=True)


def prefill_every_other_form(api) -> list[str]:
    """Prefill each catalog form but ct01 once, through the API, for seed personas."""
    people = {
        "citizen": persona("spouse").identifier,
        "business": persona("two_representatives").identifier,
    }
    done = []
    for item in api.get("/v1/forms").json()["items"]:
        if item["id"] == FORM:
            continue
        schema = api.get(f"/v1/forms/{item['id']}").json()
        subjects = {
            name: people[s["registry"]]
            for name, s in schema["subjects"].items()
            if not s.get("from") and not s.get("optional")
        }
        r = api.post(
            f"/v1/forms/{item['id']}/prefill", json={"subjects": subjects, "purpose": "demo"}
        )
        assert r.status_code == 200, (item["id"], r.text)
        done.append(item["id"])
    return done


def test_a_tampered_locked_field_is_caught_at_submission(live_server, page) -> None:
    prefill_in_browser(page, live_server.url, FORM, ADULT.identifier)
    # A user who edits the page itself can unlock a field; the submission check notices.
    page.evaluate("document.querySelector('#f-birth_date').removeAttribute('readonly')")
    page.locator("#f-birth_date").fill("01/01/1990")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    verdict = page.locator("#verdict")
    verdict.wait_for()
    assert verdict.get_attribute("data-verdict") == "tampered"
    assert "Đã sửa: Ngày, tháng, năm sinh" in verdict.inner_text()
    save_screenshot(page, "form-tampered")


def test_dashboard_shows_both_indicators_with_targets(live_server, page) -> None:
    page.goto(f"{live_server.url}/stats")
    assert page.title().startswith("Thống kê điền sẵn")
    first = page.locator("#indicator-citizen_fields_autofilled")
    second = page.locator("#indicator-services_using_business_registry")
    assert "mục tiêu 20%" in first.inner_text()
    assert "mục tiêu 50%" in second.inner_text()
    assert page.locator("svg.chart rect").count() > 0


def test_pages_fit_a_phone(live_server, phone) -> None:
    for path in ("/", f"/?form={FORM}", "/stats"):
        phone.goto(f"{live_server.url}{path}")
        overflow = sideways(phone)
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 390px"
