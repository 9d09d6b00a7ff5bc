"""What prefill takes and gives: the request, the typed answer, and what observers see.

The answer's models (`PrefillResponse`, `FieldEnvelope`, ...) are its schema in the OpenAPI
document; the engine builds the same shape as plain dicts and the route sends them as bytes
(a test checks every answer against the models).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from autofill.trust import Grant, IssuedSubmission

MAX_PURPOSE = 300


class PrefillRequest(BaseModel):
    """What a portal sends: the root subjects' identifiers, the purpose, the user's values."""

    model_config = ConfigDict(extra="forbid")

    subjects: dict[
        Annotated[str, StringConstraints(max_length=64)],
        Annotated[str, StringConstraints(max_length=40)],
    ] = Field(
        default_factory=dict,
        max_length=20,
        description="root subject name -> personal ID or tax code (under a consent token, "
        "the consent's citizen and enterprise may be left out)",
        examples=[{"company": "0100109106"}],
    )
    purpose: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PURPOSE)
        ]
        | None
    ) = Field(
        None,
        description="why the data is needed; recorded in the audit. Required with an API "
        "key; under a consent token it is the consent's (another purpose is refused)",
    )
    values: dict[Annotated[str, StringConstraints(max_length=64)], Any] | None = Field(
        None, max_length=300, description="values the user has already entered, by field key"
    )
    overwrite: bool = Field(False, description="let registry values replace the user's values")


Status = Literal["filled", "missing", "unavailable", "not_applicable", "kept"]


class Source(BaseModel):
    """Where a value came from."""

    registry: str
    subject: str = Field(description="the form's subject the record belongs to")
    attribute: str = Field(description="path inside the record")
    updated_at: str | None = Field(None, description="when the record last changed")


class FieldEnvelope(BaseModel):
    """One field of the answer: its value, status, provenance and whether it is locked."""

    value: Any = None
    status: Status
    source: Source | None = None
    locked: bool = False
    registry_value: Any = Field(
        None, description="with status `kept`: the registry's value the user's value differs from"
    )


class FormRef(BaseModel):
    """The form version that was filled."""

    id: str
    version: int
    title: str


class Coverage(BaseModel):
    """How much of the form the registries filled."""

    filled: int
    total: int
    ratio: float = Field(description="filled / total")
    mapped: int = Field(description="fields with a prefill mapping")
    mapped_ratio: float = Field(description="filled / mapped")


class PrefillWarning(BaseModel):
    """Something the portal should tell the user about a subject (deceased, expired card...)."""

    code: str
    subject: str
    detail: str


class Submission(BaseModel):
    """The token that the submission check (`POST /v1/forms/{id}/verify`) takes back."""

    token: str
    expires_at: str
    locked_fields: list[str]


class PrefillResponse(BaseModel):
    """The filled form."""

    form: FormRef
    fields: dict[str, FieldEnvelope]
    coverage: Coverage
    subjects: dict[str, str] = Field(
        description="subject name -> found, not_given, absent or not_found"
    )
    warnings: list[PrefillWarning] = []
    submission: Submission | None = None


class SubjectRef(NamedTuple):
    """A subject as resolved for one request (identifiers raw: the audit hashes them)."""

    registry: str
    identifier: str | None
    root: bool
    status: str  # found | not_given | absent | not_found


@dataclass(slots=True)
class PrefillContext:
    """What observers (audit, submission tokens, statistics) learn about a prefill."""

    grant: Grant
    form_id: str
    form_version: int
    purpose: str
    subjects: dict[str, SubjectRef]
    # The fields whose registry value went out (each names its subject and attribute).
    released: tuple[Any, ...]
    overwrite: bool

    @property
    def principal(self) -> Any:
        """Who asked (the grant's principal)."""
        return self.grant.principal

    @property
    def request_id(self) -> str:
        """The request id the audit records."""
        return self.grant.request_id

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
    # What the person using the form should know about its subjects (`prefill.warnings`).
    warnings: list[dict[str, str]] = field(default_factory=list)
    submission: IssuedSubmission | None = None
    # Counted while filling, for the statistics observer (not sent): fields by status,
    # and filled fields by the registry they came from.
    statuses: dict[str, int] = field(default_factory=dict)
    filled_by_registry: dict[str, int] = field(default_factory=dict)
    # The values of filled fields the user may not change (the submission token's).
    locked: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> int:
        """The form version (alias of `form_version`)."""
        return self.form_version

    def body(self) -> dict[str, Any]:
        """The response document, in `PrefillResponse`'s shape."""
        submission = self.submission
        return {
            "form": {"id": self.form_id, "version": self.form_version, "title": self.title},
            "fields": self.fields,
            "coverage": self.coverage,
            "subjects": self.subjects,
            "warnings": self.warnings,
            "submission": None
            if submission is None
            else {
                "token": submission.token,
                "expires_at": submission.expires_at,
                "locked_fields": submission.locked_fields,
            },
        }


# Observers (statistics, metrics) see each prefill after its release; they cannot change it.
Observer = Callable[[PrefillContext, PrefillResult], Awaitable[None]]
