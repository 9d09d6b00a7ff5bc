"""`/docs` and `/redoc` work with no network beyond the service: Chromium is allowed to
reach 127.0.0.1 only, and every other request is aborted and recorded."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def offline_page(page):
    """The desktop page with every request that does not go to 127.0.0.1 aborted; the
    aborted URLs are kept in `page.blocked`."""
    blocked: list[str] = []

    def route(handle) -> None:
        url = handle.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            handle.continue_()
        else:
            blocked.append(url)
            handle.abort()

    page.context.route("**/*", route)
    page.blocked = blocked
    return page


def test_swagger_ui_renders_offline_with_an_authorize_button(offline_page, live_server):
    offline_page.goto(f"{live_server.url}/docs")
    offline_page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "Autofill" in offline_page.inner_text(".swagger-ui .info .title")
    authorize = offline_page.locator("button.authorize")
    authorize.wait_for(timeout=10_000)
    assert authorize.is_visible()
    # The operations are listed, so the OpenAPI document loaded and parsed.
    assert offline_page.locator(".opblock").count() > 10
    authorize.click()
    dialog = offline_page.locator(".modal-ux")
    dialog.wait_for(timeout=10_000)
    assert "(http, Bearer)" in dialog.inner_text()
    assert offline_page.blocked == []


def test_redoc_renders_offline(offline_page, live_server):
    offline_page.goto(f"{live_server.url}/redoc")
    offline_page.wait_for_selector("h1", timeout=30_000)
    assert "Autofill" in offline_page.inner_text("h1")
    # An operation's summary and its security requirement, rendered from the document.
    offline_page.get_by_text("Get Citizen").first.wait_for(state="attached", timeout=10_000)
    assert offline_page.get_by_text("bearer").count() > 0
    assert offline_page.blocked == []
