"""Scenario tests for the engine alone, as openfisca-core writes them: YAML cases of period, inputs and expected
outputs (tests/simulation/scenarios/*.yaml), run on the seed's records without HTTP or a database.

Each case names where its figures come from (the seed's pay components and parameters, which quote the documents).
A case's `output` may give, for a range of months (1 = the first month of the contract):
  net / gross            the month's total (euros, a quoted decimal)
  lines                  {code: amount} of the month's lines, exactly the set given (`only_lines: true`) or among others
  absent                 codes no month of the range has
  categories             {code: category} of the month's lines
  notes_contain          texts (French) one of the result's notes contains
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.records.store import Seed
from app.seed.loader import read_seed
from app.simulation import engine
from app.simulation.parameters import Bracket, DatedValue, Parameter, ParameterSet
from app.simulation.pay_models import PAY_MODELS
from tests.conftest import SEED_DIR

CASES_DIR = Path(__file__).parent / "scenarios"


def _in_force(row: Any, day: dt.date) -> bool:
    return (row.valid_from is None or row.valid_from <= day) and (row.valid_to is None or day <= row.valid_to)


def _cite(refs: list[Any]) -> tuple[str, ...]:
    return tuple(f"{r.doc} : « {r.quote} »" if r.quote else r.doc for r in refs)


def parameters_of(seed: Seed) -> ParameterSet:
    def bracket(b: Any) -> Bracket:
        inclusive = b.from_ is not None
        return Bracket(b.from_ if inclusive else b.above, inclusive, b.value)

    return ParameterSet({
        p.code: Parameter(p.code, p.label, p.unit, tuple(
            DatedValue(valid_from=v.valid_from, valid_to=v.valid_to, value=v.value,
                       brackets=tuple(bracket(b) for b in v.brackets) if v.brackets is not None else None,
                       confirmed=v.confirmed, sources=_cite(v.sources), derivation=v.derivation)
            for v in p.values))
        for p in seed.pay_parameters
    })


def scheme_of(seed: Seed, slug: str, on: dt.date) -> engine.SchemeData:
    scheme = next(s for s in seed.schemes if s.slug == slug and _in_force(s, on))
    split = scheme.work_split
    return engine.SchemeData(
        slug=scheme.slug, name=scheme.name, max_months=scheme.duration.max_months,
        duration_text=scheme.duration.text, duration_sources=_cite(scheme.duration.sources),
        regions=tuple(sorted(a.region for a in seed.availability if a.scheme == slug and _in_force(a, on))),
        split_min=split.min_pct if split else None, split_max=split.max_pct if split else None,
        split_default=split.default_pct if split else None,
        split_regions=tuple(split.regions) if split and split.regions else None,
        published=tuple(
            engine.PublishedComponent(
                code=c.code, label=c.label, kind=c.kind, amount=c.amount, basis=c.basis, frequency=c.frequency,
                payment_frequency=c.payment_frequency, calculation=c.calculation, year_from=c.year_from,
                year_to=c.year_to, periphery_share_pct=c.periphery_share_pct, region=c.region, payer=c.payer,
                valid_from=c.valid_from, valid_to=c.valid_to, conditions=tuple(c.conditions),
                sources=_cite(c.sources), approximate=c.approximate, derivation=c.derivation, confirmed=c.confirmed)
            for c in seed.pay_components if c.scheme == slug),
    )


def _options(given: dict[str, Any]) -> engine.Options:
    decimals = {"acts_per_week", "liberal_fees_monthly", "gardes_per_month", "astreintes_per_month", "astreinte_rate",
                "acts_per_month", "tax_rate"}
    return engine.Options(**{k: Decimal(str(v)) if k in decimals else v for k, v in given.items()})


def _months(spec: Any, count: int) -> range:
    if spec is None:
        return range(1, count + 1)
    first, _, last = str(spec).partition("..")
    return range(int(first), int(last or first) + 1)


def _cases() -> list[Any]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return cases


@pytest.fixture(scope="module")
def seed() -> Seed:
    return read_seed(SEED_DIR)


def run(seed: Seed, case: dict[str, Any]) -> engine.Result:
    period, given = case["period"], case["input"]
    start = dt.date.fromisoformat(str(period["start"]))
    return engine.simulate(
        scheme=scheme_of(seed, given["scheme"], start), model=PAY_MODELS[given["scheme"]],
        parameters=parameters_of(seed), region=str(given.get("region", "32")), start=start,
        months=int(period["months"]), method=given.get("method", "published"),
        options=_options(given.get("options", {})),
    )


@pytest.mark.parametrize("case", _cases())
def test_scenario(seed: Seed, case: dict[str, Any]) -> None:
    assert case.get("source"), "every case says where its figures come from"
    result = run(seed, case)
    notes = [str(n) for n in result.notes]
    for expected in case["output"]:
        for number in _months(expected.get("months"), len(result.months)):
            month = result.months[number - 1]
            where = f"month {number} ({month.month:%Y-%m})"
            lines: dict[str, Decimal] = {}
            for line in month.lines:
                lines[line.code] = lines.get(line.code, Decimal(0)) + line.amount
            for total in ("net", "gross"):
                if total in expected:
                    assert getattr(month, total) == Decimal(str(expected[total])), f"{where}: {total}"
            if "lines" in expected:
                wanted = {code: Decimal(str(amount)) for code, amount in expected["lines"].items()}
                shown = lines if expected.get("only_lines") else {c: lines.get(c) for c in wanted}
                assert shown == wanted, where
            for code in expected.get("absent", ()):
                assert code not in lines, f"{where}: {code}"
            for code, category in expected.get("categories", {}).items():
                assert {line.category for line in month.lines if line.code == code} == {category}, f"{where}: {code}"
        for text in expected.get("notes_contain", ()):
            assert any(text in note for note in notes), f"no note contains « {text} »: {notes}"
