"""The audit log: keyed subject hashes, group commit, filters, retention."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import text, update

from autofill.errors import InvalidRequest, ServiceUnavailable
from autofill.models import AuditEntry
from autofill.trust import KeyPrincipal
from autofill.trust.audit import (
    LOOKUP,
    PREFILL,
    AuditFilter,
    AuditLog,
    Disclosed,
    Release,
    decode_cursor,
)
from autofill.trust.hashing import SubjectHasher, load_hash_key
from tests.aio import run

PORTAL = KeyPrincipal("k1", "portal", frozenset({"prefill"}))
READER = KeyPrincipal("k2", "reader", frozenset({"registry:read"}))
PERSON = "001089012345"


def _dump(engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT * FROM audit_log")).all())


def _run(engine, scenario):  # type: ignore[no-untyped-def]
    async def main():  # type: ignore[no-untyped-def]
        audit = AuditLog(engine, SubjectHasher(b"k" * 32))
        audit.start()
        try:
            return await scenario(audit)
        finally:
            await audit.close()

    return run(main())


class TestSubjectHasher:
    def test_keyed_stable_and_not_the_plain_hash(self) -> None:
        import hashlib

        a, b = SubjectHasher(b"a" * 32), SubjectHasher(b"b" * 32)
        assert a.hash(PERSON) == a.hash(PERSON)
        assert a.hash(PERSON) != b.hash(PERSON)
        assert a.hash(PERSON) != hashlib.sha256(PERSON.encode()).hexdigest()


class TestHashKey:
    def test_generated_once_and_kept(self, engine) -> None:
        first = load_hash_key(engine, None)
        assert len(first) >= 32
        assert load_hash_key(engine, None) == first

    def test_configured_key_wins(self, engine) -> None:
        assert load_hash_key(engine, "c" * 32) == b"c" * 32


class TestRecord:
    def test_entries_hold_the_hash_never_the_raw_id(self, engine) -> None:
        async def scenario(audit: AuditLog) -> None:
            await audit.record(
                Release(
                    PORTAL,
                    PREFILL,
                    [Disclosed("citizen", PERSON, ["full_name", "birth_date"])],
                    form_id="ho-khau",
                    form_version=2,
                    purpose="đăng ký thường trú",
                    request_id="r1",
                    client="10.0.0.1",
                )
            )

        _run(engine, scenario)
        dump = _dump(engine)
        assert PERSON not in dump
        assert SubjectHasher(b"k" * 32).hash(PERSON) in dump
        entries, _ = AuditLog(engine, SubjectHasher(b"k" * 32)).search_entries(AuditFilter())
        (entry,) = entries
        assert entry["attributes"] == ["birth_date", "full_name"]
        assert (entry["form_id"], entry["form_version"], entry["purpose"]) == (
            "ho-khau",
            2,
            "đăng ký thường trú",
        )
        assert (entry["key_id"], entry["request_id"], entry["client"]) == ("k1", "r1", "10.0.0.1")

    def test_concurrent_requests_share_commits(self, engine) -> None:
        async def scenario(audit: AuditLog) -> tuple[int, int]:
            await asyncio.gather(
                *(
                    audit.record(
                        Release(READER, LOOKUP, [Disclosed("citizen", f"0010890{i:05d}", ["*"])])
                    )
                    for i in range(200)
                )
            )
            return audit.batches, audit.entries

        batches, entries = _run(engine, scenario)
        assert entries == 200
        assert batches < 200
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 200

    def test_a_failed_write_fails_the_request(self, engine) -> None:
        async def scenario(audit: AuditLog) -> None:
            with engine.begin() as conn:
                conn.execute(text("DROP TABLE audit_log"))
            await audit.record(Release(READER, LOOKUP, [Disclosed("citizen", PERSON, ["*"])]))

        with pytest.raises(ServiceUnavailable):
            _run(engine, scenario)

    def test_not_running_refuses(self, engine) -> None:
        audit = AuditLog(engine, SubjectHasher(b"k" * 32))
        with pytest.raises(ServiceUnavailable):
            run(audit.record(Release(READER, LOOKUP, [Disclosed("citizen", PERSON, ["*"])])))


class TestSearchAndPurge:
    @pytest.fixture
    def filled(self, engine):  # type: ignore[no-untyped-def]
        async def scenario(audit: AuditLog) -> None:
            for i in range(5):
                await audit.record(
                    Release(
                        PORTAL if i % 2 else READER,
                        PREFILL if i % 2 else LOOKUP,
                        [Disclosed("citizen", f"00108901234{i}", ["full_name"])],
                        form_id="ho-khau" if i % 2 else None,
                    )
                )

        _run(engine, scenario)
        return AuditLog(engine, SubjectHasher(b"k" * 32))

    def test_filters(self, filled) -> None:
        by_key, _ = filled.search_entries(AuditFilter(key_id="k1"))
        assert {e["key_id"] for e in by_key} == {"k1"} and len(by_key) == 2
        by_form, _ = filled.search_entries(AuditFilter(form_id="ho-khau"))
        assert len(by_form) == 2
        subject = SubjectHasher(b"k" * 32).hash("001089012343")
        (one,) = filled.search_entries(AuditFilter(subject_hash=subject))[0]
        assert one["subject_hash"] == subject
        future = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
        assert filled.search_entries(AuditFilter(since=future))[0] == []
        assert len(filled.search_entries(AuditFilter(until=future))[0]) == 5

    def test_pages_follow_the_cursor(self, filled) -> None:
        first, cursor = filled.search_entries(AuditFilter(limit=3))
        assert cursor is not None
        second, end = filled.search_entries(AuditFilter(limit=3, before_id=decode_cursor(cursor)))
        assert end is None
        ids = [e["id"] for e in first + second]
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5

    def test_a_foreign_cursor_is_refused(self) -> None:
        with pytest.raises(InvalidRequest):
            decode_cursor("not-ours")

    def test_purge_removes_the_expired_prefix_of_the_log(self, filled, engine) -> None:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
        with engine.begin() as conn:
            ids = list(conn.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars())
            # The first two, and the fourth: an old entry behind a young one stays, so
            # that what remains is a chain from the cut on (audit_chain).
            expired = [ids[0], ids[1], ids[3]]
            conn.execute(update(AuditEntry).where(AuditEntry.id.in_(expired)).values(at=old))
        assert filled.purge(dt.datetime.now(dt.UTC) - dt.timedelta(days=365)) == 2
        left, _ = filled.search_entries(AuditFilter())
        assert sorted(e["id"] for e in left) == ids[2:]
