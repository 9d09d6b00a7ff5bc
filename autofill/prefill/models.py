"""What prefill takes and gives: the request, and what observers see (context, result).

Re-exported by `autofill.prefill.service`; see its docstring for statuses, coverage and observers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from autofill.trust.access import Principal

MAX_PURPOSE = 300
RESERVED = frozenset({"form", "fields", "coverage", "subjects", "warnings"})


class PrefillRequest(BaseModel):
    """What a portal sends: the root subjects' identifiers, the purpose, the user's values."""

    model_config = ConfigDict(extra="forbid")

    subjects: dict[
        Annotated[str, StringConstraints(max_length=64)],
        Annotated[str, StringConstraints(max_length=40)],
    ] = Field(
        max_length=20,
        description="root subject name -> personal ID or tax code",
        examples=[{"company": "0100109106"}],
    )
    purpose: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PURPOSE)
    ] = Field(description="why the data is needed; recorded in the audit")
    values: dict[Annotated[str, StringConstraints(max_length=64)], Any] | None = Field(
        None, max_length=300, description="values the user has already entered, by field key"
    )
    overwrite: bool = Field(False, description="let registry values replace the user's values")


class SubjectRef(NamedTuple):
    """A subject as resolved for one request (identifiers raw: the audit hashes them)."""

    registry: str
    identifier: str | None
    root: bool
    status: str  # found | not_given | absent | not_found


class Release(NamedTuple):
    """One attribute released to the caller through a field."""

    field: str
    subject: str
    registry: str
    attribute: str


@dataclass(slots=True)
class PrefillContext:
    """What observers (audit, submission tokens, statistics) learn about a prefill."""

    principal: Principal
    form_id: str
    form_version: int
    purpose: str
    subjects: dict[str, SubjectRef]
    released: tuple[Release, ...]
    request_id: str
    overwrite: bool

    @property
    def version(self) -> int:
        """The form version (alias of `form_version`)."""
        return self.form_version


@dataclass(slots=True)
class PrefillResult:
    """The filled form before it is sent."""

    form_id: str
    form_version: int
    title: str
    fields: dict[str, dict[str, Any]]
    coverage: dict[str, Any]
    subjects: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)
    # Counted while filling, for the statistics observer (not sent): fields by status,
    # and filled fields by the registry they came from.
    statuses: dict[str, int] = field(default_factory=dict)
    filled_by_registry: dict[str, int] = field(default_factory=dict)
    # The values of filled fields the user may not change (the submission token's).
    locked: dict[str, Any] = field(default_factory=dict)
    # What the person using the form should know about its subjects (`prefill.warnings`).
    warnings: list[dict[str, str]] = field(default_factory=list)

    @property
    def version(self) -> int:
        """The form version (alias of `form_version`)."""
        return self.form_version

    def body(self) -> dict[str, Any]:
        """The response document."""
        return {
            "form": {"id": self.form_id, "version": self.form_version, "title": self.title},
            "fields": self.fields,
            "coverage": self.coverage,
            "subjects": self.subjects,
            "warnings": self.warnings,
            **self.extra,
        }


Observer = Callable[[PrefillContext, PrefillResult], Awaitable[dict[str, Any] | None]]
