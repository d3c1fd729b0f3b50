"""OpenFisca-France as an oracle for our gross → net computation (contractual public employee).

For every month of 2024, 2025 and 2026 (the years our seeded contribution parameters give values for; OpenFisca-France
176.1.8 carries 2026 too) and a set of gross monthly salaries (hand-picked amounts around the PMSS, 4 PMSS and 8 PMSS
ceilings, plus a deterministic pseudo-random sweep), our engine (`app.simulation.contributions.gross_to_net`, fed with
the parameters the seed loaded into the test database) must give, to the cent, OpenFisca-France 176.1.8's `salaire_net`
as `net` and its `salaire_imposable` as `taxable`, for `categorie_salarie = public_non_titulaire`.

OpenFisca inputs:
- `indemnite_residence` is set to 0: OpenFisca adds a 1 % residence allowance by default for public
  categories, which is not part of the gross we compute from.
- `nombre_jours_calendaires` is set to 30 for every month. By default OpenFisca derives it from the contract
  dates and prorates the ceiling (PMSS) by its "30ths" rule for incomplete months, so a February (28 or 29
  calendar days) would get a reduced PMSS. The salaries here are for a full month of work, for which the law
  applies the whole PMSS whatever the month's length; 30 is the value OpenFisca gives a complete month, and
  `test_openfisca_ceiling_is_the_full_pmss` checks that its `plafond_securite_sociale` is then our PMSS.

Rounding and precision:
- OpenFisca stores results as float32 by default; its float32 sums drift by up to a few tenths of a cent at these
  amounts, which is not the law. The oracle therefore runs OpenFisca in float64 (set before the tax-benefit system
  is built).
- Both sides use the same method: each bracket-based contribution line and the 1,75 % CSG/CRDS abatement rounded to
  the cent, CSG/CRDS amounts unrounded, net and taxable rounded once.
- Where an exact computation lands on a half cent, our `Decimal` arithmetic rounds half-up while OpenFisca's binary
  floating point decides the direction (13,285 is stored as 13,28499…). Those cases, and only those, may differ by
  exactly one cent: the test recomputes every rounding step exactly and accepts a one-cent difference only when one
  of them is a tie, and lists every such case it accepted.

One OpenFisca simulation per month holds every salary (one individual per amount, each alone in their own
famille / foyer fiscal / ménage), and the tax-benefit system is built once per module: it takes a few seconds,
a simulation a few tens of milliseconds.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy
import pytest
from openfisca_core.simulation_builder import SimulationBuilder
from openfisca_core.variables import config as openfisca_config
from openfisca_france import CountryTaxBenefitSystem
from sqlalchemy.engine import Engine

from app import memory
from app.core.money import round_cents
from app.simulation.contributions import NetPay, gross_to_net
from app.simulation.parameters import ParameterSet
from app.simulation.repository import load_parameters

MONTHS = tuple(dt.date(year, month, 1) for year in (2024, 2025, 2026) for month in range(1, 13))

FIXED_AMOUNTS = tuple(
    Decimal(a)
    for a in (
        "1000", "1500", "2000", "2803.59", "3052.10", "3813.59", "3863.99", "3864.00", "3864.01", "3925.00",
        "4500", "5000", "7777.77", "10000", "15456.00", "15700.00", "20000", "30912.00", "31400.00", "45000",
    )
)


SWEEP = 150


def _sweep(count: int = SWEEP) -> tuple[Decimal, ...]:
    """Deterministic pseudo-random gross salaries, with cents, between 1 000 € and 40 000 €."""
    rng = random.Random(2024)
    return tuple(Decimal(rng.randint(100_000, 4_000_000)).scaleb(-2) for _ in range(count))


AMOUNTS = tuple(dict.fromkeys(FIXED_AMOUNTS + _sweep()))

OPENFISCA_VARIABLES = (
    "salaire_net",
    "salaire_imposable",
    "plafond_securite_sociale",
    "vieillesse_plafonnee_salarie",
    "vieillesse_deplafonnee_salarie",
    "ircantec_salarie",
    "csg_deductible_salaire",
    "csg_imposable_salaire",
    "crds_salaire",
)

# Our rounded lines, and the OpenFisca variable (a negative amount) each group of them must equal.
ROUNDED_LINES = {
    "vieillesse_plafonnee_salarie": ("vieillesse_plafonnee",),
    "vieillesse_deplafonnee_salarie": ("vieillesse_deplafonnee",),
    "ircantec_salarie": ("ircantec_a", "ircantec_b"),
}


def openfisca_cents(value: Any) -> Decimal:
    """OpenFisca's float result, rounded half-up to the cent."""
    return round_cents(Decimal(str(float(value))))


