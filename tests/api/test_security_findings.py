"""Findings of the outside security review (issue 16), each tried again as it was found."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from autofill.config import Settings
from tests.api.keyring import PERSON, bearer, create_key
from tests.api.test_portal_pages import ADULT, form_inputs
from tests.conftest import ADMIN_KEY, BACKEND

PROBLEM = "application/problem+json"
NON_ASCII_TOKEN = "v3.é.é.é"


def assert_problem(r, status: int) -> dict:
    """The response is a problem+json with this status; returns its body."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    return r.json()


@pytest.fixture
def seeded_portal(seeded_settings: Settings) -> Iterator[TestClient]:
    """The portal over the seeded registry, requests without a key (as a browser)."""
    from main import create_app

    app = create_app(seeded_settings.model_copy(update={"portal_enabled": True}))
    with TestClient(app) as c:
        yield c


class TestNoServerErrors:
    """Finding 5: inputs that answered 500 (then reset the connection)."""

    def test_a_non_ascii_token_is_422(self, client) -> None:
        _, secret = create_key(client, "prefill")
        r = client.post(
            "/v1/forms/ct01/verify",
            json={"token": NON_ASCII_TOKEN, "values": {}, "subjects": {"applicant": PERSON}},
            headers=bearer(secret),
        )
        body = assert_problem(r, 422)
        assert body["errors"][0]["pointer"] == "/token"

    def test_the_portal_refuses_a_non_ascii_token(self, seeded_portal) -> None:
        page = seeded_portal.post("/prefill", data={"form": "ct01", "subject.applicant": ADULT})
        data = form_inputs(page.text)
        data["token"] = NON_ASCII_TOKEN
        r = seeded_portal.post("/submit", data=data)
        assert r.status_code == 422
        assert 'data-verdict="error"' in r.text

    @pytest.mark.parametrize(
        "cursor",
        [
            "YTkyMjMzNzIwMzY4NTQ3NzU4MDg",  # "a9223372036854775808": 2**63
            "YTk5OTk5OTk5OTk5OTk5OTk5OTk5",  # twenty nines
            "YTA",  # "a0": no entry has id 0
        ],
    )
    def test_an_audit_cursor_past_64_bits_is_422(self, client, cursor) -> None:
        body = assert_problem(client.get("/v1/audit", params={"cursor": cursor}), 422)
        assert body["errors"][0]["pointer"] == "/cursor"

    @pytest.mark.parametrize(
        ("name", "value"),
        [("until", "9999-12-31T23:59:59-14:00"), ("since", "0001-01-01T00:00:00+14:00")],
    )
    def test_an_audit_time_outside_utc_is_422(self, client, name, value) -> None:
        body = assert_problem(client.get("/v1/audit", params={name: value}), 422)
        assert body["errors"][0]["pointer"] == f"/{name}"

    def test_a_stats_window_outside_utc_is_422(self, client) -> None:
        r = client.get("/v1/stats/coverage", params={"to": "9999-12-31T23:59:59-14:00"})
        assert_problem(r, 422)


class TestSubmissionCheckNamesItsSubjects:
    """Finding 8: a token checked without naming whom it is for replays for anyone."""

    def test_subjects_are_required(self, app, client) -> None:
        key_id, secret = create_key(client, "prefill")
        trust = app.state.services.trust
        token = trust.signer.issue(
            key_id=key_id,
            form_id="ho-khau",
            form_version=1,
            subjects={"applicant": trust.hasher.hash(PERSON)},
            locked={"full_name": "NGUYỄN VĂN AN"},
        ).token
        values = {"full_name": "NGUYỄN VĂN AN"}
        r = client.post(
            "/v1/forms/ho-khau/verify",
            json={"token": token, "values": values},
            headers=bearer(secret),
        )
        body = assert_problem(r, 422)
        assert [e["pointer"] for e in body["errors"]] == ["/subjects"]
        r = client.post(
            "/v1/forms/ho-khau/verify",
            json={"token": token, "values": values, "subjects": {"applicant": PERSON}},
            headers=bearer(secret),
        )
        assert r.status_code == 200 and r.json()["intact"] is True


TEXT = {"Content-Type": "text/plain"}
NAN_BODY = b'{"subjects": {"applicant": "' + ADULT.encode() + b'"}, "purpose": "x", "n": NaN}'
DEEP = b"[" * 199 + b"]" * 199
DEEP_BODY = b'{"subjects": {"applicant": "x"}, "purpose": "x", "n": ' + DEEP + b"}"


