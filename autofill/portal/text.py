"""How values read on the page: Vietnamese dates, option labels, addresses, lists."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def display_text(value: Any) -> str:
    """A value as plain text, with no knowledge of its field (JSON scalars as they are)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, Mapping):
        if value.get("text"):
            return str(value["text"])
        return ", ".join(display_text(v) for v in value.values() if v not in (None, ""))
    if isinstance(value, list):
        return ", ".join(display_text(v) for v in value)
    return str(value)


def vietnamese_date(value: Any) -> str | None:
    """An ISO date as dd/mm/yyyy, or None when it is not one."""
    text = str(value)
    if not ISO_DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text).strftime("%d/%m/%Y")
    except ValueError:
        return None


def present(spec: Mapping[str, Any], value: Any) -> str:
    """A value as a reader sees it in its field (or column): option labels, dd/mm/yyyy."""
    if value is None:
        return ""
    kind = spec.get("type") or "text"
    if kind == "select":
        labels = {o["value"]: o["label"] for o in spec.get("options") or []}
        return labels.get(display_text(value), display_text(value))
    if kind == "date":
        return vietnamese_date(value) or display_text(value)
    if kind == "list" and isinstance(value, list):
        return f"{len(value)} mục"
    if kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", ".")  # Vietnamese thousands separator
    return display_text(value)


def format_moment(value: Any) -> str | None:
    """An ISO date-time as dd/mm/yyyy HH:MM in Vietnam time (a date as dd/mm/yyyy)."""
    if not value:
        return None
    text = str(value)
    if ISO_DATE.match(text):
        return vietnamese_date(text) or text
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
