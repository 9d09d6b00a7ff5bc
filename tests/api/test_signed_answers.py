"""Signed answers (`Accept: application/jose`) checked the way an outside party would: the
JWKS fetched over HTTP and PyJWT (not the library the service signs with)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from autofill.cli import app as cli
from autofill.config import Settings
from tests import records
from tests.api.keyring import bearer, create_key
from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY, BACKEND

JOSE = "application/jose"
ISSUER = "https://autofill.example.vn"
PURPOSE = "Đăng ký thường trú"
REGISTERED = {"iss", "iat", "exp", "aud"}


@pytest.fixture
def signing_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test settings with an issuer, a quick key poll, and (PostgreSQL) a key directory;
    SQLite keeps the embedded default, beside the database file."""
    update: dict[str, Any] = {"issuer": ISSUER, "signing_poll_seconds": 0.05}
    if BACKEND != "sqlite":
        update["signing_keys_dir"] = tmp_path / "signing-keys"
    return settings.model_copy(update=update)


@pytest.fixture
def signed(signing_settings: Settings) -> Iterator[TestClient]:
    """A started service holding the test family, admin key in every request."""
    from main import create_app

    with TestClient(
        create_app(signing_settings), headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    ) as client:
        records.put_family(client)
        yield client


def _verify(client: TestClient, token: str, audience: str) -> tuple[dict[str, Any], dict]:
    """Header and claims of a JWS, verified against the JWKS as published."""
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["typ"]) == ("ES256", "JWT")
    published = client.get("/.well-known/jwks.json", headers={"Authorization": ""}).json()
    keys = {k["kid"]: k for k in published["keys"]}
    assert header["kid"] in keys
    claims = jwt.decode(
        token,
        jwt.PyJWK(keys[header["kid"]]).key,
        algorithms=["ES256"],
        audience=audience,
        issuer=ISSUER,
        options={"require": ["iss", "iat", "exp", "aud"]},
    )
    return header, claims


def _prefill(client: TestClient, secret: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/v1/forms/ct01/prefill",
        json={"subjects": {"applicant": records.FATHER}, "purpose": PURPOSE},
        headers={**bearer(secret), **headers},
    )


def _answer(claims: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in claims.items() if k not in REGISTERED}


class TestSignedPrefill:
    def test_a_jws_of_the_plain_answer_for_the_calling_key(self, signed) -> None:
        key_id, secret = create_key(signed, "prefill")
        plain = _prefill(signed, secret)
        assert plain.headers["content-type"] == "application/json"
        r = _prefill(signed, secret, Accept=JOSE)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == JOSE
        _, claims = _verify(signed, r.text, key_id)
        assert claims["exp"] - claims["iat"] == 300
        answer, expected = _answer(claims), plain.json()
        for member in ("form", "fields", "coverage", "subjects", "warnings"):
            assert answer.get(member) == expected.get(member), member
        assert answer["fields"]["full_name"]["value"] == "Nguyễn Văn An"
        # The submission token is new on every prefill; the rest of it is the same.
        assert answer["submission"].keys() == expected["submission"].keys()
        assert answer["submission"]["locked_fields"] == expected["submission"]["locked_fields"]

    def test_another_audience_does_not_verify(self, signed) -> None:
        _, secret = create_key(signed, "prefill")
        token = _prefill(signed, secret, Accept=JOSE).text
        with pytest.raises(jwt.InvalidAudienceError):
            _verify(signed, token, "someone-else")

    def test_a_changed_payload_does_not_verify(self, signed) -> None:
        key_id, secret = create_key(signed, "prefill")
        head, payload, signature = _prefill(signed, secret, Accept=JOSE).text.split(".")
        other = jwt.utils.base64url_encode(
            jwt.utils.base64url_decode(payload).replace("Nguyễn".encode(), "Trần".encode())
        ).decode()
        with pytest.raises(jwt.InvalidSignatureError):
            _verify(signed, f"{head}.{other}.{signature}", key_id)


class TestSignedRecords:
    @pytest.mark.parametrize(
        "path", [f"/v1/citizens/{records.FATHER}", f"/v1/businesses/{records.COMPANY}"]
    )
    def test_a_lookup_signed_carries_exactly_the_record(self, signed, path: str) -> None:
        key_id, secret = create_key(signed, "registry:read")
        plain = signed.get(path, headers=bearer(secret))
        r = signed.get(path, headers={**bearer(secret), "Accept": JOSE})
        assert r.headers["content-type"] == JOSE
        assert r.headers["vary"] == plain.headers["vary"] == "Accept"
        _, claims = _verify(signed, r.text, key_id)
        assert _answer(claims) == plain.json()


