"""The one rounding rule and the one euro formatter, and the gates that keep them the only ones."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from app.core.money import format_euros, format_number, from_cents, round_cents, round_half_up, short_euros
from app.embed.i18n import money

APP = Path(__file__).resolve().parents[1] / "app"


def _sources() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def test_every_rounding_goes_through_app_money() -> None:
    offenders = [f"{p.relative_to(APP)}:{n}" for p in _sources() if p != APP / "core" / "money.py"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if ".quantize(" in line]
    assert offenders == [], f"round with app.core.money.round_half_up / round_cents, not .quantize(: {offenders}"


def test_today_is_paris_time_everywhere() -> None:
    # The server's clock (date.today(), a naive datetime.now()) disagrees with Paris around midnight.
    naive = re.compile(r"date\.today\(|datetime\.now\(\)|datetime\.today\(|datetime\.utcnow\(")
    offenders = [f"{p.relative_to(APP)}:{n}" for p in _sources()
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if naive.search(line)]
    assert offenders == [], f"use app.core.dates.today() (Paris time): {offenders}"


@pytest.mark.parametrize(("amount", "step", "expected"), [
    ("0.125", "0.01", "0.13"),    # half-even would give 0.12
    ("0.135", "0.01", "0.14"),
    ("-0.125", "0.01", "-0.13"),  # away from zero on a tie
    ("12.25", "0.1", "12.3"),     # half-even would give 12.2
    ("1.00005", "0.0001", "1.0001"),
])
def test_half_up(amount: str, step: str, expected: str) -> None:
    assert round_half_up(Decimal(amount), Decimal(step)) == Decimal(expected)
    assert str(round_half_up(Decimal(amount), Decimal(step))) == expected


def test_cents() -> None:
    assert round_cents(Decimal("2.345")) == Decimal("2.35")
    assert str(from_cents(139250)) == "1392.50"


def test_one_formatter_for_both_languages() -> None:
    assert format_euros(Decimal("3882"), "fr") == "3\u202f882,00\u00a0€"
    assert format_euros(Decimal("3882"), "en") == "€3,882.00"
    assert format_euros(Decimal("-1234.5"), "en") == "−€1,234.50"
    assert format_euros(None, "fr") == "–"
    # Whole euros round by the one rule: 2.5 → 3 (the format mini-language alone would give 2).
    assert format_euros(Decimal("2.5"), "fr", cents=False) == "3\u00a0€"
    assert format_number(Decimal("1480.905"), "fr") == "1\u202f480,91"
    assert format_number(Decimal("0.069"), "en", places=None) == "0.069"
    # The embedded pages use the same function.
    assert money(Decimal("3882"), "fr") == format_euros(Decimal("3882"), "fr")


@pytest.mark.parametrize(("amount", "expected"), [
    # The ahu/ccu-ah brochures' « de l'ordre de 3 883 € », and the arrêté du 21 octobre 2010's 1 480,90 € a month.
    ("3883", "3\u202f883\u00a0€"),
    ("3883.00", "3\u202f883\u00a0€"),
    ("1480.90", "1\u202f480,90\u00a0€"),
])
def test_short_euros_write_cents_only_when_there_are(amount: str, expected: str) -> None:
    assert short_euros(Decimal(amount)) == expected
    assert format_euros(Decimal(amount), "fr", cents="if_any") == expected
