"""Subject rules of registration: roots, chains (`from` an identifier attribute), cycles.

`SubjectChecks` is the first half of `forms.validation.SchemaChecker`; it holds the parsed
schema, the problems found so far and the subjects compiled so far.
"""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz, process, utils

from forms.compiled import CompiledSubject
from forms.errors import FormProblem
from forms.paths import PathError, getter, resolve, split
from forms.schemas import FormSchema
from registries.errors import json_pointer
from registries.kinds import BY_IDENT, KINDS

MAX_CHAIN = 5


def nearest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The closest of `choices` to a misspelt word, or None."""
    found = process.extractOne(
        word, list(choices), scorer=fuzz.ratio, processor=utils.default_process, score_cutoff=60
    )
    return found[0] if found else None


class SubjectChecks:
    """Collects the problems of one parsed schema; this half checks its subjects."""

    def __init__(self, schema: FormSchema) -> None:
        self.schema = schema
        self.problems: list[FormProblem] = []
        self.subjects: dict[str, CompiledSubject] = {}

    def add(self, ptr: str, detail: str, code: str, suggestion: str | None = None) -> None:
        """Record one problem."""
        self.problems.append(FormProblem(ptr, detail, code, suggestion))

    def check_subjects(self) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
        subjects = self.schema.subjects
        parents: dict[str, tuple[str, list[tuple[str, int | None]]]] = {}
        roots: list[str] = []
        for name, s in subjects.items():
            ptr = json_pointer("subjects", name)
            if s.registry is not None and s.registry not in KINDS:
                self.add(
                    f"{ptr}/registry",
                    f"unknown registry '{s.registry}'",
                    "unknown_registry",
                    nearest(s.registry, tuple(KINDS)),
                )
                continue
            if s.from_ is None:
                if s.registry is None:
                    self.add(
                        ptr,
                        "a root subject names its registry (citizen or business)",
                        "missing_registry",
                    )
                    continue
                roots.append(name)
                self.subjects[name] = CompiledSubject(name, s.registry, optional=s.optional)
                continue
            if s.optional:
                self.add(
                    f"{ptr}/optional",
                    "only a root subject can be optional; a chained "
                    "subject is simply unavailable when its record is absent",
                    "optional_chained",
                )
            try:
                parts = split(s.from_)
            except PathError as exc:
                self.add(f"{ptr}/from", exc.detail, exc.code)
                continue
            parent = parts[0][0]
            if parent not in subjects or parts[0][1] is not None or len(parts) < 2:
                self.add(
                    f"{ptr}/from",
                    f"'{s.from_}' must start with another subject's name "
                    f"({', '.join(n for n in subjects if n != name) or 'none declared'}) "
                    "and name an attribute of it",
                    "unknown_subject",
                    nearest(parent, [n for n in subjects if n != name]),
                )
                continue
            parents[name] = (parent, parts[1:])
        if not any(s.from_ is None for s in subjects.values()):
            self.add(
                "/subjects",
                "a form needs at least one root subject (with a registry and no 'from')",
                "no_root_subject",
            )
        waves: list[tuple[str, ...]] = []
        pending = dict(parents)
        while pending:
            wave = [n for n, (p, _) in pending.items() if p in self.subjects]
            if not wave:
                break
            for name in wave:
                self._chain(name, *pending.pop(name))
            waves.append(tuple(name for name in wave if name in self.subjects))
        for name, (parent, _) in pending.items():
            cyclic = self._in_cycle(name, parents)
            self.add(
                json_pointer("subjects", name, "from"),
                f"subject '{name}' is part of a cycle of subjects"
                if cyclic
                else f"subject '{name}' cannot be reached from a root subject (through '{parent}')",
                "cyclic_subject" if cyclic else "unreachable_subject",
            )
        if len(waves) > MAX_CHAIN:
            self.add("/subjects", f"subjects chain at most {MAX_CHAIN} deep", "chain_too_deep")
        return tuple(roots), tuple(w for w in waves if w)

    @staticmethod
    def _in_cycle(name: str, parents: dict[str, tuple[str, Any]]) -> bool:
        seen, cur = {name}, name
        while cur in parents:
            cur = parents[cur][0]
            if cur == name:
                return True
            if cur in seen:
                return False
            seen.add(cur)
        return False

    def _chain(self, name: str, parent: str, parts: list[tuple[str, int | None]]) -> None:
        ptr = json_pointer("subjects", name, "from")
        declared = self.schema.subjects[name].registry
        source = self.subjects[parent]
        try:
            r = resolve(source.registry, "", parts)
        except PathError as exc:
            self.add(
                ptr, exc.detail, exc.code, f"{parent}.{exc.suggestion}" if exc.suggestion else None
            )
            return
        if r.type.many:
            self.add(
                ptr,
                f"'{r.canonical}' gives a list; a subject is one record: index it, e.g. [0]",
                "subject_from_list",
            )
            return
        if r.type.ident is None:
            self.add(
                ptr,
                f"'{r.canonical}' is not an identifier attribute (a personal ID or "
                "a tax code), so it cannot open another record",
                "not_an_identifier",
            )
            return
        registry = BY_IDENT[r.type.ident].name
        if declared is not None and declared != registry:
            self.add(
                json_pointer("subjects", name, "registry"),
                f"'{r.canonical}' is a "
                f"{r.type.ident}, which opens the {registry} registry, not {declared}",
                "registry_mismatch",
                registry,
            )
            return
        self.subjects[name] = CompiledSubject(name, registry, parent, getter(r.segments))