class TestOneContentTypeRule:
    """Finding 6: the guard checked only JSON content types, while routes parse any body."""

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("POST", "/v1/forms/ct01/prefill"),
            ("POST", "/v1/forms"),
            ("POST", "/v1/keys"),
            ("POST", "/v1/forms/ct01/verify"),
            ("PUT", f"/v1/citizens/{PERSON}"),
        ],
    )
    @pytest.mark.parametrize("body", [NAN_BODY, DEEP_BODY, b"{}"])
    def test_a_text_plain_body_is_415(self, client, method, path, body) -> None:
        r = client.request(method, path, content=body, headers=TEXT)
        problem = assert_problem(r, 415)
        assert "application/json" in problem["detail"]
        assert problem["errors"][0]["pointer"] == "/content-type"

    @pytest.mark.parametrize(
        "content_type", ["application/x-www-form-urlencoded", "text/json", "application/jsonp"]
    )
    def test_other_types_are_415_too(self, client, content_type) -> None:
        r = client.post("/v1/keys", content=b"{}", headers={"Content-Type": content_type})
        assert_problem(r, 415)

    @pytest.mark.parametrize("content_type", ["application/json", None])
    def test_json_or_no_type_is_guarded(self, seeded_client, content_type) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        for body in (NAN_BODY, DEEP_BODY):
            r = seeded_client.post("/v1/forms/ct01/prefill", content=body, headers=headers)
            assert_problem(r, 422)
        good = b'{"subjects": {"applicant": "' + ADULT.encode() + b'"}, "purpose": "x"}'
        r = seeded_client.post("/v1/forms/ct01/prefill", content=good, headers=headers)
        assert r.status_code == 200, r.text

    def test_a_json_suffix_type_is_json(self, client) -> None:
        r = client.post(
            "/v1/keys",
            content=b'{"name": "suffix", "scopes": ["prefill"]}',
            headers={"Content-Type": "application/vnd.example+json; charset=utf-8"},
        )
        assert r.status_code == 201, r.text

    def test_the_portals_form_posts_still_work(self, seeded_portal) -> None:
        r = seeded_portal.post("/prefill", data={"form": "ct01", "subject.applicant": ADULT})
        assert r.status_code == 200
        assert 'value="Nguyễn Văn An" readonly' in r.text


TOO_MANY = "Có quá nhiều yêu cầu"
NO_SUCH_FORM = "Không có biểu mẫu"


