"""A schema document's structural problems (pydantic's), located in the author's own
document: pydantic also locates errors inside its models (a union's members, validators,
keys), which mean nothing to the author."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from forms.errors import FormProblem
from forms.transforms import TRANSFORMS
from registries.errors import json_pointer


def structural_problems(exc: ValidationError, document: Any) -> list[FormProblem]:
    """Pydantic's errors as located problems, with pointers into the author's document only.

    Pydantic locates an error inside its own models too: a union member
    (`constrained-str`, `TransformCall`), a validator (`function-after[…]`), a key
    (`[key]`). Those steps are dropped by walking the document along the location; where a
    value failed every member of a union, one problem says what the place takes."""
    out: list[FormProblem] = []
    unions: set[str] = set()
    for err in exc.errors():
        steps, node, through_union = _document_steps(err, document)
        ptr = json_pointer(*steps)
        if through_union:
            if ptr in unions:
                continue
            unions.add(ptr)
            out.append(_union_problem(ptr, node, err))
            continue
        detail = err["msg"]
        if "[key]" in err["loc"]:
            detail = f"the name '{steps[-1]}': {detail}" if steps else detail
        out.append(FormProblem(ptr, detail, err["type"]))
    return out


def _document_steps(err: Any, document: Any) -> tuple[list[str | int], Any, bool]:
    """The part of an error's location that lies in the document, the value there, and
    whether the location went into a member of a union (the place the union sits is then
    where the problem is)."""
    loc = list(err["loc"])
    steps: list[str | int] = []
    node = document
    for i, part in enumerate(loc):
        inside = (isinstance(node, dict) and isinstance(part, str) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if inside:
            steps.append(part)
            node = node[part]  # type: ignore[index]
        elif i == len(loc) - 1 and err["type"] == "missing" and isinstance(part, str):
            steps.append(part)  # where the missing member belongs
            node = None
        elif part != "[key]" and not str(part).startswith("function-"):
            return steps, node, True  # `constrained-str`, `TransformCall`: a union's member
    return steps, node, False


def _union_problem(ptr: str, value: Any, err: Any) -> FormProblem:
    """One problem for a value that fits none of the shapes a place takes."""
    if "/transform/" in ptr:
        detail = (
            "a transform is a name such as 'upper', or "
            '{"name": "join", "args": {"sep": ", "}} for one with arguments'
        )
        suggestion = None
        if isinstance(value, dict) and "name" not in value and len(value) == 1:
            [(name, arg)] = value.items()
            transform = TRANSFORMS.get(name)
            if transform is not None:
                suggestion = name
                params = ", ".join(
                    f"{key} ({' '.join(map(repr, p.choices)) or p.type.__name__})"
                    for key, p in transform.params.items()
                )
                detail += f"; '{name}' takes " + (params or "no arguments")
                fits = [
                    key
                    for key, p in transform.params.items()
                    if isinstance(arg, p.type) and (not p.choices or arg in p.choices)
                ]
                if len(fits) == 1:
                    suggestion = orjson.dumps({"name": name, "args": {fits[0]: arg}}).decode()
        return FormProblem(ptr, detail, "invalid_transform", suggestion)
    return FormProblem(ptr, err["msg"], err["type"])
