"""Errors of the form-schema engine, under `registries.errors.DomainError`.

FormError
 ├── InvalidFormSchema      a submitted schema breaks rules; every problem listed   (422)
 ├── InvalidPrefillRequest  a prefill request does not fit the form's subjects      (422)
 ├── FormNotFound           no form with this id (or no such version)               (404)
 ├── FormRetired            the form was retired: readable, not prefillable         (410)
 └── FormConflict           a change the form's state refuses (e.g. new version of a
                            retired form)                                            (409)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from registries.errors import DomainError, Problem


@dataclass
class FormProblem(Problem):
    """A located problem with an optional fix ("did you mean …")."""

    suggestion: str | None = None


class FormError(DomainError):
    """Base of the form engine's errors (`registries.errors.DomainError`)."""

    code = "form_error"
    problems: list[FormProblem]  # type: ignore[assignment]  # its problems carry suggestions

    def __init__(self, detail: str, *, problems: Sequence[FormProblem] | None = None) -> None:
        super().__init__(detail, problems=problems)


class InvalidFormSchema(FormError):
    """A schema submitted for registration is not valid; `problems` lists every fault."""

    code = "invalid_form_schema"


class InvalidPrefillRequest(FormError):
    """A prefill request names unknown subjects, misses one, or gives the wrong kind of ID."""

    code = "invalid_prefill_request"


class FormNotFound(FormError):
    """No form with this id, or no such version of it."""

    code = "form_not_found"


class FormRetired(FormError):
    """The form is retired: its history stays readable, it no longer prefills."""

    code = "form_retired"


class FormConflict(FormError):
    """The form's state refuses the change."""

    code = "form_conflict"
