"""The portal's pages over HTTP (no browser): mounting, headers, errors, no key in pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from autofill.config import Settings
from autofill.stats.service import resolve_window
from tests.conftest import ADMIN_KEY


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

        off = {"portal_enabled": False, "eid_enabled": False}
        app = create_app(settings.model_copy(update=off))
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
        secret = portal.app.state.services.portal.keys.secret
        for path in ("/", "/stats"):
            assert secret not in portal.get(path).text

    def test_the_portal_key_can_prefill_but_not_read_records(self, portal) -> None:
        secret = portal.app.state.services.portal.keys.secret
        r = portal.get("/v1/citizens/001089012345", headers={"Authorization": f"Bearer {secret}"})
        assert r.status_code == 403

    def test_prefill_without_a_form_asks_for_one(self, portal) -> None:
        r = portal.post("/prefill", data={"form": "../etc"})
        assert r.status_code == 422
        assert "Hãy chọn một biểu mẫu" in r.text

    def test_static_files_are_served(self, portal) -> None:
        assert portal.get("/static/portal.css").status_code == 200
        assert portal.get("/static/portal.js").status_code == 200


@pytest.fixture
def seeded_portal(seeded_settings: Settings) -> Iterator[TestClient]:
    """The portal over the seeded registry, requests without a key (as a browser)."""
    from main import create_app

    app = create_app(seeded_settings.model_copy(update={"portal_enabled": True}))
    with TestClient(app) as c:
        yield c


ADULT = "001085004512"  # seed persona typical_adult


class TestPrefillPage:
    def test_a_persona_fills_the_form_with_locked_values(self, seeded_portal) -> None:
        r = seeded_portal.post("/prefill", data={"form": "ct01", "persona": "typical_adult"})
        assert r.status_code == 200
        assert 'value="Nguyễn Văn An" readonly' in r.text
        assert 'value="14/03/1985" readonly' in r.text
        assert "CSDL quốc gia về dân cư" in r.text
        assert 'id="coverage-filled"' in r.text

    def test_the_prefill_goes_through_the_api_and_is_counted(self, seeded_portal) -> None:
        seeded_portal.post("/prefill", data={"form": "ct01", "subject.applicant": ADULT})
        stats = seeded_portal.app.state.services.stats.service
        now = dt.datetime.now(dt.UTC)
        window = resolve_window(now - dt.timedelta(hours=1), now + dt.timedelta(minutes=1))
        report = seeded_portal.portal.call(stats.coverage, window)
        assert report.totals.prefills == 1
        assert [f.form_id for f in report.forms] == ["ct01"]

    @pytest.mark.parametrize(
        ("identifier", "status", "words"),
        [
            ("001099000001", 404, "Không có hồ sơ nào với số này"),
            ("0010850045", 422, "Đây có vẻ là mã số thuế"),
            ("00108500451", 422, "gồm đúng 12 chữ số"),
            ("003085004512", 422, "mã tỉnh nơi đăng ký khai sinh"),
            ("", 422, "Vui lòng nhập thông tin này"),
        ],
    )
    def test_bad_identifiers_say_what_is_wrong(self, seeded_portal, identifier, status, words):
        r = seeded_portal.post("/prefill", data={"form": "ct01", "subject.applicant": identifier})
        assert r.status_code == status
        assert words in r.text
        assert 'name="subject.applicant"' in r.text

    def test_registry_values_are_escaped(self, seeded_portal) -> None:
        evil = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
        r = seeded_portal.patch(
            f"/v1/citizens/{ADULT}",
            json={"full_name": f"Nguyễn {evil}"},
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
        assert r.status_code == 200, r.text
        page = seeded_portal.post("/prefill", data={"form": "ct01", "subject.applicant": ADULT})
        assert page.status_code == 200
        assert "<script>alert(1)" not in page.text
        assert "<img src=x" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


class TestCatalog:
    def test_every_registered_form_but_retired_ones_is_offered(self, portal) -> None:
        forms = portal.get("/v1/forms", headers={"Authorization": f"Bearer {ADMIN_KEY}"}).json()
        ids = [f["id"] for f in forms["items"]]
        assert len(ids) >= 8
        retired = ids[0]
        r = portal.post(
            f"/v1/forms/{retired}/retire", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )
        assert r.status_code == 200, r.text
        page = portal.get("/").text
        for form_id in ids[1:]:
            assert f'<option value="{form_id}"' in page
        assert f'<option value="{retired}"' not in page


class _FormInputs(HTMLParser):
    """The named inputs and textareas of the filled form, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") != "checkbox":
            self.values[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None


def form_inputs(html: str) -> dict[str, str]:
    """What submitting the filled form page would send."""
    parser = _FormInputs()
    parser.feed(html[html.index('id="filled-form"') :])
    return parser.values


class TestSubmitPage:
    def prefilled(self, seeded_portal) -> dict[str, str]:
        page = seeded_portal.post("/prefill", data={"form": "ct01", "subject.applicant": ADULT})
        assert page.status_code == 200
        return form_inputs(page.text)

    def test_an_untouched_submission_passes_the_check(self, seeded_portal) -> None:
        data = self.prefilled(seeded_portal)
        assert data.get("token")
        data["field.phone"] = "0987654321"  # unlocked: the user may change it
        r = seeded_portal.post("/submit", data=data)
        assert r.status_code == 200
        assert 'data-verdict="intact"' in r.text
        assert "0987654321" in r.text

    def test_a_changed_locked_value_is_caught(self, seeded_portal) -> None:
        data = self.prefilled(seeded_portal)
        data["field.full_name"] = "Nguyễn Văn Ba"  # locked: only a tampered page sends this
        r = seeded_portal.post("/submit", data=data)
        assert 'data-verdict="tampered"' in r.text
        assert "Đã sửa: Họ, chữ đệm và tên khai sinh" in r.text

    def test_a_forged_token_is_refused(self, seeded_portal) -> None:
        data = self.prefilled(seeded_portal)
        data["token"] = data["token"][:-4] + "AAAA"
        r = seeded_portal.post("/submit", data=data)
        assert r.status_code == 422
        assert 'data-verdict="error"' in r.text


class TestWarnings:
    def test_the_form_warns_of_a_deceased_person(self, seeded_portal) -> None:
        r = seeded_portal.post("/prefill", data={"form": "ct01", "persona": "deceased"})
        assert r.status_code == 200
        assert 'id="prefill-warnings"' in r.text
        assert 'data-code="deceased"' in r.text
        assert "đã qua đời" in r.text

    def test_the_form_warns_of_an_expired_card(self, seeded_portal) -> None:
        r = seeded_portal.post("/prefill", data={"form": "ct01", "persona": "expired_card"})
        assert 'data-code="card_expired"' in r.text

    def test_no_warning_for_an_ordinary_person(self, seeded_portal) -> None:
        r = seeded_portal.post("/prefill", data={"form": "ct01", "persona": "typical_adult"})
        assert 'id="prefill-warnings"' not in r.text
