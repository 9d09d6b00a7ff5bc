"""The catalog of real Vietnamese online service forms shipped as JSON files in this folder.

Loaded at start (and by `autofill forms load`); loading is idempotent: a file identical to
the stored latest version adds nothing, a changed file adds the next version, and a form
retired in the store stays retired.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from forms.service import FormStore

CATALOG_DIR = Path(__file__).parent


def catalog_files(directory: Path | None = None) -> list[Path]:
    """The schema files of a catalog folder, in name order."""
    return sorted((directory or CATALOG_DIR).glob("*.json"))


def read_catalog(directory: Path | None = None) -> list[dict[str, Any]]:
    """The schema documents of a catalog folder."""
    return [orjson.loads(path.read_bytes()) for path in catalog_files(directory)]


async def load_catalog(
    store: FormStore, directory: Path | None = None
) -> list[tuple[str, int, bool]]:
    """Register every catalog file; returns (id, version, created) for each."""
    out = []
    for document in read_catalog(directory):
        stored, created = await store.register(document, created_by="catalog", skip_retired=True)
        out.append((stored.id, stored.version, created))
    return out
