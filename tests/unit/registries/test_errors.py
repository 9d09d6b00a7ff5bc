"""One root for the domain errors of every package, one JSON-pointer helper, one notion of
"the database is down"."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from autofill.errors import AutofillError, RateLimited, ServiceUnavailable
from forms.errors import FormError, FormProblem, InvalidFormSchema
from registries.database import database_down_as
from registries.errors import DomainError, RegistryError, RegistryUnavailable, json_pointer


class TestJsonPointer:
    @pytest.mark.parametrize(
        ("tokens", "expected"),
        [
            ((), ""),
            (("subjects", "applicant"), "/subjects/applicant"),
            (("subjects", "a/b"), "/subjects/a~1b"),
            (("values", "~x/~1"), "/values/~0x~1~01"),
            (("fields", 0, "key"), "/fields/0/key"),
            (("",), "/"),
        ],
    )
    def test_tokens_are_escaped_as_rfc_6901_says(self, tokens, expected) -> None:
        assert json_pointer(*tokens) == expected


class TestOneRoot:
    def test_every_package_root_is_a_domain_error(self) -> None:
        for root in (RegistryError, FormError, AutofillError):
            assert issubclass(root, DomainError)

    def test_the_shared_shape(self) -> None:
        problem = FormProblem("/subjects/x", "no such subject", "unknown", "applicant")
        error = InvalidFormSchema("bad", problems=[problem])
        assert (error.detail, error.problems, error.headers) == ("bad", [problem], {})
        assert RateLimited("slow down", retry_after=7).headers == {"Retry-After": "7"}


class TestDatabaseDown:
    @pytest.mark.parametrize(
        "down",
        [sqlite3.OperationalError("database is locked"), OperationalError("x", {}, Exception())],
    )
    def test_a_database_that_is_down_becomes_the_error_asked_for(self, down) -> None:
        registry = database_down_as("the registry cannot be reached")
        with pytest.raises(RegistryUnavailable, match="registry"), registry:
            raise down
        keys = database_down_as("the key store cannot be reached", ServiceUnavailable)
        with pytest.raises(ServiceUnavailable, match="key store"), keys:
            raise down

    def test_other_errors_pass_through(self) -> None:
        with pytest.raises(KeyError), database_down_as("the registry cannot be reached"):
            raise KeyError("x")
