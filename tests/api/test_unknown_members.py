"""Refuse, don't ignore: a request member the model does not know is a 422 with a pointer
(and a suggestion when a known member is close); a key's form ids must exist."""

from __future__ import annotations

from typing import Any

import pytest

from tests import records
from tests.api.keyring import bearer, create_key

PROBLEM = "application/problem+json"


def _error(r: Any, pointer: str) -> dict[str, Any]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    (found,) = [e for e in r.json()["errors"] if e["pointer"] == pointer]
    return found


class TestKeys:
    def test_a_misspelt_member_is_refused_with_a_suggestion(self, client) -> None:
        body = {"name": "portal", "scopes": ["prefill"], "forms": ["ct01"]}
        error = _error(client.post("/v1/keys", json=body), "/forms")
        assert error["code"] == "extra_forbidden"
        assert error["suggestion"] == "form_ids"
        assert not client.get("/v1/keys").json()["items"]  # no key for every form was made

    def test_an_unknown_member_with_nothing_close_has_no_suggestion(self, client) -> None:
        body = {"name": "portal", "scopes": ["prefill"], "colour": "blue"}
        error = _error(client.post("/v1/keys", json=body), "/colour")
        assert "suggestion" not in error

    def test_form_ids_must_name_registered_forms(self, client) -> None:
        body = {"name": "portal", "scopes": ["prefill"], "form_ids": ["ct01", "no-such-form"]}
        r = client.post("/v1/keys", json=body)
        error = _error(r, "/form_ids/1")
        assert error["code"] == "unknown_form" and "no-such-form" in error["detail"]
        assert "ct01" not in r.json()["detail"]

    def test_registered_form_ids_are_accepted(self, client) -> None:
        _, secret = create_key(client, "prefill", forms=["ct01"])
        assert secret


class TestRecords:
    @pytest.fixture
    def family(self, client):  # type: ignore[no-untyped-def]
        records.put_family(client)
        return client

    def test_a_patch_with_an_unknown_member_is_refused(self, family) -> None:
        r = family.patch(f"/v1/citizens/{records.MOTHER}", json={"ful_name": "Trần Thị B"})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == PROBLEM
        assert any(e["pointer"] == "/ful_name" for e in r.json()["errors"])
        stored = family.get(f"/v1/citizens/{records.MOTHER}").json()
        assert "ful_name" not in stored


class TestPrefill:
    def test_an_unknown_member_is_refused_with_a_suggestion(self, client) -> None:
        _, secret = create_key(client, "prefill")
        records.put_family(client)
        body = {"subjects": {"applicant": records.FATHER}, "purpose": "x", "overwrit": True}
        r = client.post("/v1/forms/ct01/prefill", json=body, headers=bearer(secret))
        error = _error(r, "/overwrit")
        assert error["suggestion"] == "overwrite" and error["where"] == "body"

    def test_verify_refuses_unknown_members(self, client) -> None:
        _, secret = create_key(client, "prefill")
        body = {"token": "v3.a.b.c", "values": {}, "subject": {}}
        r = client.post("/v1/forms/ct01/verify", json=body, headers=bearer(secret))
        assert _error(r, "/subject")["suggestion"] == "subjects"

    def test_reseed_refuses_unknown_members(self, client) -> None:
        r = client.post("/v1/admin/reseed", json={"citizen": 10})
        assert _error(r, "/citizen")["suggestion"] == "citizens"
