"""Submission tokens: bound to form, key and values; hashes only; expiry; tampering; the
earlier token versions still checked."""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata

import orjson
import pytest

from autofill.errors import Forbidden, InvalidToken, TokenExpired
from autofill.trust.submission import SubmissionSigner

LOCKED = {
    "full_name": "NGUYỄN VĂN AN",
    "birth_date": "1989-03-02",
    "address": {"line": "12 Hàng Bạc", "ward_code": "00070"},
    "members": [{"name": "Trần Thị Bình"}],
    "capital": 1_500_000_000,
}


@pytest.fixture
def signer() -> SubmissionSigner:
    return SubmissionSigner(b"s" * 32, b"v" * 32, ttl_seconds=600)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _payload(token: str) -> dict:
    return orjson.loads(_unb64(token.split(".")[1]))


def _macs(token: str) -> dict[str, bytes]:
    """A v3 token's MACs by field."""
    fields, packed = _payload(token)["l"], _unb64(token.split(".")[2])
    return {f: packed[16 * i : 16 * (i + 1)] for i, f in enumerate(fields)}


def _signed(version: str, *parts: str, key: bytes = b"s" * 32) -> str:
    """A token of the given parts with a genuine keyed-BLAKE2b signature."""
    text = ".".join([version, *parts])
    mac = hashlib.blake2b(text.encode(), key=key, digest_size=32, person=b"autofill-sign")
    return f"{text}.{_b64(mac.digest())}"


def _issue(signer: SubmissionSigner, now: float = 1000.0) -> str:
    return signer.issue(
        key_id="k1",
        form_id="ho-khau",
        form_version=3,
        subjects={"applicant": "ab" * 32},
        locked=LOCKED,
        now=now,
    ).token


class TestToken:
    def test_carries_hashes_never_values(self, signer) -> None:
        token = _issue(signer)
        payload = _unb64(token.split(".")[1]).decode()
        for text in ("NGUYỄN", "1989-03-02", "Hàng Bạc", "Bình", "1500000000"):
            assert text not in payload
        assert orjson.loads(payload)["l"] == list(LOCKED)
        assert len(_unb64(token.split(".")[2])) == 16 * len(LOCKED)

    def test_unchanged_values_pass(self, signer) -> None:
        check = signer.check(
            _issue(signer), form_id="ho-khau", key_id="k1", values=LOCKED, now=1001
        )
        assert check.intact
        assert check.unchanged == sorted(LOCKED)
        assert (check.form_id, check.form_version, check.expires_at) == ("ho-khau", 3, 1600)

    def test_a_changed_value_is_named(self, signer) -> None:
        values = {**LOCKED, "birth_date": "1990-03-02"}
        check = signer.check(
            _issue(signer), form_id="ho-khau", key_id="k1", values=values, now=1001
        )
        assert check.changed == ["birth_date"]
        assert not check.intact

    def test_nested_changes_and_missing_fields(self, signer) -> None:
        values = {**LOCKED, "address": {"line": "13 Hàng Bạc", "ward_code": "00070"}}
        del values["capital"]
        check = signer.check(
            _issue(signer), form_id="ho-khau", key_id="k1", values=values, now=1001
        )
        assert check.changed == ["address"]
        assert check.missing == ["capital"]

    def test_equivalent_forms_are_not_tampering(self, signer) -> None:
        values = {
            **LOCKED,
            "full_name": unicodedata.normalize("NFD", LOCKED["full_name"]),
            "capital": 1_500_000_000.0,
            "address": {"ward_code": "00070", "line": "12 Hàng Bạc"},
        }
        check = signer.check(
            _issue(signer), form_id="ho-khau", key_id="k1", values=values, now=1001
        )
        assert check.intact

    def test_no_locked_values(self, signer) -> None:
        token = signer.issue(
            key_id="k1", form_id="ho-khau", form_version=3, subjects={}, locked={}, now=1000.0
        ).token
        assert token.split(".")[2] == ""
        check = signer.check(token, form_id="ho-khau", key_id="k1", values={"x": 1}, now=1001)
        assert check.intact and (check.unchanged, check.changed, check.missing) == ([], [], [])

    def test_expired(self, signer) -> None:
        with pytest.raises(TokenExpired):
            signer.check(_issue(signer), form_id="ho-khau", key_id="k1", values=LOCKED, now=1600)

    @pytest.mark.parametrize(
        "mangle",
        ["", "v1.abc", "v2.a.b", "v1.a.b.c", "v3.a.b", "v3.a.b.c", "v3.a.b.c.d", "garbage"],
    )
    def test_malformed(self, signer, mangle) -> None:
        with pytest.raises(InvalidToken):
            signer.check(mangle, form_id="ho-khau", key_id="k1", values={}, now=1001)

    def test_a_forged_payload_fails_the_signature(self, signer) -> None:
        version, body, macs, signature = _issue(signer).split(".")
        payload = orjson.loads(_unb64(body))
        payload["e"] = 10**10
        forged = _b64(orjson.dumps(payload))
        with pytest.raises(InvalidToken):
            signer.check(
                f"{version}.{forged}.{macs}.{signature}", form_id="ho-khau", key_id="k1", values={}
            )

    def test_forged_macs_fail_the_signature(self, signer) -> None:
        version, body, macs, signature = _issue(signer).split(".")
        forged = _b64(bytes(16) + _unb64(macs)[16:])
        with pytest.raises(InvalidToken):
            signer.check(
                f"{version}.{body}.{forged}.{signature}", form_id="ho-khau", key_id="k1", values={}
            )

    @pytest.mark.parametrize("extra", [-1, 1])
    def test_signed_macs_that_do_not_match_the_fields_are_refused(self, signer, extra) -> None:
        _, body, macs, _ = _issue(signer).split(".")
        packed = _unb64(macs)
        wrong = packed[:-16] if extra < 0 else packed + packed[:16]
        with pytest.raises(InvalidToken):
            signer.check(
                _signed("v3", body, _b64(wrong)), form_id="ho-khau", key_id="k1", values={}
            )

    def test_another_signers_token_is_refused(self, signer) -> None:
        other = SubmissionSigner(b"x" * 32, b"v" * 32, ttl_seconds=600)
        with pytest.raises(InvalidToken):
            signer.check(_issue(other), form_id="ho-khau", key_id="k1", values=LOCKED, now=1001)

    def test_bound_to_the_form_and_the_key(self, signer) -> None:
        token = _issue(signer)
        with pytest.raises(InvalidToken) as caught:
            signer.check(token, form_id="other", key_id="k1", values=LOCKED, now=1001)
        assert caught.value.problems[0].code == "token_form_mismatch"
        with pytest.raises(Forbidden):
            signer.check(token, form_id="ho-khau", key_id="k2", values=LOCKED, now=1001)

    def test_bound_to_the_subject(self, signer) -> None:
        token = _issue(signer)
        same = signer.check(
            token,
            form_id="ho-khau",
            key_id="k1",
            values=LOCKED,
            subjects={"applicant": "ab" * 32},
            now=1001,
        )
        other = signer.check(
            token,
            form_id="ho-khau",
            key_id="k1",
            values=LOCKED,
            subjects={"applicant": "cd" * 32},
            now=1001,
        )
        assert same.subject_matches is True and same.intact
        assert other.subject_matches is False and not other.intact

    def test_equal_values_hash_differently_in_two_tokens(self, signer) -> None:
        assert _macs(_issue(signer))["birth_date"] != _macs(_issue(signer))["birth_date"]

    def test_issues_keyed_blake2b_tokens(self, signer) -> None:
        token = _issue(signer)
        version, body, macs, _ = token.split(".")
        assert version == "v3"
        assert token == _signed(version, body, macs)
        payload = _payload(token)
        salted = hashlib.blake2b(key=b"v" * 32, digest_size=16, person=b"autofill-value")
        salted.update(payload["n"].encode() + b"\0")
        mac = salted.copy()
        mac.update(b"full_name\0" + orjson.dumps(LOCKED["full_name"]))
        assert _macs(token)["full_name"] == mac.digest()


