"""Keep personal IDs and tax codes out of application logs.

Request paths carry identifiers (`GET /v1/citizens/001089012345`) and uvicorn's access
log prints them. The redactor rewrites every log record when it is created: every span the
identifier parser could read as an identifier becomes `<id:…>`, the first 12 hex digits of
the same keyed hash the audit log stores, so an operator can still follow one subject from
a log line to its audit entries. Query-string values are replaced by `…` (search
parameters hold names and birth dates), and tracebacks are redacted too. It is installed as
the log-record factory, so it holds whichever logger or handler (uvicorn's access log, one
added later) ends up writing the record.

What counts as an identifier follows the parser (`registries.identifiers`), not a second
guess of it: digits separated by anything the parser drops (whitespace of any kind, dots,
NBSP, zero-width characters, BOM), by dashes (branch codes, and the dashed spellings the
parser refuses but a log would still show), each also %-encoded as uvicorn writes a path.
Any such span of 9 or more digits is masked. Two shapes are left alone: an ISO date-time
(a log's timestamp) and an IPv4 address, unless the parser accepts its digits.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from registries.errors import InvalidIdentifier
from registries.identifiers import SEPARATORS, identify

# Dashes (a branch code's, and dashed spellings), soft hyphen and word joiner: the parser
# refuses them between digits, but a 422 for `001-085-004-512` is still logged.
_DASHES = "-\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2060\u2212"


def _separator_pattern() -> str:
    # Every character the parser drops (all of them lie in the BMP), as itself or %-encoded.
    chars = [chr(c) for c in range(0x10000) if SEPARATORS.fullmatch(chr(c))]
    chars += list(_DASHES)
    raw = "".join(re.escape(c) for c in chars)
    encoded = "|".join(sorted({"".join(f"%{b:02X}" for b in c.encode()) for c in chars}))
    return f"(?:[{raw}]|(?i:{encoded}))"


_SEP = _separator_pattern()
_DIGIT = "(?:[0-9]|%3[0-9])"
# A span starts at a digit not inside a word, a number or a %-escape (a digit right after
# a whole %-escape is a start: `%20` then the ID), and not inside a mask already written.
_START = r"(?:(?<=%[0-9A-Fa-f]{2})|(?<![A-Za-z0-9_%]))(?<!%[0-9A-Fa-f])(?<!<id:)"
_DATE_TIME = (
    r"(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
    r"(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?"
)
IDENTIFIER = re.compile(
    rf"{_START}(?:(?P<date>{_DATE_TIME})|{_DIGIT}(?:{_SEP}*+{_DIGIT})*+)(?![A-Za-z0-9_])"
)
IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
QUERY_VALUE = re.compile(r"([?&][^=&#\s\"]+)=([^&#\s\"]*)")
MIN_DIGITS = 9  # the old 9-digit ID number; personal IDs have 12, tax codes 10 or 13
_FORMATTER = logging.Formatter()
# Every identifier has at least nine digits: text with fewer, and no query string, is
# returned as is without running the patterns (most of an access log line's parts).
MIN_DIGITS = 9
_DIGITS = b"0123456789"


class IdentifierRedactor(logging.Filter):
    """A logging filter that masks identifiers and query values in messages and arguments."""

    def __init__(self, digest: Callable[[str], str]) -> None:
        super().__init__("autofill-redaction")
        self.digest = digest

    def redact(self, text: str) -> str:
        """The text with identifiers replaced by a short keyed hash."""
        raw = text.encode("utf-8", "surrogatepass")
        if b"=" not in raw and len(raw) - len(raw.translate(None, _DIGITS)) < MIN_DIGITS:
            return text
        text = IDENTIFIER.sub(self._mask, text)
        return QUERY_VALUE.sub(lambda m: f"{m.group(1)}=…", text) if "=" in text else text

    def _mask(self, match: re.Match[str]) -> str:
        span = match.group(0)
        if match.group("date"):
            return span
        text = unquote(span, errors="replace")
        digits = re.sub(r"[^0-9]", "", text)
        if len(digits) < MIN_DIGITS:
            return span
        try:
            canonical: str | None = identify(text)[1]
        except InvalidIdentifier:
            canonical = None
        if canonical is None and IPV4.match(span):
            return span  # an address, not an identifier the parser would accept
        return f"<id:{self.digest(canonical or digits)[:12]}>"

    def _redact_arg(self, arg: Any) -> Any:
        if arg is None or isinstance(arg, int | float):
            return arg
        text = arg if isinstance(arg, str) else str(arg)
        redacted = self.redact(text)
        # Objects (a URL, an exception) become their redacted text only when it differs.
        return redacted if redacted != text or isinstance(arg, str) else arg

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg)
        if record.exc_info and not record.exc_text:
            # Formatters reuse `exc_text`: a traceback's messages get redacted too.
            record.exc_text = self.redact(_FORMATTER.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        if isinstance(record.args, tuple):
            record.args = tuple(self._redact_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self._redact_arg(v) for k, v in record.args.items()}
        return True


_installed: IdentifierRedactor | None = None


def install_log_redaction(digest: Callable[[str], str]) -> IdentifierRedactor:
    """Redact every log record of this process from now on (a later call swaps the hash)."""
    global _installed
    if _installed is not None:
        _installed.digest = digest
        return _installed
    redactor = _installed = IdentifierRedactor(digest)
    previous = logging.getLogRecordFactory()

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redactor.filter(record)
        return record

    logging.setLogRecordFactory(redacting_factory)
    return redactor
