"""Domain errors. Each carries a stable `code`; no HTTP here (`main.py` maps them).

`DomainError` is the one root of the domain errors of every package; each package keeps
its own root under it:

DomainError
 ├── RegistryError               the registries (below)
 │    ├── InvalidIdentifier      an ID or tax code breaks a rule (rule named in `code`)
 │    ├── InvalidRecord          a tester's record edit is inconsistent
 │    ├── InvalidQuery           a search query that cannot be run (no letters, bad filter)
 │    │    └── InvalidCursor     a listing cursor that is not a position of this listing
 │    ├── RecordNotFound         a well-formed identifier that is not in the registry
 │    ├── RecordConflict         creating a record whose identifier exists
 │    ├── ReseedDisabled         the deployment refuses to be wiped
 │    └── RegistryUnavailable    the database cannot be reached
 ├── forms.errors.FormError      the form-schema engine
 └── autofill.errors.AutofillError   prefill, keys, audit, limits
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Problem:
    """One thing wrong with an input, located by a JSON pointer."""

    pointer: str
    detail: str
    code: str = "invalid"


def json_pointer(*tokens: object) -> str:
    """The RFC 6901 pointer of a path, each token escaped: `("subjects", "a/b")` ->
    `/subjects/a~1b`; no tokens -> `""` (the whole document)."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


class DomainError(Exception):
    """Base of every domain error: a stable `code`, a `detail` for people, the `problems`
    located by JSON pointers, and the response headers it calls for (Retry-After, ...)."""

    code = "error"

    def __init__(self, detail: str, *, problems: Sequence[Problem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems: list[Problem] = list(problems or [])
        self.headers: dict[str, str] = {}


class RegistryError(DomainError):
    """Base of every registry error."""

    code = "registry_error"


class InvalidIdentifier(RegistryError, ValueError):
    """An identifier breaks one of its rules; `code` names the rule."""

    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__(detail)
        self.code = code


class InvalidRecord(RegistryError):
    """A record submitted by a tester is not consistent."""

    code = "invalid_record"


class InvalidQuery(RegistryError):
    """A search query that cannot be run: a name without letters, a filter out of range."""

    code = "invalid_query"


class InvalidCursor(InvalidQuery):
    """A listing cursor that is not a position of this listing (the key of a record)."""

    code = "invalid_cursor"


class RecordNotFound(RegistryError):
    """A well-formed identifier that names no record."""

    code = "not_found"


class RecordConflict(RegistryError):
    """A record with this identifier already exists."""

    code = "conflict"


class ReseedDisabled(RegistryError):
    """Reseeding over HTTP is turned off for this deployment."""

    code = "reseed_disabled"


class RegistryUnavailable(RegistryError):
    """The registry's database cannot be reached."""

    code = "registry_unavailable"