def month_key(month: dt.date) -> str:
    return month.strftime("%Y-%m")


@dataclass(frozen=True)
class Case:
    gross: Decimal
    month: dt.date
    ours: NetPay
    openfisca: dict[str, numpy.float32]


@pytest.fixture(scope="module")
def parameters(engine: Engine) -> ParameterSet:
    return load_parameters(memory.read(engine))


@pytest.fixture(scope="module")
def tax_benefit_system() -> Iterator[CountryTaxBenefitSystem]:
    # float64 instead of OpenFisca's float32 default (see the module docstring); restored afterwards.
    saved = openfisca_config.VALUE_TYPES[float]["dtype"]
    openfisca_config.VALUE_TYPES[float]["dtype"] = numpy.float64
    try:
        yield CountryTaxBenefitSystem()
    finally:
        openfisca_config.VALUE_TYPES[float]["dtype"] = saved


def simulate_month(tbs: CountryTaxBenefitSystem, month: dt.date, amounts: tuple[Decimal, ...]) -> dict[str, Any]:
    """One OpenFisca simulation of `month` with one individual per gross amount; returns arrays by variable."""
    period = month_key(month)
    individus, familles, foyers, menages = {}, {}, {}, {}
    for i, gross in enumerate(amounts):
        person = f"p{i}"
        individus[person] = {
            "salaire_de_base": {period: float(gross)},
            "categorie_salarie": {period: "public_non_titulaire"},
            "indemnite_residence": {period: 0},  # OpenFisca defaults to 1 % of pay for public categories
            "nombre_jours_calendaires": {period: 30},  # a full month: the whole PMSS (see the module docstring)
        }
        familles[f"f{i}"] = {"parents": [person]}
        foyers[f"ff{i}"] = {"declarants": [person]}
        menages[f"m{i}"] = {"personne_de_reference": [person]}
    case = {"individus": individus, "familles": familles, "foyers_fiscaux": foyers, "menages": menages}
    simulation = SimulationBuilder().build_from_entities(tbs, case)
    return {name: simulation.calculate(name, period) for name in OPENFISCA_VARIABLES}


@pytest.fixture(scope="module")
def cases(tax_benefit_system: CountryTaxBenefitSystem, parameters: ParameterSet) -> list[Case]:
    out = []
    for month in MONTHS:
        results = simulate_month(tax_benefit_system, month, AMOUNTS)
        for i, gross in enumerate(AMOUNTS):
            out.append(Case(
                gross=gross, month=month, ours=gross_to_net(gross, month, parameters),
                openfisca={name: values[i] for name, values in results.items()},
            ))
    return out


def _is_tie(exact: Decimal) -> bool:
    """An exact amount sitting on a half cent, where half-up and binary floating point may round apart."""
    return (exact * 100) % 1 == Decimal("0.5")


def _ties(case: Case, field: str) -> list[str]:
    """The rounding steps that explain a one-cent difference: exact half-cent ties where the two sides part ways.

    A rounded line counts only if it is a tie *and* differs from OpenFisca's; the CSG abatement (which OpenFisca
    does not expose) and the final net or taxable count when they are exact ties.
    """
    pay = case.ours
    lines = {d.code: d for d in pay.deductions}
    ties = []
    for variable, codes in ROUNDED_LINES.items():
        mine = sum((lines[code].amount for code in codes), Decimal("0"))
        if mine != -openfisca_cents(case.openfisca[variable]):
            ties += [f"{code} = {lines[code].base * lines[code].rate}" for code in codes
                     if _is_tie(lines[code].base * lines[code].rate)]
    values = {u.code: u.value.value for u in pay.used}
    capped = min(pay.gross, values["pmss"] * values["csg-abattement-plafond-pmss"])
    abatement = capped * (1 - values["csg-assiette-abattue"])
    if _is_tie(abatement):
        ties.append(f"abattement CSG = {abatement}")
    if _is_tie(_exact(pay, field)):
        ties.append(f"{field} = {_exact(pay, field)}")
    return ties


