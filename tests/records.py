"""Minimal valid registry records for tests that need one without seeding."""

from __future__ import annotations

from registries.identifiers import make_personal_id


def citizen(pid: str = "001089012345", **changes: object) -> dict[str, object]:
    """A minimal valid citizen record (the default ID: Hà Nội, male, born 1989)."""
    place = {"text": "Hà Nội"}
    doc: dict[str, object] = {
        "personal_id": pid,
        "full_name": "Nguyễn Văn An",
        "birth_date": "1989-05-04",
        "sex": "male",
        "birth_place": place,
        "birth_registration_place": place,
        "hometown": place,
        "ethnicity": {"code": "01", "name": "Kinh"},
        "religion": "Không",
        "nationality": {"code": "VN", "name": "Việt Nam"},
        "marital_status": "single",
        "updated_at": "2025-01-01T00:00:00+00:00",
    }
    doc.update(changes)
    return doc


def citizen_ids(count: int) -> list[str]:
    """`count` distinct personal IDs of men born in 1989 in Hà Nội."""
    return [make_personal_id("001", "male", 1989, serial) for serial in range(1, count + 1)]
