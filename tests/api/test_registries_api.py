"""Lookup API: the 404/422 split, auth, problem+json."""

from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"


class TestLookupErrors:
    def test_unknown_but_valid_id_is_404(self, client) -> None:
        r = client.get("/v1/citizens/001089012345")
        assert r.status_code == 404
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["code"] == "not_found"

    @pytest.mark.parametrize(
        ("path", "code", "words"),
        [
            ("/v1/citizens/003089012345", "unknown_province", "unknown province code 003"),
            ("/v1/citizens/00108901234", "wrong_length", "12 digits"),
            ("/v1/businesses/0312687878-000", "invalid_component", "001 to 999"),
        ],
    )
    def test_malformed_id_is_422_naming_the_rule(self, client, path, code, words) -> None:
        r = client.get(path)
        assert r.status_code == 422
        assert r.headers["content-type"] == PROBLEM
        body = r.json()
        assert body["errors"][0]["code"] == code
        assert body["errors"][0]["pointer"].startswith("/")
        assert words in body["detail"]

    def test_a_code_with_a_wrong_check_digit_is_refused_with_the_rule(self, client) -> None:
        # DESIGN §4: a bad identifier is a 422 that says what is wrong, the check digit too
        # (which the path's pattern cannot state).
        r = client.get("/v1/businesses/0100109107")
        assert r.status_code == 422
        assert r.headers["content-type"] == PROBLEM
        body = r.json()
        assert body["errors"] == [
            {"pointer": "/code", "detail": body["errors"][0]["detail"], "code": "check_digit"}
        ]
        assert "check digit" in body["detail"]

    def test_without_key_is_401(self, anonymous) -> None:
        r = anonymous.get("/v1/citizens/001089012345")
        assert r.status_code == 401
        assert r.headers["content-type"] == PROBLEM
        assert r.headers["www-authenticate"] == "Bearer"

    def test_wrong_key_is_401(self, anonymous) -> None:
        r = anonymous.get("/v1/citizens/001089012345", headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401

    def test_health(self, anonymous) -> None:
        assert anonymous.get("/healthz").json() == {"status": "ok"}
        ready = anonymous.get("/readyz").json()
        assert ready["database"] == "ok"
