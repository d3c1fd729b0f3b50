"""Money helpers: euros are `Decimal`, rounded by one rule (half-up), written by one formatter in both languages.

Every `.quantize(` of the application lives here (a test keeps it so): a figure rounded elsewhere could use another
rule (Python's default is half-even) and disagree by a cent with the same figure computed here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

CENT = Decimal("0.01")
NBSP = "\u00a0"  # no-break space: between a French amount and its € sign
NNBSP = "\u202f"  # narrow no-break space: French thousands separator


def round_half_up(amount: Decimal, step: Decimal) -> Decimal:
    """The one rounding rule: half-up (away from zero on a tie) to a multiple of `step` (a power of ten)."""
    return amount.quantize(step, rounding=ROUND_HALF_UP)


def round_cents(amount: Decimal) -> Decimal:
    """Euros to the cent, by the one rounding rule."""
    return round_half_up(amount, CENT)


def to_cents(amount: Decimal) -> int:
    """Exact conversion to an integer number of cents; refuses sub-cent amounts instead of rounding them away."""
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    """An integer number of cents back to euros, exactly, always written with two decimals."""
    return round_cents(Decimal(cents) * CENT)


def format_number(value: Decimal | int, lang: Literal["fr", "en"], *, places: int | None = 2) -> str:
    """French « 3 882,00 » (narrow no-break spaces, decimal comma); English “3,882.00”. `places=None` keeps them as
    given."""
    if places is not None:  # round by the one rule first: the format mini-language would round half-even
        value = round_half_up(Decimal(value), Decimal(1).scaleb(-places))
    text = f"{abs(value):,}"
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    return ("−" if value < 0 else "") + text


def format_euros(amount: Decimal | int | None, lang: Literal["fr", "en"], *,
                 cents: bool | Literal["if_any"] = True) -> str:
    """French « 3 882,00 € »; English “€3,882.00”; None → an en dash. The one euro formatter, for pages and texts.

    `cents="if_any"` writes them only when there are (« 3 883 € », « 58 082,42 € »), as headlines and feeds do."""
    if amount is None:
        return "–"
    if cents == "if_any":
        cents = Decimal(amount) != Decimal(amount).to_integral_value()
    text = format_number(abs(Decimal(amount)), lang, places=2 if cents else 0)
    text = text + f"{NBSP}€" if lang == "fr" else "€" + text
    return ("−" if amount < 0 else "") + text


def short_euros(amount: Decimal) -> str:
    """French, cents only when there are (« 3 883 € », « 58 082,42 € »): the headlines and the change feed."""
    return format_euros(amount, "fr", cents="if_any")
