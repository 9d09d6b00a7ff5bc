"""The service with the mock e-ID and the demo portal on (both default off on PostgreSQL,
which has no signing key by default either: a key directory is given), holding the test
family; requests carry the admin key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from autofill.config import Settings
from tests import records
from tests.conftest import ADMIN_KEY, BACKEND


def family_service(settings: Settings, keys_dir: Path) -> Iterator[TestClient]:
    """(For a fixture) a started service with the e-ID and the portal on, and the family stored."""
    from main import create_app

    update: dict[str, Any] = {"eid_enabled": True, "portal_enabled": True}
    if BACKEND != "sqlite":  # no signing key by default on a shared database
        update["signing_keys_dir"] = keys_dir
    on = settings.model_copy(update=update)
    with TestClient(create_app(on), headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as client:
        records.put_family(client)
        client.cookies.clear()
        yield client
