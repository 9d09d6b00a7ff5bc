"""The services one app instance holds, built by `main.create_app`'s lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from autofill.config import Settings
from autofill.trust.access import Authenticator
from registries.cache import Cache
from registries.database import RecordReader
from registries.service import RegistryService


@dataclass
class AppState:
    """Everything a request may need; one per app, shared by its requests."""

    settings: Settings
    engine: Engine
    reader: RecordReader
    cache: Cache
    registry: RegistryService
    auth: Authenticator
    # Later features hang their services here by name (forms, prefill, audit, ...).
    extras: dict[str, Any] = field(default_factory=dict)
