"""Numbers and dates in Vietnamese words, as forms write them ("bằng chữ").

Hand-written because the one library that reads Vietnamese (num2words, `lang="vi"`) gets
years wrong: it reads 2024 as "hai nghìn lẻ hai mươi bốn" where a civil-status form writes
"hai nghìn không trăm hai mươi tư". Rules: groups of three digits; an inner group always
reads its hundreds ("không trăm"); a zero ten before a unit is "linh"; after "mươi",
1 is "mốt", 4 is "tư" and 5 is "lăm"; after "mười", 5 is "lăm".
"""

from __future__ import annotations

import datetime as dt

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_SCALES = ("", "nghìn", "triệu", "tỷ")


def _group(n: int, *, full: bool) -> list[str]:
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            words += (["linh"] if words else []) + [_DIGITS[units]]
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _DIGITS[units])
    else:
        words += [_DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(units, _DIGITS[units]))
    return words


def number_words(n: int) -> str:
    """A non-negative integer in Vietnamese words: 2024 → "hai nghìn không trăm hai mươi tư"."""
    if n < 0:
        return "âm " + number_words(-n)
    if n == 0:
        return _DIGITS[0]
    if n >= 10**12:  # "nghìn tỷ", "triệu tỷ": read the part above a billion, then "tỷ"
        high, low = divmod(n, 10**9)
        rest = _read(low, leading=False) if low else []
        return " ".join([number_words(high), "tỷ", *rest])
    return " ".join(_read(n, leading=True))


def _read(n: int, *, leading: bool) -> list[str]:
    groups = []
    while n:
        n, g = divmod(n, 1000)
        groups.append(g)
    words: list[str] = []
    for scale in range(len(groups) - 1, -1, -1):
        g = groups[scale]
        if g == 0:
            continue
        first = leading and not words
        words += _group(g, full=not first)
        if _SCALES[scale]:
            words.append(_SCALES[scale])
    return words


def date_words(value: dt.date) -> str:
    """A date as a civil-status form writes it in words."""
    return (
        f"Ngày {number_words(value.day)} tháng {number_words(value.month)} "
        f"năm {number_words(value.year)}"
    )