def _exact(pay: NetPay, field: str) -> Decimal:
    """Our net or taxable before the final rounding."""
    deductions = pay.deductions if field == "net" else [d for d in pay.deductions if d.deductible_from_taxable]
    return pay.gross - sum((d.amount for d in deductions), Decimal("0"))


def test_case_count(cases: list[Case]) -> None:
    assert len(AMOUNTS) == len(FIXED_AMOUNTS) + SWEEP
    assert len(cases) == len(MONTHS) * len(AMOUNTS)


def test_openfisca_ceiling_is_the_full_pmss(cases: list[Case]) -> None:
    wrong = sorted({
        (month_key(c.month), str(pmss), float(c.openfisca["plafond_securite_sociale"]))
        for c in cases
        if (pmss := next(u.value.value for u in c.ours.used if u.code == "pmss"))
        != Decimal(str(float(c.openfisca["plafond_securite_sociale"])))
    })
    assert not wrong, "PMSS (month, ours, OpenFisca): " + "; ".join(map(str, wrong))


def test_rounded_contribution_lines_match_openfisca(cases: list[Case]) -> None:
    mismatches = []
    for c in cases:
        lines = {d.code: d for d in c.ours.deductions}
        for variable, codes in ROUNDED_LINES.items():
            mine = sum((lines[code].amount for code in codes), Decimal("0"))
            theirs = -openfisca_cents(c.openfisca[variable])
            tie = any(_is_tie(lines[code].base * lines[code].rate) for code in codes)
            if mine != theirs and not (tie and abs(mine - theirs) == Decimal("0.01")):
                mismatches.append(f"{c.gross} € {month_key(c.month)} {variable}: ours {mine}, OpenFisca {theirs}")
    assert not mismatches, f"{len(mismatches)} rounded line(s) differ:\n" + "\n".join(mismatches)


def test_net_and_taxable_match_openfisca_to_the_cent(cases: list[Case]) -> None:
    mismatches, ties = [], []
    for c in cases:
        for field, variable in (("net", "salaire_net"), ("taxable", "salaire_imposable")):
            ours = getattr(c.ours, field)
            raw = c.openfisca[variable]
            theirs = openfisca_cents(raw)
            if ours == theirs:
                continue
            where = (f"gross {c.gross} € {month_key(c.month)} {field}: "
                     f"ours {ours}, OpenFisca {theirs} (raw {float(raw)!r})")
            explained = _ties(c, field)
            if explained and abs(ours - theirs) == Decimal("0.01"):
                ties.append(f"{where}; tie at {', '.join(explained)}")
            else:
                mismatches.append(f"{where}; our unrounded value {_exact(c.ours, field)}")
    assert not mismatches, (
        f"{len(mismatches)} mismatch(es) over {len(cases)} (gross, month) cases:\n" + "\n".join(mismatches)
    )
    # Ties are rare; if most cases needed one, the comparison would prove little.
    assert len(ties) <= len(cases) * 2 // 100, "too many half-cent ties:\n" + "\n".join(ties)
    print(f"{len(cases)} cases × 2 fields, {len(ties)} accepted half-cent ties:\n" + "\n".join(ties))


def test_cases_cover_the_parameters_period(parameters: ParameterSet) -> None:
    """Every month tested has seeded values (no carried-forward parameter): the oracle compares real data."""
    carried: Iterator[str] = (
        f"{month_key(m)} {u.code}" for m in MONTHS for u in gross_to_net(Decimal("5000"), m, parameters).used
        if u.carried_forward
    )
    assert not list(carried)