class TestNegotiation:
    @pytest.mark.parametrize(
        "accept",
        [
            None,
            "*/*",
            "application/json",
            "application/*",
            "application/json, text/plain, */*",
            f"{JOSE};q=0.5, application/json",
            f"{JOSE}, application/json",
        ],
    )
    def test_plain_json_stays_the_default(self, signed, accept: str | None) -> None:
        headers = {"Accept": accept} if accept else {}
        r = signed.get(f"/v1/citizens/{records.FATHER}", headers=headers)
        assert r.headers["content-type"] == "application/json"
        assert r.json()["personal_id"] == records.FATHER

    def test_jose_preferred_by_quality_wins(self, signed) -> None:
        r = signed.get(
            f"/v1/citizens/{records.FATHER}", headers={"Accept": f"application/json;q=0.2, {JOSE}"}
        )
        assert r.headers["content-type"] == JOSE

    @pytest.mark.parametrize("accept", ["text/html", f"{JOSE};q=0", "not a media type"])
    def test_406_before_anything_is_released(self, signed, accept: str) -> None:
        key_id, secret = create_key(signed, "prefill", "registry:read")
        for r in (
            signed.get(
                f"/v1/citizens/{records.FATHER}", headers={**bearer(secret), "Accept": accept}
            ),
            _prefill(signed, secret, Accept=accept),
        ):
            assert r.status_code == 406
            assert r.headers["content-type"] == "application/problem+json"
            assert JOSE in r.json()["detail"]
        assert signed.get("/v1/audit", params={"key_id": key_id}).json()["items"] == []

    def test_an_error_stays_a_problem_document(self, signed) -> None:
        r = signed.get(f"/v1/citizens/{records.NO_SUCH_CITIZEN}", headers={"Accept": JOSE})
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/problem+json"


