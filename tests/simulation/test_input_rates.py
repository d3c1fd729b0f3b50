"""The rates of the numbers a candidate types (gardes and astreintes a month) are computed once per parameter set and
month (engine._input_rate), and said again to each run's trace: a run gives what it would give with nothing kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app import memory
from app.simulation import engine as simulation
from app.simulation.engine import Options, SimulationError
from app.simulation.parameters import ParameterSet
from app.simulation.pay_models import PAY_MODELS, PUBLISHED_ONLY
from app.simulation.repository import catalogue_data, scheme_data
from tests.simulation.test_month_classes import _runs

# The first accepted start, a start across the 1 May changes of contract years, the cohorts choosing now, and the
# last accepted start (every value carried forward).
STARTS = [dt.date(2023, 11, 1), dt.date(2025, 5, 1), dt.date(2027, 11, 1), dt.date(2028, 12, 1)]
INPUTS: list[dict[str, Any]] = [
    {"gardes_per_month": Decimal(4)},
    {"gardes_per_month": Decimal("2.5"), "astreintes_per_month": Decimal(3), "tax": "neutral"},
    {"astreintes_per_month": Decimal(6)},
]


def _fresh(parameters: ParameterSet) -> ParameterSet:
    """An equal parameter set with nothing kept (as a new catalogue version starts)."""
    return type(parameters)(dict(parameters.parameters))


def _run(cat: memory.Catalogue, parameters: ParameterSet, slug: str, region: str, start: dt.date, method: str,
         options: dict[str, Any]) -> Any:
    data = scheme_data(cat, slug, start) or scheme_data(cat, slug, dt.date(2026, 12, 1))
    assert data is not None
    try:
        return simulation.simulate(scheme=data, model=PAY_MODELS.get(slug, PUBLISHED_ONLY), parameters=parameters,
                                   region=region, start=start, months=24, method=method,  # type: ignore[arg-type]
                                   options=Options(**options))
    except SimulationError as exc:
        return (exc.field, exc.message)


def _computed_each_time(parameters: ParameterSet, key: tuple[object, ...], collector: Any, compute: Any) -> Any:
    return compute(collector)


def test_kept_rates_give_the_result_computed_with_nothing_kept(engine: Engine,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cat = memory.read(engine)
    shared = catalogue_data(cat).parameters
    compared = with_rates = 0
    runs = []
    for slug, region, method in _runs(cat):
        for start in STARTS:
            for options in INPUTS:
                runs.append((slug, region, start, method, options, _run(cat, shared, slug, region, start, method,
                                                                        options)))
    monkeypatch.setattr(simulation, "_input_rate", _computed_each_time)  # each month's rate computed for it
    for slug, region, start, method, options, kept in runs:
        alone = _run(cat, _fresh(shared), slug, region, start, method, options)
        assert kept == alone, (slug, region, start, method, options)
        compared += 1
        if not isinstance(kept, tuple) and any(line.origin == "input" for m in kept.months for line in m.lines):
            with_rates += 1
    assert compared == len(_runs(cat)) * len(STARTS) * len(INPUTS) and with_rates >= 20, (compared, with_rates)


def test_rates_are_kept_per_month_and_a_typed_astreinte_rate_is_not(engine: Engine) -> None:
    cat = memory.read(engine)
    parameters = _fresh(catalogue_data(cat).parameters)
    start = dt.date(2027, 11, 1)

    def keys() -> list[object]:
        return [k for k in parameters.kept if isinstance(k, tuple) and k[0] in ("garde rate", "astreinte rate")]

    first = _run(cat, parameters, "ccu-ah", "32", start, "statutory", INPUTS[1])
    # One garde rate and one astreinte rate per month computed (3 month classes: two contract years, the last).
    assert len(keys()) == 6, keys()
    again = _run(cat, parameters, "ccu-ah", "32", start, "statutory",
                 {"gardes_per_month": Decimal(7), "astreintes_per_month": Decimal(1), "tax": "neutral"})
    assert len(keys()) == 6  # other counts, the same rates
    gardes = next(line for line in again.months[0].lines if line.code == "gardes")
    before = next(line for line in first.months[0].lines if line.code == "gardes")
    assert gardes.used == before.used and gardes.formula.startswith("7 × ") and gardes.amount != before.amount
    # A forfait the candidate types is computed for that run alone, and shows in its formula.
    ceiling = parameters[simulation.ASTREINTE_CEILING].newest.value
    assert ceiling is not None
    typed = _run(cat, parameters, "ccu-ah", "32", start, "statutory",
                 {"astreintes_per_month": Decimal(2), "astreinte_rate": ceiling})
    assert len(keys()) == 6
    line = next(line for line in typed.months[0].lines if line.code == "astreintes")
    assert simulation._fmt(ceiling) in line.formula
    assert typed == _run(cat, _fresh(parameters), "ccu-ah", "32", start, "statutory",
                         {"astreintes_per_month": Decimal(2), "astreinte_rate": ceiling})
