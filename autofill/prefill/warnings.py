"""Warnings about the subjects of a prefill: facts of the registry that the person at the
counter should see before using the filled form (a person who has died, an identity card
that has expired, an enterprise that no longer trades).

A pure function over the resolved subject documents. A warning names its subject and says
what holds, without the values behind it (no date of death, no expiry date): those leave
the registry only through the form's own mapping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

# Business statuses that deserve a warning, with the code and the sentence for each.
_BUSINESS = {
    "suspended": ("enterprise_suspended", "the enterprise has suspended its business"),
    "not_at_registered_address": (
        "enterprise_not_operating",
        "the enterprise does not operate at its registered address",
    ),
    "dissolving": ("enterprise_dissolving", "the enterprise is being dissolved"),
    "dissolved": ("enterprise_dissolved", "the enterprise has been dissolved"),
    "bankrupt": ("enterprise_bankrupt", "the enterprise has been declared bankrupt"),
}


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def subject_warnings(
    documents: Mapping[str, Mapping[str, Any]],
    registries: Mapping[str, str],
    *,
    today: dt.date | None = None,
) -> list[dict[str, str]]:
    """The warnings for the resolved subjects, in subject order: `documents` maps a subject
    name to its record, `registries` the name to `citizen` or `business`."""
    today = today or dt.date.today()
    warnings = []
    for subject, doc in documents.items():
        if registries.get(subject) == "citizen":
            if doc.get("death_date"):
                warnings.append(
                    {
                        "code": "deceased",
                        "subject": subject,
                        "detail": "the registry records this person as deceased",
                    }
                )
            card = doc.get("id_card") or {}
            expires = _date(card.get("expires_on"))
            if expires is not None and expires < today:
                warnings.append(
                    {
                        "code": "card_expired",
                        "subject": subject,
                        "detail": "the person's identity card has expired",
                    }
                )
        elif registries.get(subject) == "business" and doc.get("status") in _BUSINESS:
            code, detail = _BUSINESS[doc["status"]]
            warnings.append({"code": code, "subject": subject, "detail": detail})
    return warnings
