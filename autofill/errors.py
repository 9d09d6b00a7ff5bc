"""Errors of the prefill layer, under `registries.errors.DomainError`.

AutofillError
 ├── Unauthenticated   no key, or a key that is unknown or revoked        (401)
 ├── Forbidden         a valid key outside its scopes or form list         (403)
 ├── KeyNotFound       no API key with this id                            (404)
 ├── ConsentNotFound   no consent of this citizen with this id              (404)
 ├── InvalidRequest    a key, audit or verify request breaks a rule        (422)
 ├── InvalidToken      a submission token that is malformed or forged      (422)
 ├── TokenExpired      a well-formed submission token past its lifetime    (410)
 ├── RateLimited       the key used up its request budget; `retry_after`   (429)
 ├── NotAcceptable     the Accept header allows none of the answer's forms  (406)
 └── ServiceUnavailable a dependency the request needs is down            (503)
"""

from __future__ import annotations

from registries.errors import DomainError

# Re-exported: one shape of "what is wrong, where" for every layer.
from registries.errors import Problem as Problem


class AutofillError(DomainError):
    """Base of the prefill layer's errors (`registries.errors.DomainError`)."""

    code = "autofill_error"


class Unauthenticated(AutofillError):
    """The request carries no valid API key."""

    code = "unauthenticated"


class Forbidden(AutofillError):
    """The key is valid but not allowed to do this."""

    code = "forbidden"


class ServiceUnavailable(AutofillError):
    """A dependency the request needs is down."""

    code = "service_unavailable"


class KeyNotFound(AutofillError):
    """No API key has this id."""

    code = "key_not_found"


class ConsentNotFound(AutofillError):
    """The citizen has no consent with this id (another person's is not found either)."""

    code = "consent_not_found"


class InvalidRequest(AutofillError):
    """A request to the trust features (keys, audit, verify) breaks a rule."""

    code = "invalid_request"


class InvalidToken(AutofillError):
    """A submission token that this service did not issue, or that was altered."""

    code = "invalid_token"


class TokenExpired(AutofillError):
    """A genuine submission token past its lifetime."""

    code = "token_expired"


class NotAcceptable(AutofillError):
    """The request's Accept header allows neither JSON nor a signed answer."""

    code = "not_acceptable"


class RateLimited(AutofillError):
    """The key has used up its request budget for the current window."""

    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)
        self.headers = {"Retry-After": str(self.retry_after)}