class _Browser:
    """Requests to a started app from one client address (on the app's own event loop)."""

    def __init__(self, started: TestClient, address: str) -> None:
        self.started, self.address = started, address

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.started.app, client=(self.address, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://portal") as c:
                return await c.post(path, data=data)

        return self.started.portal.call(send)


class TestPortalUnderAnonymousMisses:
    """Finding 4: 31 anonymous misses flagged the portal's one key; every user then read
    that the form does not exist."""

    def test_one_address_is_limited_and_others_are_still_served(self, seeded_settings) -> None:
        from main import create_app

        app = create_app(seeded_settings.model_copy(update={"portal_enabled": True}))
        with TestClient(app) as started:
            guesser, user = _Browser(started, "203.0.113.7"), _Browser(started, "198.51.100.20")
            statuses = []
            for i in range(31):
                unknown = f"001099{900000 + 37 * i:06d}"  # not consecutive: misses only
                r = guesser.post("/prefill", {"form": "ct01", "subject.applicant": unknown})
                statuses.append(r.status_code)
                assert NO_SUCH_FORM not in r.text
                assert r.status_code in (404, 429), r.text
                if r.status_code == 429:
                    assert TOO_MANY in r.text
                    assert int(r.headers["retry-after"]) > 0
            assert statuses[:30] == [404] * 30 and statuses[30] == 429
            # The guesser's next try, even of a real person, is refused as too many.
            r = guesser.post("/prefill", {"form": "ct01", "subject.applicant": ADULT})
            assert r.status_code == 429 and TOO_MANY in r.text
            r = user.post("/prefill", {"form": "ct01", "subject.applicant": ADULT})
            assert r.status_code == 200, r.text
            assert 'value="Nguyễn Văn An" readonly' in r.text
            r = user.post("/submit", form_inputs(r.text))
            assert r.status_code == 200 and 'data-verdict="intact"' in r.text
            # The portal key's own trip is in the audit for operators; it locked nobody out.
            audit = started.get(
                "/v1/audit",
                params={"key_id": "portal-demo", "action": "enumeration_suspected"},
                headers={"Authorization": f"Bearer {ADMIN_KEY}"},
            )
            assert [e["flagged"] for e in audit.json()["items"]] == [True]

    def test_a_refused_form_lookup_says_too_many_requests(self, seeded_portal) -> None:
        # However the portal's own call is refused with 429, the page says so (not 404):
        # here the portal key's own budget is cut to one request a minute.
        store = seeded_portal.app.state.services.portal.keys
        store.principal = dataclasses.replace(store.principal, rate_limit_per_minute=1)
        for _ in range(3):
            r = seeded_portal.post("/prefill", data={"form": "ct01", "persona": "typical_adult"})
            assert NO_SUCH_FORM not in r.text
        assert r.status_code == 429 and TOO_MANY in r.text


RESEED = {"citizens": 150, "businesses": 10, "seed": 3}


class TestReseedIsAnAuditedAdminAction:
    """Finding 9 (second half): a `registry:write` key replaced the registry unaudited, and
    reseeding was on by default on PostgreSQL."""

    @pytest.fixture
    def reseedable(self, seeded_settings) -> Iterator[TestClient]:
        from main import create_app

        app = create_app(seeded_settings.model_copy(update={"allow_reseed": True}))
        with TestClient(app, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as c:
            yield c

    def test_registry_write_is_not_enough(self, reseedable) -> None:
        _, writer = create_key(reseedable, "registry:write")
        r = reseedable.post("/v1/admin/reseed", json=RESEED, headers=bearer(writer))
        assert assert_problem(r, 403)["code"] == "forbidden"
        assert reseedable.get("/v1/audit", params={"action": "reseed"}).json()["items"] == []

    def test_a_reseed_is_audited(self, reseedable) -> None:
        key_id, admin = create_key(reseedable, "admin")
        r = reseedable.post("/v1/admin/reseed", json=RESEED, headers=bearer(admin))
        assert r.status_code == 200, r.text
        entries = reseedable.get("/v1/audit", params={"action": "reseed"}).json()["items"]
        assert len(entries) == 1
        entry = entries[0]
        assert entry["key_id"] == key_id
        assert entry["detail"] == "citizens=150 businesses=10 seed=3"
        assert entry["at"]

    def test_off_by_default_outside_the_embedded_mode(self) -> None:
        embedded = Settings(_env_file=None)  # type: ignore[call-arg]
        shared = Settings(
            database_url="postgresql+psycopg://u@h/db",
            admin_key="k" * 16,
            audit_hash_key="h" * 32,
            _env_file=None,  # type: ignore[call-arg]
        )
        assert embedded.should_allow_reseed and not shared.should_allow_reseed
        assert shared.model_copy(update={"allow_reseed": True}).should_allow_reseed
        assert not embedded.model_copy(update={"allow_reseed": False}).should_allow_reseed

    def test_the_backend_default_is_applied(self, seeded_client) -> None:
        # The SQLite pass reseeds; the PostgreSQL pass refuses, with nothing replaced.
        r = seeded_client.post("/v1/admin/reseed", json=RESEED)
        if seeded_client.app.state.services.settings.embedded:
            assert r.status_code == 200, r.text
        else:
            assert assert_problem(r, 403)["code"] == "reseed_disabled"
            assert seeded_client.get("/v1/audit", params={"action": "reseed"}).json()["items"] == []


PREFILL = {"subjects": {"applicant": ADULT}, "purpose": "kiểm tra"}


class _TableLock:
    """Another session holding `audit_log` locked until released (or 30 s)."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.held = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url)
        with engine.connect() as conn, conn.begin():
            conn.execute(text("LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE"))
            self.held.set()
            self.release.wait(30)
        engine.dispose()

    def __enter__(self) -> _TableLock:
        self.thread.start()
        assert self.held.wait(10), "the lock was not taken"
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(10)


@pytest.mark.skipif(BACKEND != "postgres", reason="a lock held by another PostgreSQL session")
class TestAuditWritesWaitBoundedly:
    """Finding 10: with `audit_log` locked, a prefill waited 14 s, then answered 200, and
    readiness stayed 200."""

    def test_a_locked_audit_table_is_503_within_seconds(self, seeded_client, database_url):
        wait = seeded_client.app.state.services.settings.audit_write_timeout_seconds
        assert wait <= 5  # "a few seconds" by default
        assert seeded_client.post("/v1/forms/ct01/prefill", json=PREFILL).status_code == 200
        with _TableLock(database_url):
            started = time.monotonic()
            r = seeded_client.post("/v1/forms/ct01/prefill", json=PREFILL)
            assert time.monotonic() - started < wait + 3
            body = assert_problem(r, 503)
            assert "fields" not in body and "Nguyễn" not in r.text
            ready = seeded_client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["audit"] == "unavailable"
        ready = seeded_client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["audit"] == "ok"
        r = seeded_client.post("/v1/forms/ct01/prefill", json=PREFILL)
        assert r.status_code == 200 and r.json()["fields"]
