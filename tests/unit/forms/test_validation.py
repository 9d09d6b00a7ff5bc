"""Registration-time validation: every rule, located by a JSON pointer, with suggestions."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from forms.catalog import read_catalog
from forms.errors import InvalidFormSchema
from forms.validation import compile_schema

BASE: dict[str, Any] = {
    "id": "business-change",
    "title": "Giấy đề nghị đăng ký thay đổi nội dung đăng ký doanh nghiệp",
    "subjects": {
        "company": {"registry": "business"},
        "representative": {
            "registry": "citizen",
            "from": "company.legal_representatives[0].personal_id",
        },
    },
    "fields": [
        {
            "key": "company_name",
            "label": "Tên doanh nghiệp",
            "type": "text",
            "prefill": {"from": "company.name", "transform": ["upper"]},
        },
        {
            "key": "rep_birth_date",
            "label": "Ngày sinh",
            "type": "date",
            "prefill": {"from": "representative.birth_date"},
        },
        {"key": "reason", "label": "Lý do thay đổi", "type": "text", "required": True},
    ],
}


def problems(doc: Any) -> list[tuple[str, str, str | None]]:
    with pytest.raises(InvalidFormSchema) as info:
        compile_schema(doc)
    return [(p.pointer, p.code, p.suggestion) for p in info.value.problems]


def with_field(**field: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc["fields"].append({"key": "extra", "label": "Thêm", **field})
    return doc


def test_the_design_example_compiles() -> None:
    form = compile_schema(BASE)
    assert form.roots == ("company",)
    assert form.waves == (("representative",),)
    assert form.mapped == 2


@pytest.mark.parametrize("document", read_catalog(), ids=lambda d: d["id"])
def test_every_catalog_form_validates(document: dict[str, Any]) -> None:
    form = compile_schema(document)
    assert form.schema.legal_basis
    assert form.mapped > 0


def test_unknown_attribute_suggests_the_closest() -> None:
    doc = copy.deepcopy(BASE)
    doc["fields"][0]["prefill"]["from"] = "company.nmae"
    assert problems(doc) == [("/fields/0/prefill/from", "unknown_attribute", "company.name")]


def test_unknown_nested_attribute_suggests_the_closest() -> None:
    doc = with_field(prefill={"from": "representative.permanent_adress.text"})
    assert problems(doc) == [
        ("/fields/3/prefill/from", "unknown_attribute", "representative.permanent_address")
    ]


def test_all_problems_are_reported_at_once() -> None:
    doc = copy.deepcopy(BASE)
    doc["fields"][0]["prefill"]["from"] = "company.nmae"
    doc["fields"][1]["prefill"]["transform"] = ["uper"]
    doc["fields"][2]["type"] = "txt"
    assert problems(doc) == [
        ("/fields/0/prefill/from", "unknown_attribute", "company.name"),
        ("/fields/1/prefill/transform/0", "unknown_transform", "upper"),
        ("/fields/2/type", "unknown_field_type", "text"),
    ]


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            {"prefill": {"from": "company.founded_on", "transform": ["upper"]}},
            ("/fields/3/prefill/transform/0", "transform_type_mismatch", "date_format"),
        ),
        (
            {"prefill": {"from": "company.name", "transform": ["first"]}},
            ("/fields/3/prefill/transform/0", "transform_needs_list", None),
        ),
        (
            {
                "prefill": {
                    "from": "company.name",
                    "transform": [{"name": "join", "args": {"x": 1}}],
                }
            },
            ("/fields/3/prefill/transform/0/args/x", "unknown_argument", None),
        ),
        (
            {
                "prefill": {
                    "from": "company.founded_on",
                    "transform": [{"name": "date_format", "args": {"sep": "|"}}],
                }
            },
            ("/fields/3/prefill/transform/0/args/sep", "invalid_argument", None),
        ),
        (
            {"prefill": {"from": "company.status"}},
            ("/fields/3/prefill/from", "field_type_mismatch", "label"),
        ),
        (
            {"prefill": {"from": "company.head_office"}},
            ("/fields/3/prefill/from", "field_type_mismatch", "address_text"),
        ),
        (
            {"type": "date", "prefill": {"from": "company.name"}},
            ("/fields/3/prefill/from", "field_type_mismatch", None),
        ),
        (
            {"prefill": {"from": "company.business_lines.name"}},
            ("/fields/3/prefill/from", "scalar_from_list", "first"),
        ),
        (
            {
                "type": "list",
                "columns": [{"key": "a", "label": "A"}],
                "prefill": {"from": "company.name"},
            },
            ("/fields/3/prefill/from", "list_from_scalar", None),
        ),
        ({"type": "list"}, ("/fields/3/columns", "missing_columns", None)),
        (
            {"type": "text", "columns": [{"key": "a", "label": "A"}]},
            ("/fields/3/columns", "unexpected_columns", None),
        ),
        ({"type": "select"}, ("/fields/3/options", "missing_options", None)),
        (
            {"type": "text", "options": [{"value": "a", "label": "A"}]},
            ("/fields/3/options", "unexpected_options", None),
        ),
        (
            {
                "type": "select",
                "options": [{"value": "active", "label": "Đang hoạt động"}],
                "prefill": {"from": "company.status"},
            },
            ("/fields/3/options", "options_incomplete", None),
        ),
        (
            {
                "type": "select",
                "options": [{"value": "a", "label": "A"}, {"value": "a", "label": "B"}],
            },
            ("/fields/3/options/1/value", "duplicate_key", None),
        ),
        ({"section": "nowhere"}, ("/fields/3/section", "unknown_section", None)),
        (
            {"prefill": {"from": "compny.name"}},
            ("/fields/3/prefill/from", "unknown_subject", "company"),
        ),
        ({"prefill": {"from": "company.name[0]"}}, ("/fields/3/prefill/from", "not_a_list", None)),
        (
            {"prefill": {"from": "company.Name!"}},
            ("/fields/3/prefill/from", "malformed_path", None),
        ),
        (
            {"prefill": {"from": "company.a.b.c.d.e.f.g.h"}},
            ("/fields/3/prefill/from", "path_too_deep", None),
        ),
        (
            {
                "type": "list",
                "prefill": {"from": "company.business_lines"},
                "columns": [{"key": "c", "label": "C", "from": "cdoe"}],
            },
            ("/fields/3/columns/0/from", "unknown_attribute", "code"),
        ),
        (
            {"type": "list", "columns": [{"key": "c", "label": "C", "from": "code"}]},
            ("/fields/3/columns/0/from", "column_without_list", None),
        ),
        (
            {
                "type": "list",
                "prefill": {"from": "company.business_lines"},
                "columns": [{"key": "c", "label": "C", "type": "list"}],
            },
            ("/fields/3/columns/0/type", "unknown_field_type", None),
        ),
    ],
)
def test_field_rules(field: dict[str, Any], expected: tuple[str, str, str | None]) -> None:
    assert problems(with_field(**field)) == [expected]


def test_duplicate_field_keys() -> None:
    doc = copy.deepcopy(BASE)
    doc["fields"].append({"key": "reason", "label": "Lý do"})
    assert problems(doc) == [("/fields/3/key", "duplicate_key", None)]


def _subjects(subjects: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc["subjects"] = subjects
    doc["fields"] = [{"key": "reason", "label": "Lý do"}]
    return doc


@pytest.mark.parametrize(
    ("subjects", "expected"),
    [
        (
            {"company": {"registry": "busines"}},
            [("/subjects/company/registry", "unknown_registry", "business")],
        ),
        (
            {"company": {}},
            [
                ("/subjects/company", "missing_registry", None),
            ],
        ),
        (
            {"company": {"registry": "business"}, "rep": {"from": "company.name"}},
            [("/subjects/rep/from", "not_an_identifier", None)],
        ),
        (
            {
                "company": {"registry": "business"},
                "rep": {"from": "company.legal_representatives.personal_id"},
            },
            [("/subjects/rep/from", "subject_from_list", None)],
        ),
        (
            {
                "company": {"registry": "business"},
                "rep": {
                    "registry": "business",
                    "from": "company.legal_representatives[0].personal_id",
                },
            },
            [("/subjects/rep/registry", "registry_mismatch", "citizen")],
        ),
        (
            {"company": {"registry": "business"}, "rep": {"from": "compnay.parent_code"}},
            [("/subjects/rep/from", "unknown_subject", "company")],
        ),
        (
            {
                "company": {"registry": "business"},
                "a": {"from": "b.father.personal_id"},
                "b": {"from": "a.father.personal_id"},
            },
            [
                ("/subjects/a/from", "cyclic_subject", None),
                ("/subjects/b/from", "cyclic_subject", None),
            ],
        ),
        (
            {"company": {"registry": "business"}, "rep": {"from": "company.nmae"}},
            [("/subjects/rep/from", "unknown_attribute", "company.name")],
        ),
        (
            {
                "person": {"registry": "citizen"},
                "father": {"from": "person.father.personal_id", "optional": True},
            },
            [("/subjects/father/optional", "optional_chained", None)],
        ),
    ],
)
def test_subject_rules(subjects: dict[str, Any], expected: list[Any]) -> None:
    assert problems(_subjects(subjects)) == expected


def test_chained_registry_is_inferred_from_the_identifier() -> None:
    form = compile_schema(
        _subjects(
            {
                "company": {"registry": "business"},
                "parent": {"from": "company.parent_code"},
                "head": {"from": "parent.legal_representatives[0].personal_id"},
            }
        )
    )
    assert form.subjects["parent"].registry == "business"
    assert form.subjects["head"].registry == "citizen"
    assert form.waves == (("parent",), ("head",))


def test_a_form_needs_a_root_subject() -> None:
    found = problems(_subjects({"a": {"from": "b.father.personal_id"}}))
    assert ("/subjects", "no_root_subject", None) in found


def test_a_subject_reached_through_a_cycle_is_unreachable() -> None:
    found = problems(
        _subjects(
            {
                "company": {"registry": "business"},
                "a": {"from": "b.father.personal_id"},
                "b": {"from": "a.father.personal_id"},
                "c": {"from": "a.mother.personal_id"},
            }
        )
    )
    assert ("/subjects/c/from", "unreachable_subject", None) in found


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"id": "Bad Id"}, "/id"),
        ({"title": ""}, "/title"),
        ({"title": "x" * 301}, "/title"),
        ({"fields": []}, "/fields"),
        ({"fields": [{"key": f"f{i}", "label": "x"} for i in range(301)]}, "/fields"),
        ({"surprise": 1}, "/surprise"),
        ({"subjects": {f"s{i}": {"registry": "citizen"} for i in range(21)}}, "/subjects"),
    ],
)
def test_structure_and_size_bounds(change: dict[str, Any], pointer: str) -> None:
    doc = {**copy.deepcopy(BASE), **change}
    assert pointer in [p for p, _, _ in problems(doc)]


def test_transform_chain_bound() -> None:
    doc = with_field(prefill={"from": "company.name", "transform": ["upper"] * 11})
    assert ("/fields/3/prefill/transform", "too_long", None) in problems(doc)


def test_not_an_object() -> None:
    assert problems([1, 2]) == [("", "not_an_object", None)]


def test_identical_documents_have_the_same_digest_whatever_the_key_order() -> None:
    reordered = {k: BASE[k] for k in reversed(list(BASE))}
    assert compile_schema(reordered).digest == compile_schema(BASE).digest
    assert compile_schema({**BASE, "version": 7}).digest == compile_schema(BASE).digest
