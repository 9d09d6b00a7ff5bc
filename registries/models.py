"""Tables of the mock registries. Each record's full document (`doc`, the JSON of
`schemas.CitizenRecord` / `schemas.BusinessRecord`) is stored beside the relational
columns that link, filter and index it: one primary-key read serves a lookup, and the
links (households, parents, spouses, representatives, owners, lines) stay queryable.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base shared by every package's tables (one metadata, one migration chain)."""


class Citizen(Base):
    """A citizen of the population database."""

    __tablename__ = "citizens"

    personal_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(6))
    birth_province_code: Mapped[str] = mapped_column(String(3))
    province_code: Mapped[str | None] = mapped_column(String(2))
    household_id: Mapped[str | None] = mapped_column(String(12), index=True)
    father_id: Mapped[str | None] = mapped_column(String(12), index=True)
    mother_id: Mapped[str | None] = mapped_column(String(12), index=True)
    spouse_id: Mapped[str | None] = mapped_column(String(12))
    death_date: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    doc: Mapped[str] = mapped_column(Text)


class Household(Base):
    """A household (hộ gia đình) with its head; members point at it from `citizens`."""

    __tablename__ = "households"

    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    head_personal_id: Mapped[str] = mapped_column(String(12))
    ward_code: Mapped[str | None] = mapped_column(String(5))


class Business(Base):
    """An enterprise, branch or household business."""

    __tablename__ = "businesses"

    enterprise_code: Mapped[str] = mapped_column(String(14), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    legal_form: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    province_code: Mapped[str] = mapped_column(String(2))
    parent_code: Mapped[str | None] = mapped_column(String(14), index=True)
    founded_on: Mapped[dt.date] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    doc: Mapped[str] = mapped_column(Text)


class BusinessRepresentative(Base):
    """A legal representative link: enterprise -> citizen."""

    __tablename__ = "business_representatives"

    enterprise_code: Mapped[str] = mapped_column(
        ForeignKey("businesses.enterprise_code", ondelete="CASCADE"), primary_key=True
    )
    personal_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))

    __table_args__ = (Index("ix_business_representatives_personal_id", "personal_id"),)


class BusinessOwner(Base):
    """An owner, member or shareholder link: enterprise -> citizen or enterprise."""

    __tablename__ = "business_owners"

    enterprise_code: Mapped[str] = mapped_column(
        ForeignKey("businesses.enterprise_code", ondelete="CASCADE"), primary_key=True
    )
    owner_id: Mapped[str] = mapped_column(String(14), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    capital_share: Mapped[float] = mapped_column(Float)


class BusinessLine(Base):
    """A VSIC business line of an enterprise."""

    __tablename__ = "business_lines"

    enterprise_code: Mapped[str] = mapped_column(
        ForeignKey("businesses.enterprise_code", ondelete="CASCADE"), primary_key=True
    )
    vsic_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    is_main: Mapped[bool] = mapped_column(Boolean)


class RegistryMeta(Base):
    """Key-value facts about the registry (seed used, generation counter)."""

    __tablename__ = "registry_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
