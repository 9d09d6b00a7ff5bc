"""The prefill engine: resolve a form's subjects, fill its fields, say where each value came
from, and measure coverage (DESIGN §7, §9).

Statuses of a field envelope:
  filled          the registry gave a value (locked unless the schema unlocks it)
  missing         the record has no value for the attribute (or no link to a chained record)
  unavailable     a chained record is referred to but does not exist
  not_applicable  the form does not prefill the field, or its optional subject was not given
  kept            the portal sent the user's own value and prefill kept it (no `overwrite`)

Coverage: `filled` / `total` where total counts every field of the form (the e-government
target is the share of a form's information filled automatically); `mapped` counts the
fields with a prefill mapping and `mapped_ratio` = filled / mapped.

Release: the engine hands what leaves to trust's release service (`ReleaseService.
release_prefill`: audit committed, submission token issued) before the answer exists;
misses go to the enumeration watch. Observers (statistics, metrics), given where the
service is built, then see the context and result; they cannot change the answer.
"""

from __future__ import annotations

import logging
from typing import Any

from autofill.errors import ServiceUnavailable
from autofill.prefill.consented import bound_purpose, bound_subjects
from autofill.prefill.models import (
    Observer,
    PrefillContext,
    PrefillRequest,
    PrefillResult,
    SubjectRef,
)
from autofill.prefill.warnings import subject_warnings
from autofill.trust import Action, Ask, Authorizer, Disclosed, Grant, ReleaseService
from forms.compiled import CompiledField, CompiledForm
from forms.errors import FormProblem, InvalidPrefillRequest
from forms.service import FormStore
from registries.errors import InvalidIdentifier, Problem, RecordNotFound, json_pointer
from registries.kinds import CITIZEN, registry_kind
from registries.service import RegistryService

__all__ = [
    "Observer",
    "PrefillContext",
    "PrefillRequest",
    "PrefillResult",
    "PrefillService",
    "SubjectRef",
    "parse_subject_id",
]

log = logging.getLogger(__name__)

_NOT_APPLICABLE = {"value": None, "status": "not_applicable", "source": None, "locked": False}
_STATUS_FOR = {"not_found": "unavailable", "absent": "missing", "not_given": "not_applicable"}


def _looks_like_tax_code(raw: str) -> bool:
    compact = "".join(ch for ch in raw if ch.isalnum() or ch == "-")
    return len(compact) in (10, 14) and compact.replace("-", "").isdigit()


def parse_subject_id(name: str, registry: str, raw: str) -> str:
    """A root subject's identifier in canonical form; `InvalidPrefillRequest` naming it."""
    ptr = json_pointer("subjects", name)
    kind = registry_kind(registry)
    try:
        return kind.parse_key(raw)
    except InvalidIdentifier as exc:
        if kind is CITIZEN and _looks_like_tax_code(raw):
            detail = (
                f"subject '{name}' is a citizen: it takes a 12-digit personal ID, "
                "and this looks like a tax code"
            )
            code = "wrong_identifier_kind"
        else:
            detail = f"subject '{name}' needs a valid {kind.key_label}: {exc.detail}"
            code = exc.code
        raise InvalidPrefillRequest(detail, problems=[FormProblem(ptr, detail, code)]) from None


