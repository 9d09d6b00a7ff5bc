"""The closed set of transforms a schema may chain after an attribute: named pure functions.

Each declares the value kinds it takes and the kind it gives, so registration can check that
a chain fits its attribute and its field. A scalar transform applied to a list is applied to
each element; `first`, `join` and `count` take the whole list. Missing values (None) pass
through untouched: a transform never invents a value. No schema ever carries code; it can
only name these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from forms.vnwords import date_words, number_words
from forms.vocabulary import CODE_LISTS, VType

Fn = Callable[[Any], Any]
DATES = frozenset({"date", "datetime"})
PLACES = frozenset({"address", "place"})
ANY = frozenset({"text", "date", "datetime", "integer", "number", "boolean", "code", *PLACES})
ANY |= {"object"}


@dataclass(frozen=True, slots=True)
class Param:
    """A transform's parameter: allowed type, default, and (optionally) allowed values."""

    type: type
    default: Any
    choices: tuple[Any, ...] = ()
    max_length: int = 20


@dataclass(frozen=True, slots=True)
class Transform:
    """A named pure function with its declared input and output."""

    name: str
    doc: str
    takes: frozenset[str]
    gives: str | None  # None: the kind it takes
    make: Callable[[dict[str, Any], VType], Fn]
    whole_list: bool = False  # takes a list and gives one value
    params: dict[str, Param] = field(default_factory=dict)

    def output(self, vtype: VType) -> VType:
        """The type this transform gives for an input type (assumed to fit)."""
        base = vtype.one() if self.whole_list else vtype
        kind = self.gives or base.kind
        keep = kind == base.kind
        out = VType(kind, base.many, base.codes if keep else None, base.ident if keep else None)
        return out


def _day(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def _simple(fn: Fn) -> Callable[[dict[str, Any], VType], Fn]:
    return lambda _params, _vtype: fn


def _title(value: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() for w in value.split())


def _date_format(params: dict[str, Any], _vtype: VType) -> Fn:
    sep = params["sep"]

    def fmt(v: Any) -> str:
        d = _day(v)  # an f-string, not strftime: half the time, the same text
        return f"{d.day:02d}{sep}{d.month:02d}{sep}{d.year:04d}"

    return fmt


def _number_words(params: dict[str, Any], _vtype: VType) -> Fn:
    unit = params["unit"]
    return lambda v: f"{number_words(int(v))} {unit}".strip().capitalize()


def _thousands(value: Any) -> str:
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else f"{value:,.2f}"


def _label(_params: dict[str, Any], vtype: VType) -> Fn:
    labels = CODE_LISTS[vtype.codes or ""]
    return lambda v: labels.get(v, v)


def _join(params: dict[str, Any], _vtype: VType) -> Fn:
    sep = params["sep"]
    return lambda vs: sep.join(str(v) for v in vs if v not in (None, "")) or None


def _first(values: list[Any]) -> Any:
    return next((v for v in values if v is not None), None)


def _place(part: str) -> Fn:
    return lambda v: v.get(part) if isinstance(v, dict) else None


TRANSFORMS: dict[str, Transform] = {
    t.name: t
    for t in [
        Transform(
            "upper",
            "TEXT IN CAPITALS (names on many forms)",
            frozenset({"text"}),
            None,
            _simple(str.upper),
        ),
        Transform("lower", "text in small letters", frozenset({"text"}), None, _simple(str.lower)),
        Transform("title", "Each Word Capitalised", frozenset({"text"}), None, _simple(_title)),
        Transform(
            "surname",
            "the first word of a Vietnamese full name (họ)",
            frozenset({"text"}),
            None,
            _simple(lambda v: v.split()[0] if v.split() else None),
        ),
        Transform(
            "given_names",
            "the full name without the surname (chữ đệm và tên)",
            frozenset({"text"}),
            None,
            _simple(lambda v: " ".join(v.split()[1:]) or None),
        ),
        Transform(
            "date_format",
            "a date as dd/mm/yyyy (separator '/', '-' or '.')",
            DATES,
            "text",
            _date_format,
            params={"sep": Param(str, "/", ("/", "-", "."))},
        ),
        Transform("day", "the day of a date", DATES, "integer", _simple(lambda v: _day(v).day)),
        Transform(
            "month", "the month of a date", DATES, "integer", _simple(lambda v: _day(v).month)
        ),
        Transform("year", "the year of a date", DATES, "integer", _simple(lambda v: _day(v).year)),
        Transform(
            "date_words",
            "a date in Vietnamese words (Ngày … tháng … năm …)",
            DATES,
            "text",
            _simple(lambda v: date_words(_day(v))),
        ),
        Transform(
            "number_words",
            "an amount in Vietnamese words, with an optional unit",
            frozenset({"integer"}),
            "text",
            _number_words,
            params={"unit": Param(str, "")},
        ),
        Transform(
            "thousands",
            "a number with '.' between thousands (1.000.000)",
            frozenset({"integer", "number"}),
            "text",
            _simple(_thousands),
        ),
        Transform(
            "label",
            "a code's Vietnamese label (sex, marital status, legal form, …)",
            frozenset({"code"}),
            "text",
            _label,
        ),
        Transform(
            "yes_no",
            "a yes/no value as 'Có' / 'Không'",
            frozenset({"boolean"}),
            "text",
            _simple(lambda v: "Có" if v else "Không"),
        ),
        Transform(
            "address_text",
            "an address or place written out in full",
            PLACES,
            "text",
            _simple(_place("text")),
        ),
        Transform(
            "address_line",
            "house number, street, hamlet of an address",
            frozenset({"address"}),
            "text",
            _simple(_place("line")),
        ),
        Transform(
            "address_ward",
            "the commune (xã, phường, đặc khu) of an address",
            PLACES,
            "text",
            _simple(_place("ward_name")),
        ),
        Transform(
            "address_province",
            "the province or city of an address",
            PLACES,
            "text",
            _simple(_place("province_name")),
        ),
        Transform(
            "first", "the first element of a list", ANY, None, _simple(_first), whole_list=True
        ),
        Transform(
            "join",
            "a list of text joined by a separator (default ', ')",
            frozenset({"text"}),
            "text",
            _join,
            whole_list=True,
            params={"sep": Param(str, ", ", (), 5)},
        ),
        Transform(
            "count",
            "the number of elements of a list",
            ANY,
            "integer",
            _simple(len),
            whole_list=True,
        ),
    ]
}


def bind(transform: Transform, params: dict[str, Any], vtype: VType) -> Fn:
    """The runtime function for one step: None passes through; lists map element-wise."""
    fn = transform.make({k: params.get(k, p.default) for k, p in transform.params.items()}, vtype)
    if transform.whole_list:
        return lambda v: None if v is None else fn(v)
    if vtype.many:
        return lambda vs: None if vs is None else [None if x is None else fn(x) for x in vs]
    return lambda v: None if v is None else fn(v)


def chain(fns: list[Fn]) -> Fn | None:
    """Compose step functions into one; None when there are none."""
    if not fns:
        return None
    if len(fns) == 1:
        return fns[0]

    def run(value: Any) -> Any:
        for fn in fns:
            value = fn(value)
        return value

    return run
