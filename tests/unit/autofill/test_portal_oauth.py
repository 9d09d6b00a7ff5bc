"""The demo portal's OAuth client side: PKCE as RFC 7636 computes it, the sealed state,
and a registration that survives two workers starting at once."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.exc import IntegrityError

from autofill.portal import oauth
from autofill.portal.oauth import PortalOAuth, code_challenge
from autofill.trust.hashing import SubjectHasher


def _portal(key: bytes = b"k" * 32) -> PortalOAuth:
    return PortalOAuth.derive(SubjectHasher(key).derive, "http://127.0.0.1:8123/")


def test_s256_matches_rfc_7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_every_worker_derives_the_same_client() -> None:
    one, two = _portal(), _portal()
    assert (one.client_id, one.secret) == (two.client_id, two.secret)
    assert one.client_id.startswith("cli_") and len(one.client_id) == 16
    assert one.redirect_uri == "http://127.0.0.1:8123/portal/callback"
    assert _portal(b"x" * 32).secret != one.secret


def test_the_request_and_the_state_that_comes_back() -> None:
    portal = _portal()
    started = portal.start("ct01", "Điền sẵn tờ khai ct01", None)
    query = {k: v[0] for k, v in parse_qs(urlsplit(started.url).query).items()}
    assert query["code_challenge_method"] == "S256"
    claims = portal.finish(started.cookie, query["state"])
    assert claims is not None and claims["form"] == "ct01"
    assert code_challenge(claims["verifier"]) == query["code_challenge"]
    assert 43 <= len(claims["verifier"]) <= 128
    assert json.loads(query["authorization_details"])[0]["type"] == "prefill"
    assert portal.finish(started.cookie, "another-state") is None
    assert portal.finish("not-sealed", query["state"]) is None
    assert _portal(b"x" * 32).finish(started.cookie, query["state"]) is None  # another key


def test_the_kept_token_opens_only_for_this_portal() -> None:
    portal = _portal()
    kept = portal.seal_token("at.jwt.value", "ct01")
    assert portal.open_token(kept) == ("at.jwt.value", "ct01")
    assert _portal(b"x" * 32).open_token(kept) is None


def test_losing_the_race_to_insert_becomes_an_update(monkeypatch) -> None:
    calls: list[dict[str, Any]] = []

    def ensure(engine: Any, **spec: Any) -> None:
        calls.append(spec)
        if len(calls) == 1:
            raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(oauth, "ensure_client", ensure)
    _portal().register(engine=None)  # type: ignore[arg-type]
    assert len(calls) == 2 and calls[0] == calls[1]


def test_a_lasting_integrity_error_is_raised(monkeypatch) -> None:
    def ensure(engine: Any, **spec: Any) -> None:
        raise IntegrityError("INSERT", {}, Exception("no"))

    monkeypatch.setattr(oauth, "ensure_client", ensure)
    with pytest.raises(IntegrityError):
        _portal().register(engine=None)  # type: ignore[arg-type]
