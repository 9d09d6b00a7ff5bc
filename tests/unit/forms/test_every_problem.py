"""Registration lists every problem of a schema at once, each located in the author's own
document, with a suggestion where one exists."""

from __future__ import annotations

from typing import Any

import pytest

from forms.errors import InvalidFormSchema
from forms.validation import compile_schema

SUBJECTS = {
    "company": {"registry": "business"},
    "representative": {
        "registry": "citizen",
        "from": "company.legal_representatives[0].personal_id",
    },
}


def problems(document: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    with pytest.raises(InvalidFormSchema) as caught:
        compile_schema(document)
    return [(p.pointer, p.code, p.suggestion) for p in caught.value.problems]


def form(*fields: dict[str, Any], subjects: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": "probe-form",
        "title": "Probe",
        "subjects": subjects or SUBJECTS,
        "fields": list(fields),
    }


def points_into(document: Any, pointer: str) -> bool:
    """The pointer names a place in the document (its last step may be a missing member)."""
    steps = [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]]
    node = document
    for step in steps[:-1]:
        if isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        elif isinstance(node, dict) and step in node:
            node = node[step]
        else:
            return False
    return isinstance(node, dict | list)


def test_a_wrong_path_and_a_wrong_transform_in_one_field_are_both_reported() -> None:
    found = problems(
        form(
            {
                "key": "name",
                "label": "Tên",
                "prefill": {"from": "company.nmae", "transform": ["uper"]},
            }
        )
    )
    assert ("/fields/0/prefill/from", "unknown_attribute", "company.name") in found
    assert ("/fields/0/prefill/transform/0", "unknown_transform", "upper") in found


def test_a_wrong_subject_and_a_wrong_transform_are_both_reported() -> None:
    found = problems(
        form(
            {
                "key": "name",
                "label": "Tên",
                "prefill": {"from": "compny.name", "transform": ["uper"]},
            }
        )
    )
    assert ("/fields/0/prefill/from", "unknown_subject", "company") in found
    assert ("/fields/0/prefill/transform/0", "unknown_transform", "upper") in found


def test_a_wrong_subject_names_the_forms_subjects() -> None:
    document = form({"key": "name", "label": "Tên", "prefill": {"from": "compny.name"}})
    with pytest.raises(InvalidFormSchema) as caught:
        compile_schema(document)
    assert "company, representative" in caught.value.problems[0].detail


def test_transform_arguments_written_as_a_mapping_point_at_the_transform() -> None:
    document = form(
        {
            "key": "born",
            "label": "Ngày sinh",
            "prefill": {
                "from": "representative.birth_date",
                "transform": [{"date_format": "%d/%m/%Y"}],
            },
        }
    )
    found = problems(document)
    assert found == [("/fields/0/prefill/transform/0", "invalid_transform", "date_format")]


@pytest.mark.parametrize(
    "document",
    [
        form(
            {
                "key": "a",
                "label": "A",
                "prefill": {"from": "company.name", "transform": [{"date_format": "x"}]},
            }
        ),
        form({"key": "a", "label": "A", "prefill": {"from": "company.name", "transform": [7]}}),
        form({"key": "a", "label": "A", "prefill": {"from": 5}}),
        form({"key": "a"}),
        form({"key": "a", "label": "A"}, subjects={"": {"registry": "citizen"}}),
        {
            "id": "x",
            "title": "t",
            "subjects": [],
            "fields": [{"key": "a", "label": "A", "type": 3}],
        },
    ],
)
def test_pointers_stay_inside_the_document(document: dict[str, Any]) -> None:
    found = problems(document)
    assert found
    for pointer, _, _ in found:
        assert points_into(document, pointer), pointer
        for internal in ("constrained-str", "TransformCall", "function-", "[key]", "str/"):
            assert internal not in pointer


def test_an_object_in_a_text_field_suggests_its_parts() -> None:
    document = form(
        {"key": "nat", "label": "Quốc tịch", "prefill": {"from": "representative.nationality"}}
    )
    with pytest.raises(InvalidFormSchema) as caught:
        compile_schema(document)
    [problem] = caught.value.problems
    assert problem.pointer == "/fields/0/prefill/from"
    assert problem.suggestion == "representative.nationality.name"
    assert "'label' transform" in problem.detail
