"""Chart geometry for server-rendered inline SVG: the page draws, the browser runs nothing.

Coordinates are in a fixed viewBox; the SVG scales to its container (phones included).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bar:
    """One column of a column chart, with its label and tooltip."""

    x: float
    y: float
    width: float
    height: float
    label: str
    title: str
    empty: bool


@dataclass(frozen=True, slots=True)
class Tick:
    """A gridline of the value axis."""

    y: float
    label: str


@dataclass(frozen=True, slots=True)
class ColumnChart:
    """A column chart of shares (0…1) over time buckets."""

    width: int
    height: int
    left: int
    bottom: int
    bars: list[Bar]
    ticks: list[Tick]
    target_y: float | None
    target_label: str


def column_chart(
    labels: Sequence[str],
    shares: Sequence[float | None],
    titles: Sequence[str],
    *,
    target: float | None = None,
    width: int = 720,
    height: int = 240,
) -> ColumnChart:
    """Columns for shares over buckets; an empty bucket (None) is drawn as a stub."""
    left, top, bottom = 44, 12, 28
    plot_w, plot_h = width - left - 8, height - top - bottom
    n = max(len(shares), 1)
    slot = plot_w / n
    gap = min(slot * 0.25, 6)
    every = max(1, round(n / 8))
    bars = []
    for i, (label, share, title) in enumerate(zip(labels, shares, titles, strict=True)):
        h = plot_h * (share or 0.0)
        bars.append(
            Bar(
                x=round(left + i * slot + gap / 2, 2),
                y=round(top + plot_h - h, 2),
                width=round(max(slot - gap, 1), 2),
                height=round(max(h, 0.0), 2),
                label=label if i % every == 0 else "",
                title=title,
                empty=share is None,
            )
        )
    ticks = [
        Tick(round(top + plot_h * (1 - f), 2), f"{round(f * 100)}%")
        for f in (0, 0.25, 0.5, 0.75, 1)
    ]
    target_y = round(top + plot_h * (1 - target), 2) if target is not None else None
    target_label = f"mục tiêu {round(target * 100)}%" if target is not None else ""
    return ColumnChart(width, height, left, height - bottom, bars, ticks, target_y, target_label)


@dataclass(frozen=True, slots=True)
class MiniBar:
    """One bar of a per-form trend (a tiny column chart)."""

    x: float
    y: float
    width: float
    height: float


def trend_bars(
    shares: Sequence[float | None], *, width: int = 120, height: int = 28
) -> list[MiniBar]:
    """Tiny columns for shares over buckets: readable even when only one bucket has traffic
    (a line would need two points); empty buckets get no bar."""
    n = max(len(shares), 1)
    slot = width / n
    return [
        MiniBar(
            x=round(i * slot, 2),
            y=round(height - max(height * s, 1.0), 2),
            width=round(max(slot * 0.8, 0.5), 2),
            height=round(max(height * s, 1.0), 2),
        )
        for i, s in enumerate(shares)
        if s is not None
    ]


def percent(share: float | None, digits: int = 1) -> str:
    """A share as a Vietnamese percentage ("12,5%"), or "—"."""
    if share is None:
        return "—"
    text = f"{share * 100:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") + "%"
