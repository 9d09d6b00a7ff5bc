"""Log redaction: identifiers and query values never reach a log line."""

from __future__ import annotations

import logging

import pytest

from autofill.trust.hashing import SubjectHasher
from autofill.trust.redaction import IdentifierRedactor, install_log_redaction

HASHER = SubjectHasher(b"h" * 32)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ('GET /v1/citizens/001089012345 HTTP/1.1" 200', "001089012345"),
        ("/v1/businesses/0100109106-001", "0100109106"),
        ("/v1/businesses/0100%20109%20106", "109%20106"),
        ("tax code 0100.109.106 unknown", "0100.109.106"),
        ("no citizen record with identifier 001089012345.", "001089012345"),
        ("/v1/citizens?name=Nguy%E1%BB%85n%20An&birth_date=1989-03-02&limit=5", "1989-03-02"),
        ("old id 012345678 on file", "012345678"),
        ("/v1/citizens/001085%E2%80%8B004512", "004512"),
        ("/v1/citizens/001085\u200b004512", "004512"),
        ("/v1/citizens/%20001085004512", "001085004512"),
        ("/v1/citizens/001%20%20%20085004512", "085004512"),
        ("id 001 085\t004\u00a0512 here", "004\u00a0512"),
        ("/v1/citizens/001-085-004-512", "004-512"),
        ("/v1/businesses/0100109106%2D001", "%2D001"),
        ("/v1/citizens/001.085.004.512", "001.085"),  # shaped like an IPv4 address
    ],
)
def test_identifiers_and_query_values_are_masked(text, secret) -> None:
    redacted = IdentifierRedactor(HASHER.hash).redact(text)
    assert secret not in redacted
    assert "Nguy" not in redacted


def test_the_mask_is_the_audit_hash_prefix() -> None:
    redacted = IdentifierRedactor(HASHER.hash).redact("/v1/citizens/001089012345")
    assert redacted == f"/v1/citizens/<id:{HASHER.hash('001089012345')[:12]}>"


def test_every_spelling_of_one_id_gets_the_same_mask() -> None:
    redact = IdentifierRedactor(HASHER.hash).redact
    mask = f"<id:{HASHER.hash('0100109106-001')[:12]}>"
    assert redact("0100109106-001") == mask
    assert redact("0100 109 106%09-001") == mask


@pytest.mark.parametrize(
    "text", ["127.0.0.1:8104", "192.168.100.123", "2026-11-27 21:50:07,123", "req 3f9a1c2b7d4e"]
)
def test_ordinary_text_is_left_alone(text) -> None:
    assert IdentifierRedactor(HASHER.hash).redact(text) == text


def test_installed_redaction_rewrites_access_log_arguments(caplog) -> None:
    install_log_redaction(HASHER.hash)
    access = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            "/v1/citizens/001089012345",
            "1.1",
            200,
        )
    assert "001089012345" not in caplog.text
    assert "<id:" in caplog.text
    record = caplog.records[-1]
    assert isinstance(record.args, tuple) and len(record.args) == 5


def test_tracebacks_are_redacted(caplog) -> None:
    install_log_redaction(HASHER.hash)
    try:
        raise LookupError("no citizen record with identifier 001089012345")
    except LookupError:
        logging.getLogger("autofill.test").exception("failed on %s", "/v1/citizens/001089012345")
    assert "001089012345" not in caplog.text
    assert "LookupError" in caplog.text
