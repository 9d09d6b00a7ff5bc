"""`/v1/me`: the logged-in citizen's access log and consents, and nothing of anyone else."""

from __future__ import annotations

from typing import Any

import pytest

from tests import records
from tests.api.citizen_app import family_service
from tests.api.citizen_login import eid_login
from tests.api.keyring import bearer, create_key


@pytest.fixture
def family(settings, tmp_path):  # type: ignore[no-untyped-def]
    yield from family_service(settings, tmp_path / "signing-keys")


ROUTES = [
    ("GET", "/v1/me/access-log"),
    ("GET", "/v1/me/consents"),
    ("DELETE", "/v1/me/consents/cns_abc"),
    ("GET", "/v1/me/consents/cns_abc/receipt"),
]


def _as(client: Any, personal_id: str) -> Any:
    client.cookies.clear()
    eid_login(client, personal_id, return_to="/me")
    return client


def _log(client: Any, **params: Any) -> dict[str, Any]:
    r = client.get("/v1/me/access-log", params=params)
    assert r.status_code == 200, r.text
    return r.json()


class TestWithoutASession:
    @pytest.mark.parametrize(("method", "path"), ROUTES)
    def test_no_session_is_a_401_problem(self, anonymous, method: str, path: str) -> None:
        r = anonymous.request(method, path)
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "e-ID" in r.json()["detail"]

    def test_an_api_key_is_not_a_citizen(self, client) -> None:
        # The admin key rides on every request of `client`: it still is nobody's session.
        assert client.get("/v1/me/access-log").status_code == 401

    def test_a_forged_cookie_is_not_a_session(self, anonymous) -> None:
        anonymous.cookies.set("af_citizen", "eyJhbGciOiJkaXIifQ..x.y.z")
        assert anonymous.get("/v1/me/consents").status_code == 401


class TestAccessLog:
    def test_the_citizen_sees_an_assisted_prefill_and_a_registry_read(self, family) -> None:
        officer, officer_secret = create_key(family, "prefill")
        reader, reader_secret = create_key(family, "registry:read")
        body = {"subjects": {"applicant": records.FATHER}, "purpose": "Đăng ký tạm trú"}
        r = family.post("/v1/forms/ct01/prefill", json=body, headers=bearer(officer_secret))
        assert r.status_code == 200
        assert family.get(f"/v1/citizens/{records.FATHER}", headers=bearer(reader_secret))
        items = _log(_as(family, records.FATHER))["items"]
        read, assisted = items[0], items[1]
        assert read["kind"] == "registry_read" and read["who_id"] == reader
        assert read["who"] == "test registry:read" and read["purpose"] is None
        assert assisted["kind"] == "assisted" and assisted["who_id"] == officer
        assert assisted["who"] == "test prefill" and assisted["purpose"] == "Đăng ký tạm trú"
        assert assisted["form_id"] == "ct01" and assisted["form_version"] >= 1
        assert {"path": "full_name", "label": "Họ, chữ đệm và tên", "registry": "citizen"} in (
            assisted["data"]
        )
        assert read["at"] >= assisted["at"]

    def test_two_citizens_see_only_their_own(self, family) -> None:
        reader, secret = create_key(family, "registry:read")
        family.get(f"/v1/citizens/{records.MOTHER}", headers=bearer(secret))
        father = _log(_as(family, records.FATHER), limit=200)
        assert reader not in {i["who_id"] for i in father["items"]}
        mother = _log(_as(family, records.MOTHER), limit=200)
        assert reader in {i["who_id"] for i in mother["items"]}
        for text, others in (
            (str(father), (records.MOTHER, records.CHILD, records.COMPANY)),
            (str(mother), (records.FATHER, records.CHILD, records.COMPANY)),
        ):
            for other in others:
                assert other not in text

    def test_a_business_read_shows_to_its_representative(self, family) -> None:
        reader, secret = create_key(family, "registry:read")
        family.get(f"/v1/businesses/{records.COMPANY}", headers=bearer(secret))
        (item,) = [i for i in _log(_as(family, records.FATHER))["items"] if i["who_id"] == reader]
        assert item["via_business"] and item["registry"] == "business"
        assert records.COMPANY not in str(item)

    def test_pages_follow_the_cursor(self, family) -> None:
        _, secret = create_key(family, "registry:read")
        for _ in range(3):
            family.get(f"/v1/citizens/{records.CHILD}", headers=bearer(secret))
        citizen = _as(family, records.CHILD)
        everything = [i["id"] for i in _log(citizen, limit=200)["items"]]
        seen, cursor = [], None
        while True:
            page = _log(citizen, limit=2, **({"cursor": cursor} if cursor else {}))
            seen += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == everything and len(everything) >= 3

    @pytest.mark.parametrize("cursor", ["0", "abc", "-1", "1" * 19])
    def test_a_bad_cursor_is_a_422(self, family, cursor: str) -> None:
        r = _as(family, records.CHILD).get("/v1/me/access-log", params={"cursor": cursor})
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")

    def test_a_limit_out_of_range_is_a_422(self, family) -> None:
        r = _as(family, records.CHILD).get("/v1/me/access-log", params={"limit": 0})
        assert r.status_code == 422


class TestConsentsWithoutAny:
    def test_a_citizen_with_no_consent_lists_none(self, family) -> None:
        r = _as(family, records.FATHER).get("/v1/me/consents")
        assert r.status_code == 200 and r.json() == {"items": []}

    @pytest.mark.parametrize("method", ["DELETE", "GET"])
    def test_an_unknown_consent_is_a_404_problem(self, family, method: str) -> None:
        citizen = _as(family, records.FATHER)
        path = "/v1/me/consents/cns_unknown" + ("/receipt" if method == "GET" else "")
        r = citizen.request(method, path)
        assert r.status_code == 404
        assert r.json()["code"] == "consent_not_found"

    def test_a_malformed_consent_id_is_a_422(self, family) -> None:
        r = _as(family, records.FATHER).delete("/v1/me/consents/not%20an%20id")
        assert r.status_code == 422


def test_openapi_documents_the_routes(client) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths["/v1/me/access-log"]) == {"get"}
    assert set(paths["/v1/me/consents"]) == {"get"}
    assert "delete" in paths["/v1/me/consents/{consent_id}"]
    revoke = paths["/v1/me/consents/{consent_id}"]["delete"]
    assert "204" in revoke["responses"] and "404" in revoke["responses"]
    assert "401" in paths["/v1/me/access-log"]["get"]["responses"]
    for operations in (paths["/v1/me/access-log"], paths["/v1/me/consents/{consent_id}"]):
        for operation in operations.values():
            assert operation["security"] == [{"citizenSession": []}]
    scheme = spec["components"]["securitySchemes"]["citizenSession"]
    assert scheme == scheme | {"type": "apiKey", "in": "cookie", "name": "af_citizen"}
    assert spec["security"] == [{"bearer": []}]  # the rest of the API keeps its keys
