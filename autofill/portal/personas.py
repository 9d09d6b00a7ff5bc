"""The seed's named test personas, offered on the portal as one-click identities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autofill.portal.views import SubjectInput


@dataclass(frozen=True, slots=True)
class PersonaChoice:
    """A persona as the portal lists it."""

    key: str
    name: str
    description: str
    registry: str
    identifier: str


def _all() -> list[PersonaChoice]:
    try:
        from seed.personas import PERSONAS
    except ImportError:
        return []
    items: Any = PERSONAS.values() if isinstance(PERSONAS, dict) else PERSONAS
    choices = []
    for p in items:

        def get(name: str, p: Any = p) -> Any:
            return p.get(name) if isinstance(p, dict) else getattr(p, name, None)

        business = get("enterprise_code") or get("tax_code")
        citizen = get("personal_id")
        registry, identifier = ("business", business) if business else ("citizen", citizen)
        if not identifier:
            continue
        choices.append(
            PersonaChoice(
                key=str(get("key") or get("slug") or identifier),
                name=str(get("name") or get("full_name") or identifier),
                description=str(get("description") or get("summary") or ""),
                registry=registry,
                identifier=str(identifier),
            )
        )
    return choices


def for_subjects(subjects: Sequence[SubjectInput]) -> list[PersonaChoice]:
    """The personas whose registry matches one of the form's root subjects."""
    wanted = {s.registry for s in subjects}
    return [p for p in _all() if p.registry in wanted]


def find(key: str) -> PersonaChoice | None:
    """The persona with this key, if any."""
    return next((p for p in _all() if p.key == key), None) if key else None


def identifier_for(persona: PersonaChoice, registry: str) -> str | None:
    """The persona's identifier if it fits a subject of this registry."""
    return persona.identifier if persona.registry == registry else None
