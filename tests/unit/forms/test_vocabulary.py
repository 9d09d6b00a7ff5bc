"""The attribute vocabulary derived from the record models."""

from __future__ import annotations

import pytest

from forms.vocabulary import VType, vocabulary


@pytest.mark.parametrize("registry", ["citizen", "business"])
def test_every_attribute_has_both_labels(registry: str) -> None:
    for path, attr in vocabulary(registry).items():
        assert attr.label and attr.label_en, path


@pytest.mark.parametrize(
    ("registry", "path", "vtype"),
    [
        ("citizen", "personal_id", VType("text", ident="personal_id")),
        ("citizen", "birth_date", VType("date")),
        ("citizen", "sex", VType("code", codes="sex")),
        ("citizen", "marital_status", VType("code", codes="marital_status")),
        ("citizen", "permanent_address", VType("address")),
        ("citizen", "birth_place", VType("place")),
        ("citizen", "other_names", VType("text", many=True)),
        ("citizen", "household.members", VType("object", many=True)),
        ("citizen", "household.head_personal_id", VType("text", ident="personal_id")),
        ("citizen", "father.personal_id", VType("text", ident="personal_id")),
        ("citizen", "blood_group", VType("code", codes="blood_group")),
        ("business", "enterprise_code", VType("text", ident="tax_code")),
        ("business", "parent_code", VType("text", ident="tax_code")),
        ("business", "charter_capital", VType("integer")),
        ("business", "legal_form", VType("code", codes="legal_form")),
        ("business", "status", VType("code", codes="business_status")),
        ("business", "business_lines.is_main", VType("boolean")),
        ("business", "owners.capital_share", VType("number")),
        ("business", "legal_representatives.personal_id", VType("text", ident="personal_id")),
    ],
)
def test_types_come_from_the_record_models(registry: str, path: str, vtype: VType) -> None:
    assert vocabulary(registry)[path].type == vtype


def test_owner_id_is_not_an_identifier_because_it_may_be_either_kind() -> None:
    assert vocabulary("business")["owners.id"].type.ident is None


def test_nested_labels_name_their_owner() -> None:
    assert vocabulary("citizen")["father.full_name"].label == "Họ, chữ đệm và tên cha"
    assert vocabulary("citizen")["household.members.birth_date"].label_en == (
        "household member date of birth"
    )
