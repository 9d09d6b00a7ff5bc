"""Two real worker processes: their audit entries form one chain (no fork) while they
serve at the same time, and both follow a key rotation made from the CLI."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import jwt
from sqlalchemy import text
from typer.testing import CliRunner

from autofill.cli import app as cli
from autofill.trust.audit_verify import verify_log
from registries.database import make_engine
from tests.conftest import ADMIN_KEY, AUDIT_HASH_KEY
from tests.integration.servers import AUTH, wait_until, workers
from tests.integration.test_workers import prepare, worker_env
from tests.records import citizen

PID = "001089054321"
JOSE = {"Accept": "application/jose"}


def _rotate(env: dict[str, str]) -> str:
    result = CliRunner().invoke(cli, ["signing", "rotate"], env=env)
    assert result.exit_code == 0, result.output
    return result.output.split()[-1]


def test_one_chain_across_workers_and_a_rotation_reaches_both(
    database_url: str, redis_url: str | None, tmp_path: Path
) -> None:
    prepare(database_url)
    keys = {"AUTOFILL_SIGNING_KEYS_DIR": str(tmp_path / "signing-keys")}
    cli_env = {
        "AUTOFILL_DATABASE_URL": database_url,
        "AUTOFILL_ADMIN_KEY": ADMIN_KEY,
        "AUTOFILL_AUDIT_HASH_KEY": AUDIT_HASH_KEY,
        **keys,
    }
    first = _rotate(cli_env)  # the first key, before the workers start
    env = worker_env(database_url, redis_url) | keys | {"AUTOFILL_SIGNING_POLL_SECONDS": "0.2"}
    with workers(2, env, tmp_path) as urls, httpx.Client(headers=AUTH, timeout=10) as http:
        assert http.put(f"{urls[0]}/v1/citizens/{PID}", json=citizen(PID)).status_code == 200

        def lookups(base: str) -> None:
            for _ in range(60):
                assert http.get(f"{base}/v1/citizens/{PID}").status_code == 200

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lookups, urls * 2))
        for base in urls:
            token = http.get(f"{base}/v1/citizens/{PID}", headers=JOSE).text
            assert jwt.get_unverified_header(token)["kid"] == first

        second = _rotate(cli_env)
        for base in urls:
            wait_until(
                lambda base=base: (
                    jwt.get_unverified_header(
                        http.get(f"{base}/v1/citizens/{PID}", headers=JOSE).text
                    )["kid"]
                    == second
                ),
                20,
                f"{base} to sign with the new key",
            )
            kids = {k["kid"] for k in http.get(f"{base}/.well-known/jwks.json").json()["keys"]}
            assert kids == {first, second}

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            ids = conn.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars().all()
        assert ids == list(range(1, len(ids) + 1)) and len(ids) >= 241
        assert verify_log(engine).ok
    finally:
        engine.dispose()
