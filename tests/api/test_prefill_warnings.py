"""Prefill warns about its subjects (a death, an expired card, an enterprise that no longer
trades), on the seed personas built for those cases."""

from __future__ import annotations

import datetime as dt

import pytest

from autofill.prefill.warnings import subject_warnings
from seed import persona

PURPOSE = "Giải quyết thủ tục hành chính"


def prefill(client, form_id: str, **subjects: str) -> dict:  # type: ignore[no-untyped-def]
    r = client.post(f"/v1/forms/{form_id}/prefill", json={"subjects": subjects, "purpose": PURPOSE})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    ("key", "codes"),
    [("deceased", ["deceased"]), ("expired_card", ["card_expired"]), ("typical_adult", [])],
)
def test_citizen_personas(seeded_client, key: str, codes: list[str]) -> None:
    body = prefill(seeded_client, "ct01", applicant=persona(key).identifier)
    assert [w["code"] for w in body["warnings"]] == codes
    assert all(w["subject"] == "applicant" for w in body["warnings"])


def test_a_dissolved_enterprise_and_its_deceased_representative(seeded_client) -> None:
    body = prefill(
        seeded_client, "business-change", company=persona("dissolved_enterprise").identifier
    )
    assert {(w["subject"], w["code"]) for w in body["warnings"]} == {
        ("company", "enterprise_dissolved"),
        ("representative", "deceased"),
    }


def test_a_suspended_enterprise(seeded_client) -> None:
    body = prefill(
        seeded_client, "business-change", company=persona("private_enterprise").identifier
    )
    assert ("company", "enterprise_suspended") in {
        (w["subject"], w["code"]) for w in body["warnings"]
    }


def test_warnings_give_no_dates() -> None:
    found = subject_warnings(
        {
            "p": {"death_date": "2024-03-01", "id_card": {"expires_on": "2026-01-01"}},
            "c": {"status": "bankrupt"},
            "ok": {"status": "active"},
        },
        {"p": "citizen", "c": "business", "ok": "business"},
        today=dt.date(2026, 1, 2),
    )
    assert [(w["subject"], w["code"]) for w in found] == [
        ("p", "deceased"),
        ("p", "card_expired"),
        ("c", "enterprise_bankrupt"),
    ]
    assert not any(ch.isdigit() for w in found for ch in w["detail"])


def test_a_card_expiring_today_is_still_valid() -> None:
    card = {"p": {"id_card": {"expires_on": "2026-01-02"}}}
    assert subject_warnings(card, {"p": "citizen"}, today=dt.date(2026, 1, 2)) == []
