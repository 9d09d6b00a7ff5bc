"""The citizen's access log on the trust side: every release of their data, newest first,
kinds told apart, chained releases included, and nothing about anyone else."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
import pytest

from autofill.trust.access_log import ASSISTED, REGISTRY_READ, WHOLE_RECORD, AccessEntry
from tests import records
from tests.api.keyring import bearer, create_key


@pytest.fixture
def family(client):  # type: ignore[no-untyped-def]
    records.put_family(client)
    return client


def _trust(client: Any) -> Any:
    return client.app.state.services.trust


def _log(client: Any, personal_id: str, **kwargs: Any) -> tuple[list[AccessEntry], int | None]:
    trust = _trust(client)
    return trust.access_log.page(trust.hasher.hash(personal_id), **kwargs)


def _by(client: Any, personal_id: str, key_id: str) -> list[AccessEntry]:
    return [e for e in _log(client, personal_id, limit=500)[0] if e.who_id == key_id]


def _prefill(client: Any, secret: str, person: str, purpose: str) -> None:
    body = {"subjects": {"applicant": person}, "purpose": purpose}
    r = client.post("/v1/forms/ct01/prefill", json=body, headers=bearer(secret))
    assert r.status_code == 200, r.text


class TestKinds:
    def test_an_officers_prefill_is_assisted_with_its_key_name_and_purpose(self, family) -> None:
        key_id, secret = create_key(family, "prefill")
        _prefill(family, secret, records.FATHER, "Đăng ký thường trú")
        (entry,) = _by(family, records.FATHER, key_id)
        assert entry.kind == ASSISTED and entry.action == "prefill"
        assert entry.who == "test prefill" and entry.who_id == key_id
        assert entry.form_id == "ct01" and entry.form_version is not None
        assert entry.purpose == "Đăng ký thường trú"
        assert not entry.via_business and entry.consent_id is None
        labels = {item.label for item in entry.data}
        assert "Họ, chữ đệm và tên" in labels
        assert all(item.registry == "citizen" for item in entry.data)

    def test_a_registry_read_is_its_own_kind(self, family) -> None:
        key_id, secret = create_key(family, "registry:read")
        r = family.get(f"/v1/citizens/{records.MOTHER}", headers=bearer(secret))
        assert r.status_code == 200
        (entry,) = _by(family, records.MOTHER, key_id)
        assert entry.kind == REGISTRY_READ and entry.action == "lookup"
        assert entry.form_id is None and entry.purpose is None
        assert [(i.path, i.label) for i in entry.data] == [("*", WHOLE_RECORD)]

    def test_the_admins_edits_are_named(self, family) -> None:
        edits = _by(family, records.CHILD, "admin")
        assert edits and {e.who for e in edits} == {"bootstrap admin"}
        assert {e.action for e in edits} == {"edit"} and {e.kind for e in edits} == {REGISTRY_READ}


class TestChainedSubjects:
    def test_a_business_read_shows_in_its_representatives_log(self, family) -> None:
        key_id, secret = create_key(family, "registry:read")
        r = family.get(f"/v1/businesses/{records.COMPANY}", headers=bearer(secret))
        assert r.status_code == 200
        (entry,) = _by(family, records.FATHER, key_id)
        assert entry.via_business and entry.registry == "business"
        assert entry.kind == REGISTRY_READ
        assert {i.path for i in entry.data} == {"legal_representatives", "owners"}
        assert all(i.label != i.path for i in entry.data)
        (owner,) = _by(family, records.MOTHER, key_id)
        assert [i.path for i in owner.data] == ["owners"]

    def test_a_business_prefill_shows_in_the_owners_log(self, family) -> None:
        key_id, secret = create_key(family, "prefill")
        r = family.post(
            "/v1/forms/business-change/prefill",
            json={"subjects": {"company": records.COMPANY}, "purpose": "Thay đổi đăng ký"},
            headers=bearer(secret),
        )
        assert r.status_code == 200
        (entry,) = _by(family, records.MOTHER, key_id)
        assert entry.kind == ASSISTED and entry.via_business
        assert entry.form_id == "business-change" and entry.purpose == "Thay đổi đăng ký"


class TestOrderAndPages:
    def test_newest_first_in_keyset_pages(self, family) -> None:
        key_id, secret = create_key(family, "registry:read")
        for _ in range(5):
            family.get(f"/v1/citizens/{records.CHILD}", headers=bearer(secret))
        everything, last = _log(family, records.CHILD, limit=500)
        assert last is None
        ids = [e.id for e in everything]
        assert ids == sorted(ids, reverse=True)
        assert [e.at for e in everything] == sorted((e.at for e in everything), reverse=True)
        paged: list[int] = []
        before = None
        while True:
            page, before = _log(family, records.CHILD, limit=2, before_id=before)
            assert len(page) <= 2
            paged += [e.id for e in page]
            if before is None:
                break
        assert paged == ids
        assert len(_by(family, records.CHILD, key_id)) == 5


class TestNothingOfAnyoneElse:
    def test_another_persons_releases_never_appear(self, family) -> None:
        key_id, secret = create_key(family, "registry:read")
        family.get(f"/v1/citizens/{records.MOTHER}", headers=bearer(secret))
        assert _by(family, records.CHILD, key_id) == []
        child_log, _ = _log(family, records.CHILD, limit=500)
        trust = _trust(family)
        own = trust.hasher.hash(records.CHILD)
        text = orjson.dumps([dataclasses.asdict(e) for e in child_log]).decode()
        for other in (records.FATHER, records.MOTHER, records.COMPANY):
            assert other not in text
            assert trust.hasher.hash(other) not in text
        assert own not in text  # not even the citizen's own hash is shown

    def test_an_unknown_subject_has_an_empty_log(self, family) -> None:
        assert _log(family, records.NO_SUCH_CITIZEN) == ([], None)
