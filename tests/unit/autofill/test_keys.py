"""API keys: hashed storage, scopes and form lists, revocation, the lookup cache."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from autofill.errors import InvalidRequest, KeyNotFound
from autofill.trust import keys
from autofill.trust.access import Authenticator, hash_secret
from tests.aio import run


class TestCreateKey:
    def test_the_secret_is_returned_once_and_only_its_hash_is_stored(self, engine) -> None:
        info, secret = keys.create_key(engine, name="portal", scopes=["prefill"])
        assert secret.startswith(f"afk_{info.id}_")
        assert len(secret) > 40
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT * FROM api_keys")).mappings().one()
        assert stored["secret_hash"] == hash_secret(secret)
        assert secret not in str(dict(stored))

    def test_two_keys_differ(self, engine) -> None:
        _, a = keys.create_key(engine, name="a", scopes=["prefill"])
        _, b = keys.create_key(engine, name="b", scopes=["prefill"])
        assert a != b

    def test_scopes_and_forms_are_kept(self, engine) -> None:
        info, secret = keys.create_key(
            engine,
            name="portal",
            scopes=["prefill", "prefill", "registry:read"],
            form_ids=["ho-khau", "business-change"],
            rate_limit_per_minute=120,
        )
        assert info.scopes == ["prefill", "registry:read"]
        assert info.form_ids == ["business-change", "ho-khau"]
        principal = keys.find_principal(engine, hash_secret(secret))
        assert principal is not None
        assert principal.key_id == info.id
        assert principal.allows("prefill") and not principal.allows("admin")
        assert principal.allows_form("ho-khau") and not principal.allows_form("other")
        assert principal.rate_limit_per_minute == 120

    @pytest.mark.parametrize(
        ("name", "scopes", "forms", "pointer"),
        [
            ("", ["prefill"], None, "/name"),
            ("x", [], None, "/scopes"),
            ("x", ["root"], None, "/scopes"),
            ("x", ["prefill"], ["../etc"], "/form_ids/0"),
        ],
    )
    def test_a_bad_spec_names_the_problem(self, engine, name, scopes, forms, pointer) -> None:
        with pytest.raises(InvalidRequest) as caught:
            keys.create_key(engine, name=name, scopes=scopes, form_ids=forms)
        assert caught.value.problems[0].pointer == pointer


class TestRevokeKey:
    def test_a_revoked_key_no_longer_resolves(self, engine) -> None:
        info, secret = keys.create_key(engine, name="portal", scopes=["prefill"])
        revoked = keys.revoke_key(engine, info.id)
        assert revoked.revoked_at is not None
        assert keys.find_principal(engine, hash_secret(secret)) is None
        assert [k.id for k in keys.list_keys(engine, include_revoked=False)] == []
        assert [k.id for k in keys.list_keys(engine)] == [info.id]

    def test_revoking_an_unknown_key_raises(self, engine) -> None:
        with pytest.raises(KeyNotFound):
            keys.revoke_key(engine, "000000000000")


class TestDatabaseKeyStore:
    def test_cached_lookups_survive_revocation_until_forgotten(self, engine) -> None:
        info, secret = keys.create_key(engine, name="portal", scopes=["prefill"])
        store = keys.DatabaseKeyStore(engine, ttl_seconds=300)
        auth = Authenticator("x" * 20, [store])

        async def scenario() -> tuple[object, object, object]:
            before = await auth.authenticate(secret)
            keys.revoke_key(engine, info.id)
            cached = await auth.authenticate(secret)
            store.forget(info.id)
            after = await auth.authenticate(secret)
            return before, cached, after

        before, cached, after = run(scenario())
        assert before is not None and cached is not None
        assert after is None

    def test_without_a_cache_revocation_is_immediate(self, engine) -> None:
        info, secret = keys.create_key(engine, name="portal", scopes=["prefill"])
        store = keys.DatabaseKeyStore(engine, ttl_seconds=0)

        async def scenario() -> tuple[object, object]:
            before = await store.find(hash_secret(secret))
            keys.revoke_key(engine, info.id)
            return before, await store.find(hash_secret(secret))

        before, after = run(scenario())
        assert before is not None
        assert after is None

    def test_requests_that_find_the_entry_expired_share_one_read(self, engine, monkeypatch) -> None:
        _, secret = keys.create_key(engine, name="portal", scopes=["prefill"])
        store = keys.DatabaseKeyStore(engine, ttl_seconds=0)
        reads: list[str] = []
        read = keys.find_principal

        def counted(engine, digest):  # type: ignore[no-untyped-def]
            reads.append(digest)
            return read(engine, digest)

        monkeypatch.setattr(keys, "find_principal", counted)

        async def burst() -> list[object]:
            return list(await asyncio.gather(*(store.find(hash_secret(secret)) for _ in range(32))))

        found = run(burst())
        assert len(reads) == 1 and all(p is not None and p == found[0] for p in found)
        run(burst())
        assert len(reads) == 2  # nothing cached (ttl 0): the next burst reads again

    def test_the_bootstrap_admin_key_still_works(self, engine) -> None:
        auth = Authenticator("bootstrap-admin-key-123", [keys.DatabaseKeyStore(engine)])
        principal = run(auth.authenticate("bootstrap-admin-key-123"))
        assert principal is not None and principal.allows("audit:read")
        assert run(auth.authenticate("afk_000000000000_nope")) is None
