"""The submission check: did the user change a value that prefill locked?

Prefill returns a token; at submission the portal sends it back with the submitted values
and learns which locked values were changed. The token is *signed and stateless*: it
carries the form id and version, the key it was issued to, the subjects' keyed hashes, an
expiry, a random nonce and, per locked field, a 128-bit keyed hash of the value — never a
value.
Why stateless rather than a row in the database or Redis: prefill stays free of writes
(the hot path keeps its throughput), any worker can verify without shared storage, and
nothing needs cleaning up. The price: a token cannot be revoked before it expires, which
is acceptable for a read-only check whose lifetime is short.

Value hashes are keyed and salted by the nonce, so a token holder cannot test guesses
(a birth date has only ~40,000 plausible values) and equal values in two tokens differ.
Values are compared in canonical form: strings NFC-normalised, integral floats as ints,
object keys sorted.

The MACs are keyed BLAKE2b (RFC 7693, keyed mode is a MAC by design): a prefill hashes
every locked field, and a copied keyed BLAKE2b state is several times cheaper than a
copied HMAC-SHA256. A token reads `v3.<payload>.<macs>.<signature>`: the payload lists the
locked fields (`l`); `macs` is their 16-byte MACs back to back, in that order, base64 once.
The MAC of one value is over nonce NUL field NUL its canonical JSON.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from autofill.errors import Forbidden, InvalidToken, Problem, TokenExpired

VERSION = "v3"
PARTS = 4
VALUE_HASH_BYTES = 16
_URLSAFE = bytes.maketrans(b"+/", b"-_")
MAX_TOKEN_CHARS = 65_536


def canonical(value: Any) -> Any:
    """A value in the form two equal submissions share."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


def _value_bytes(value: Any) -> bytes:
    """The canonical JSON of a value, as its MAC covers it."""
    if isinstance(value, str):  # most locked values: NFC, and no walk through `canonical`
        return orjson.dumps(unicodedata.normalize("NFC", value))
    return orjson.dumps(canonical(value), option=orjson.OPT_SORT_KEYS)


def _b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).rstrip(b"=").translate(_URLSAFE).decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class SubmissionToken:
    """A freshly issued token and when it stops being accepted (epoch seconds)."""

    token: str
    expires_at: int


@dataclass(frozen=True, slots=True)
class SubmissionCheck:
    """The verdict on submitted values."""

    form_id: str
    form_version: int
    expires_at: int
    unchanged: list[str]
    changed: list[str]
    missing: list[str]
    subject_matches: bool | None

    @property
    def intact(self) -> bool:
        """True when every locked value came back unchanged."""
        return not self.changed and not self.missing and self.subject_matches is not False


