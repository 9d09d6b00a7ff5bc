"""Keep personal IDs and tax codes out of application logs.

Request paths carry identifiers (`GET /v1/citizens/001089012345`) and uvicorn's access
log prints them. The redactor rewrites every log record when it is created:
digit runs shaped like a personal ID, a tax code (with or without a branch suffix, dots or
spaces) or an old 9-digit ID number become `<id:…>`, the first 12 hex digits of the same
keyed hash the audit log stores, so an operator can still follow one subject from a log
line to its audit entries; query-string values are replaced by `…` (search parameters
hold names and birth dates), and tracebacks are redacted too. It is installed as the
log-record factory, so it holds whichever logger or handler (uvicorn's access log, one
added later) ends up writing the record.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

IDENTIFIER = re.compile(r"(?<![\w%])(?<!\d\.)\d(?:(?:[ .]|%20)?\d){8,11}(?:-\d{3})?(?!\w)(?!\.\d)")
IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
QUERY_VALUE = re.compile(r"([?&][^=&#\s\"]+)=([^&#\s\"]*)")
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
        if IPV4.match(match.group(0)):
            return match.group(0)
        digits = re.sub(r"[ .]|%20", "", match.group(0))
        return f"<id:{self.digest(digits)[:12]}>"

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
