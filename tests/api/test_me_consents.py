"""The citizen's consents on `/v1/me` and `/me`: listed, revoked at once (the token stops
prefilling), receipts that verify against the JWKS, and never another person's."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from tests import records
from tests.api.citizen_app import family_service
from tests.api.citizen_login import eid_login, hidden_fields
from tests.api.oauth_flow import PURPOSE, prefill, register, token_for


@pytest.fixture
def family(settings, tmp_path):  # type: ignore[no-untyped-def]
    yield from family_service(settings, tmp_path / "signing-keys")


def _as(client: Any, personal_id: str) -> Any:
    client.cookies.clear()
    eid_login(client, personal_id, return_to="/me")
    return client


def _consents(client: Any) -> list[dict[str, Any]]:
    r = client.get("/v1/me/consents")
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _granted(client: Any, personal_id: str) -> tuple[Any, str, str]:
    """A portal, a token the citizen granted it, and the consent's id."""
    client.cookies.clear()
    portal = register(client, "Cổng DVC tỉnh thử nghiệm")
    token = token_for(client, portal, personal_id)
    (consent,) = _consents(client)
    return portal, token, consent["id"]


def test_the_consent_is_listed_with_what_it_allows(family) -> None:
    portal, _, consent_id = _granted(family, records.FATHER)
    (item,) = _consents(family)
    assert item["id"] == consent_id and item["status"] == "active"
    assert item["client_id"] == portal.client_id and item["client_name"] == portal.name
    assert item["form_id"] == "ct01" and item["form_version"] == 1
    assert item["purpose"] == PURPOSE and item["revoked_at"] is None
    labels = {a["label"] for a in item["attributes"]}
    assert "Họ, chữ đệm và tên" in labels
    assert {
        "registry": "citizen",
        "path": "applicant.full_name",
        "label": "Họ, chữ đệm và tên",
    } in (item["attributes"])


def test_a_token_prefill_is_a_consent_entry_naming_the_portal(family) -> None:
    portal, token, consent_id = _granted(family, records.FATHER)
    assert prefill(family, token).status_code == 200
    entries = family.get("/v1/me/access-log").json()["items"]
    mine = [e for e in entries if e["who_id"] == portal.client_id]
    assert mine and all(e["kind"] == "consent" for e in mine)
    entry = mine[0]
    assert entry["who"] == portal.name and entry["consent_id"] == consent_id
    assert entry["purpose"] == PURPOSE and entry["form_id"] == "ct01"


def test_revocation_takes_effect_at_once(family) -> None:
    _, token, consent_id = _granted(family, records.FATHER)
    assert prefill(family, token).status_code == 200
    r = family.delete(f"/v1/me/consents/{consent_id}")
    assert r.status_code == 204 and r.content == b""
    assert prefill(family, token).status_code == 401
    (item,) = _consents(family)
    assert item["status"] == "revoked" and item["revoked_at"] is not None
    assert family.delete(f"/v1/me/consents/{consent_id}").status_code == 204  # idempotent


def test_another_persons_consent_is_not_found(family) -> None:
    _, token, consent_id = _granted(family, records.FATHER)
    other = _as(family, records.MOTHER)
    assert _consents(other) == []
    for method, path in (
        ("DELETE", f"/v1/me/consents/{consent_id}"),
        ("GET", f"/v1/me/consents/{consent_id}/receipt"),
    ):
        r = other.request(method, path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "consent_not_found"
    assert prefill(family, token).status_code == 200  # still the father's, still live
    assert records.FATHER not in other.get("/v1/me/access-log").text


def test_the_receipt_verifies_against_the_jwks(family) -> None:
    portal, _, consent_id = _granted(family, records.FATHER)
    r = family.get(f"/v1/me/consents/{consent_id}/receipt")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/jose")
    assert "attachment" in r.headers["content-disposition"]
    receipt = r.text
    keys = jwt.PyJWKSet.from_dict(family.get("/.well-known/jwks.json").json())
    kid = jwt.get_unverified_header(receipt)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    claims = jwt.decode(receipt, key, algorithms=["ES256"], options={"verify_aud": False})
    assert claims["consent_id"] == consent_id and claims["client_id"] == portal.client_id
    assert claims["purpose"] == PURPOSE and records.FATHER not in receipt


def test_thu_hoi_on_the_page_revokes(family) -> None:
    _, token, consent_id = _granted(family, records.FATHER)
    page = family.get("/me")
    assert page.status_code == 200 and "Thu hồi" in page.text
    assert f'data-consent="{consent_id}"' in page.text
    csrf = hidden_fields(page.text)["csrf"]
    path = f"/me/consents/{consent_id}/revoke"
    assert family.post(path, data={}, follow_redirects=False).status_code == 403
    assert prefill(family, token).status_code == 200
    r = family.post(path, data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/me?done=revoked")
    assert prefill(family, token).status_code == 401
    after = family.get("/me").text
    assert "Đã thu hồi" in after and "status-revoked" in after


def test_another_persons_consent_cannot_be_revoked_on_the_page(family) -> None:
    _, token, consent_id = _granted(family, records.FATHER)
    other = _as(family, records.MOTHER)
    csrf = hidden_fields(other.get("/me").text)["csrf"]
    r = other.post(f"/me/consents/{consent_id}/revoke", data={"csrf": csrf})
    assert r.status_code == 404
    assert prefill(family, token).status_code == 200