class SubmissionSigner:
    """Issues and checks submission tokens with keys derived from one secret."""

    def __init__(self, sign_key: bytes, value_key: bytes, *, ttl_seconds: int) -> None:
        # Keyed states, copied per use: cheaper than keying a new one every time.
        self._sign = hashlib.blake2b(key=sign_key, digest_size=32, person=b"autofill-sign")
        self._value = hashlib.blake2b(
            key=value_key, digest_size=VALUE_HASH_BYTES, person=b"autofill-value"
        )
        self.ttl = ttl_seconds

    def _macs(self, nonce: str, values: Mapping[str, Any]) -> list[bytes]:
        """The MAC of each value, in order, over nonce NUL field NUL its canonical JSON; the
        nonce is hashed in once."""
        salted = self._value.copy()
        salted.update(nonce.encode() + b"\0")
        macs = []
        for field, value in values.items():
            mac = salted.copy()
            mac.update(field.encode() + b"\0" + _value_bytes(value))
            macs.append(mac.digest()[:VALUE_HASH_BYTES])
        return macs

    def _signature(self, signed: str) -> str:
        """The MAC of a token's text up to its last dot."""
        mac = self._sign.copy()
        mac.update(signed.encode())
        return _b64(mac.digest())

    def issue(
        self,
        *,
        key_id: str,
        form_id: str,
        form_version: int,
        subjects: Mapping[str, str],
        locked: Mapping[str, Any],
        now: float | None = None,
    ) -> SubmissionToken:
        """A token bound to the form version, key, subject hashes and locked values."""
        expires = int((time.time() if now is None else now) + self.ttl)
        nonce = _b64(secrets.token_bytes(12))
        payload = {
            "f": form_id,
            "v": form_version,
            "k": key_id,
            "s": dict(subjects),
            "e": expires,
            "n": nonce,
            "l": list(locked),
        }
        macs = b"".join(self._macs(nonce, locked))  # in `l`'s order
        signed = f"{VERSION}.{_b64(orjson.dumps(payload))}.{_b64(macs)}"
        return SubmissionToken(f"{signed}.{self._signature(signed)}", expires)

    def _open(self, token: str) -> tuple[dict[str, Any], dict[str, bytes]]:
        """The payload and locked fields' MACs of a genuine token."""
        invalid = InvalidToken(
            "the token is not one this service issued, or it was altered",
            problems=[Problem("/token", "not a valid submission token", "invalid_token")],
        )
        # Tokens are ASCII: anything else is not ours (and `compare_digest` refuses non-ASCII).
        parts = token.split(".") if len(token) <= MAX_TOKEN_CHARS and token.isascii() else []
        if len(parts) != PARTS or parts[0] != VERSION:
            raise invalid
        signed, _, signature = token.rpartition(".")
        if not hmac.compare_digest(self._signature(signed), signature):
            raise invalid
        try:
            payload = orjson.loads(_unb64(parts[1]))
            if not isinstance(payload, dict):
                raise invalid
            fields, macs = payload.get("l"), _unb64(parts[2])
            if not isinstance(fields, list) or len(macs) != VALUE_HASH_BYTES * len(fields):
                raise invalid
            expected = {
                str(field): macs[i * VALUE_HASH_BYTES : (i + 1) * VALUE_HASH_BYTES]
                for i, field in enumerate(fields)
            }
        except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
            raise invalid from exc
        return payload, expected

    def check(
        self,
        token: str,
        *,
        form_id: str,
        key_id: str,
        values: Mapping[str, Any],
        subjects: Mapping[str, str] | None = None,
        bound: Collection[str] | None = None,
        now: float | None = None,
    ) -> SubmissionCheck:
        """Compare submitted values with the locked ones the token vouches for, and its
        subjects with `subjects` (name → keyed hash), or, for a caller under a consent
        that names its subjects itself, with the hashes in `bound`."""
        payload, expected_macs = self._open(token)
        if payload["f"] != form_id:
            raise InvalidToken(
                f"the token was issued for form {payload['f']!r}, not {form_id!r}",
                problems=[Problem("/token", "issued for another form", "token_form_mismatch")],
            )
        if payload["k"] != key_id:
            raise Forbidden("the token was issued to another API key")
        if (time.time() if now is None else now) >= payload["e"]:
            raise TokenExpired(
                "the submission token has expired; prefill the form again for a new one"
            )
        submitted = {field: values[field] for field in expected_macs if field in values}
        actual = dict(zip(submitted, self._macs(payload["n"], submitted), strict=True))
        unchanged, changed, missing = [], [], []
        for field, expected in sorted(expected_macs.items()):
            if field not in values:
                missing.append(field)
            elif hmac.compare_digest(actual[field], expected):
                unchanged.append(field)
            else:
                changed.append(field)
        subject_matches = None
        if subjects is not None:
            subject_matches = dict(subjects) == payload["s"]
        elif bound is not None:
            subject_matches = bool(payload["s"]) and set(payload["s"].values()) <= set(bound)
        return SubmissionCheck(
            form_id=payload["f"],
            form_version=payload["v"],
            expires_at=payload["e"],
            unchanged=unchanged,
            changed=changed,
            missing=missing,
            subject_matches=subject_matches,
        )
