"""Signing keys and the signer: where private keys may live, which key signs, what a
signature claims (checked with PyJWT, not the library that signs)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import Engine
from typer.testing import CliRunner

from autofill.cli import app as cli
from autofill.config import Settings
from autofill.trust import signing_keys
from autofill.trust.signing import SigningConfig, open_signer, signing_config
from autofill.trust.signing_keys import KeyDirectory, SigningKeyError, generate_key, kid_of
from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY, BACKEND

ISSUER = "https://autofill.test"


def _config(tmp_path: Path, *, env_keys: str | None = None, embedded: bool = False, **kw):  # type: ignore[no-untyped-def]
    return SigningConfig(
        issuer=ISSUER,
        key_dir=kw.get("key_dir", tmp_path / "keys"),
        env_keys=env_keys,
        answer_seconds=300,
        publish_seconds=3600,
        embedded=embedded,
    )


def _pem(key) -> str:  # type: ignore[no-untyped-def]
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _decode(token: str, signer, audience: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    (jwk,) = [k for k in signer.jwks()["keys"] if k["kid"] == signer.kid]
    options = {} if audience else {"verify_aud": False}
    return jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=["ES256"],
        audience=audience,
        issuer=ISSUER,
        options=options,
    )


class TestKeyDirectory:
    def test_a_key_is_written_owner_only_and_read_back(self, tmp_path: Path) -> None:
        folder = KeyDirectory(tmp_path / "keys")
        key = generate_key()
        file = folder.add(key)
        assert file.stat().st_mode & 0o777 == 0o600
        assert list(folder.load()) == [kid_of(key)]

    def test_a_key_file_others_may_read_is_refused(self, tmp_path: Path) -> None:
        folder = KeyDirectory(tmp_path / "keys")
        os.chmod(folder.add(generate_key()), 0o644)
        with pytest.raises(SigningKeyError, match="readable by others"):
            folder.load()

    @pytest.mark.parametrize(
        "text",
        [
            "not a key",
            _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
            _pem(ec.generate_private_key(ec.SECP384R1())),
        ],
    )
    def test_only_p256_private_keys_are_taken(self, text: str) -> None:
        with pytest.raises(SigningKeyError):
            signing_keys.parse_private_keys(text)


class TestWhichKeySigns:
    def test_a_key_from_the_environment_becomes_the_first_key(self, engine, tmp_path) -> None:
        pem = _pem(ec.generate_private_key(ec.SECP256R1()))
        (key,) = signing_keys.parse_private_keys(pem)
        signer = open_signer(_config(tmp_path, env_keys=pem, key_dir=None), engine)
        assert signer.kid == kid_of(key) == signing_keys.current_kid(engine)

    def test_a_key_file_is_read_and_must_be_the_owners_alone(self, engine, tmp_path) -> None:
        pem = _pem_p256()
        (key,) = signing_keys.parse_private_keys(pem)
        file = tmp_path / "signing.pem"
        file.write_text(pem)
        file.chmod(0o640)
        config = SigningConfig(
            issuer=ISSUER,
            key_dir=None,
            env_keys=None,
            answer_seconds=300,
            publish_seconds=3600,
            embedded=False,
            key_file=file,
        )
        with pytest.raises(SigningKeyError, match="readable by others"):
            open_signer(config, engine)
        file.chmod(0o600)
        assert open_signer(config, engine).kid == kid_of(key)

    def test_a_shared_server_without_the_current_private_key_refuses_to_start(
        self, engine, tmp_path
    ) -> None:
        open_signer(_config(tmp_path / "a"), engine)
        with pytest.raises(SigningKeyError, match="not among the configured private keys"):
            open_signer(_config(tmp_path / "b", key_dir=None, env_keys=_pem_p256()), engine)

    def test_embedded_copy_without_its_keys_rotates_to_a_new_one(self, engine, tmp_path) -> None:
        first = open_signer(_config(tmp_path / "a", embedded=True), engine)
        second = open_signer(_config(tmp_path / "b", embedded=True), engine)
        assert second.kid != first.kid
        assert {k["kid"] for k in second.jwks()["keys"]} == {first.kid, second.kid}

    def test_a_running_signer_follows_a_rotation(self, engine: Engine, tmp_path) -> None:
        config = _config(tmp_path)
        signer = open_signer(config, engine)
        old = signer.kid
        key = generate_key()
        KeyDirectory(tmp_path / "keys").add(key)
        current = signing_keys.make_current(engine, key, publish_seconds=3600)
        signer.refresh(engine)
        assert signer.kid == current.kid == kid_of(key) != old
        (old_key,) = [k for k in signing_keys.list_keys(engine) if k.kid == old]
        assert old_key.retired_at is not None and old_key.not_after is not None
        assert old_key.not_after - old_key.retired_at == dt.timedelta(seconds=3600)
        assert old_key.published(dt.datetime.now(dt.UTC))
        assert not old_key.published(old_key.not_after + dt.timedelta(seconds=1))


def _pem_p256() -> str:
    return _pem(ec.generate_private_key(ec.SECP256R1()))


class TestSignatures:
    def test_claims_and_header(self, engine, tmp_path) -> None:
        signer = open_signer(_config(tmp_path), engine)
        token = signer.sign({"receipt": "r-1"}, "client-7", ttl_seconds=120)
        assert jwt.get_unverified_header(token) == {"alg": "ES256", "typ": "JWT", "kid": signer.kid}
        claims = _decode(token, signer, "client-7")
        assert claims["receipt"] == "r-1" and claims["exp"] - claims["iat"] == 120

    @pytest.mark.parametrize("body", [b"{}", b'  {"a": [1, 2]}', b'{"x":{"y":null}}'])
    def test_an_answer_keeps_its_members(self, engine, tmp_path, body: bytes) -> None:
        import orjson

        signer = open_signer(_config(tmp_path), engine)
        claims = _decode(signer.sign_answer(body, "k1"), signer, "k1")
        assert {k: v for k, v in claims.items() if k not in {"iss", "iat", "exp", "aud"}} == (
            orjson.loads(body)
        )

    def test_registered_claims_and_long_lifetimes_are_refused(self, engine, tmp_path) -> None:
        signer = open_signer(_config(tmp_path), engine)
        with pytest.raises(ValueError, match="may not set"):
            signer.sign({"aud": "someone"}, "k1")
        with pytest.raises(ValueError, match="lifetime"):
            signer.sign({}, "k1", ttl_seconds=3601)
        with pytest.raises(ValueError, match="JSON object"):
            signer.sign_answer(b"[1]", "k1")


class TestSettings:
    def test_embedded_keeps_keys_beside_the_database(self) -> None:
        config = signing_config(
            Settings(database_url="sqlite:////data/registry.db", _env_file=None)  # type: ignore[call-arg]
        )
        assert config is not None and config.key_dir == Path("/data/registry.db.signing-keys")
        assert config.issuer == "http://127.0.0.1:8000"

    def test_a_shared_database_has_no_default_key(self) -> None:
        shared = Settings(
            database_url="postgresql+psycopg://u@h/db",
            admin_key="k" * 16,
            audit_hash_key="h" * 32,
            _env_file=None,  # type: ignore[call-arg]
        )
        assert signing_config(shared) is None
        given = shared.model_copy(update={"signing_keys_dir": Path("/run/keys")})
        assert signing_config(given) is not None


@pytest.mark.skipif(BACKEND != "sqlite", reason="the CLI on the embedded default")
def test_rotate_to_a_key_given_as_pem(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    env = {
        "AUTOFILL_DATABASE_URL": url,
        "AUTOFILL_ADMIN_KEY": ADMIN_KEY,
        "AUTOFILL_AUDIT_HASH_KEY": AUDIT_HASH_KEY,
    }
    pem = tmp_path / "next.pem"
    pem.write_text(_pem_p256())
    (key,) = signing_keys.parse_private_keys(pem.read_text())
    result = CliRunner().invoke(cli, ["signing", "rotate", "--pem", str(pem)], env=env)
    assert result.exit_code == 0, result.output
    assert signing_keys.current_kid(engine) == kid_of(key)
    bad = tmp_path / "bad.pem"
    bad.write_text("nothing")
    result = CliRunner().invoke(cli, ["signing", "rotate", "--pem", str(bad)], env=env)
    assert result.exit_code == 2 and "no PEM private key" in result.output
