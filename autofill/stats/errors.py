"""Errors of the statistics queries (mapped to HTTP in `main.ERROR_STATUS`)."""

from __future__ import annotations

from autofill.errors import AutofillError
from registries.errors import Problem


class InvalidWindow(AutofillError):
    """A statistics window that is empty, reversed or too finely bucketed."""

    code = "invalid_window"

    def __init__(self, detail: str, *, pointer: str) -> None:
        super().__init__(detail)
        self.problems = [Problem(pointer, detail, self.code)]
