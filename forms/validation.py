"""Registration-time validation: every problem of a schema, each with a JSON pointer and,
where one exists, a suggestion; a schema without problems compiles into a `CompiledForm`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import orjson
from pydantic import ValidationError

from forms.compiled import (
    FIELD_HOLDS,
    FIELD_TYPES,
    CompiledColumn,
    CompiledField,
    CompiledForm,
    CompiledSubject,
    Fn,
)
from forms.errors import FormProblem, InvalidFormSchema
from forms.paths import PathError, Resolved, getter, resolve, split
from forms.schemas import Column, FormField, FormSchema, Prefill, TransformStep
from forms.structure import structural_problems
from forms.subjects import SubjectChecks, nearest
from forms.transforms import TRANSFORMS, bind, chain
from forms.vocabulary import VType, code_values, vocabulary
from registries.errors import json_pointer

# The transform that usually turns a value of one kind into what a field holds.
FIXES = {
    "date": "date_format",
    "datetime": "date_format",
    "code": "label",
    "address": "address_text",
    "place": "address_text",
    "integer": "thousands",
    "number": "thousands",
    "boolean": "yes_no",
}


def digest_of(schema: FormSchema) -> str:
    """SHA-256 of the canonical document (sorted keys, no version)."""
    return hashlib.sha256(orjson.dumps(schema.canonical(), option=orjson.OPT_SORT_KEYS)).hexdigest()


class SchemaChecker(SubjectChecks):
    """Collects the problems of one parsed schema and compiles what it can (fields here,
    subjects in `SubjectChecks`)."""

    # fields ---------------------------------------------------------------------------
    def check_fields(self) -> tuple[CompiledField, ...]:
        section_keys = [s.key for s in self.schema.sections]
        self._duplicates(section_keys, "/sections", "key")
        self._duplicates([f.key for f in self.schema.fields], "/fields", "key")
        out = []
        for i, f in enumerate(self.schema.fields):
            ptr = f"/fields/{i}"
            if f.section is not None and f.section not in section_keys:
                self.add(
                    f"{ptr}/section",
                    f"no section '{f.section}'",
                    "unknown_section",
                    nearest(f.section, section_keys),
                )
            out.append(self._field(ptr, f))
        return tuple(out)

    def _duplicates(self, keys: list[str], ptr: str, attr: str) -> None:
        seen: set[str] = set()
        for i, key in enumerate(keys):
            if key in seen:
                self.add(f"{ptr}/{i}/{attr}", f"'{key}' appears more than once", "duplicate_key")
            seen.add(key)

    def _shape(self, ptr: str, f: FormField | Column, *, in_list: bool) -> bool:
        if f.type not in FIELD_TYPES or (in_list and f.type == "list"):
            allowed = [t for t in FIELD_TYPES if not (in_list and t == "list")]
            self.add(
                f"{ptr}/type",
                f"unknown field type '{f.type}'; one of: {', '.join(allowed)}",
                "unknown_field_type",
                nearest(f.type, allowed),
            )
            return False
        if f.type == "select":
            if not f.options:
                self.add(f"{ptr}/options", "a select field lists its options", "missing_options")
            else:
                self._duplicates([o.value for o in f.options], f"{ptr}/options", "value")
        elif f.options is not None:
            self.add(f"{ptr}/options", "only select fields have options", "unexpected_options")
        return True

    def _field(self, ptr: str, f: FormField) -> CompiledField:
        ok = self._shape(ptr, f, in_list=False)
        if f.type == "list" and not f.columns:
            self.add(f"{ptr}/columns", "a list field lists its columns", "missing_columns")
        if f.type != "list" and f.columns is not None:
            self.add(f"{ptr}/columns", "only list fields have columns", "unexpected_columns")
        if f.prefill is None:
            for j, c in enumerate(f.columns or []):
                self._shape(f"{ptr}/columns/{j}", c, in_list=True)
                if c.from_ is not None:
                    self.add(
                        f"{ptr}/columns/{j}/from",
                        "a column reads from the list field's "
                        "attribute: give the field a prefill first",
                        "column_without_list",
                    )
            self._duplicates([c.key for c in f.columns or []], f"{ptr}/columns", "key")
            return CompiledField(f.key, f.type)
        found = self._source(f"{ptr}/prefill", f.prefill)
        if found is None:
            return CompiledField(f.key, f.type)
        subject, resolved, out, pipe = found
        locked = f.prefill.locked is not False
        base = CompiledField(
            f.key,
            f.type,
            subject.name,
            subject.registry,
            f.prefill.from_.split(".", 1)[1],
            getter(resolved.segments),
            pipe,
            locked,
        )
        if not ok:
            return base
        if f.type == "list":
            if not out.many:
                self.add(
                    f"{ptr}/prefill/from",
                    f"a list field needs a list attribute; "
                    f"'{f.prefill.from_}' gives {out.describe()}",
                    "list_from_scalar",
                )
                return base
            columns = self._columns(ptr, f, subject.registry, resolved, out.one())
            return dataclasses.replace(base, columns=columns)
        self._fits(f"{ptr}/prefill", f, out, f.prefill.from_)
        return base

    def _source(
        self, ptr: str, p: Prefill
    ) -> tuple[CompiledSubject, Resolved, VType, Fn | None] | None:
        try:
            parts = split(p.from_)
        except PathError as exc:
            self.add(f"{ptr}/from", exc.detail, exc.code)
            return None
        name = parts[0][0]
        if name not in self.schema.subjects or parts[0][1] is not None or len(parts) < 2:
            self.add(
                f"{ptr}/from",
                f"'{p.from_}' must start with a subject of the form "
                f"({', '.join(self.schema.subjects)}) and name an attribute",
                "unknown_subject",
                nearest(name, tuple(self.schema.subjects)),
            )
            self._transforms(f"{ptr}/transform", p.transform, None)
            return None
        subject = self.subjects.get(name)
        if subject is None:
            # The subject's own problem is reported already; the transforms still are.
            self._transforms(f"{ptr}/transform", p.transform, None)
            return None
        try:
            r = resolve(subject.registry, "", parts[1:])
        except PathError as exc:
            self.add(
                f"{ptr}/from",
                exc.detail,
                exc.code,
                f"{name}.{exc.suggestion}" if exc.suggestion else None,
            )
            self._transforms(f"{ptr}/transform", p.transform, None)
            return None
        steps = self._transforms(f"{ptr}/transform", p.transform, r.type)
        if steps is None:
            return None
        out, pipe = steps
        return subject, r, out, pipe

    def _transforms(
        self, ptr: str, steps: list[TransformStep], vtype: VType | None
    ) -> tuple[VType, Fn | None] | None:
        """Check a transform chain against the value it receives; with `vtype` None (the
        source path is wrong), check only the names and arguments, so that every problem
        of the field is listed at once."""
        fns: list[Fn] = []
        ok = True
        for k, step in enumerate(steps):
            name, args = (step, {}) if isinstance(step, str) else (step.name, dict(step.args))
            at = f"{ptr}/{k}"
            t = TRANSFORMS.get(name)
            if t is None:
                self.add(
                    at,
                    f"unknown transform '{name}'",
                    "unknown_transform",
                    nearest(name, tuple(TRANSFORMS)),
                )
                ok = False
                continue
            for arg, value in args.items():
                param = t.params.get(arg)
                if param is None:
                    self.add(
                        at + json_pointer("args", arg),
                        f"'{name}' takes no argument '{arg}'",
                        "unknown_argument",
                        nearest(arg, tuple(t.params)),
                    )
                    ok = False
                elif (
                    not isinstance(value, param.type)
                    or (param.choices and value not in param.choices)
                    or (isinstance(value, str) and len(value) > param.max_length)
                ):
                    allowed = (
                        f" (one of {', '.join(map(repr, param.choices))})" if param.choices else ""
                    )
                    self.add(
                        at + json_pointer("args", arg),
                        f"'{arg}' of '{name}' must be a {param.type.__name__}{allowed}",
                        "invalid_argument",
                    )
                    ok = False
            if not ok or vtype is None:
                continue
            if t.whole_list and not vtype.many:
                self.add(
                    at,
                    f"'{name}' takes a list; here the value is {vtype.describe()}",
                    "transform_needs_list",
                )
                ok = False
                continue
            if vtype.kind not in t.takes or (name == "label" and vtype.codes is None):
                self.add(
                    at,
                    f"'{name}' takes {' or '.join(sorted(t.takes))}; here the value is "
                    f"{vtype.describe()}",
                    "transform_type_mismatch",
                    FIXES.get(vtype.kind),
                )
                ok = False
                continue
            fns.append(bind(t, args, vtype))
            vtype = t.output(vtype)
        return (vtype, chain(fns)) if ok and vtype is not None else None

    def _fits(self, ptr: str, f: FormField | Column, out: VType, source: str) -> None:
        if out.many:
            self.add(
                f"{ptr}/from",
                f"'{source}' gives a list; a {f.type} field holds one value: "
                "add 'first' or 'join', or use a list field",
                "scalar_from_list",
                "first",
            )
            return
        if out.kind not in FIELD_HOLDS[f.type]:
            what = "an object" if out.kind == "object" else out.describe()
            detail = f"a {f.type} field cannot hold {what} from '{source}'"
            suggestion = FIXES.get(out.kind)
            parts = self._parts(f, source) if out.kind == "object" else []
            if parts:
                suggestion = parts[0]
                detail += f": read one of its parts ({', '.join(parts)})"
                if any(part.endswith(".code") for part in parts):
                    detail += ", or its code with a 'label' transform"
            self.add(f"{ptr}/from", detail, "field_type_mismatch", suggestion)
            return
        if f.type == "select" and out.codes and f.options:
            have = {o.value for o in f.options}
            lost = [v for v in code_values(out.codes) if v not in have]
            if lost:
                self.add(
                    f"{ptr.rsplit('/prefill', 1)[0]}/options",
                    f"the options miss values the registry uses: {', '.join(lost)}",
                    "options_incomplete",
                )

    def _parts(self, f: FormField | Column, source: str) -> list[str]:
        """The scalar members of the object `source` names that the field could hold,
        written as paths the author can paste (names before codes)."""
        subject = self.subjects.get(source.split(".", 1)[0])
        if subject is None or "." not in source:
            return []
        try:
            canonical = resolve(subject.registry, "", split(source)[1:]).canonical
        except PathError:
            return []
        found = []
        for path, attribute in vocabulary(subject.registry).items():
            child = path.removeprefix(canonical + ".")
            if child == path or "." in child or attribute.type.many:
                continue
            if attribute.type.kind in FIELD_HOLDS[f.type] or attribute.type.kind == "code":
                found.append(f"{source}.{child}")
        preferred = ("name", "full_name", "text")
        return sorted(found, key=lambda p: (p.rsplit(".", 1)[1] not in preferred, p))

    def _columns(
        self, ptr: str, f: FormField, registry: str, r: Resolved, element: VType
    ) -> tuple[CompiledColumn, ...]:
        self._duplicates([c.key for c in f.columns or []], f"{ptr}/columns", "key")
        out = []
        for j, c in enumerate(f.columns or []):
            at = f"{ptr}/columns/{j}"
            if not self._shape(at, c, in_list=True):
                continue
            if c.from_ is None:
                out.append(CompiledColumn(c.key, None, None))
                continue
            if c.from_ == ".":
                vtype, get = element, (lambda item: item)
            elif element.kind != "object":
                self.add(
                    f"{at}/from",
                    f"the list holds {element.describe()}: read it with '.'",
                    "unknown_attribute",
                    ".",
                )
                continue
            else:
                try:
                    sub = resolve(registry, r.canonical, split(c.from_))
                except PathError as exc:
                    sugg = exc.suggestion[len(r.canonical) + 1 :] if exc.suggestion else None
                    self.add(f"{at}/from", exc.detail, exc.code, sugg)
                    continue
                vtype, get = sub.type, getter(sub.segments)
            steps = self._transforms(f"{at}/transform", c.transform, vtype)
            if steps is None:
                continue
            self._fits(at, c, steps[0], c.from_)
            out.append(CompiledColumn(c.key, get, steps[1]))
        return tuple(out)


def compile_schema(document: Any, *, version: int | None = None) -> CompiledForm:
    """Validate a schema document and compile it; `InvalidFormSchema` lists every problem."""
    if not isinstance(document, dict):
        raise InvalidFormSchema(
            "a form schema is a JSON object",
            problems=[FormProblem("", "not an object", "not_an_object")],
        )
    try:
        schema = FormSchema.model_validate(document)
    except ValidationError as exc:
        problems = structural_problems(exc, document)
        raise InvalidFormSchema(
            f"the schema has {len(problems)} problem(s)", problems=problems
        ) from None
    if version is not None:
        schema = schema.model_copy(update={"version": version})
    checker = SchemaChecker(schema)
    roots, waves = checker.check_subjects()
    fields = checker.check_fields()
    if checker.problems:
        raise InvalidFormSchema(
            f"the schema has {len(checker.problems)} problem(s)", problems=checker.problems
        )
    mapped = sum(1 for f in fields if f.get is not None)
    return CompiledForm(schema, digest_of(schema), checker.subjects, roots, waves, fields, mapped)
