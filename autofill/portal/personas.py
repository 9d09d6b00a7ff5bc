"""The seed's named test personas (`seed.personas.PERSONAS`), offered on the portal as
one-click identities for the form's subjects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autofill.portal.views import SubjectInput


def _all() -> Sequence[Any]:
    try:
        from seed.personas import PERSONAS
    except ImportError:  # a build without the seed package: no personas to offer
        return ()
    return PERSONAS


def for_subjects(subjects: Sequence[SubjectInput]) -> list[Any]:
    """The personas whose registry is that of one of the form's root subjects."""
    wanted = {s.registry for s in subjects}
    return [p for p in _all() if p.registry in wanted]


def find(key: str) -> Any | None:
    """The persona with this key, if any."""
    return next((p for p in _all() if p.key == key), None) if key else None


def identifier_for(persona: Any, registry: str) -> str | None:
    """The persona's identifier if it fits a subject of this registry."""
    return str(persona.identifier) if persona.registry == registry else None
