"""The form store over HTTP: register, versions, retire, JSON Schema exports."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from forms.catalog import read_catalog
from tests.keys import bearer, install

PROBLEM = "application/problem+json"
DOC: dict[str, Any] = {
    "id": "test-form",
    "title": "Tờ khai thử",
    "legal_basis": "none",
    "subjects": {"person": {"registry": "citizen"}},
    "fields": [
        {
            "key": "name",
            "label": "Họ, chữ đệm và tên",
            "required": True,
            "prefill": {"from": "person.full_name"},
        },
        {"key": "note", "label": "Ghi chú"},
    ],
}


def changed(**updates: Any) -> dict[str, Any]:
    doc = copy.deepcopy(DOC)
    doc.update(updates)
    return doc


class TestRegister:
    def test_first_registration_is_version_one(self, client) -> None:
        r = client.post("/v1/forms", json=DOC)
        assert r.status_code == 201
        assert r.json()["version"] == 1
        assert r.headers["location"] == "/v1/forms/test-form/versions/1"

    def test_identical_registration_returns_the_existing_version(self, client) -> None:
        client.post("/v1/forms", json=DOC)
        r = client.post("/v1/forms", json={**DOC, "version": 9})
        assert r.status_code == 200
        assert r.json()["version"] == 1
        assert client.get("/v1/forms/test-form").json()["status"]["latest_version"] == 1

    def test_a_change_is_the_next_version_and_old_versions_stay(self, client) -> None:
        client.post("/v1/forms", json=DOC)
        r = client.post("/v1/forms", json=changed(title="Tờ khai thử, bản 2"))
        assert (r.status_code, r.json()["version"]) == (201, 2)
        assert client.get("/v1/forms/test-form").json()["title"] == "Tờ khai thử, bản 2"
        assert client.get("/v1/forms/test-form/versions/1").json()["title"] == "Tờ khai thử"
        versions = client.get("/v1/forms/test-form/versions").json()["items"]
        assert [v["version"] for v in versions] == [1, 2]

    def test_invalid_schema_lists_problems_with_suggestions(self, client) -> None:
        doc = copy.deepcopy(DOC)
        doc["fields"][0]["prefill"]["from"] = "person.ful_name"
        doc["fields"][1]["type"] = "txt"
        r = client.post("/v1/forms", json=doc)
        assert r.status_code == 422
        assert r.headers["content-type"] == PROBLEM
        errors = r.json()["errors"]
        assert errors == [
            {
                "pointer": "/fields/0/prefill/from",
                "code": "unknown_attribute",
                "detail": "the citizen registry has no attribute 'ful_name'",
                "suggestion": "person.full_name",
            },
            {
                "pointer": "/fields/1/type",
                "code": "unknown_field_type",
                "detail": errors[1]["detail"],
                "suggestion": "text",
            },
        ]
        assert client.get("/v1/forms/test-form").status_code == 404

    @pytest.mark.parametrize("body", [b"{not json", b"[]", b'"x"'])
    def test_non_schema_bodies_are_422(self, client, body: bytes) -> None:
        r = client.post("/v1/forms", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422
        assert r.headers["content-type"] == PROBLEM

    def test_oversize_schema_is_refused(self, client) -> None:
        doc = changed(description="x" * 600_000)
        r = client.post("/v1/forms", json=doc)
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "too_large"

    def test_registering_needs_forms_write(self, client) -> None:
        install(client, {"reader-key-0123456789": ({"prefill"}, None)})
        r = client.post("/v1/forms", json=DOC, headers=bearer("reader-key-0123456789"))
        assert r.status_code == 403
        r = client.get("/v1/forms", headers=bearer("reader-key-0123456789"))
        assert r.status_code == 200

    def test_reading_needs_a_key(self, anonymous) -> None:
        assert anonymous.get("/v1/forms").status_code == 401


class TestRead:
    def test_catalog_is_loaded_at_start(self, client) -> None:
        ids = {f["id"] for f in client.get("/v1/forms").json()["items"]}
        assert ids == {d["id"] for d in read_catalog()}

    def test_catalog_loading_is_idempotent(self, app, client) -> None:
        import asyncio

        from forms.catalog import load_catalog

        store = app.state.services.forms
        loaded = asyncio.run(load_catalog(store))
        assert all(not created and version == 1 for _, version, created in loaded)

    def test_unknown_form_and_version_are_404(self, client) -> None:
        assert client.get("/v1/forms/no-such-form").status_code == 404
        client.post("/v1/forms", json=DOC)
        r = client.get("/v1/forms/test-form/versions/5")
        assert r.status_code == 404
        assert r.headers["content-type"] == PROBLEM

    def test_a_form_registered_by_another_worker_is_found(self, app, client) -> None:
        from forms.service import FormStore

        other_worker = FormStore(app.state.services.engine)
        import asyncio

        asyncio.run(other_worker.register(DOC))
        assert client.get("/v1/forms/test-form").json()["version"] == 1


class TestRetire:
    def test_retired_form_keeps_its_history_and_refuses_prefill(self, client) -> None:
        client.post("/v1/forms", json=DOC)
        r = client.delete("/v1/forms/test-form")
        assert r.status_code == 200
        assert r.json()["status"]["retired"] is True
        assert client.get("/v1/forms/test-form/versions/1").status_code == 200
        r = client.post(
            "/v1/forms/test-form/prefill",
            json={"subjects": {"person": "001089000001"}, "purpose": "thử"},
        )
        assert r.status_code == 410
        assert r.json()["code"] == "form_retired"

    def test_retired_form_takes_no_new_version(self, client) -> None:
        client.post("/v1/forms", json=DOC)
        client.post("/v1/forms/test-form/retire")
        r = client.post("/v1/forms", json=changed(title="khác"))
        assert r.status_code == 409

    def test_retire_unknown_is_404(self, client) -> None:
        assert client.delete("/v1/forms/nothing-here").status_code == 404


class TestJsonSchemas:
    @pytest.mark.parametrize("form_id", [d["id"] for d in read_catalog()])
    def test_form_data_schema_is_valid_2020_12(self, client, form_id: str) -> None:
        schema = client.get(f"/v1/forms/{form_id}/json-schema").json()
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)

    def test_form_data_schema_validates_form_data(self, client) -> None:
        client.post("/v1/forms", json=DOC)
        schema = client.get("/v1/forms/test-form/json-schema").json()
        validator = jsonschema.Draft202012Validator(schema)
        assert validator.is_valid({"name": "Nguyễn Văn An", "note": "x"})
        assert not validator.is_valid({"note": "x"})
        assert not validator.is_valid({"name": "x", "other": 1})

    def test_format_schema_is_valid_and_accepts_every_catalog_file(self, client) -> None:
        schema = client.get("/v1/forms/format").json()
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        for document in read_catalog():
            assert list(validator.iter_errors(document)) == [], document["id"]
        assert not validator.is_valid(changed(fields=[{"key": "a", "label": "A", "type": "txt"}]))


class TestSuggest:
    def test_suggest_route(self, client) -> None:
        doc = changed(fields=[{"key": "dob", "label": "Ngày sinh", "type": "date"}])
        r = client.post("/v1/forms/suggest", json=doc)
        assert r.status_code == 200
        (field,) = r.json()["fields"]
        assert field["pointer"] == "/fields/0"
        assert field["candidates"][0]["from"] == "person.birth_date"

    def test_suggest_invalid_is_422(self, client) -> None:
        r = client.post("/v1/forms/suggest", json={"id": "x"})
        assert r.status_code == 422


def test_registration_lists_a_wrong_path_and_a_wrong_transform_together(client) -> None:
    document = {
        "id": "two-problems",
        "title": "Two problems",
        "subjects": {"company": {"registry": "business"}},
        "fields": [
            {
                "key": "name",
                "label": "Tên",
                "prefill": {"from": "company.nmae", "transform": ["uper"]},
            }
        ],
    }
    r = client.post("/v1/forms", json=document)
    assert r.status_code == 422
    errors = {(e["pointer"], e.get("suggestion")) for e in r.json()["errors"]}
    assert errors == {
        ("/fields/0/prefill/from", "company.name"),
        ("/fields/0/prefill/transform/0", "upper"),
    }
