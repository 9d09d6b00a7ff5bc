"""Mapping suggestions from field labels."""

from __future__ import annotations

from typing import Any

import pytest

from forms.errors import InvalidFormSchema
from forms.suggest import fold, suggest_mappings

DOC: dict[str, Any] = {
    "id": "new-form",
    "title": "Đơn đề nghị",
    "subjects": {"person": {"registry": "citizen"}, "company": {"registry": "business"}},
    "fields": [
        {"key": "name", "label": "Họ và tên người đề nghị"},
        {"key": "dob", "label": "Ngày sinh", "type": "date"},
        {"key": "cccd", "label": "Số CCCD"},
        {"key": "home", "label": "Địa chỉ thường trú", "type": "address"},
        {"key": "tax", "label": "Mã số thuế"},
        {"key": "capital", "label": "Charter capital", "type": "number"},
        {"key": "father", "label": "Ho ten cha"},
        {
            "key": "done",
            "label": "Ngày sinh",
            "type": "date",
            "prefill": {"from": "person.birth_date"},
        },
    ],
}


def best() -> dict[str, str]:
    found = suggest_mappings(DOC)
    return {f["key"]: f["candidates"][0]["from"] for f in found["fields"] if f["candidates"]}


def test_fold_is_accent_insensitive() -> None:
    assert fold("Họ, chữ ĐỆM và tên") == "ho chu dem va ten"


@pytest.mark.parametrize(
    ("key", "attribute"),
    [
        ("name", "person.full_name"),
        ("dob", "person.birth_date"),
        ("cccd", "person.personal_id"),
        ("home", "person.permanent_address"),
        ("tax", "company.enterprise_code"),
        ("capital", "company.charter_capital"),
        ("father", "person.father.full_name"),
    ],
)
def test_best_candidate(key: str, attribute: str) -> None:
    assert best()[key] == attribute


def test_mapped_fields_get_no_suggestion_and_scores_are_ranked() -> None:
    found = suggest_mappings(DOC, limit=3)
    assert "done" not in {f["key"] for f in found["fields"]}
    for f in found["fields"]:
        scores = [c["score"] for c in f["candidates"]]
        assert scores == sorted(scores, reverse=True) and len(scores) <= 3


def test_suggestion_carries_the_transform_that_makes_it_fit() -> None:
    doc = {**DOC, "fields": [{"key": "sex", "label": "Giới tính"}]}
    (field,) = suggest_mappings(doc)["fields"]
    top = field["candidates"][0]
    assert (top["from"], top["transform"], top["fits"]) == ("person.sex", ["label"], True)


def test_invalid_documents_are_refused() -> None:
    with pytest.raises(InvalidFormSchema):
        suggest_mappings({"id": "x"})
    with pytest.raises(InvalidFormSchema):
        suggest_mappings([])


def test_a_label_with_no_letters_gets_no_candidates() -> None:
    doc = {**DOC, "fields": [{"key": "odd", "label": "!!! ---"}]}
    (field,) = suggest_mappings(doc)["fields"]
    assert field["candidates"] == []
