"""The demo portal and the dashboard in a real Chromium."""

from __future__ import annotations

import pytest

from tests.browser.conftest import save_screenshot

pytestmark = pytest.mark.browser


def test_dashboard_shows_both_indicators_with_targets(live_server, page) -> None:
    page.goto(f"{live_server.url}/stats")
    assert page.title().startswith("Thống kê điền sẵn")
    first = page.locator("#indicator-citizen_fields_autofilled")
    second = page.locator("#indicator-services_using_business_registry")
    assert "mục tiêu 20%" in first.inner_text()
    assert "mục tiêu 50%" in second.inner_text()
    assert page.locator("svg.chart rect").count() > 0
    save_screenshot(page, "dashboard-empty")


def test_pages_fit_a_phone(live_server, phone) -> None:
    for path in ("/", "/stats"):
        phone.goto(f"{live_server.url}{path}")
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 390px"
