"""Submission tokens: bound to form, key and values; hashes only; expiry; tampering."""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata

import orjson
import pytest

from autofill.errors import Forbidden, InvalidToken, TokenExpired
from autofill.submission import SubmissionSigner

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
        payload = base64.urlsafe_b64decode(token.split(".")[1] + "==").decode()
        for text in ("NGUYỄN", "1989-03-02", "Hàng Bạc", "Bình", "1500000000"):
            assert text not in payload
        assert set(orjson.loads(payload)["h"]) == set(LOCKED)

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

    def test_expired(self, signer) -> None:
        with pytest.raises(TokenExpired):
            signer.check(_issue(signer), form_id="ho-khau", key_id="k1", values=LOCKED, now=1600)

    @pytest.mark.parametrize("mangle", ["", "v1.abc", "v2.a.b", "v1.a.b.c", "garbage"])
    def test_malformed(self, signer, mangle) -> None:
        with pytest.raises(InvalidToken):
            signer.check(mangle, form_id="ho-khau", key_id="k1", values={}, now=1001)

    def test_a_forged_payload_fails_the_signature(self, signer) -> None:
        version, body, signature = _issue(signer).split(".")
        payload = orjson.loads(base64.urlsafe_b64decode(body + "=="))
        payload["e"] = 10**10
        forged = base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")
        with pytest.raises(InvalidToken):
            signer.check(
                f"{version}.{forged}.{signature}", form_id="ho-khau", key_id="k1", values={}
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
        def hashes(token: str) -> dict[str, str]:
            return orjson.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["h"]

        assert hashes(_issue(signer))["birth_date"] != hashes(_issue(signer))["birth_date"]

    def test_issues_keyed_blake2b_tokens(self, signer) -> None:
        version, body, signature = _issue(signer).split(".")
        expected = hashlib.blake2b(
            f"{version}.{body}".encode(), key=b"s" * 32, digest_size=32, person=b"autofill-sign"
        ).digest()
        assert version == "v2"
        assert base64.urlsafe_b64decode(signature + "=") == expected


def _legacy_v1_token(locked: dict[str, object], now: float) -> str:
    """A token as issued before v2 (HMAC-SHA256), built here without the signer."""

    def mac(key: bytes, data: bytes) -> bytes:
        return hmac.new(key, data, hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    nonce = "bm9uY2UxMjM0NTY"
    hashes = {
        field: b64(
            mac(
                b"v" * 32,
                b"\0".join(
                    [
                        nonce.encode(),
                        field.encode(),
                        orjson.dumps(value, option=orjson.OPT_SORT_KEYS),
                    ]
                ),
            )[:16]
        )
        for field, value in locked.items()
    }
    payload = {
        "f": "ho-khau",
        "v": 3,
        "k": "k1",
        "s": {"applicant": "ab" * 32},
        "e": int(now + 600),
        "n": nonce,
        "h": hashes,
    }
    body = b64(orjson.dumps(payload))
    return f"v1.{body}.{b64(mac(b's' * 32, f'v1.{body}'.encode()))}"


class TestLegacyTokens:
    def test_a_v1_token_is_still_checked(self, signer) -> None:
        token = _legacy_v1_token(LOCKED, now=1000.0)
        check = signer.check(token, form_id="ho-khau", key_id="k1", values=LOCKED, now=1001)
        assert check.intact and check.unchanged == sorted(LOCKED)
        changed = {**LOCKED, "full_name": "NGUYỄN VĂN BÌNH"}
        check = signer.check(token, form_id="ho-khau", key_id="k1", values=changed, now=1001)
        assert check.changed == ["full_name"]

    def test_a_v1_token_with_a_v2_signature_is_refused(self, signer) -> None:
        _, body, _ = _legacy_v1_token(LOCKED, now=1000.0).split(".")
        _, _, v2_signature = _issue(signer).split(".")
        with pytest.raises(InvalidToken):
            signer.check(f"v1.{body}.{v2_signature}", form_id="ho-khau", key_id="k1", values=LOCKED)
