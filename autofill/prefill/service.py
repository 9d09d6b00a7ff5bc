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

Observers (`AppState.extras["prefill_observers"]`): async callables `(context, result)`
awaited after the result is computed and before the response is sent; a dict they return
is merged into the response's top level (reserved keys excepted). See CONVENTIONS.md.
"""

from __future__ import annotations

import logging
from typing import Any

from autofill.errors import Forbidden
from autofill.prefill.models import (
    RESERVED,
    Observer,
    PrefillContext,
    PrefillRequest,
    PrefillResult,
    Release,
    SubjectRef,
)
from autofill.prefill.warnings import subject_warnings
from autofill.trust.access import Principal
from forms.compiled import CompiledField, CompiledForm
from forms.errors import FormProblem, InvalidPrefillRequest
from forms.service import FormStore
from registries.errors import InvalidIdentifier, Problem, RecordNotFound
from registries.identifiers import parse_personal_id, parse_tax_code
from registries.service import RegistryService

__all__ = [
    "Observer",
    "PrefillContext",
    "PrefillRequest",
    "PrefillResult",
    "PrefillService",
    "Release",
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
    ptr = f"/subjects/{name.replace('~', '~0').replace('/', '~1')}"
    try:
        if registry == "citizen":
            return parse_personal_id(raw).personal_id
        return parse_tax_code(raw).code
    except InvalidIdentifier as exc:
        if registry == "citizen" and _looks_like_tax_code(raw):
            detail = (
                f"subject '{name}' is a citizen: it takes a 12-digit personal ID, "
                "and this looks like a tax code"
            )
            code = "wrong_identifier_kind"
        else:
            what = "personal ID" if registry == "citizen" else "tax code"
            detail, code = f"subject '{name}' needs a valid {what}: {exc.detail}", exc.code
        raise InvalidPrefillRequest(detail, problems=[FormProblem(ptr, detail, code)]) from None


class PrefillService:
    """Prefills registered forms from the registries."""

    def __init__(self, forms: FormStore, registry: RegistryService) -> None:
        self.forms = forms
        self.registry = registry

    async def prefill(
        self,
        form_id: str,
        request: PrefillRequest,
        *,
        principal: Principal,
        version: int | None = None,
        request_id: str = "",
        observers: list[Observer] | tuple[Observer, ...] = (),
    ) -> dict[str, Any]:
        """Prefill one form for one set of subjects; returns the response document."""
        if not principal.allows_form(form_id):
            raise Forbidden(f"this key may not use form '{form_id}'")
        form = await self.forms.compiled(form_id, version)
        ids = self._root_ids(form, request.subjects)
        if request.values:
            _check_values(form, request.values)
        docs, refs = await self._resolve(form, ids)
        result, released = self._fill(form, docs, refs, request)
        result.warnings = subject_warnings(docs, {n: form.subjects[n].registry for n in docs})
        if observers:
            context = PrefillContext(
                principal,
                form.id,
                form.version,
                request.purpose,
                refs,
                released,
                request_id,
                request.overwrite,
            )
            for observer in observers:
                extra = await observer(context, result)
                if extra:
                    for key, value in extra.items():
                        if key in RESERVED:
                            log.warning("prefill observer tried to replace '%s'", key)
                        else:
                            result.extra[key] = value
        return result.body()

    @staticmethod
    def _root_ids(form: CompiledForm, given: dict[str, str]) -> dict[str, str]:
        problems: list[FormProblem] = []
        ids: dict[str, str] = {}
        for name, raw in given.items():
            subject = form.subjects.get(name)
            ptr = f"/subjects/{name.replace('~', '~0').replace('/', '~1')}"
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
                [(form.subjects[n].registry, k) for n, k in todo], checked=True
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
    ) -> tuple[PrefillResult, tuple[Release, ...]]:
        fields: dict[str, dict[str, Any]] = {}
        released: list[Release] = []
        filled = 0
        user = request.values or {}
        statuses: dict[str, int] = {}
        by_registry: dict[str, int] = {}
        locked: dict[str, Any] = {}
        for f, release in zip(form.fields, _releases(form), strict=True):
            env = _envelope(f, docs, refs)
            if user and user.get(f.key) is not None:
                env = _with_user_value(env, user[f.key], request.overwrite)
            status = env["status"]
            statuses[status] = statuses.get(status, 0) + 1
            if status == "filled":
                filled += 1
                released.append(release)
                by_registry[release.registry] = by_registry.get(release.registry, 0) + 1
                if env["locked"]:
                    locked[f.key] = env["value"]
            elif "registry_value" in env:
                released.append(release)
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


_RELEASES: dict[tuple[str, int], tuple[Release, ...]] = {}


def _releases(form: CompiledForm) -> tuple[Release, ...]:
    """What each field releases, built once per form version (versions never change)."""
    found = _RELEASES.get((form.id, form.version))
    if found is None:
        found = tuple(
            Release(f.key, f.subject or "", f.registry or "", f.attribute or "")
            for f in form.fields
        )
        if len(_RELEASES) > 1000:
            _RELEASES.clear()
        _RELEASES[(form.id, form.version)] = found
    return found


def _check_values(form: CompiledForm, values: dict[str, Any]) -> None:
    keys = {f.key for f in form.fields}
    unknown = [k for k in values if k not in keys]
    if unknown:
        raise InvalidPrefillRequest(
            f"form '{form.id}' has no field '{unknown[0]}'",
            problems=[
                FormProblem(
                    f"/values/{k.replace('~', '~0').replace('/', '~1')}",
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
