"""Personas: fixed identifiers in every seed, whatever its size, and a catalog that says
which edge case each one covers."""

from __future__ import annotations

import pytest

from seed import PERSONAS, persona
from tests.unit.seed.conftest import read_registry, seed_file


def test_at_least_twelve_personas_with_unique_keys() -> None:
    assert len(PERSONAS) >= 12
    assert len({p.key for p in PERSONAS}) == len(PERSONAS)
    assert {p.registry for p in PERSONAS} == {"citizen", "business"}


def test_persona_lookup() -> None:
    assert persona("deceased").name == "Trần Văn Hùng"
    with pytest.raises(KeyError, match="known: typical_adult"):
        persona("nobody")


def test_personas_are_identical_in_every_seed(tmp_path, registry) -> None:
    small = read_registry(seed_file(tmp_path / "s.db", citizens=150, businesses=0, seed=99))
    for p in PERSONAS:
        records = registry.citizens if p.registry == "citizen" else registry.businesses
        others = small.citizens if p.registry == "citizen" else small.businesses
        doc = records[p.identifier]
        assert doc == others[p.identifier], p.key
        assert doc.get("full_name", doc.get("name")) == p.name


def test_persona_edge_cases_hold(registry) -> None:
    c, b = registry.citizens, registry.businesses

    def doc(key: str) -> dict:
        p = persona(key)
        return (c if p.registry == "citizen" else b)[p.identifier]

    assert doc("deceased")["death_date"]
    assert doc("expired_card")["id_card"]["expires_on"] < "2026-07-01"
    minor = doc("minor")
    assert minor["id_card"] is None and minor["father"] and minor["mother"]
    assert doc("no_permanent_address")["permanent_address"] is None
    assert doc("no_permanent_address")["current_address"] is not None
    assert doc("born_abroad")["birth_place"]["country"] != "VN"
    elderly = doc("elderly_old_cmnd")
    assert elderly["old_id_number"] and elderly["id_card"]["expires_on"] is None
    assert (
        doc("temporary_address")["temporary_address"] == doc("temporary_address")["current_address"]
    )
    assert len(doc("two_representatives")["legal_representatives"]) == 2
    assert doc("dissolved_enterprise")["status"] == "dissolved"
    assert doc("branch")["parent_code"] == persona("two_representatives").identifier
    household = doc("household_business")
    assert household["legal_form"] == "household_business"
    assert household["enterprise_code"] == persona("spouse").identifier
    kinds = {o["kind"] for o in doc("enterprise_owners")["owners"]}
    assert "enterprise" in kinds
    typical = doc("typical_adult")
    assert typical["spouse"] and len(typical["children"]) == 2
    assert typical["father"] and typical["mother"]
    namesake = doc("namesake")
    assert (namesake["full_name"], namesake["birth_date"]) == (
        typical["full_name"],
        typical["birth_date"],
    )
