"""What a prefill result counts for: fields by status and by the registry that filled them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class PrefillTally:
    """One prefill's outcome by field status and source registry; no personal data."""

    form_id: str
    form_version: int
    fields_total: int
    fields_filled: int
    fields_missing: int = 0
    fields_unavailable: int = 0
    fields_not_applicable: int = 0
    citizen_filled: int = 0
    business_filled: int = 0

    def counters(self) -> dict[str, int]:
        """The tally as the table's counters (one prefill)."""
        return {
            "prefills": 1,
            "fields_total": self.fields_total,
            "fields_filled": self.fields_filled,
            "fields_missing": self.fields_missing,
            "fields_unavailable": self.fields_unavailable,
            "fields_not_applicable": self.fields_not_applicable,
            "citizen_filled": self.citizen_filled,
            "business_filled": self.business_filled,
            "business_prefills": 1 if self.business_filled else 0,
        }


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _envelopes(fields: Any) -> Iterable[Any]:
    if isinstance(fields, Mapping):
        return fields.values()
    return fields or ()


def tally_of(context: Any, result: Any) -> PrefillTally:
    """Count a prefill (`autofill.prefill.PrefillContext`, `PrefillResult`, or their JSON):
    its coverage, its fields by status, its filled fields by source registry."""
    statuses: dict[str, int] = {}
    by_registry: dict[str, int] = {}
    for envelope in _envelopes(_get(result, "fields")):
        status = str(_get(envelope, "status"))
        statuses[status] = statuses.get(status, 0) + 1
        if status == "filled":
            registry = str(_get(_get(envelope, "source") or {}, "registry"))
            by_registry[registry] = by_registry.get(registry, 0) + 1
    coverage = _get(result, "coverage")
    return PrefillTally(
        form_id=str(_get(context, "form_id") or _get(result, "form_id")),
        form_version=int(_get(context, "form_version") or _get(result, "form_version") or 1),
        fields_total=int(_get(coverage, "total", 0)),
        fields_filled=int(_get(coverage, "filled", 0)),
        fields_missing=statuses.get("missing", 0),
        fields_unavailable=statuses.get("unavailable", 0),
        fields_not_applicable=statuses.get("not_applicable", 0),
        citizen_filled=by_registry.get("citizen", 0),
        business_filled=by_registry.get("business", 0),
    )
