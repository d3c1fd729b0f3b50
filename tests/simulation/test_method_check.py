"""The method check's other run computes the figures alone (engine.simulate's explain=False): the same months, lines
and nets as a full run, without notes or income tax, and the same refusals."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import Engine

from app import memory
from app.simulation import engine as simulation
from app.simulation.engine import Options, SimulationError
from app.simulation.pay_models import PAY_MODELS, PUBLISHED_ONLY
from app.simulation.repository import catalogue_data, scheme_data
from tests.simulation.test_month_classes import OPTION_SETS, _runs

STARTS = [dt.date(2023, 11, 1), dt.date(2025, 5, 1), dt.date(2027, 11, 1), dt.date(2028, 12, 1)]


def _run(cat: memory.Catalogue, slug: str, region: str, start: dt.date, months: int, method: str,
         options: dict[str, Any], explain: bool) -> Any:
    data = scheme_data(cat, slug, start) or scheme_data(cat, slug, dt.date(2026, 12, 1))
    assert data is not None
    try:
        return simulation.simulate(
            scheme=data, model=PAY_MODELS.get(slug, PUBLISHED_ONLY), parameters=catalogue_data(cat).parameters,
            region=region, start=start, months=months, method=method,  # type: ignore[arg-type]
            options=Options(**options), explain=explain)
    except SimulationError as exc:
        return (exc.field, exc.message, exc.allowed)


def test_figures_alone_are_those_of_the_full_run_before_income_tax(engine: Engine) -> None:
    cat = memory.read(engine)
    compared = taxed = 0
    for slug, region, method in _runs(cat):
        for start in STARTS:
            for options in OPTION_SETS:
                full = _run(cat, slug, region, start, 24, method, options, explain=True)
                alone = _run(cat, slug, region, start, 24, method, options, explain=False)
                if not isinstance(full, simulation.Result):
                    assert alone == full, (slug, region, start, method, options)  # the same refusal
                    continue
                assert alone.notes == () and alone.used == () and alone.brochure is None and alone.missing_inputs == ()
                assert alone.options == replace(full.options, tax="none", tax_rate=None)
                for a, f in zip(alone.months, full.months, strict=True):
                    assert a.tax is None and a.tax_used == ()
                    assert (a.month, a.contract_year, a.lines, a.gross, a.pay, a.net_salary, a.other_income,
                            a.net) == (f.month, f.contract_year, f.lines, f.gross, f.pay, f.net_salary,
                                       f.other_income, f.net), (slug, region, start, method, options, a.month)
                compared += 1
                taxed += any(m.tax is not None for m in full.months)
    assert compared >= 300 and taxed >= 100, (compared, taxed)
