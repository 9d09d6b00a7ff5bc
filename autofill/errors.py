"""Errors of the prefill layer. Each carries a stable `code`; `main.py` maps them to HTTP.

AutofillError
 ├── Unauthenticated   no key, or a key that is unknown or revoked        (401)
 ├── Forbidden         a valid key outside its scopes or form list         (403)
 └── ServiceUnavailable a dependency the request needs is down            (503)
"""

from __future__ import annotations


class AutofillError(Exception):
    """Base of the prefill layer's errors."""

    code = "autofill_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Unauthenticated(AutofillError):
    """The request carries no valid API key."""

    code = "unauthenticated"


class Forbidden(AutofillError):
    """The key is valid but not allowed to do this."""

    code = "forbidden"


class ServiceUnavailable(AutofillError):
    """A dependency the request needs is down."""

    code = "service_unavailable"