def _earlier_token(version: str, locked: dict[str, object], now: float) -> str:
    """A token in the v1/v2 layouts (never issued), built here without the signer: `v2` with
    keyed BLAKE2b, `v1` with HMAC-SHA256; the MACs base64 one by one in the payload."""
    nonce = "bm9uY2UxMjM0NTY"

    def mac(key: bytes, data: bytes, person: bytes, size: int) -> bytes:
        if version == "v1":
            return hmac.new(key, data, hashlib.sha256).digest()[:size]
        return hashlib.blake2b(data, key=key, digest_size=size, person=person).digest()

    hashes = {}
    for field, value in locked.items():
        data = nonce.encode() + b"\0" + field.encode() + b"\0"
        data += orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        hashes[field] = _b64(mac(b"v" * 32, data, b"autofill-value", 16))
    payload = {
        "f": "ho-khau",
        "v": 3,
        "k": "k1",
        "s": {"applicant": "ab" * 32},
        "e": int(now + 600),
        "n": nonce,
        "h": hashes,
    }
    body = _b64(orjson.dumps(payload))
    signature = mac(b"s" * 32, f"{version}.{body}".encode(), b"autofill-sign", 32)
    return f"{version}.{body}.{_b64(signature)}"


class TestEarlierLayouts:
    @pytest.mark.parametrize("version", ["v1", "v2"])
    def test_a_token_in_a_layout_never_issued_is_refused(self, signer, version) -> None:
        # No released version issued v1 or v2 tokens: a well-signed one is still refused.
        token = _earlier_token(version, LOCKED, now=1000.0)
        with pytest.raises(InvalidToken):
            signer.check(token, form_id="ho-khau", key_id="k1", values=LOCKED, now=1001)

    def test_a_v2_payload_under_a_v3_label_is_refused(self, signer) -> None:
        _, body, _ = _earlier_token("v2", LOCKED, now=1000.0).split(".")
        with pytest.raises(InvalidToken):
            signer.check(_signed("v3", body, ""), form_id="ho-khau", key_id="k1", values=LOCKED)
