"""`POST /v1/forms/{id}/verify`: which locked values did the user change before submitting?"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from autofill.api.dependencies import TrustDep, Verifier
from autofill.api.schemas import PROBLEM_RESPONSES, ProblemDetails
from autofill.errors import InvalidRequest, Problem
from autofill.trust import MAX_TOKEN_CHARS
from registries.errors import InvalidIdentifier, json_pointer
from registries.identifiers import identify

router = APIRouter(
    prefix="/v1/forms",
    tags=["prefill"],
    responses={
        **PROBLEM_RESPONSES,
        410: {"model": ProblemDetails, "content": {"application/problem+json": {}}},
    },
)
FormIdPath = Annotated[str, Path(max_length=100, description="the form's id")]


class VerifyRequest(BaseModel):
    """The token prefill returned and the values the user is submitting."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=MAX_TOKEN_CHARS)
    values: dict[str, Any] = Field(max_length=2000, description="field key → submitted value")
    # Required with an API key: a check that does not name whom the submission is for
    # would let one user's token vouch for a submission about anyone else. A consent token
    # names them itself (its citizen, and enterprise), as it does for prefill.
    subjects: dict[str, str] | None = Field(
        default=None,
        max_length=20,
        description="the subjects the submission is for (name → personal ID or tax code); "
        "checked against the token. Required with an API key; with a consent access token "
        "it may be left out, and the token's subjects are checked against the consent's",
    )


class VerifyResult(BaseModel):
    """Which locked values came back unchanged, changed (tampered) or not at all."""

    form_id: str
    form_version: int
    intact: bool = Field(description="every locked value came back unchanged")
    unchanged: list[str]
    changed: list[str]
    missing: list[str]
    subject_matches: bool
    expires_at: dt.datetime


@router.post("/{form_id}/verify", operation_id="verify_submission", response_model=VerifyResult)
async def verify_submission(
    form_id: FormIdPath, body: VerifyRequest, grant: Verifier, trust: TrustDep
) -> VerifyResult:
    """Compare submitted values with the locked values of a prefill (410 once expired)."""
    binding = grant.principal.binding
    if body.subjects is None and binding is None:
        detail = "a submission check with an API key names the subjects it is for"
        raise InvalidRequest(detail, problems=[Problem("/subjects", detail, "missing")])
    bound = None
    if body.subjects is None and binding is not None:
        named = (binding.personal_id, binding.enterprise_code)
        bound = {trust.hasher.hash(identifier) for identifier in named if identifier}
    subject_hashes = {}
    for name, raw in (body.subjects or {}).items():
        try:
            _, canonical = identify(raw)
        except InvalidIdentifier as exc:
            raise InvalidRequest(
                exc.detail,
                problems=[Problem(json_pointer("subjects", name), exc.detail, exc.code)],
            ) from exc
        subject_hashes[name] = trust.hasher.hash(canonical)
    check = trust.signer.check(
        body.token,
        form_id=form_id,
        key_id=grant.principal.key_id,
        values=body.values,
        subjects=subject_hashes if body.subjects is not None else None,
        bound=bound,
    )
    return VerifyResult(
        form_id=check.form_id,
        form_version=check.form_version,
        intact=check.intact,
        unchanged=check.unchanged,
        changed=check.changed,
        missing=check.missing,
        subject_matches=check.subject_matches is True,
        expires_at=dt.datetime.fromtimestamp(check.expires_at, dt.UTC),
    )