class TestJwks:
    def test_public_and_without_private_members(self, signed) -> None:
        r = signed.get("/.well-known/jwks.json", headers={"Authorization": ""})
        assert r.status_code == 200
        (key,) = r.json()["keys"]
        assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256"
        assert "d" not in key

    def test_the_private_key_is_nowhere_in_the_database(self, signed, database_url) -> None:
        engine = create_engine(database_url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT public_jwk FROM signing_keys")).scalars().all()
            secrets = conn.execute(text("SELECT name FROM service_secrets")).scalars().all()
        engine.dispose()
        assert rows and all('"d"' not in row for row in rows)
        assert not any("sign" in name for name in secrets)

    @pytest.mark.skipif(BACKEND != "sqlite", reason="the embedded default")
    def test_embedded_keeps_its_key_beside_the_database_owner_only(
        self, signed, database_url
    ) -> None:
        folder = Path(database_url.removeprefix("sqlite:///") + ".signing-keys")
        (file,) = folder.glob("*.pem")
        assert file.stat().st_mode & 0o777 == 0o600
        assert folder.stat().st_mode & 0o777 == 0o700
        kid = signed.get("/.well-known/jwks.json").json()["keys"][0]["kid"]
        assert file.name == f"{kid}.pem"


def _cli_env(settings: Settings) -> dict[str, str]:
    env = {
        "AUTOFILL_DATABASE_URL": settings.database_url,
        "AUTOFILL_ADMIN_KEY": ADMIN_KEY,
        "AUTOFILL_AUDIT_HASH_KEY": AUDIT_HASH_KEY,
        "COLUMNS": "200",
    }
    if settings.signing_keys_dir is not None:
        env["AUTOFILL_SIGNING_KEYS_DIR"] = str(settings.signing_keys_dir)
    return env


class TestRotation:
    def test_answers_before_and_after_both_verify(self, signed, signing_settings) -> None:
        key_id, secret = create_key(signed, "prefill")
        before = _prefill(signed, secret, Accept=JOSE).text
        old_kid = jwt.get_unverified_header(before)["kid"]
        rotated = CliRunner().invoke(cli, ["signing", "rotate"], env=_cli_env(signing_settings))
        assert rotated.exit_code == 0, rotated.output
        new_kid = rotated.output.split()[-1]
        assert new_kid != old_kid
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # running servers follow within their poll
            after = _prefill(signed, secret, Accept=JOSE).text
            if jwt.get_unverified_header(after)["kid"] == new_kid:
                break
            time.sleep(0.05)
        assert jwt.get_unverified_header(after)["kid"] == new_kid
        kids = {k["kid"] for k in signed.get("/.well-known/jwks.json").json()["keys"]}
        assert kids == {old_kid, new_kid}
        _verify(signed, before, key_id)
        _verify(signed, after, key_id)
        listing = CliRunner().invoke(cli, ["signing", "list"], env=_cli_env(signing_settings))
        assert listing.exit_code == 0
        assert new_kid in listing.output and old_kid in listing.output
        assert "current" in listing.output and "published" in listing.output


class TestCheckpointsApi:
    def test_listed_for_auditors_and_verifiable_with_the_jwks(self, signed) -> None:
        signed.get(f"/v1/citizens/{records.FATHER}")
        trust_engine = signed.app.state.services.engine
        signer = signed.app.state.services.signing.signer
        from autofill.trust.checkpoints import checkpoint_now

        assert checkpoint_now(trust_engine, signer) is not None
        _, auditor = create_key(signed, "audit:read")
        _, reader = create_key(signed, "registry:read")
        assert signed.get("/v1/audit/checkpoints", headers=bearer(reader)).status_code == 403
        page = signed.get("/v1/audit/checkpoints", headers=bearer(auditor)).json()
        assert page["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
        (item,) = page["items"]
        header = jwt.get_unverified_header(item["jws"])
        keys = {k["kid"]: k for k in signed.get("/.well-known/jwks.json").json()["keys"]}
        claims = jwt.decode(item["jws"], jwt.PyJWK(keys[header["kid"]]).key, algorithms=["ES256"])
        assert (claims["position"], claims["head"], claims["count"]) == (
            item["position"],
            item["head_hash"],
            item["entry_count"],
        )
        assert claims["iss"] == ISSUER

    def test_verify_is_for_admins_and_names_a_changed_entry(self, signed, database_url) -> None:
        signed.get(f"/v1/citizens/{records.FATHER}")
        signed.get(f"/v1/citizens/{records.MOTHER}")
        _, auditor = create_key(signed, "audit:read")
        assert signed.get("/v1/audit/verify", headers=bearer(auditor)).status_code == 403
        report = signed.get("/v1/audit/verify").json()
        assert report["ok"] is True and report["entries"] >= 2
        first = report["first_id"]
        engine = create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET key_id = 'other' WHERE id = :i"), {"i": first})
        engine.dispose()
        report = signed.get("/v1/audit/verify").json()
        assert report["ok"] is False
        assert report["findings"][0]["kind"] == "changed"
        assert report["findings"][0]["entry_id"] == first


class TestRetention:
    def test_the_purge_signs_its_cut_and_the_rest_still_verifies(
        self, signed, database_url
    ) -> None:
        trust = signed.app.state.services.trust
        assert signed.portal.call(trust.purge_expired) == 0  # nothing old yet
        for _ in range(3):
            signed.get(f"/v1/citizens/{records.FATHER}")
        engine = create_engine(database_url)
        with engine.begin() as conn:
            ids = conn.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars().all()
            conn.execute(
                text("UPDATE audit_log SET at = :old WHERE id <= :cut"),
                {"old": "2001-01-01 00:00:00.000000", "cut": ids[1]}
                if BACKEND == "sqlite"
                else {"old": "2001-01-01T00:00:00+00:00", "cut": ids[1]},
            )
        engine.dispose()
        assert signed.portal.call(trust.purge_expired) == 2
        _, auditor = create_key(signed, "audit:read")
        (sealed,) = signed.get("/v1/audit/checkpoints", headers=bearer(auditor)).json()["items"]
        assert sealed["position"] == ids[1]
        report = signed.get("/v1/audit/verify").json()
        assert report["ok"] is True, report
        assert report["first_id"] == ids[2]

    def test_the_purge_at_start_up_is_signed_too(self, signing_settings, database_url) -> None:
        from main import create_app

        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        with TestClient(create_app(signing_settings), headers=admin) as client:
            records.put_family(client)
            client.get(f"/v1/citizens/{records.FATHER}")
        engine = create_engine(database_url)
        with engine.begin() as conn:
            ids = conn.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars().all()
            old = "2001-01-01 00:00:00.000000" if BACKEND == "sqlite" else "2001-01-01T00:00Z"
            conn.execute(
                text("UPDATE audit_log SET at = :old WHERE id <= :cut"), {"old": old, "cut": ids[2]}
            )
        engine.dispose()
        with TestClient(create_app(signing_settings), headers=admin) as client:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                left = client.get("/v1/audit", params={"limit": 500}).json()["items"]
                if len(left) == len(ids) - 3:
                    break
                time.sleep(0.05)
            assert min(e["id"] for e in left) == ids[3]
            report = client.get("/v1/audit/verify").json()
            assert report["ok"] is True, report


@pytest.mark.skipif(BACKEND == "sqlite", reason="a shared database has no default key")
def test_a_shared_database_without_a_key_signs_nothing_and_releases_nothing(client) -> None:
    records.put_family(client)
    key_id, secret = create_key(client, "registry:read")
    path = f"/v1/citizens/{records.FATHER}"
    r = client.get(path, headers={**bearer(secret), "Accept": JOSE})
    assert r.status_code == 503
    assert "AUTOFILL_SIGNING_KEYS_DIR" in r.json()["detail"]
    assert client.get("/v1/audit", params={"key_id": key_id}).json()["items"] == []
    assert client.get("/.well-known/jwks.json").json() == {"keys": []}
    assert client.get(path, headers=bearer(secret)).status_code == 200