class PrefillService:
    """Prefills registered forms from the registries, releasing through trust."""

    def __init__(
        self,
        forms: FormStore,
        registry: RegistryService,
        releases: ReleaseService | None,
        observers: tuple[Observer, ...] = (),
    ) -> None:
        self.forms = forms
        self.registry = registry
        # None only for an engine that releases nothing (the CLI's coverage report).
        self.releases = releases
        self.observers = observers

    async def prefill(
        self, form_id: str, request: PrefillRequest, *, grant: Grant, version: int | None = None
    ) -> PrefillResult:
        """Prefill one form for one set of subjects, released and audited under `grant`."""
        releases = self.releases
        if releases is None:
            raise ServiceUnavailable("this prefill engine cannot release data")
        binding = grant.principal.binding  # a consent token's citizen, form and purpose
        if binding is not None and version is None:
            version = binding.form_version
        form = await self.forms.compiled(form_id, version)
        purpose = bound_purpose(request.purpose, binding)
        ids = self._root_ids(form, bound_subjects(form, request.subjects, binding))
        # The same principal, asked again now that the subjects are known (a consent
        # token is bound to its citizen); no budget is charged twice.
        registries = {name: form.subjects[name].registry for name in ids}
        ask = Ask(
            Action.PREFILL,
            form_id=form.id,
            subjects=ids,
            registries=registries,
            purpose=purpose,
            version=form.version,
        )
        await Authorizer.check(grant.principal, ask)
        try:
            result, released, refs, docs = await self._fill_for(form, ids, request)
        except RecordNotFound as exc:
            missed = [
                (form.subjects[name].registry, ids[name])
                for name in ids
                if any(p.pointer == f"/subjects/{name}" for p in exc.problems)
            ]
            await releases.note_misses(grant, missed)  # the enumeration watch
            raise
        result.submission = await releases.release_prefill(
            grant,
            form_id=form.id,
            form_version=form.version,
            purpose=purpose,
            data=_disclosed(refs, docs, released),
            roots={n: r.identifier for n, r in refs.items() if r.root and r.identifier},
            locked=result.locked,
        )
        if self.observers:
            context = PrefillContext(
                grant, form.id, form.version, purpose, refs, released, request.overwrite
            )
            for observer in self.observers:
                await observer(context, result)
        return result

    async def coverage(self, form_id: str, request: PrefillRequest) -> dict[str, Any]:
        """How much of a form these subjects fill, releasing nothing (coverage reports)."""
        form = await self.forms.compiled(form_id)
        result, *_ = await self._fill_for(form, self._root_ids(form, request.subjects), request)
        return result.coverage

    async def _fill_for(
        self, form: CompiledForm, ids: dict[str, str], request: PrefillRequest
    ) -> tuple[
        PrefillResult, tuple[CompiledField, ...], dict[str, SubjectRef], dict[str, dict[str, Any]]
    ]:
        if request.values:
            _check_values(form, request.values)
        docs, refs = await self._resolve(form, ids)
        result, released = self._fill(form, docs, refs, request)
        result.warnings = subject_warnings(docs, {n: form.subjects[n].registry for n in docs})
        return result, released, refs, docs

    @staticmethod
    def _root_ids(form: CompiledForm, given: dict[str, str]) -> dict[str, str]:
        problems: list[FormProblem] = []
        ids: dict[str, str] = {}
        for name, raw in given.items():
            subject = form.subjects.get(name)
            ptr = json_pointer("subjects", name)
            if subject is None or subject.parent is not None:
                why = "is reached from another subject" if subject else "is not a subject"
                problems.append(
                    FormProblem(
                        ptr,
                        f"'{name}' {why} of form '{form.id}'; give: {', '.join(form.roots)}",
                        "unknown_subject",
                    )
                )
                continue
            try:
                ids[name] = parse_subject_id(name, subject.registry, raw)
            except InvalidPrefillRequest as exc:
                problems.extend(exc.problems)
        for name in form.roots:
            if name not in given and not form.subjects[name].optional:
                problems.append(
                    FormProblem(
                        f"/subjects/{name}",
                        f"form '{form.id}' needs subject '{name}' "
                        f"({form.subjects[name].registry} registry)",
                        "missing_subject",
                    )
                )
        if problems:
            raise InvalidPrefillRequest(problems[0].detail, problems=problems)
        return ids

    async def _resolve(
        self, form: CompiledForm, ids: dict[str, str]
    ) -> tuple[dict[str, dict[str, Any]], dict[str, SubjectRef]]:
        docs: dict[str, dict[str, Any]] = {}
        refs: dict[str, SubjectRef] = {}
        names = list(ids)
        found = await self.registry.find_records(
            [(form.subjects[n].registry, ids[n]) for n in names]
        )
        for name, doc in zip(names, found, strict=True):
            registry = form.subjects[name].registry
            if doc is None:
                raise RecordNotFound(
                    f"no {registry} record for subject '{name}'",
                    problems=[Problem(f"/subjects/{name}", "no such record", "not_found")],
                )
            docs[name] = doc
            refs[name] = SubjectRef(registry, ids[name], True, "found")
        for name in form.roots:
            if name not in refs:
                refs[name] = SubjectRef(form.subjects[name].registry, None, True, "not_given")
        for wave in form.waves:
            todo: list[tuple[str, str]] = []
            for name in wave:
                subject = form.subjects[name]
                parent = refs[subject.parent or ""]
                if parent.status != "found":
                    status = "not_given" if parent.status == "not_given" else parent.status
                    refs[name] = SubjectRef(subject.registry, None, False, status)
                    continue
                assert subject.identifier is not None
                key = subject.identifier(docs[subject.parent or ""])
                if not isinstance(key, str) or not key:
                    refs[name] = SubjectRef(subject.registry, None, False, "absent")
                    continue
                todo.append((name, key))
            if not todo:
                continue
            found = await self.registry.find_records(
                [(form.subjects[n].registry, k) for n, k in todo]
            )
            for (name, key), doc in zip(todo, found, strict=True):
                registry = form.subjects[name].registry
                if doc is None:
                    refs[name] = SubjectRef(registry, key, False, "not_found")
                else:
                    docs[name] = doc
                    refs[name] = SubjectRef(registry, key, False, "found")
        return docs, refs

    @staticmethod
    def _fill(
        form: CompiledForm,
        docs: dict[str, dict[str, Any]],
        refs: dict[str, SubjectRef],
        request: PrefillRequest,
    ) -> tuple[PrefillResult, tuple[CompiledField, ...]]:
        fields: dict[str, dict[str, Any]] = {}
        released: list[CompiledField] = []
        filled = 0
        user = request.values or {}
        statuses: dict[str, int] = {}
        by_registry: dict[str, int] = {}
        locked: dict[str, Any] = {}
        for f in form.fields:
            env = _envelope(f, docs, refs)
            if user and user.get(f.key) is not None:
                env = _with_user_value(env, user[f.key], request.overwrite)
            status = env["status"]
            statuses[status] = statuses.get(status, 0) + 1
            if status == "filled":
                filled += 1
                released.append(f)
                registry = f.registry or ""
                by_registry[registry] = by_registry.get(registry, 0) + 1
                if env["locked"]:
                    locked[f.key] = env["value"]
            elif "registry_value" in env:
                released.append(f)
            fields[f.key] = env
        total = len(form.fields)
        mapped = form.mapped
        coverage = {
            "filled": filled,
            "total": total,
            "ratio": round(filled / total, 4) if total else 0.0,
            "mapped": mapped,
            "mapped_ratio": round(filled / mapped, 4) if mapped else 0.0,
        }
        subjects = {name: ref.status for name, ref in refs.items()}
        result = PrefillResult(
            form.id,
            form.version,
            form.schema.title,
            fields,
            coverage,
            subjects,
            statuses=statuses,
            filled_by_registry=by_registry,
            locked=locked,
        )
        return result, tuple(released)


