"""Same seed, same registry (byte-identical documents); another seed, another registry."""

from __future__ import annotations

from seed import loader
from seed.citizens import citizen_chunk
from tests.unit.seed.conftest import read_registry, seed_file


def _docs(
    tmp_path, name: str, seed: int, citizens: int = 600, businesses: int = 60
) -> dict[str, dict]:
    registry = read_registry(
        seed_file(tmp_path / name, citizens=citizens, businesses=businesses, seed=seed)
    )
    return {
        "citizens": {k: r["doc"] for k, r in registry.citizen_rows.items()},
        "businesses": {k: r["doc"] for k, r in registry.business_rows.items()},
        "rows": {
            "citizens": sorted(tuple(r.values()) for r in registry.citizen_rows.values()),
            "businesses": sorted(tuple(r.values()) for r in registry.business_rows.values()),
            "households": sorted(tuple(r.values()) for r in registry.households.values()),
            **{t: sorted(tuple(r.values()) for r in rows) for t, rows in registry.links.items()},
        },
    }


def test_same_seed_gives_byte_identical_documents(tmp_path) -> None:
    first = _docs(tmp_path, "a.db", 5)
    second = _docs(tmp_path, "b.db", 5)
    assert first == second
    assert len(first["citizens"]) > 600


def test_worker_processes_give_the_same_registry_as_one_process(tmp_path, monkeypatch) -> None:
    inline = _docs(tmp_path, "inline.db", 8, citizens=12_000, businesses=1_500)
    monkeypatch.setattr(loader, "PARALLEL_FROM", 1_000)
    pooled = _docs(tmp_path, "pooled.db", 8, citizens=12_000, businesses=1_500)
    assert pooled == inline


def test_another_seed_gives_another_registry(tmp_path) -> None:
    first = _docs(tmp_path, "a.db", 5)
    other = _docs(tmp_path, "c.db", 6)
    generated = set(first["citizens"]) - set(other["citizens"])
    assert len(generated) > 500
    assert first["citizens"] != other["citizens"]


def test_a_chunk_does_not_depend_on_the_others() -> None:
    alone = citizen_chunk(9, 3, 500)
    again = citizen_chunk(9, 3, 500)
    assert alone.citizens == again.citizens
    assert citizen_chunk(9, 2, 500).citizens != alone.citizens
