"""The audit hash chain and its signed checkpoints, on the backend under test: one chain
under concurrent writers, and every kind of tampering `verify_log` must name."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from pathlib import Path

import jwt
import pytest
import rfc8785
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from autofill.trust.access import KeyPrincipal
from autofill.trust.audit import LOOKUP, AuditLog, Disclosed, Release
from autofill.trust.audit_chain import GENESIS, canonical, entry_hash
from autofill.trust.audit_verify import verify_log
from autofill.trust.checkpoints import Checkpointer, checkpoint_now, list_checkpoints
from autofill.trust.hashing import SubjectHasher
from autofill.trust.signing import Signer, SigningConfig, open_signer
from tests.aio import run
from tests.conftest import BACKEND

READER = KeyPrincipal("k2", "reader", frozenset({"registry:read"}))
HASHER = SubjectHasher(b"k" * 32)


@pytest.fixture
def signer(engine: Engine, tmp_path: Path) -> Signer:
    """A signer whose key lives in a directory of this test."""
    config = SigningConfig(
        issuer="https://autofill.test",
        key_dir=tmp_path / "keys",
        env_keys=None,
        answer_seconds=300,
        publish_seconds=3600,
        embedded=False,
    )
    return open_signer(config, engine)


def _record(engine: Engine, count: int, *, writers: int = 1, seal: Signer | None = None) -> None:
    """Log `count` lookups per writer, the writers (each its own connection) concurrently."""

    async def one(audit: AuditLog, w: int) -> None:
        for i in range(count):
            subject = f"0010890{w:02d}{i:03d}"
            await audit.record(
                Release(READER, LOOKUP, [Disclosed("citizen", subject, ["*"])], purpose=f"lần {i}")
            )

    async def main() -> None:
        logs = [AuditLog(engine, HASHER) for _ in range(writers)]
        for audit in logs:
            audit.start()
        try:
            await asyncio.gather(*(one(audit, w) for w, audit in enumerate(logs)))
        finally:
            for audit in logs:
                await audit.close()

    run(main())


def _sql(engine: Engine, statement: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def _kinds(engine: Engine) -> list[tuple[str, int | None]]:
    return [(f.kind, f.entry_id) for f in verify_log(engine).findings]


class TestCanonicalForm:
    @pytest.mark.parametrize(
        "purpose",
        ["Đăng ký thường trú", 'quote " and \\ back', "tab\tnew\nline\x01\x7f", "", None, "€𝄞"],
    )
    def test_is_rfc_8785_jcs(self, purpose: str | None) -> None:
        fields = {
            "at": dt.datetime(2026, 12, 3, 9, 1, 2, 345678, tzinfo=dt.UTC),
            "key_id": "k1",
            "action": "prefill",
            "registry": "citizen",
            "subject_hash": "ab" * 32,
            "form_id": None,
            "form_version": 3,
            "purpose": purpose,
            "attributes": '["full_name"]',
            "request_id": "r",
            "client": None,
            "flagged": False,
            "detail": None,
        }
        ours = canonical(7, GENESIS, fields)
        expected = {**fields, "at": "2026-12-03T09:01:02.345678Z", "id": 7, "prev_hash": GENESIS}
        assert ours == rfc8785.dumps(expected)

    def test_the_sqlite_text_and_the_datetime_hash_alike(self) -> None:
        base = {"key_id": "k", "flagged": True}
        aware = {**base, "at": dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)}
        stored = {**base, "at": "2026-01-02 03:04:05.000006"}
        assert entry_hash(1, GENESIS, aware) == entry_hash(1, GENESIS, stored)


class TestOneChain:
    def test_concurrent_writers_make_one_chain_without_forks(self, engine) -> None:
        _record(engine, 60, writers=3)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, prev_hash, entry_hash FROM audit_log ORDER BY id"))
            rows = rows.all()
            head = conn.execute(text("SELECT last_id, entry_count FROM audit_chain_head")).one()
        assert [r.id for r in rows] == list(range(1, 181))
        assert rows[0].prev_hash == GENESIS
        assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(rows))
        assert tuple(head) == (180, 180)
        assert verify_log(engine).ok

    def test_an_empty_log_verifies(self, engine) -> None:
        report = verify_log(engine)
        assert report.ok and report.entries == 0


class TestCheckpoints:
    def test_signed_with_es256_checkable_by_another_library(self, engine, signer) -> None:
        _record(engine, 5)
        written = checkpoint_now(engine, signer)
        assert written is not None and written.position == 5 and written.entry_count == 5
        assert checkpoint_now(engine, signer) is None  # nothing new to sign
        (listed,) = list_checkpoints(engine)
        assert jwt.get_unverified_header(listed.jws) == {
            "alg": "ES256",
            "typ": "JWT",
            "kid": signer.kid,
        }
        (jwk,) = signer.jwks()["keys"]
        claims = jwt.decode(listed.jws, jwt.PyJWK(jwk).key, algorithms=["ES256"])
        with engine.connect() as conn:
            head = conn.execute(text("SELECT entry_hash FROM audit_log WHERE id = 5")).scalar()
        assert claims["head"] == head and claims["position"] == 5 and claims["count"] == 5
        assert claims["checkpoint"] == 1 and claims["iss"] == "https://autofill.test"

    def test_written_after_the_configured_number_of_entries(self, engine, signer) -> None:
        async def main() -> None:
            audit = AuditLog(engine, HASHER)
            checkpointer = Checkpointer(engine, signer, seconds=3600, entries=10)
            audit.on_commit.append(checkpointer.note)
            audit.start()
            checkpointer.start()
            try:
                for i in range(10):
                    await audit.record(
                        Release(READER, LOOKUP, [Disclosed("citizen", f"0010890{i:05d}", ["*"])])
                    )
                for _ in range(200):
                    if list_checkpoints(engine):
                        break
                    await asyncio.sleep(0.02)
            finally:
                await checkpointer.close()
                await audit.close()

        run(main())
        (written,) = list_checkpoints(engine)
        assert written.position == 10


class TestTampering:
    """Ten entries, a signed checkpoint at the tenth, then one kind of tampering each."""

    @pytest.fixture
    def log(self, engine: Engine, signer: Signer) -> Engine:
        _record(engine, 10)
        assert checkpoint_now(engine, signer) is not None
        assert verify_log(engine).ok
        return engine

    def test_a_changed_entry_is_named(self, log) -> None:
        _sql(log, "UPDATE audit_log SET purpose = 'khác' WHERE id = 4")
        assert _kinds(log)[0] == ("changed", 4)

    @pytest.mark.parametrize(
        "change",
        [
            "flagged = 2",
            "form_version = '3'",
            "at = 'not a time'",
            "at = '2001-01-01T00:00:00'",
        ],
    )
    def test_a_value_stored_in_another_form_is_a_change(self, log, change: str) -> None:
        if BACKEND != "sqlite" and change != "at = '2001-01-01T00:00:00'":
            pytest.skip("PostgreSQL's column types refuse it")
        _sql(log, f"UPDATE audit_log SET {change} WHERE id = 7")
        assert _kinds(log)[0] == ("changed", 7)

    def test_a_removed_entry_is_named(self, log) -> None:
        _sql(log, "DELETE FROM audit_log WHERE id = 5")
        assert _kinds(log)[0] == ("removed", 5)

    def test_an_inserted_entry_is_named(self, log) -> None:
        _sql(
            log,
            "INSERT INTO audit_log (id, at, key_id, action, attributes, flagged) "
            "VALUES (11, :at, 'k9', 'lookup', '[]', false)",
            at=dt.datetime.now(dt.UTC),
        )
        assert _kinds(log) == [("inserted", 11)]

    def test_reordered_entries_are_named(self, log) -> None:
        # Entries 3 and 4 trade places: every column moves but the id.
        with log.begin() as conn:
            rows = {
                r.id: r._mapping
                for r in conn.execute(text("SELECT * FROM audit_log WHERE id IN (3, 4)"))
            }
            for target, source in ((3, 4), (4, 3)):
                values = {k: v for k, v in rows[source].items() if k != "id"}
                sets = ", ".join(f"{k} = :{k}" for k in values)
                conn.execute(text(f"UPDATE audit_log SET {sets} WHERE id = {target}"), values)
        assert _kinds(log)[0] == ("changed", 3)

    def test_a_tail_cut_before_the_checkpoint_is_named(self, log) -> None:
        _sql(log, "DELETE FROM audit_log WHERE id > 8")
        _sql(log, "UPDATE audit_chain_head SET last_id = 8")  # even with the head made to agree
        assert _kinds(log) == [("cut", 9)]

    def test_a_rewritten_chain_is_caught_by_the_checkpoint(self, log) -> None:
        # Change entry 6 and recompute every hash after it: the chain itself is consistent.
        with log.begin() as conn:
            conn.execute(text("UPDATE audit_log SET purpose = 'khác' WHERE id = 6"))
            cols = "at, key_id, action, registry, subject_hash, form_id, form_version, purpose, "
            cols += "attributes, request_id, client, flagged, detail"
            rows = conn.execute(
                text(f"SELECT id, prev_hash, {cols} FROM audit_log WHERE id >= 6 ORDER BY id")
            )
            prev = None
            for row in rows.all():
                fields = dict(row._mapping)
                entry_id, stored_prev = fields.pop("id"), fields.pop("prev_hash")
                fields["flagged"] = bool(fields["flagged"])
                prev = prev or stored_prev
                digest = entry_hash(entry_id, prev, fields)
                conn.execute(
                    text("UPDATE audit_log SET prev_hash = :p, entry_hash = :h WHERE id = :i"),
                    {"p": prev, "h": digest, "i": entry_id},
                )
                prev = digest
        assert _kinds(log) == [("changed", 10)]

    @pytest.mark.parametrize(
        ("statement", "detail"),
        [
            ("UPDATE audit_checkpoints SET jws = jws || 'x'", "signature does not verify"),
            ("UPDATE audit_checkpoints SET jws = 'garbage'", "not a compact JWS"),
            ("UPDATE audit_checkpoints SET position = 3", "stored columns differ"),
            ("DELETE FROM signing_keys", "unknown key"),
            ("UPDATE audit_checkpoints SET number = 2", "checkpoint 1 is missing"),
        ],
    )
    def test_a_forged_or_moved_checkpoint_is_named(self, log, statement, detail) -> None:
        _sql(log, statement)
        (first, *_) = verify_log(log).findings
        assert first.kind == "checkpoint" and detail in first.detail

    def test_a_cut_after_the_last_checkpoint_goes_unseen_when_the_head_agrees(self, log) -> None:
        _record(log, 3)
        _sql(log, "DELETE FROM audit_log WHERE id > 11")
        assert _kinds(log) == [("cut", 12)]  # the head row still knows
        _sql(log, "UPDATE audit_chain_head SET last_id = 11")
        assert verify_log(log).ok  # the documented blind spot: export checkpoints elsewhere

    def test_exported_checkpoints_see_what_the_database_no_longer_shows(self, log, signer) -> None:
        _record(log, 3)
        assert checkpoint_now(log, signer) is not None
        exported = [cp.jws for cp in list_checkpoints(log)]
        _sql(log, "DELETE FROM audit_log WHERE id > 11")
        _sql(log, "DELETE FROM audit_checkpoints WHERE number = 2")
        _sql(log, "UPDATE audit_chain_head SET last_id = 11")
        assert verify_log(log).ok
        found = verify_log(log, exported=exported).findings
        assert [(f.kind, f.entry_id, f.checkpoint) for f in found] == [
            ("checkpoint", None, 2),
            ("cut", 12, 2),
        ]


class TestRetention:
    def test_a_purge_cuts_at_a_checkpoint_and_the_rest_verifies(self, engine, signer) -> None:
        _record(engine, 8)
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
        _sql(engine, "UPDATE audit_log SET at = :old WHERE id <= 5", old=old)
        audit = AuditLog(engine, HASHER)
        audit.seal = Checkpointer(engine, signer, seconds=60, entries=1000).seal
        assert audit.purge(dt.datetime.now(dt.UTC) - dt.timedelta(days=365)) == 5
        (sealed,) = list_checkpoints(engine)
        assert sealed.position == 5
        report = verify_log(engine)
        assert report.ok and report.first_id == 6

    def test_a_purge_of_every_entry_leaves_a_log_that_verifies(self, engine, signer) -> None:
        _record(engine, 4)
        assert checkpoint_now(engine, signer) is not None  # an ordinary one at the same place
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
        _sql(engine, "UPDATE audit_log SET at = :old", old=old)
        audit = AuditLog(engine, HASHER)
        audit.seal = Checkpointer(engine, signer, seconds=60, entries=1000).seal
        assert audit.purge(dt.datetime.now(dt.UTC) - dt.timedelta(days=365)) == 4
        assert verify_log(engine).ok
        _record(engine, 2)
        report = verify_log(engine)
        assert report.ok and (report.first_id, report.last_id) == (5, 6)

    def test_entries_cut_without_a_checkpoint_are_named(self, engine) -> None:
        _record(engine, 4)
        _sql(engine, "DELETE FROM audit_log WHERE id <= 2")
        assert _kinds(engine) == [("removed", 3)]


@pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL's row lock")
def test_a_second_postgresql_writer_waits_on_the_chain_head(engine) -> None:
    """Two transactions appending at once: the second holds until the first commits, then
    links to what the first wrote (no fork)."""
    import psycopg

    from autofill.trust.audit_chain import append_postgres
    from autofill.trust.audit_writers import COLUMNS, PostgresAuditWriter

    url = engine.url.render_as_string(hide_password=False)
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
    writer = PostgresAuditWriter(url)

    def row(subject: str) -> tuple[object, ...]:
        at = writer.timestamp(dt.datetime.now(dt.UTC))
        return (
            at,
            "k1",
            "lookup",
            "citizen",
            subject,
            None,
            None,
            None,
            "[]",
            "r",
            None,
            False,
            None,
            None,  # consent id
        )

    async def append(conn: psycopg.AsyncConnection, subject: str) -> None:
        async with conn.transaction(), conn.cursor() as cursor:
            await append_postgres(cursor, COLUMNS, [row(subject)])

    async def main() -> bool:
        first = await psycopg.AsyncConnection.connect(conninfo)
        second = await psycopg.AsyncConnection.connect(conninfo)
        try:
            async with first.transaction(), first.cursor() as cursor:
                await append_postgres(cursor, COLUMNS, [row("first")])
                waiting = asyncio.ensure_future(append(second, "second"))
                await asyncio.sleep(0.3)
                held = not waiting.done()
            await waiting
            return held
        finally:
            await first.close()
            await second.close()

    assert run(main())
    with engine.connect() as conn:
        order = conn.execute(text("SELECT subject_hash FROM audit_log ORDER BY id")).scalars()
        assert list(order) == ["first", "second"]
    assert verify_log(engine).ok


def test_the_migration_chains_the_entries_already_logged(database_url: str) -> None:
    from alembic import command

    from autofill.database import alembic_config, migrate
    from registries.database import make_engine

    engine = make_engine(database_url)
    try:
        cfg = alembic_config(database_url)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0007_audit_subject_index")
        with engine.begin() as conn:
            for i, flagged in enumerate([False, True, False], start=1):
                conn.execute(
                    text(
                        "INSERT INTO audit_log (id, at, key_id, action, attributes, flagged, "
                        "purpose) VALUES (:id, :at, 'k1', 'lookup', '[\"*\"]', :flagged, :p)"
                    ),
                    {"id": i * 2, "at": dt.datetime.now(dt.UTC), "flagged": flagged, "p": "cũ"},
                )
        migrate(engine)
        report = verify_log(engine)
        assert report.ok and report.entries == 3
        _record(engine, 2)
        with engine.connect() as conn:
            ids = conn.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars().all()
        assert ids == [2, 4, 6, 7, 8]
        assert verify_log(engine).ok
    finally:
        engine.dispose()
