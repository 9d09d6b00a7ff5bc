"""Domain errors of the registries. Each carries a stable `code`; no HTTP here.

RegistryError
 ├── InvalidIdentifier      an ID or tax code breaks a rule (rule named in `code`)
 ├── InvalidRecord          a tester's record edit is inconsistent
 ├── InvalidQuery           a search query that cannot be run (no letters, bad filter)
 │    └── InvalidCursor     a listing cursor that is not a position of this listing
 ├── RecordNotFound         a well-formed identifier that is not in the registry
 ├── RecordConflict         creating a record whose identifier exists
 ├── ReseedDisabled         the deployment refuses to be wiped
 └── RegistryUnavailable    the database cannot be reached
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Problem:
    """One thing wrong with an input, located by a JSON pointer."""

    pointer: str
    detail: str
    code: str = "invalid"


class RegistryError(Exception):
    """Base of every registry error."""

    code = "registry_error"

    def __init__(self, detail: str, *, problems: list[Problem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems: list[Problem] = problems or []


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
