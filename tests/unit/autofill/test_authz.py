"""The authorisation point's pure parts: a key's refusals, safe request ids, and who is
named inside a business record."""

from __future__ import annotations

import pytest

from autofill.errors import Forbidden
from autofill.trust import Action, Ask, Authorizer, KeyPrincipal, safe_request_id
from autofill.trust.releases import people_inside
from tests.aio import run

PORTAL = KeyPrincipal("k1", "portal", frozenset({"prefill"}), frozenset({"ct01"}))
ADMIN = KeyPrincipal("k0", "ops", frozenset({"admin"}))


def _refusal(principal: KeyPrincipal, ask: Ask) -> Forbidden | None:
    return run(principal.refusal(ask))


class TestKeyRefusals:
    def test_a_scope_is_needed(self) -> None:
        refusal = _refusal(PORTAL, Ask(Action.READ_RECORD, registry="citizen"))
        assert isinstance(refusal, Forbidden) and "registry:read" in refusal.detail

    def test_the_form_list_limits_prefill_and_verify_only(self) -> None:
        assert _refusal(PORTAL, Ask(Action.PREFILL, form_id="ct01")) is None
        refusal = _refusal(PORTAL, Ask(Action.VERIFY_SUBMISSION, form_id="dc01"))
        assert refusal is not None and "dc01" in refusal.detail
        assert _refusal(PORTAL, Ask(Action.READ_FORMS, form_id="dc01")) is None

    def test_admin_may_do_everything(self) -> None:
        assert all(_refusal(ADMIN, Ask(action, form_id="x")) is None for action in Action)
        assert ADMIN.is_operator and not PORTAL.is_operator

    def test_check_raises_the_refusal(self) -> None:
        with pytest.raises(Forbidden):
            run(Authorizer.check(PORTAL, Ask(Action.ADMIN)))
        assert not run(Authorizer.permits(PORTAL, Ask(Action.READ_AUDIT)))


@pytest.mark.parametrize("sent", ["req-1", "portal:42.a_b", "A" * 64, "order-12345678"])
def test_a_safe_request_id_is_kept(sent: str) -> None:
    assert safe_request_id(sent) == sent


@pytest.mark.parametrize(
    "sent", [None, "", "001085004512", "x 1", "a" * 65, "id-123456789", "é", "a/b"]
)
def test_an_unsafe_request_id_is_replaced(sent: str | None) -> None:
    fresh = safe_request_id(sent)
    assert fresh != sent and len(fresh) == 32 and int(fresh, 16) >= 0


RECORD = {
    "enterprise_code": "0100109106",
    "legal_representatives": [{"personal_id": "001089000001", "full_name": "A", "title": "GĐ"}],
    "owners": [
        {"kind": "person", "id": "001089000001", "name": "A"},
        {"kind": "person", "id": "001190000002", "name": "B"},
        {"kind": "enterprise", "id": "0300588569", "name": "C"},
    ],
}


class TestPeopleInside:
    def test_the_whole_record_names_everyone(self) -> None:
        found = {d.identifier: list(d.attributes) for d in people_inside(RECORD, ["*"])}
        assert found == {
            "001089000001": ["legal_representatives", "owners"],
            "001190000002": ["owners"],
            "0300588569": ["owners"],
        }

    def test_an_indexed_part_names_only_that_person(self) -> None:
        found = people_inside(RECORD, ["legal_representatives[0].title", "name"])
        assert [(d.identifier, list(d.attributes)) for d in found] == [
            ("001089000001", ["legal_representatives[0].title"])
        ]

    def test_attributes_outside_the_people_name_nobody(self) -> None:
        assert people_inside(RECORD, ["name", "head_office.province"]) == []
