"""Start-up step of the forms feature: the form store, the prefill engine, the catalog."""

from __future__ import annotations

import logging

from autofill.api.state import AppState
from autofill.prefill.service import PrefillService
from forms.catalog import load_catalog
from forms.service import FormStore

log = logging.getLogger(__name__)


async def start_forms(state: AppState) -> None:
    """Build the form store and prefill engine on the state and load the catalog."""
    store = FormStore(state.engine)
    state.extras["forms"] = store
    state.extras["prefill"] = PrefillService(store, state.registry)
    # Trust and statistics append their observers here (see CONVENTIONS.md).
    state.extras.setdefault("prefill_observers", [])
    loaded = await load_catalog(store, state.settings.catalog_dir)
    added = sum(1 for _, _, created in loaded if created)
    log.info("form catalog: %d forms, %d new versions", len(loaded), added)
