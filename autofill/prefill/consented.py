"""A prefill under a citizen's consent: what the consent token's binding fills in.

A portal holding a consent token may leave out the subjects the consent names (the citizen,
and the enterprise on a business form) and the purpose: they come from the binding. What
the body does give is checked against the binding at the authorisation point, never here.
"""

from __future__ import annotations

from autofill.trust.access import Binding
from forms.compiled import CompiledForm
from forms.errors import FormProblem, InvalidPrefillRequest
from registries.kinds import CITIZEN as CITIZEN_KIND


def bound_subjects(
    form: CompiledForm, given: dict[str, str], binding: Binding | None
) -> dict[str, str]:
    """The subjects as given, plus the binding's citizen (the first root subject of the
    citizen registry not given, a required one first) and its enterprise (the business
    roots not given)."""
    if binding is None:
        return given
    subjects = dict(given)
    roots = sorted(form.roots, key=lambda name: form.subjects[name].optional)
    if binding.personal_id not in given.values():
        for name in roots:
            if name not in subjects and form.subjects[name].registry == CITIZEN_KIND.name:
                subjects[name] = binding.personal_id
                break
    if binding.enterprise_code is not None:
        for name in roots:
            if name not in subjects and form.subjects[name].registry != CITIZEN_KIND.name:
                subjects[name] = binding.enterprise_code
    return subjects


def bound_purpose(purpose: str | None, binding: Binding | None) -> str:
    """The purpose stated, or the consent's; a key must state one (422)."""
    if purpose is not None:
        return purpose
    if binding is not None:
        return binding.purpose
    detail = "a prefill states its purpose (it is recorded in the audit)"
    raise InvalidPrefillRequest(detail, problems=[FormProblem("/purpose", detail, "missing")])
