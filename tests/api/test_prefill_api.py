"""Prefill over HTTP: envelopes, statuses, coverage, errors, scopes, observers."""

from __future__ import annotations

from typing import Any

import pytest

from autofill.prefill.models import PrefillResponse
from tests import records
from tests.keys import bearer, install

PROBLEM = "application/problem+json"


@pytest.fixture
def family(client):  # type: ignore[no-untyped-def]
    records.put_family(client)
    return client


def prefill(client, form_id: str, subjects: dict[str, str], **extra: Any):  # type: ignore[no-untyped-def]
    body = {"subjects": subjects, "purpose": "Giải quyết thủ tục hành chính", **extra}
    return client.post(f"/v1/forms/{form_id}/prefill", json=body)


class TestEnvelopes:
    def test_business_form_with_chained_representative(self, family) -> None:
        r = prefill(family, "business-change", {"company": records.COMPANY})
        assert r.status_code == 200
        body = r.json()
        assert body["form"]["id"] == "business-change"
        fields = body["fields"]
        assert fields["company_name"] == {
            "value": "CÔNG TY CỔ PHẦN THƯƠNG MẠI SÔNG HỒNG",
            "status": "filled",
            "source": {
                "registry": "business",
                "subject": "company",
                "attribute": "name",
                "updated_at": fields["company_name"]["source"]["updated_at"],
            },
            "locked": True,
        }
        assert fields["rep_birth_date"]["value"] == "1989-05-15"
        assert fields["rep_birth_date"]["source"]["registry"] == "citizen"
        assert fields["charter_capital_words"]["value"] == "Mười lăm tỷ đồng"
        assert fields["business_lines"]["value"] == [
            {"code": "4690", "name": "Bán buôn tổng hợp", "is_main": True},
            {"code": "4933", "name": "Vận tải hàng hóa bằng đường bộ", "is_main": False},
        ]
        assert fields["short_name"]["status"] == "missing"
        assert fields["change_content"]["status"] == "not_applicable"
        assert fields["phone"]["locked"] is False  # the schema unlocks contact details
        assert body["subjects"] == {"company": "found", "representative": "found"}

    def test_coverage_counts_filled_over_all_fields_and_over_mapped(self, family) -> None:
        body = prefill(family, "business-change", {"company": records.COMPANY}).json()
        statuses = [f["status"] for f in body["fields"].values()]
        filled = statuses.count("filled")
        mapped = sum(1 for s in statuses if s != "not_applicable")
        assert body["coverage"] == {
            "filled": filled,
            "total": len(statuses),
            "ratio": round(filled / len(statuses), 4),
            "mapped": mapped,
            "mapped_ratio": round(filled / mapped, 4),
        }

    def test_chained_subject_through_spouse(self, family) -> None:
        r = prefill(
            family, "birth-registration", {"requester": records.MOTHER, "mother": records.MOTHER}
        )
        fields = r.json()["fields"]
        assert fields["father_full_name"]["value"] == "Nguyễn Văn An"
        assert fields["father_birth_year"]["value"] == 1989
        assert fields["mother_personal_id"]["value"] == records.MOTHER

    def test_missing_link_leaves_chained_fields_missing(self, family) -> None:
        # The child has no spouse: the father subject has no identifier to follow.
        r = prefill(
            family, "birth-registration", {"requester": records.MOTHER, "mother": records.CHILD}
        )
        assert r.status_code == 200
        body = r.json()
        assert body["fields"]["father_full_name"]["status"] == "missing"
        assert body["subjects"]["father"] == "absent"

    def test_chained_record_that_does_not_exist_is_unavailable(self, family) -> None:
        doc = {
            **records.company(),
            "legal_representatives": [
                {"personal_id": records.FATHER, "full_name": "Nguyễn Văn An", "title": "Giám đốc"}
            ],
        }
        family.put(f"/v1/businesses/{records.COMPANY}", json=doc)
        # Remove the representative's record behind the registry's back: a dangling link.
        from sqlalchemy import text

        with family.app.state.services.engine.begin() as conn:
            conn.execute(text("DELETE FROM citizens WHERE personal_id = :p"), {"p": records.FATHER})
        family.portal.call(family.app.state.services.cache.invalidate, f"citizen:{records.FATHER}")
        r = prefill(family, "business-change", {"company": records.COMPANY})
        assert r.status_code == 200
        body = r.json()
        assert body["fields"]["rep_birth_date"] == {
            "value": None,
            "status": "unavailable",
            "source": None,
            "locked": False,
        }
        assert body["fields"]["company_name"]["status"] == "filled"
        assert body["subjects"]["representative"] == "not_found"

    def test_list_from_household(self, family) -> None:
        fields = prefill(family, "ct01", {"applicant": records.CHILD}).json()["fields"]
        rows = fields["members_changing"]["value"]
        assert [r["personal_id"] for r in rows] == [records.FATHER, records.MOTHER, records.CHILD]
        assert fields["members_changing"]["locked"] is False
        assert fields["head_personal_id"]["value"] == records.FATHER
        assert fields["relation_to_head"]["value"] == "Con"

    def test_version_parameter(self, family) -> None:
        r = prefill(family, "ct01", {"applicant": records.CHILD})
        assert r.json()["form"]["version"] == 1
        r = family.post(
            "/v1/forms/ct01/prefill?version=3",
            json={"subjects": {"applicant": records.CHILD}, "purpose": "x"},
        )
        assert r.status_code == 404


