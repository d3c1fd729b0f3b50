"""The engine computes a month once per class of identical inputs (engine._month_class) and reuses it for the others.

That is only right if the class captures everything a month's figures depend on. These tests run every seeded scheme,
in every region it is offered in, from starts that cross value changes, projections and contract years, with the
options that make figures depend on the month's rank or length, once with classes and once month by month, and
require the same result to the last field (lines, formulas, contributions, tax, notes, values used).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app import memory
from app.simulation import engine as simulation
from app.simulation.engine import Options, SimulationError
from app.simulation.pay_models import PAY_MODELS, PUBLISHED_ONLY
from app.simulation.repository import catalogue_data, scheme_data

# Starts: the first accepted ones, the cohorts of 2024 to 2028, a January (the PMSS changes on 1 January), a start
# inside a contract year's value change (1 May), and the last accepted start (everything carried forward).
STARTS = [dt.date(2023, 11, 1), dt.date(2024, 1, 1), dt.date(2024, 11, 1), dt.date(2025, 5, 1),
          dt.date(2026, 2, 1), dt.date(2027, 11, 1), dt.date(2028, 12, 1)]
MONTHS = [1, 7, 24, 40]

# Option sets that reach every branch whose figures depend on a month's rank or length: gardes and astreintes (paid
# per night at the rates in force), fees per week (per day of the month), the CPAM contract (by quarter), the
# semester bonus of docteurs juniors, the ZIP allowance, regional bonuses, the income tax (neutral grid, personal
# rate).
OPTION_SETS: list[dict[str, Any]] = [
    {},
    {"gardes_per_month": Decimal(4), "astreintes_per_month": Decimal(3), "tax": "neutral"},
    {"acts_per_week": Decimal(60), "cpam_contract": True, "tax": "personal", "tax_rate": Decimal("7.5")},
    {"acts_per_week": Decimal(150), "cpam_contract": True},
    {"liberal_fees_monthly": Decimal(1500), "seniority_years": 2, "hospital_share": 50, "periphery_share": 20},
    {"acts_per_month": Decimal(400), "zip_placement": True, "tax": "neutral"},
    {"region_bonus": True, "astreintes_per_month": Decimal(2)},
]


def _runs(cat: memory.Catalogue) -> list[tuple[str, str, str]]:
    """Every seeded scheme with a pay model or published pay, in each of its regions, by each method it has."""
    runs = []
    for slug in sorted({s.slug for s in cat.schemes}):
        data = scheme_data(cat, slug, dt.date(2026, 12, 1))
        if data is None or not (slug in PAY_MODELS or any(c.kind == "pay" for c in data.published)):
            continue
        for region in data.regions:
            runs += [(slug, region, method) for method in (("statutory", "published") if slug in PAY_MODELS
                                                           else ("published",))]
    return runs


def _both_ways(cat: memory.Catalogue, slug: str, region: str, start: dt.date, months: int, method: str,
               options: dict[str, Any]) -> tuple[Any, Any]:
    """The engine's result with month classes and month by month (or the refusal both give)."""
    data = scheme_data(cat, slug, start) or scheme_data(cat, slug, dt.date(2026, 12, 1))
    assert data is not None
    parameters = catalogue_data(cat).parameters
    out: list[Any] = []
    for reuse in (True, False):
        try:
            out.append(simulation.simulate(
                scheme=data, model=PAY_MODELS.get(slug, PUBLISHED_ONLY), parameters=parameters, region=region,
                start=start, months=months, method=method,  # type: ignore[arg-type]
                options=Options(**options), reuse_months=reuse))
        except SimulationError as exc:
            out.append((exc.field, exc.message))
    return out[0], out[1]


@pytest.mark.slow  # about 16 000 simulations: 25 s
def test_every_scheme_region_and_method_gives_the_same_result_with_and_without_month_classes(engine: Engine) -> None:
    cat = memory.read(engine)
    runs = _runs(cat)
    assert len(runs) >= 20, runs  # every scheme with its regions: the catalogue is not empty
    simulated = compared = 0
    for slug, region, method in runs:
        for start in STARTS:
            for months in MONTHS:
                for options in OPTION_SETS:
                    reused, alone = _both_ways(cat, slug, region, start, months, method, options)
                    assert reused == alone, (slug, region, start, months, method, options)
                    compared += 1
                    simulated += isinstance(reused, simulation.Result)
    # Many combinations are refused alike (a start outside the window, more months than the scheme lasts, an option
    # the scheme does not take); thousands are simulated, so the comparison covers real months.
    assert simulated >= 5000 and compared == len(runs) * len(STARTS) * len(MONTHS) * len(OPTION_SETS), (
        simulated, compared)


def test_classes_are_shared_by_months_with_the_same_inputs_only(engine: Engine) -> None:
    """The reuse is real (fewer months computed than the contract has) and never crosses a value change."""
    cat = memory.read(engine)
    data = scheme_data(cat, "ccu-ah", dt.date(2027, 11, 1))
    assert data is not None
    parameters = catalogue_data(cat).parameters
    changes = simulation._change_days(data, parameters)
    model = PAY_MODELS["ccu-ah"]
    for start, months in ((dt.date(2027, 11, 1), 24), (dt.date(2024, 11, 1), 24)):
        ranks = simulation._rank_dependencies(data, model, Options())
        keys = [simulation._month_class(simulation.add_months(start, i), i, months, changes, ranks)
                for i in range(months)]
        distinct = {k for k in keys if k is not None} | {i for i, k in enumerate(keys) if k is None}
        assert len(distinct) < months, (start, keys)
        for i, key in enumerate(keys):
            first, last = simulation.add_months(start, i), simulation.month_end(simulation.add_months(start, i))
            inside = [d for d in changes if first < d <= last]
            assert (key is None) == bool(inside), (first, inside, key)


