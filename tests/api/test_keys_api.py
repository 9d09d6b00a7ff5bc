"""Key management over HTTP: admin only, secret shown once, revocation is a 401."""

from __future__ import annotations

from tests.api.keyring import PERSON, bearer, create_key

PROBLEM = "application/problem+json"


class TestKeysApi:
    def test_create_shows_the_secret_once(self, client) -> None:
        key_id, secret = create_key(client, "registry:read")
        listing = client.get("/v1/keys").json()["items"]
        (listed,) = [k for k in listing if k["id"] == key_id]
        assert listed["prefix"] == f"afk_{key_id}_"
        assert listed["scopes"] == ["registry:read"]
        assert secret not in client.get("/v1/keys").text
        assert "key" not in listed

    def test_a_new_key_works_and_a_revoked_one_is_401(self, client) -> None:
        key_id, secret = create_key(client, "registry:read")
        assert client.get(f"/v1/citizens/{PERSON}", headers=bearer(secret)).status_code == 404
        assert client.delete(f"/v1/keys/{key_id}").status_code == 204
        r = client.get(f"/v1/citizens/{PERSON}", headers=bearer(secret))
        assert r.status_code == 401
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["code"] == "unauthenticated"
        listed = [k for k in client.get("/v1/keys").json()["items"] if k["id"] == key_id]
        assert listed[0]["revoked_at"] is not None

    def test_only_admin_manages_keys(self, client) -> None:
        _, secret = create_key(client, "registry:read", "audit:read", "forms:write")
        for method, path in (("GET", "/v1/keys"), ("POST", "/v1/keys")):
            r = client.request(method, path, headers=bearer(secret), json={})
            assert r.status_code == 403
            assert r.headers["content-type"] == PROBLEM

    def test_an_admin_created_key_may_manage_keys(self, client) -> None:
        _, secret = create_key(client, "admin")
        r = client.post(
            "/v1/keys", headers=bearer(secret), json={"name": "n", "scopes": ["prefill"]}
        )
        assert r.status_code == 201

    def test_unknown_scope_is_422_with_a_pointer(self, client) -> None:
        r = client.post("/v1/keys", json={"name": "x", "scopes": ["root"]})
        assert r.status_code == 422
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["errors"][0]["pointer"] == "/scopes/0"

    def test_bad_form_id_is_422(self, client) -> None:
        r = client.post("/v1/keys", json={"name": "x", "scopes": ["prefill"], "form_ids": ["a/b"]})
        assert r.status_code == 422
        assert r.json()["errors"][0]["pointer"] == "/form_ids/0"

    def test_revoking_an_unknown_key_is_404(self, client) -> None:
        r = client.delete("/v1/keys/000000000000")
        assert r.status_code == 404
        assert r.json()["code"] == "key_not_found"

    def test_times_carry_their_offset(self, client) -> None:
        key_id, _ = create_key(client, "prefill")
        client.delete(f"/v1/keys/{key_id}")
        (listed,) = [k for k in client.get("/v1/keys").json()["items"] if k["id"] == key_id]
        for name in ("created_at", "revoked_at"):
            assert listed[name].endswith(("+00:00", "Z")), listed[name]
