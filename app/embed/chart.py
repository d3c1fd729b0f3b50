"""The simulator's chart: one bar per month, drawn server-side as inline SVG (no script, no external asset).

Only numbers computed here and labels escaped by the template reach the SVG. The chart is an image with a text
alternative (`<title>`, `<desc>`); the table next to it carries the exact values.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.embed.i18n import Lang, money, month_label

WIDTH = 640
HEIGHT = 240
LEFT = 64  # room for the y-axis labels
RIGHT = 8
TOP = 12
BOTTOM = 36  # room for the x-axis labels


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # « nov. 2024 : 3 882,00 € », shown as the bar's tooltip


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    baseline: float
    plot_left: int
    plot_right: int
    low: Decimal
    high: Decimal


def _nice_step(maximum: Decimal) -> Decimal:
    """A round step giving 3 to 6 gridlines up to `maximum`."""
    if maximum <= 0:
        return Decimal(1)
    raw = maximum / 4
    magnitude = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal(1)
    for multiple in (1, 2, 2.5, 5, 10):
        step = magnitude * Decimal(str(multiple))
        if maximum / step <= 5:
            return step
    return magnitude * 10


def build(months: list[tuple[str, Decimal]], lang: Lang) -> Chart:
    """`months`: (`YYYY-MM`, net) in order."""
    values = [value for _, value in months]
    low, high = (min(values), max(values)) if values else (Decimal(0), Decimal(0))
    top = max(high, Decimal(0))
    step = _nice_step(top)
    ceiling = (top / step).to_integral_value(rounding="ROUND_CEILING") * step if top > 0 else step
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height

    def y_of(value: Decimal) -> float:
        return baseline - float(max(value, Decimal(0)) / ceiling) * plot_height

    count = max(len(months), 1)
    slot = plot_width / count
    gap = min(slot * 0.2, 4.0) if count > 1 else slot * 0.4
    bars = []
    for index, (month, value) in enumerate(months):
        y = y_of(value)
        bars.append(Bar(
            x=round(LEFT + index * slot + gap / 2, 2), y=round(y, 2), width=round(max(slot - gap, 1.0), 2),
            height=round(max(baseline - y, 0.0), 2), label=f"{month_label(month, lang)} : {money(value, lang)}"
            if lang == "fr" else f"{month_label(month, lang)}: {money(value, lang)}",
        ))
    y_ticks = []
    tick = Decimal(0)
    while tick <= ceiling:
        y_ticks.append(Tick(position=round(y_of(tick), 2), label=money(tick, lang, cents=False)))
        tick += step
    # x labels: January of each year, or every few months for short contracts, plus the first month.
    every = 1 if count <= 8 else (3 if count <= 24 else 12)
    x_ticks: list[Tick] = []
    for index, (month, _) in enumerate(months):
        if index == 0 or (every == 12 and month.endswith("-01")) or (every < 12 and index % every == 0):
            if x_ticks and LEFT + index * slot + slot / 2 - x_ticks[-1].position < 56:
                continue
            x_ticks.append(Tick(position=round(LEFT + index * slot + slot / 2, 2), label=month_label(month, lang)))
    return Chart(width=WIDTH, height=HEIGHT, bars=bars, y_ticks=y_ticks, x_ticks=x_ticks, baseline=baseline,
                 plot_left=LEFT, plot_right=WIDTH - RIGHT, low=low, high=high)
