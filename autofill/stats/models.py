"""The `prefill_stats` table: prefill counters per form version and minute.

Rows are counters, not events: the recorder adds a batch of prefills to the row of their
minute (an upsert that adds), so the table grows with forms × active minutes, not with
traffic, and a window query sums a few rows per form and day.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registries.models import Base


class PrefillStat(Base):
    """How many prefills of one form version in one minute, and how their fields came out."""

    __tablename__ = "prefill_stats"

    # Minutes since 1970-01-01T00:00Z: portable integer buckets (hour = minute // 60).
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    form_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    form_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefills: Mapped[int] = mapped_column(BigInteger, default=0)
    # Σ coverage.total and Σ coverage.filled of the prefill responses.
    fields_total: Mapped[int] = mapped_column(BigInteger, default=0)
    fields_filled: Mapped[int] = mapped_column(BigInteger, default=0)
    fields_missing: Mapped[int] = mapped_column(BigInteger, default=0)
    fields_unavailable: Mapped[int] = mapped_column(BigInteger, default=0)
    fields_not_applicable: Mapped[int] = mapped_column(BigInteger, default=0)
    # Filled fields by the registry their value came from.
    citizen_filled: Mapped[int] = mapped_column(BigInteger, default=0)
    business_filled: Mapped[int] = mapped_column(BigInteger, default=0)
    # Prefills in which at least one field came from the business registry.
    business_prefills: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_prefill_stats_form_minute", "form_id", "minute"),)


COUNTERS: tuple[str, ...] = (
    "prefills",
    "fields_total",
    "fields_filled",
    "fields_missing",
    "fields_unavailable",
    "fields_not_applicable",
    "citizen_filled",
    "business_filled",
    "business_prefills",
)
