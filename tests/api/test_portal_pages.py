"""The portal's pages over HTTP (no browser): mounting, headers, errors, no key in pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from autofill.config import Settings


@pytest.fixture
def portal(settings: Settings) -> Iterator[TestClient]:
    """A started service with the portal on, requests without a key (as a browser)."""
    from main import create_app

    with TestClient(create_app(settings.model_copy(update={"portal_enabled": True}))) as c:
        yield c


class TestMounting:
    def test_on_by_default_in_embedded_mode_off_with_postgresql(self) -> None:
        assert Settings(_env_file=None).should_serve_portal  # type: ignore[call-arg]
        shared = Settings(
            database_url="postgresql+psycopg://u@h/db",
            admin_key="k" * 16,
            audit_hash_key="h" * 32,
            _env_file=None,  # type: ignore[call-arg]
        )
        assert not shared.should_serve_portal

    def test_switched_off_serves_no_pages(self, settings: Settings) -> None:
        from main import create_app

        app = create_app(settings.model_copy(update={"portal_enabled": False}))
        with TestClient(app) as client:
            assert client.get("/").status_code == 404
            assert client.get("/stats").status_code == 404
            assert client.get("/static/portal.css").status_code == 404


class TestPages:
    @pytest.mark.parametrize("path", ["/", "/stats", "/stats?range=24h", "/stats?range=x&form=%3C"])
    def test_pages_are_html_with_a_strict_policy(self, portal, path) -> None:
        r = portal.get(path)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert '<html lang="vi">' in r.text

    def test_no_page_holds_the_portal_key(self, portal) -> None:
        secret = portal.app.state.services.extras["portal_keys"].secret
        for path in ("/", "/stats"):
            assert secret not in portal.get(path).text

    def test_the_portal_key_can_prefill_but_not_read_records(self, portal) -> None:
        secret = portal.app.state.services.extras["portal_keys"].secret
        r = portal.get("/v1/citizens/001089012345", headers={"Authorization": f"Bearer {secret}"})
        assert r.status_code == 403

    def test_prefill_without_a_form_asks_for_one(self, portal) -> None:
        r = portal.post("/prefill", data={"form": "../etc"})
        assert r.status_code == 422
        assert "Hãy chọn một biểu mẫu" in r.text

    def test_static_files_are_served(self, portal) -> None:
        assert portal.get("/static/portal.css").status_code == 200
        assert portal.get("/static/portal.js").status_code == 200
