"""Prefill under consent: the access token as the second principal at the one
authorisation point; every refusal, the business relation, and the audit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from autofill.config import Settings
from seed.personas import PERSONAS
from tests.api.oauth_flow import ADMIN, PURPOSE, details, prefill, register, token_for, with_eid

TYPICAL = next(p for p in PERSONAS if p.key == "typical_adult")
WIDOWED = next(p for p in PERSONAS if p.key == "widowed")
COMPANY = "0109881236"  # two legal representatives; typical_adult is the first
OTHER_COMPANY = "0315552357"
HOUSEHOLD = next(p for p in PERSONAS if p.key == "household_business")  # owner: spouse


@pytest.fixture
def browser(seeded_settings: Settings, tmp_path) -> Iterator[TestClient]:
    """The service with the mock e-ID on; requests carry no key."""
    from main import create_app

    with TestClient(create_app(with_eid(seeded_settings, tmp_path))) as c:
        yield c


def _services(client: TestClient):  # type: ignore[no-untyped-def]
    return client.app.state.services  # type: ignore[attr-defined]


class TestCitizenForm:
    def test_the_citizen_comes_from_the_token(self, browser: TestClient) -> None:
        token = token_for(browser, register(browser), TYPICAL.identifier)
        r = prefill(browser, token)
        assert r.status_code == 200, r.text
        assert r.json()["fields"]["full_name"]["value"] == TYPICAL.name
        same = prefill(browser, token, subjects={"applicant": TYPICAL.identifier}, purpose=PURPOSE)
        assert same.status_code == 200

    @pytest.mark.parametrize(
        ("form_id", "body"),
        [
            ("ct01", {"subjects": {"applicant": WIDOWED.identifier}}),
            ("dc01", {}),
            ("ct01", {"purpose": "Một mục đích khác"}),
        ],
        ids=["another-person", "another-form", "another-purpose"],
    )
    def test_outside_the_consent_is_403(self, browser, form_id, body) -> None:
        token = token_for(browser, register(browser), TYPICAL.identifier)
        r = prefill(browser, token, form_id, **body)
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")

    def test_a_token_is_for_prefill_only(self, browser: TestClient) -> None:
        token = token_for(browser, register(browser), TYPICAL.identifier)
        auth = {"Authorization": f"Bearer {token}"}
        assert browser.get(f"/v1/citizens/{TYPICAL.identifier}", headers=auth).status_code == 403
        assert browser.get("/v1/audit", headers=auth).status_code == 403

    def test_the_submission_check_takes_its_subjects_from_the_consent(self, browser) -> None:
        token = token_for(browser, register(browser), TYPICAL.identifier)
        answer = prefill(browser, token).json()
        locked = {k: f["value"] for k, f in answer["fields"].items() if f.get("locked")}
        body = {"token": answer["submission"]["token"], "values": locked}
        auth = {"Authorization": f"Bearer {token}"}
        r = browser.post("/v1/forms/ct01/verify", json=body, headers=auth)
        assert r.status_code == 200, r.text
        assert r.json()["intact"] is True and r.json()["subject_matches"] is True
        other = {**body, "subjects": {"applicant": WIDOWED.identifier}}
        r = browser.post("/v1/forms/ct01/verify", json=other, headers=auth)
        assert r.status_code == 200 and r.json()["subject_matches"] is False
        # An API key must still name the subjects (a token alone vouches for no one).
        r = browser.post("/v1/forms/ct01/verify", json=body, headers=ADMIN)
        assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/subjects"

    def test_a_revoked_consent_stops_its_token_at_once(self, browser: TestClient) -> None:
        token = token_for(browser, register(browser), TYPICAL.identifier)
        services = _services(browser)
        citizen = services.trust.hasher.hash(TYPICAL.identifier)
        (consent,) = asyncio.run(services.consents.list_for(citizen))
        assert asyncio.run(services.consents.revoke(consent.id, "0" * 64)) is None  # not theirs
        assert prefill(browser, token).status_code == 200
        revoked = asyncio.run(services.consents.revoke(consent.id, citizen))
        assert revoked is not None and revoked.revoked_at is not None
        assert prefill(browser, token).status_code == 401

    def test_audited_as_consent_with_the_client_and_purpose(self, browser: TestClient) -> None:
        portal = register(browser)
        token = token_for(browser, portal, TYPICAL.identifier)
        assert prefill(browser, token).status_code == 200
        services = _services(browser)
        (consent,) = asyncio.run(
            services.consents.list_for(services.trust.hasher.hash(TYPICAL.identifier))
        )
        entries = browser.get("/v1/audit", params={"key_id": portal.client_id}, headers=ADMIN)
        (entry,) = entries.json()["items"]
        assert entry["action"] == "prefill" and entry["purpose"] == PURPOSE
        assert entry["subject_hash"] == consent.citizen_hash
        from sqlalchemy import text

        with services.engine.connect() as conn:
            stored = conn.execute(
                text("SELECT consent_id FROM audit_log WHERE id = :i"), {"i": entry["id"]}
            )
            assert stored.scalar_one() == consent.id
        from autofill.trust.audit_verify import verify_log

        assert verify_log(services.engine).ok  # the consent id is covered by the chain
        with services.engine.begin() as conn:
            conn.execute(
                text("UPDATE audit_log SET consent_id = 'cns_x' WHERE id = :i"), {"i": entry["id"]}
            )
        assert [f.entry_id for f in verify_log(services.engine).findings][:1] == [entry["id"]]


class TestBusinessForm:
    def _token(self, browser: TestClient, who: str, code: str) -> str:
        return token_for(
            browser,
            register(browser),
            who,
            authorization_details=details("business-change", enterprise_code=code),
        )

    def test_a_legal_representative_prefills_their_enterprise(self, browser) -> None:
        token = self._token(browser, TYPICAL.identifier, COMPANY)
        r = prefill(browser, token, "business-change")
        assert r.status_code == 200, r.text
        fields = r.json()["fields"]
        assert fields["enterprise_code"]["value"] == COMPANY
        assert fields["rep_full_name"]["status"] == "filled"
        other = prefill(browser, token, "business-change", subjects={"company": OTHER_COMPANY})
        assert other.status_code == 403

    def test_the_relation_is_read_at_the_time_of_the_request(self, browser) -> None:
        token = self._token(browser, TYPICAL.identifier, COMPANY)
        record = browser.get(f"/v1/businesses/{COMPANY}", headers=ADMIN).json()
        kept = [
            r for r in record["legal_representatives"] if r["personal_id"] != TYPICAL.identifier
        ]
        owners = [o for o in record["owners"] if o["id"] != TYPICAL.identifier]
        patch = {"legal_representatives": kept, "owners": owners}
        r = browser.patch(
            f"/v1/businesses/{COMPANY}",
            json=patch,
            headers={**ADMIN, "Content-Type": "application/merge-patch+json"},
        )
        assert r.status_code == 200, r.text
        assert prefill(browser, token, "business-change").status_code == 403

    def test_a_household_business_owner_prefills_it(self, browser: TestClient) -> None:
        spouse = next(p for p in PERSONAS if p.key == "spouse").identifier
        token = self._token(browser, spouse, HOUSEHOLD.identifier)
        assert prefill(browser, token, "business-change").status_code == 200


def test_a_chained_subject_is_audited_as_itself(browser: TestClient) -> None:
    """The second legal representative consents; the form's representative subject is
    the first one, released and audited under their own hash, by the same client."""
    record = browser.get(f"/v1/businesses/{COMPANY}", headers=ADMIN).json()
    first, second = (r["personal_id"] for r in record["legal_representatives"][:2])
    portal = register(browser)
    token = token_for(
        browser,
        portal,
        second,
        authorization_details=details("business-change", enterprise_code=COMPANY),
    )
    r = prefill(browser, token, "business-change")
    assert r.status_code == 200, r.text
    hasher = _services(browser).trust.hasher
    entries = browser.get("/v1/audit", params={"key_id": portal.client_id}, headers=ADMIN)
    subjects = {e["subject_hash"]: e for e in entries.json()["items"]}
    assert hasher.hash(first) in subjects and hasher.hash(COMPANY) in subjects
    assert {e["purpose"] for e in subjects.values()} == {PURPOSE}


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"legal_representatives": [{"personal_id": "1"}]}, True),
        ({"owners": [{"kind": "person", "id": "1"}]}, True),
        ({"owners": [{"kind": "enterprise", "id": "1"}]}, False),
        ({"legal_form": "household_business", "enterprise_code": "1"}, True),
        ({"legal_form": "joint_stock", "enterprise_code": "1"}, False),
        ({"legal_representatives": [{"personal_id": "2"}], "owners": []}, False),
    ],
)
def test_who_acts_for_a_business(record: dict, expected: bool) -> None:  # type: ignore[type-arg]
    from autofill.consent.principal import represents

    assert represents(record, "1") is expected
