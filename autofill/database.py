"""Schema migrations (Alembic) for every package's tables, run at start and by the CLI.

Each feature adds its own migration whose `down_revision` is "0001_registries"; the
chain may have several heads and `migrate` applies them all.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData

MIGRATIONS = Path(__file__).with_name("migrations")


def all_metadata() -> MetaData:
    """The metadata holding every table (imports each package's models)."""
    import importlib

    from registries.models import Base

    for module in ("forms.models", "autofill.models", "autofill.stats.models"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return Base.metadata


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (all heads)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