@pytest.mark.parametrize("start", ["2027-11-01", "2024-11-01"])
def test_the_answer_over_http_is_the_one_computed_month_by_month(client: Any, engine: Engine, start: str) -> None:
    """The service's answer rests on the reused months: its totals are those of a month-by-month run."""
    response = client.post("/simulate", json={"scheme": "ccu-ah", "region": "32", "start": start, "months": 24})
    assert response.status_code == 200, response.text
    cat = memory.read(engine)
    _, alone = _both_ways(cat, "ccu-ah", "32", dt.date.fromisoformat(start), 24, "statutory", {})
    totals = json.loads(response.text, parse_float=Decimal)["totals"]
    assert totals["net"] == sum((m.net for m in alone.months), Decimal(0))


def test_an_amount_paid_once_is_counted_in_the_first_month_only(engine: Engine) -> None:
    """No seeded amount is paid once (frequency one_off), but the API accepts one: the first month is its own class.
    The scheme here is the seeded ccu-ah with its first published pay amount made one-off."""
    cat = memory.read(engine)
    data = scheme_data(cat, "ccu-ah", dt.date(2027, 11, 1))
    assert data is not None
    first = next(i for i, c in enumerate(data.published) if c.kind == "pay" and c.calculation == "fixed")
    published = list(data.published)
    published[first] = replace(published[first], frequency="one_off", payment_frequency=None)
    once = replace(data, published=tuple(published))
    parameters = catalogue_data(cat).parameters
    results = [simulation.simulate(scheme=once, model=PAY_MODELS["ccu-ah"], parameters=parameters, region="32",
                                   start=dt.date(2027, 11, 1), months=24, method="published", reuse_months=reuse)
               for reuse in (True, False)]
    assert results[0] == results[1]
    code = published[first].code
    paid = [m.month for m in results[0].months for line in m.lines if line.code == code]
    assert paid == [dt.date(2027, 11, 1)], paid


def test_lines_kept_for_one_simulation_serve_only_those_with_the_same_fixed_inputs(engine: Engine) -> None:
    """The lines no typed number changes (engine._FixedLines) are computed once per parameter set, scheme data,
    model, region, method, options without inputs and month class. Runs that differ only by gardes, astreintes,
    fees or tax read them; each gives what it gives computed month by month, trace included; a run in another
    region or with another parameter set computes its own."""
    cat = memory.read(engine)
    data = scheme_data(cat, "ccu-ah", dt.date(2027, 11, 1))
    assert data is not None
    parameters = catalogue_data(cat).parameters
    inputs: list[dict[str, Any]] = [
        {}, {"gardes_per_month": Decimal(4)}, {"astreintes_per_month": Decimal(3), "tax": "neutral"},
        {"gardes_per_month": Decimal(2), "astreintes_per_month": Decimal(6), "tax": "personal",
         "tax_rate": Decimal(5)},
    ]
    for method in ("statutory", "published"):
        for options in inputs:
            reused, alone = _both_ways(cat, "ccu-ah", "32", dt.date(2027, 11, 1), 24, method, options)
            assert reused == alone, (method, options)
    kept = simulation.fixed_lines(parameters).entries
    # 2 methods × 3 month classes of a 24-month contract (two contract years, the last month), whatever the inputs.
    assert len(kept) == 6, list(kept)
    # Another region is another entry (the slow test above covers the fixed options: seniority, shares, bonuses).
    elsewhere = simulation.simulate(scheme=data, model=PAY_MODELS["ccu-ah"], parameters=parameters, region="11",
                                    start=dt.date(2027, 11, 1), months=24, options=Options(gardes_per_month=Decimal(3)))
    assert len(kept) == 9
    assert elsewhere == simulation.simulate(scheme=data, model=PAY_MODELS["ccu-ah"], parameters=parameters,
                                            region="11", start=dt.date(2027, 11, 1), months=24,
                                            options=Options(gardes_per_month=Decimal(3)), reuse_months=False)
    # An equal but distinct parameter set (a new catalogue version) has its own store, empty at first.
    copy = type(parameters)(dict(parameters.parameters))
    simulation.simulate(scheme=data, model=PAY_MODELS["ccu-ah"], parameters=copy, region="32",
                        start=dt.date(2027, 11, 1), months=24)
    assert len(kept) == 9 and len(simulation.fixed_lines(copy).entries) == 3


def test_the_store_of_kept_lines_is_bounded_and_drops_its_oldest_entries(engine: Engine,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Past LIMIT entries the oldest go first; runs whose lines were dropped compute them again, the same."""
    monkeypatch.setattr(simulation._FixedLines, "LIMIT", 4)
    cat = memory.read(engine)
    parameters = catalogue_data(cat).parameters
    kept = simulation.fixed_lines(parameters).entries
    seen: list[tuple[object, ...]] = []
    for region in ("32", "11", "32"):
        reused, alone = _both_ways(cat, "ccu-ah", region, dt.date(2027, 11, 1), 24, "statutory",
                                   {"gardes_per_month": Decimal(2)})
        assert reused == alone, region
        assert len(kept) <= 4
        seen.append(tuple(kept))
    # Region 11's three classes pushed out two of region 32's; running 32 again computed them anew.
    assert seen[0][0] not in seen[1] and seen[2][-1][2] == "32", seen
