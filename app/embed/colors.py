"""The host's colour, made safe and readable.

Only `#rgb` and `#rrggbb` are accepted; anything else gives the default colour, so no input ever reaches the CSS
as written. From the accepted colour we derive:

* `on_accent`: black or white, whichever contrasts more with it, for text on buttons and headers in that colour
  (the better of the two always reaches at least 4.58:1, so WCAG AA holds whatever the host passes);
* `ink`: the colour darkened just enough to reach 4.5:1 on white, for links, headings and chart bars on the page's
  white background.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_COLOR = "#1f5f8b"
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def parse_color(value: str | None) -> str | None:
    """`#abc` or `#aabbcc` (any case) → `#aabbcc`; anything else → None."""
    if value is None or not _HEX.fullmatch(value):
        return None
    digits = value[1:].lower()
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return "#" + digits


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(color: str) -> float:
    """WCAG 2 relative luminance."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_on(color: str) -> str:
    """Black or white text, whichever contrasts more with `color`."""
    return "#000000" if contrast(color, "#000000") >= contrast(color, "#ffffff") else "#ffffff"


def darken_to(color: str, background: str = "#ffffff", ratio: float = 4.5) -> str:
    """The colour, darkened in steps towards black until it reaches `ratio` against `background`."""
    r, g, b = _rgb(color)
    for step in range(0, 101):
        factor = 1 - step / 100
        candidate = _hex((r * factor, g * factor, b * factor))
        if contrast(candidate, background) >= ratio:
            return candidate
    return "#000000"


@dataclass(frozen=True)
class Theme:
    accent: str
    on_accent: str
    ink: str
    custom: bool

    @property
    def css(self) -> str:
        # Only values built by this module (#rrggbb) are written here.
        return f":root{{--accent:{self.accent};--on-accent:{self.on_accent};--ink:{self.ink}}}"


def theme(value: str | None) -> Theme:
    parsed = parse_color(value)
    accent = parsed or DEFAULT_COLOR
    return Theme(accent=accent, on_accent=readable_on(accent), ink=darken_to(accent), custom=parsed is not None)
