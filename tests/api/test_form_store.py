"""The form store across workers: concurrent registration, heads seen by other workers."""

from __future__ import annotations

import asyncio
import copy
import threading

from forms.service import FormStore
from registries.database import make_engine

DOC = {
    "id": "store-form",
    "title": "Tờ khai",
    "subjects": {"person": {"registry": "citizen"}},
    "fields": [{"key": "name", "label": "Họ tên", "prefill": {"from": "person.full_name"}}],
}


def test_workers_registering_the_same_form_at_once_make_one_version(client) -> None:
    engine = client.app.state.services.engine
    results: list[tuple[int, bool]] = []

    def worker() -> None:
        store = FormStore(engine)
        stored, created = asyncio.run(store.register(copy.deepcopy(DOC)))
        results.append((stored.version, created))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [(1, False), (1, False), (1, False), (1, True)]


def test_a_new_version_from_another_worker_becomes_the_default(client, database_url) -> None:
    client.post("/v1/forms", json=DOC)
    other = FormStore(make_engine(database_url), head_ttl=0)
    changed = {**copy.deepcopy(DOC), "title": "Tờ khai (mới)"}
    stored, created = asyncio.run(other.register(changed))
    assert (stored.version, created) == (2, True)
    mine = FormStore(client.app.state.services.engine, head_ttl=0)
    assert asyncio.run(mine.compiled("store-form")).version == 2
    asyncio.run(other.retire("store-form"))
    assert asyncio.run(mine.get("store-form")).retired


def test_requests_that_find_the_head_expired_share_one_read(client, database_url) -> None:
    client.post("/v1/forms", json=DOC)
    store = FormStore(make_engine(database_url), head_ttl=0)
    reads: list[tuple[str, int | None]] = []
    read = store._get

    def counted(form_id: str, version: int | None):  # type: ignore[no-untyped-def]
        reads.append((form_id, version))
        return read(form_id, version)

    store._get = counted  # type: ignore[method-assign]

    async def burst() -> list[int]:
        forms = await asyncio.gather(*(store.compiled("store-form") for _ in range(32)))
        return [f.version for f in forms]

    assert asyncio.run(burst()) == [1] * 32
    assert reads == [("store-form", None)]
    assert asyncio.run(burst()) == [1] * 32  # expired again (head_ttl=0): one more read
    assert len(reads) == 2
