"""Tables of the name search index, derived from `citizens` and `businesses`.

* `citizen_search` / `business_search`: one row per record with its comparison keys
  (tone key and folded key, see `names`), what the ranker reads.
* `citizen_search_keys` / `business_search_keys`: blocking keys, one row per (key, record):
  the unordered pairs of a name's folded words ("hung nguyen") and single words. Their
  primary key leads with the key (and, for citizens, the birth year), so a lookup is an
  index range read and a birth-year filter narrows it inside the index.
* `search_terms`: how many records carry each key and each word, so a query skips keys
  too common to block on and corrects a mistyped word to a word the registry has.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registries.models import Base


class CitizenSearch(Base):
    """A citizen's name in comparison form, with the fields search filters on."""

    __tablename__ = "citizen_search"

    personal_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    name_tone: Mapped[str] = mapped_column(String(300))
    name_fold: Mapped[str] = mapped_column(String(300))
    birth_date: Mapped[dt.date] = mapped_column(Date, index=True)
    province_code: Mapped[str | None] = mapped_column(String(2))


class CitizenSearchKey(Base):
    """A blocking key of a citizen's name, partitioned by birth year."""

    __tablename__ = "citizen_search_keys"
    __table_args__ = ({"sqlite_with_rowid": False},)

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    birth_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    personal_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    province_code: Mapped[str | None] = mapped_column(String(2))


class BusinessSearch(Base):
    """An enterprise name in comparison form: whole name, distinctive part, legal form."""

    __tablename__ = "business_search"

    enterprise_code: Mapped[str] = mapped_column(String(14), primary_key=True)
    name_tone: Mapped[str] = mapped_column(String(400))
    name_fold: Mapped[str] = mapped_column(String(400))
    distinctive_tone: Mapped[str] = mapped_column(String(400))
    distinctive_fold: Mapped[str] = mapped_column(String(400))
    legal_form: Mapped[str] = mapped_column(String(32))
    province_code: Mapped[str | None] = mapped_column(String(2))


class BusinessSearchKey(Base):
    """A blocking key of an enterprise name's distinctive part."""

    __tablename__ = "business_search_keys"
    __table_args__ = ({"sqlite_with_rowid": False},)

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    enterprise_code: Mapped[str] = mapped_column(String(14), primary_key=True)
    province_code: Mapped[str | None] = mapped_column(String(2))


class SearchTerm(Base):
    """How many records of a registry carry a blocking key (kind "k") or a word ("t")."""

    __tablename__ = "search_terms"

    registry_name: Mapped[str] = mapped_column(String(8), primary_key=True)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    term: Mapped[str] = mapped_column(String(120), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