class TestUserValues:
    def test_user_value_is_kept_unless_overwrite(self, family) -> None:
        values = {
            "phone": "0987654321",
            "email": "an.nguyen@example.vn",
            "recipient": "Công an phường",
        }
        body = prefill(family, "ct01", {"applicant": records.FATHER}, values=values).json()
        assert body["fields"]["phone"] == {
            "value": "0987654321",
            "status": "kept",
            "locked": False,
            "source": body["fields"]["phone"]["source"],
            "registry_value": "0912345678",
        }
        assert body["fields"]["email"]["status"] == "filled"  # same value as the registry
        assert body["fields"]["recipient"]["value"] == "Công an phường"
        assert body["fields"]["recipient"]["status"] == "kept"
        body = prefill(
            family, "ct01", {"applicant": records.FATHER}, values=values, overwrite=True
        ).json()
        assert body["fields"]["phone"]["value"] == "0912345678"
        assert body["fields"]["phone"]["status"] == "filled"


class TestRequestErrors:
    def test_wrong_identifier_kind_names_the_subject(self, family) -> None:
        r = prefill(family, "ct01", {"applicant": records.COMPANY})
        assert r.status_code == 422
        assert r.headers["content-type"] == PROBLEM
        error = r.json()["errors"][0]
        assert error["pointer"] == "/subjects/applicant"
        assert error["code"] == "wrong_identifier_kind"
        assert "applicant" in error["detail"]

    def test_malformed_identifier_is_422(self, family) -> None:
        r = prefill(family, "business-change", {"company": "0100109107"})
        assert r.status_code == 422
        assert r.json()["errors"][0] == {
            "pointer": "/subjects/company",
            "code": "check_digit",
            "detail": r.json()["errors"][0]["detail"],
        }

    def test_unknown_root_record_is_404(self, family) -> None:
        r = prefill(family, "ct01", {"applicant": records.NO_SUCH_CITIZEN})
        assert r.status_code == 404
        assert r.json()["errors"][0]["pointer"] == "/subjects/applicant"

    def test_missing_root_subject_is_422(self, family) -> None:
        r = prefill(family, "birth-registration", {"requester": records.MOTHER})
        assert r.status_code == 422
        assert [e["pointer"] for e in r.json()["errors"]] == ["/subjects/mother"]

    def test_unknown_and_chained_subjects_cannot_be_given(self, family) -> None:
        r = prefill(
            family,
            "business-change",
            {"company": records.COMPANY, "representative": records.FATHER, "x": "1"},
        )
        assert r.status_code == 422
        assert {e["pointer"] for e in r.json()["errors"]} == {
            "/subjects/representative",
            "/subjects/x",
        }

    @pytest.mark.parametrize("purpose", ["", "   ", "x" * 301])
    def test_purpose_is_required_and_bounded(self, family, purpose: str) -> None:
        r = family.post(
            "/v1/forms/ct01/prefill",
            json={"subjects": {"applicant": records.FATHER}, "purpose": purpose},
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["pointer"] == "/purpose"

    def test_purpose_missing_is_422(self, family) -> None:
        r = family.post("/v1/forms/ct01/prefill", json={"subjects": {"applicant": records.FATHER}})
        assert r.status_code == 422

    def test_unknown_form_is_404(self, family) -> None:
        assert prefill(family, "no-such-form", {"a": "1"}).status_code == 404


class TestScopes:
    def test_key_without_prefill_scope_is_403(self, family) -> None:
        install(family, {"writer-key-0123456789": ({"forms:write"}, None)})
        r = family.post(
            "/v1/forms/ct01/prefill",
            headers=bearer("writer-key-0123456789"),
            json={"subjects": {"applicant": records.FATHER}, "purpose": "x"},
        )
        assert r.status_code == 403

    def test_key_limited_to_other_forms_is_403(self, family) -> None:
        install(family, {"ct01-only-key-0123456": ({"prefill"}, {"ct01"})})
        headers = bearer("ct01-only-key-0123456")
        r = family.post(
            "/v1/forms/ct01/prefill",
            headers=headers,
            json={"subjects": {"applicant": records.FATHER}, "purpose": "x"},
        )
        assert r.status_code == 200
        r = family.post(
            "/v1/forms/business-change/prefill",
            headers=headers,
            json={"subjects": {"company": records.COMPANY}, "purpose": "x"},
        )
        assert r.status_code == 403
        assert r.headers["content-type"] == PROBLEM

    def test_without_key_is_401(self, anonymous) -> None:
        r = anonymous.post("/v1/forms/ct01/prefill", json={"subjects": {}, "purpose": "x"})
        assert r.status_code == 401


class TestObservers:
    def test_observers_see_the_release_and_cannot_change_the_answer(self, family) -> None:
        seen: list[Any] = []

        async def audit(context, result):  # type: ignore[no-untyped-def]
            seen.append((context, result))

        engine = family.app.state.services.prefill
        engine.observers = (*engine.observers, audit)
        r = family.post(
            "/v1/forms/business-change/prefill",
            headers={"x-request-id": "req-1"},
            json={"subjects": {"company": records.COMPANY}, "purpose": "Kiểm tra"},
        )
        body = r.json()
        assert isinstance(body["fields"], dict) and body["submission"]["token"]
        context, result = seen[0]
        assert context.form_id == "business-change" and context.form_version == 1
        assert context.purpose == "Kiểm tra" and context.request_id == "req-1"
        assert context.principal.key_id == "admin"
        assert context.subjects["company"].identifier == records.COMPANY
        assert context.subjects["representative"].identifier == records.FATHER
        released = {(x.registry, x.attribute) for x in context.released}
        assert ("business", "name") in released and ("citizen", "birth_date") in released
        filled = {k for k, f in body["fields"].items() if f["status"] == "filled"}
        assert {x.key for x in context.released} == filled
        assert result.coverage == body["coverage"]


class TestQuery:
    @pytest.mark.parametrize("version", ["0", "x", "-1", "99999999999"])
    def test_bad_version_is_422(self, family, version: str) -> None:
        r = family.post(
            f"/v1/forms/ct01/prefill?version={version}",
            json={"subjects": {"applicant": records.FATHER}, "purpose": "x"},
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["where"] == "query"

    def test_malformed_form_id_is_404(self, family) -> None:
        r = family.post(
            "/v1/forms/Not_A_Form/prefill",
            json={"subjects": {"applicant": records.FATHER}, "purpose": "x"},
        )
        assert r.status_code == 404

    def test_values_for_unknown_fields_are_422(self, family) -> None:
        r = family.post(
            "/v1/forms/ct01/prefill",
            json={"subjects": {"applicant": records.FATHER}, "purpose": "x", "values": {"nope": 1}},
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["pointer"] == "/values/nope"


class TestTypedAnswer:
    def test_the_answer_has_a_named_schema_in_openapi(self, app) -> None:
        operation = app.openapi()["paths"]["/v1/forms/{form_id}/prefill"]["post"]
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer == {"$ref": "#/components/schemas/PrefillResponse"}
        schemas = app.openapi()["components"]["schemas"]
        assert {"FieldEnvelope", "PrefillWarning", "Submission"} <= set(schemas)
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/PrefillRequest"}

    def test_every_answer_is_a_prefill_response(self, family) -> None:
        for form, subjects in [
            ("business-change", {"company": records.COMPANY}),
            ("ct01", {"applicant": records.CHILD}),
        ]:
            r = family.post(
                f"/v1/forms/{form}/prefill", json={"subjects": subjects, "purpose": "Kiểm tra"}
            )
            assert r.status_code == 200, r.text
            answer = PrefillResponse.model_validate_json(r.content)
            assert answer.warnings == [] and answer.submission is not None
            assert answer.model_dump(mode="json", exclude_unset=True) == r.json()
