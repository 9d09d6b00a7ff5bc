"""Consistency of a whole seeded registry: every rule checked on every record."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import orjson

from registries.identifiers import TaxCodeKind, parse_personal_id, parse_tax_code
from registries.repository import business_row, citizen_row
from registries.schemas import BusinessRecord, CitizenRecord
from registries.units import commune, current_province_of_birth_code
from seed.rules import MOBILE_PREFIXES, card_expiry


class TestCitizens:
    def test_documents_are_exactly_the_schema_dump(self, registry) -> None:
        for doc in registry.citizens.values():
            assert CitizenRecord.model_validate(doc).model_dump(mode="json") == doc

    def test_columns_are_what_the_repository_derives(self, registry) -> None:
        for pid, row in registry.citizen_rows.items():
            expected = citizen_row(orjson.loads(row["doc"]), row["doc"])
            expected["updated_at"] = expected["updated_at"].replace(tzinfo=None)
            assert row == expected, pid

    def test_ids_agree_with_sex_birth_year_and_province(self, registry) -> None:
        for pid, doc in registry.citizens.items():
            parts = parse_personal_id(pid)
            assert parts.sex == doc["sex"], pid
            assert parts.birth_year == int(doc["birth_date"][:4]), pid
            place = doc["birth_registration_place"]
            if place["country"] == "VN":
                assert current_province_of_birth_code(pid[:3]) == place["province_code"], pid

    def test_every_referenced_person_exists(self, registry) -> None:
        people = registry.citizens
        for pid, doc in people.items():
            refs = [doc[k]["personal_id"] for k in ("father", "mother", "spouse") if doc[k]]
            refs += [c["personal_id"] for c in doc["children"]]
            if doc["household"]:
                refs.append(doc["household"]["head_personal_id"])
                refs += [m["personal_id"] for m in doc["household"]["members"]]
            for ref in refs:
                assert ref in people, (pid, ref)
                assert people[ref]["full_name"] in {
                    c.get("full_name") for c in _mentions(doc, ref)
                }, (pid, ref)

    def test_family_links_are_mutual(self, registry) -> None:
        people = registry.citizens
        for pid, doc in people.items():
            if doc["spouse"]:
                assert people[doc["spouse"]["personal_id"]]["spouse"]["personal_id"] == pid
            for role in ("father", "mother"):
                if doc[role]:
                    parent = people[doc[role]["personal_id"]]
                    assert pid in {c["personal_id"] for c in parent["children"]}, pid
            for child in doc["children"]:
                kid = people[child["personal_id"]]
                role = "father" if doc["sex"] == "male" else "mother"
                assert kid[role]["personal_id"] == pid
                assert kid["birth_date"] > doc["birth_date"]

    def test_each_household_has_one_head_and_its_members_point_to_it(self, registry) -> None:
        members: dict[str, list[str]] = defaultdict(list)
        for pid, row in registry.citizen_rows.items():
            if row["household_id"]:
                members[row["household_id"]].append(pid)
        assert set(members) == set(registry.households)
        for hid, ids in members.items():
            head = registry.households[hid]["head_personal_id"]
            relations = Counter(registry.citizens[p]["household"]["relation_to_head"] for p in ids)
            assert relations["Chủ hộ"] == 1, hid
            for p in ids:
                household = registry.citizens[p]["household"]
                assert household["head_personal_id"] == head
                assert sorted(m["personal_id"] for m in household["members"]) == sorted(ids)
            assert registry.citizens[head]["household"]["relation_to_head"] == "Chủ hộ"

    def test_cards_follow_the_renewal_ages(self, registry) -> None:
        for pid, doc in registry.citizens.items():
            card = doc["id_card"]
            if card is None:
                continue
            birth = dt.date.fromisoformat(doc["birth_date"])
            issued = dt.date.fromisoformat(card["issued_on"])
            expiry = card_expiry(birth, issued)
            assert card["expires_on"] == (expiry.isoformat() if expiry else None), pid
            assert birth < issued <= dt.date(2026, 7, 1)

    def test_addresses_are_real_communes(self, registry) -> None:
        for doc in registry.citizens.values():
            for key in ("permanent_address", "temporary_address", "current_address"):
                address = doc[key]
                if address:
                    unit = commune(address["ward_code"])
                    assert unit is not None
                    assert (unit.name, unit.province_code) == (
                        address["ward_name"],
                        address["province_code"],
                    )

    def test_phones_have_valid_mobile_prefixes(self, registry) -> None:
        phones = [d["phone"] for d in registry.citizens.values() if d["phone"]]
        assert len(phones) > 1000
        assert all(len(p) == 10 and p[:3] in MOBILE_PREFIXES for p in phones)

    def test_old_cmnd_only_for_people_born_before_2002(self, registry) -> None:
        for doc in registry.citizens.values():
            if doc["old_id_number"]:
                assert len(doc["old_id_number"]) == 9
                assert int(doc["birth_date"][:4]) <= 2001

    def test_the_dead_have_a_death_date_after_birth_and_no_household(self, registry) -> None:
        dead = [d for d in registry.citizens.values() if d["death_date"]]
        assert dead
        for doc in dead:
            assert doc["birth_date"] < doc["death_date"] <= "2026-07-01"
            assert doc["household"] is None


class TestBusinesses:
    def test_documents_are_exactly_the_schema_dump(self, registry) -> None:
        for doc in registry.businesses.values():
            assert BusinessRecord.model_validate(doc).model_dump(mode="json") == doc

    def test_columns_and_links_are_what_the_repository_derives(self, registry) -> None:
        for code, row in registry.business_rows.items():
            expected = business_row(orjson.loads(row["doc"]), row["doc"])
            expected["updated_at"] = expected["updated_at"].replace(tzinfo=None)
            assert row == expected, code
        reps = {
            (r["enterprise_code"], r["personal_id"])
            for r in registry.links["business_representatives"]
        }
        assert reps == {
            (code, r["personal_id"])
            for code, doc in registry.businesses.items()
            for r in doc["legal_representatives"]
        }
        mains = Counter(
            r["enterprise_code"] for r in registry.links["business_lines"] if r["is_main"]
        )
        assert set(mains.values()) == {1} and len(mains) == len(registry.businesses)

    def test_representatives_and_person_owners_are_citizens(self, registry) -> None:
        for code, doc in registry.businesses.items():
            assert doc["legal_representatives"], code
            for rep in doc["legal_representatives"]:
                person = registry.citizens[rep["personal_id"]]
                assert person["full_name"] == rep["full_name"]
            for owner in doc["owners"]:
                if owner["kind"] == "person":
                    assert registry.citizens[owner["id"]]["full_name"] == owner["name"]
                else:
                    assert registry.businesses[owner["id"]]["name"] == owner["name"]

    def test_exactly_one_main_line(self, registry) -> None:
        for code, doc in registry.businesses.items():
            assert sum(b["is_main"] for b in doc["business_lines"]) == 1, code

    def test_codes_are_valid_and_match_the_legal_form(self, registry) -> None:
        forms = Counter()
        for code, doc in registry.businesses.items():
            parts = parse_tax_code(code)
            assert parts.code == code
            forms[doc["legal_form"]] += 1
            if doc["legal_form"] == "branch":
                assert parts.kind is TaxCodeKind.BRANCH
                assert doc["parent_code"] == parts.parent_code
                assert doc["parent_code"] in registry.businesses
                assert {b["code"] for b in doc["business_lines"]} <= {
                    b["code"] for b in registry.businesses[doc["parent_code"]]["business_lines"]
                }
            elif doc["legal_form"] == "household_business":
                assert parts.kind is TaxCodeKind.INDIVIDUAL
                assert code in registry.citizens
                assert doc["owners"][0]["id"] == code
                assert doc["legal_representatives"][0]["personal_id"] == code
            else:
                assert parts.kind is TaxCodeKind.ENTERPRISE
        assert {"branch", "household_business", "joint_stock", "llc_one_member"} <= set(forms)

    def test_owner_shares_sum_to_100_and_amounts_to_the_capital(self, registry) -> None:
        for code, doc in registry.businesses.items():
            if doc["legal_form"] == "branch":
                assert doc["owners"] == []
                continue
            assert abs(sum(o["capital_share"] for o in doc["owners"]) - 100) < 1e-9, code
            assert sum(o["capital_amount"] for o in doc["owners"]) == doc["charter_capital"]

    def test_names_follow_the_legal_form(self, registry) -> None:
        prefixes = {
            "llc_one_member": "CÔNG TY TNHH ",
            "llc_multi_member": "CÔNG TY TNHH ",
            "joint_stock": "CÔNG TY CỔ PHẦN ",
            "private_enterprise": "DOANH NGHIỆP TƯ NHÂN ",
            "partnership": "CÔNG TY HỢP DANH ",
            "household_business": "HỘ KINH DOANH ",
            "branch": "CHI NHÁNH ",
        }
        for doc in registry.businesses.values():
            assert doc["name"].startswith(prefixes[doc["legal_form"]]), doc["name"]
            assert doc["name"] == doc["name"].upper()

    def test_household_business_owners_are_distinct(self, registry) -> None:
        codes = [
            c for c, d in registry.businesses.items() if d["legal_form"] == "household_business"
        ]
        assert len(codes) == len(set(codes)) > 10


def _mentions(doc: dict, pid: str) -> list[dict]:
    """Every place a document names this person (to compare the names it gives)."""
    out = [
        doc[k] for k in ("father", "mother", "spouse") if doc[k] and doc[k]["personal_id"] == pid
    ]
    out += [c for c in doc["children"] if c["personal_id"] == pid]
    if doc["household"]:
        out += [m for m in doc["household"]["members"] if m["personal_id"] == pid]
        if doc["household"]["head_personal_id"] == pid:
            out.append({"full_name": doc["household"]["head_full_name"]})
    return out
