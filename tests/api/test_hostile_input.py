"""Hostile input: every attack gets a clear 4xx problem, never a 500, and nothing is stored."""

from __future__ import annotations

import unicodedata

import orjson
import pytest
from fastapi.testclient import TestClient

from autofill.api.guard import RequestGuard, json_depth
from tests.integration.servers import run_async
from tests.records import citizen

PROBLEM = "application/problem+json"
PID = "001089012345"  # Hà Nội, male, born 1989


def assert_problem(r, status: int) -> dict:
    """The response is a problem+json with this status; returns its body."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert "Traceback" not in r.text
    return body


@pytest.fixture
def stored(client) -> dict:
    """One citizen in the registry."""
    r = client.put(f"/v1/citizens/{PID}", json=citizen())
    assert r.status_code == 200, r.text
    return r.json()


def assert_unchanged(client, before: dict | None) -> None:
    """The record is as it was (or still absent)."""
    r = client.get(f"/v1/citizens/{PID}")
    if before is None:
        assert r.status_code == 404
    else:
        assert r.json() == before


class TestBodyLimit:
    def test_declared_length_over_limit_is_413_and_nothing_stored(self, client) -> None:
        huge = citizen(religion="x" * 1_100_000)
        body = assert_problem(client.put(f"/v1/citizens/{PID}", json=huge), 413)
        assert body["code"] == "body_too_large"
        assert_unchanged(client, None)

    def test_chunked_body_without_length_is_counted(self, client) -> None:
        def chunks():
            yield b'{"religion": "'
            for _ in range(12):
                yield b"x" * 100_000
            yield b'"}'

        r = client.put(
            f"/v1/citizens/{PID}", content=chunks(), headers={"content-type": "application/json"}
        )
        assert_problem(r, 413)
        assert_unchanged(client, None)

    def test_streamed_chunks_stop_at_the_limit_without_reaching_the_route(self) -> None:
        reached = []

        async def app(scope, receive, send):  # the route: must never run
            reached.append(True)

        guard = RequestGuard(app, max_body_bytes=10_000, max_json_depth=8)
        pulled = 0

        async def receive():
            nonlocal pulled
            pulled += 1
            return {"type": "http.request", "body": b"x" * 4096, "more_body": True}

        sent: list[dict] = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
        run_async(guard(scope, receive, send))
        assert not reached
        assert sent[0]["status"] == 413
        assert pulled == 3  # stopped reading at the first chunk past the limit

    def test_small_body_passes(self, client) -> None:
        assert client.put(f"/v1/citizens/{PID}", json=citizen()).status_code == 200


class TestMalformedJson:
    @pytest.mark.parametrize(
        "raw",
        [
            b'{"full_name": ',
            b'{"full_name": "A",}',
            b"\xff\xfe{}",
            b'{"religion": NaN}',
            b'{"religion": 1e999}',
            b'{"full_name": "\\ud800"}',  # a lone surrogate: no encoder can store it
        ],
    )
    def test_is_422_json_invalid(self, client, stored, raw) -> None:
        r = client.patch(
            f"/v1/citizens/{PID}", content=raw, headers={"content-type": "application/json"}
        )
        body = assert_problem(r, 422)
        assert body["errors"][0]["code"] == "json_invalid"
        assert_unchanged(client, stored)

    @pytest.mark.parametrize("depth", [40, 2000, 200_000])
    def test_deep_nesting_is_422_not_a_recursion_error(self, client, stored, depth) -> None:
        raw = b'{"other_names": ' + b"[" * depth + b"]" * depth + b"}"
        r = client.patch(
            f"/v1/citizens/{PID}", content=raw, headers={"content-type": "application/json"}
        )
        body = assert_problem(r, 422)
        assert body["errors"][0]["code"] == "json_too_deep"
        assert_unchanged(client, stored)

    def test_depth_counts_structure_not_brackets_in_strings(self) -> None:
        assert json_depth(b'{"a": "[[[[[[[[[[[[{{{{{{{{{", "b": [1, {"c": "\\"]]"}]}') == 3
        assert json_depth(b'"just a string"') == 0
        assert json_depth(b"[" * 50 + b"]" * 50) == 50

    @pytest.mark.parametrize(
        ("body", "pointer"),
        [
            ([1, 2, 3], ""),
            ({"full_name": 5}, "/full_name"),
            ({"birth_date": "yesterday"}, "/birth_date"),
            ({"children": "many"}, "/children"),
            ({"blood_group": {"$ne": None}}, "/blood_group"),
        ],
    )
    def test_wrong_types_name_the_place(self, client, stored, body, pointer) -> None:
        r = client.patch(f"/v1/citizens/{PID}", json=body)
        problem = assert_problem(r, 422)
        assert problem["errors"][0]["pointer"] == pointer
        assert_unchanged(client, stored)

    def test_thousands_of_errors_are_capped(self, client, stored) -> None:
        r = client.patch(f"/v1/citizens/{PID}", json={"other_names": [""] * 5000})
        problem = assert_problem(r, 422)
        assert len(problem["errors"]) <= 50
        assert problem["errors_total"] == 5000


class TestIdentifiersAndParameters:
    @pytest.mark.parametrize(
        "path",
        [
            "/v1/citizens/..%2F..%2Fetc%2Fpasswd",
            "/v1/citizens/..%2f..%2fetc",
            "/v1/citizens/%2e%2e",
            "/v1/citizens/' OR 1=1 --",
            "/v1/citizens/001089012345' OR '1'='1",
            "/v1/citizens/001089012345;DROP TABLE citizens",
            "/v1/businesses/0100109106%00",
            "/v1/citizens/" + "9" * 5000,
            "/v1/businesses/" + "1" * 5000,
        ],
    )
    def test_traversal_and_injection_in_ids_are_4xx(self, client, stored, path) -> None:
        r = client.get(path)
        assert 400 <= r.status_code < 500, r.text
        assert r.headers["content-type"] == PROBLEM
        assert len(r.content) < 2000  # the input is not echoed back
        assert client.get(f"/v1/citizens/{PID}").status_code == 200

    @pytest.mark.parametrize(
        "query",
        [
            "limit=1 OR 1=1",
            "limit=-1",
            "limit=99999999999999999999999",
            "cursor=' OR 1=1 --",
            "cursor=" + "A" * 5000,
            "cursor=MDAxMDg5MDEyMzQ1JyBPUiAxPTE",  # base64 of an ID + "' OR 1=1"
        ],
    )
    def test_injection_in_query_parameters_is_422(self, client, stored, query) -> None:
        assert_problem(client.get(f"/v1/citizens?{query}"), 422)

    @pytest.mark.parametrize(
        "raw",
        [
            "００１０８９０１２３４５",  # full-width digits
            "٠٠١٠٨٩٠١٢٣٤٥",  # Arabic-Indic digits
            "00108901234５",
        ],
    )
    def test_look_alike_digits_are_422(self, client, raw) -> None:
        body = assert_problem(client.get(f"/v1/citizens/{raw}"), 422)
        assert body["errors"][0]["code"] == "not_digits"

    def test_zero_width_inside_an_id_is_ignored(self, client, stored) -> None:
        r = client.get("/v1/citizens/001089\u200b012345")
        assert r.status_code == 200
        assert r.json()["personal_id"] == PID


class TestUnicodeInRecords:
    def test_decomposed_name_is_stored_composed(self, client) -> None:
        nfd = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
        assert nfd != "Nguyễn Thị Ánh"
        r = client.put(f"/v1/citizens/{PID}", json=citizen(full_name=nfd))
        assert r.status_code == 200
        assert client.get(f"/v1/citizens/{PID}").json()["full_name"] == "Nguyễn Thị Ánh"

    @pytest.mark.parametrize(
        "name", ["Nguyễn\u200bVăn An", "Nguyễn \u202eVăn", "Nguyễn\x00An", "\ufeffNguyễn"]
    )
    def test_invisible_characters_in_a_name_are_422(self, client, stored, name) -> None:
        r = client.patch(f"/v1/citizens/{PID}", json={"full_name": name})
        body = assert_problem(r, 422)
        assert body["errors"][0]["pointer"] == "/full_name"
        assert body["errors"][0]["code"] == "invisible_character"
        assert_unchanged(client, stored)

    def test_look_alike_digits_in_a_phone_are_422(self, client, stored) -> None:
        r = client.patch(f"/v1/citizens/{PID}", json={"phone": "0٩١٢٣٤٥٦٧٨"})
        assert assert_problem(r, 422)["errors"][0]["pointer"] == "/phone"
        assert_unchanged(client, stored)


class TestRoutesAndCatchAll:
    def test_unknown_route_is_404_problem(self, client) -> None:
        assert_problem(client.get("/v1/nothing-here"), 404)
        assert_problem(client.get("/etc/passwd"), 404)

    def test_wrong_method_is_405_problem_with_allow(self, client) -> None:
        r = client.post(f"/v1/citizens/{PID}", json={})
        assert_problem(r, 405)
        assert "GET" in r.headers["allow"]

    def test_an_unexpected_exception_is_a_problem_500_without_details(self, app) -> None:
        async def boom() -> None:
            raise RuntimeError("secret internals /etc/shadow")

        app.add_api_route("/v1/boom", boom)
        with TestClient(app, raise_server_exceptions=False) as c:
            r = c.get("/v1/boom")
        body = assert_problem(r, 500)
        assert "secret" not in r.text
        assert body["code"] == "internal"

    def test_responses_carry_nosniff(self, client) -> None:
        assert client.get("/healthz").headers["x-content-type-options"] == "nosniff"
        assert client.get("/nope").headers["x-content-type-options"] == "nosniff"

    def test_form_encoded_body_where_json_is_expected_is_415(self, client, stored) -> None:
        r = client.patch(f"/v1/citizens/{PID}", data={"full_name": "x"})
        assert_problem(r, 415)
        assert_unchanged(client, stored)

    def test_problem_encoder_survives_unencodable_input(self) -> None:
        from autofill.api.problems import problem

        r = problem(422, "Invalid", "bad", code="x", errors=[{"pointer": "/\ud800", "detail": ""}])
        assert orjson.loads(r.body)["errors"][0]["pointer"] == "/\\ud800"