def _disclosed(
    refs: dict[str, SubjectRef],
    docs: dict[str, dict[str, Any]],
    released: tuple[CompiledField, ...],
) -> list[Disclosed]:
    """Every subject found, with the attributes of theirs that leave (in trust's terms)."""
    attributes: dict[str, set[str]] = {
        name: set() for name, ref in refs.items() if ref.status == "found" and ref.identifier
    }
    for f in released:
        if f.subject in attributes:
            attributes[f.subject or ""].add(f.attribute or "")
    return [
        Disclosed(refs[name].registry, refs[name].identifier or "", sorted(attrs), docs.get(name))
        for name, attrs in attributes.items()
    ]


def _check_values(form: CompiledForm, values: dict[str, Any]) -> None:
    keys = {f.key for f in form.fields}
    unknown = [k for k in values if k not in keys]
    if unknown:
        raise InvalidPrefillRequest(
            f"form '{form.id}' has no field '{unknown[0]}'",
            problems=[
                FormProblem(
                    json_pointer("values", k),
                    "no such field",
                    "unknown_field",
                )
                for k in unknown
            ],
        )


def _envelope(
    f: CompiledField, docs: dict[str, dict[str, Any]], refs: dict[str, SubjectRef]
) -> dict[str, Any]:
    if f.get is None:
        return dict(_NOT_APPLICABLE)
    subject = f.subject or ""
    doc = docs.get(subject)
    if doc is None:
        status = _STATUS_FOR.get(refs[subject].status, "unavailable")
        return {"value": None, "status": status, "source": None, "locked": False}
    value = f.get(doc)
    if f.columns:
        value = _rows(f, value)
    elif f.pipe is not None and value is not None:
        value = f.pipe(value)
    source = {
        "registry": f.registry,
        "subject": subject,
        "attribute": f.attribute,
        "updated_at": doc.get("updated_at"),
    }
    if value is None or value == "" or value == []:
        return {"value": None, "status": "missing", "source": source, "locked": False}
    return {"value": value, "status": "filled", "source": source, "locked": f.locked}


def _rows(f: CompiledField, items: Any) -> list[dict[str, Any]] | None:
    if f.pipe is not None and items is not None:
        items = f.pipe(items)
    if not items:
        return None
    rows = []
    for item in items:
        row = {}
        for c in f.columns:
            value = None if c.get is None else c.get(item)
            if c.pipe is not None and value is not None:
                value = c.pipe(value)
            row[c.key] = value
        rows.append(row)
    return rows


def _with_user_value(env: dict[str, Any], value: Any, overwrite: bool) -> dict[str, Any]:
    """Never replace what the user typed unless the portal asks (DESIGN §9)."""
    if env["status"] == "filled" and (overwrite or env["value"] == value):
        return env
    kept = {"value": value, "status": "kept", "source": env["source"], "locked": False}
    if env["status"] == "filled":
        kept["registry_value"] = env["value"]
    return kept
