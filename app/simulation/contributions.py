"""Employee contributions of a contractual public doctor (régime général + IRCANTEC), gross → net.

Method (the same as OpenFisca-France's for `categorie_salarie = public_non_titulaire`):
- contributions on a ceiling-based band (vieillesse plafonnée, IRCANTEC tranches A and B) are computed per band
  and each band's amount is rounded to the cent, as a payslip line;
- vieillesse déplafonnée likewise, on all pay;
- CSG (deductible and not) and CRDS apply to pay less an abatement of 1,75 % of pay up to 4 PMSS (the abatement
  rounded to the cent, as on a payslip), the amounts themselves unrounded;
- net = gross − all contributions, rounded once to the cent (half-up, `app.core.money.round_cents`).
Values come from dated parameters: the PMSS and rates in force on the first day of the month.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from app.core.money import round_cents
from app.simulation.parameters import ParameterSet, UsedValue

ZERO = Decimal("0")

CONTRIBUTION_PARAMETERS = (
    "pmss",
    "vieillesse-plafonnee-salarie",
    "vieillesse-deplafonnee-salarie",
    "ircantec-tranche-a-salarie",
    "ircantec-tranche-b-salarie",
    "ircantec-tranche-b-plafond-pmss",
    "csg-deductible",
    "csg-non-deductible",
    "crds",
    "csg-assiette-abattue",
    "csg-abattement-plafond-pmss",
)


# Deduction and NetPay are named tuples, not frozen dataclasses: a simulation builds seven deductions a month class
# and method, and a frozen dataclass sets each field through object.__setattr__ (about 3 us a deduction, half of
# gross_to_net's time, against under 0.5 us for a tuple). They are as immutable, and `_replace` is their
# dataclasses.replace.
class Deduction(NamedTuple):
    code: str
    label: str
    base: Decimal
    rate: Decimal
    amount: Decimal
    formula: str
    deductible_from_taxable: bool
    parameters: tuple[str, ...] = ()  # codes of the parameters this line used (rate, ceilings)
    unconfirmed: bool = False  # no official text says this contribution applies to all of its base


class NetPay(NamedTuple):
    gross: Decimal
    deductions: tuple[Deduction, ...]
    net: Decimal
    taxable: Decimal  # net + non-deductible CSG + CRDS: the base of the income tax withheld at source
    used: tuple[UsedValue, ...]

    @property
    def total_deductions(self) -> Decimal:
        return sum((d.amount for d in self.deductions), ZERO)


def _band(amount: Decimal, low: Decimal, high: Decimal | None) -> Decimal:
    top = amount if high is None else min(amount, high)
    return max(ZERO, top - low)


class _InForce(NamedTuple):
    """The contribution values in force on a month's first day: read once per day and parameter set (kept with the
    set, which is immutable), not once per month of every simulation."""

    pmss: Decimal
    ceiling_b: Decimal  # IRCANTEC tranche B's ceiling, in euros
    csg_ceiling: Decimal  # the CSG abatement's ceiling, in euros
    csg_share: Decimal
    rates: dict[str, Decimal]
    used: tuple[UsedValue, ...]  # one entry per parameter, in the order the computation reads them


# The values gross_to_net reads, in the order it reads them (the order of NetPay.used).
_READ = ("pmss", "ircantec-tranche-b-plafond-pmss", "csg-abattement-plafond-pmss", "csg-assiette-abattue",
         "vieillesse-plafonnee-salarie", "vieillesse-deplafonnee-salarie", "ircantec-tranche-a-salarie",
         "ircantec-tranche-b-salarie", "csg-deductible", "csg-non-deductible", "crds")
_CSG = ("pmss", "csg-assiette-abattue", "csg-abattement-plafond-pmss")
_CSG_FORMULA = "(brut − 1,75 % × min(brut, 4 PMSS)) × taux"
# Each contribution: code, label, base (see gross_to_net), rate parameter, rounded to the cent, formula, deductible
# from the taxable pay, ceilings used.
_LINES: tuple[tuple[str, str, str, str, bool, str, bool, tuple[str, ...]], ...] = (
    ("vieillesse_plafonnee", "Vieillesse plafonnée", "capped", "vieillesse-plafonnee-salarie", True,
     "min(brut, PMSS) × taux", True, ("pmss",)),
    ("vieillesse_deplafonnee", "Vieillesse déplafonnée", "gross", "vieillesse-deplafonnee-salarie", True,
     "brut × taux", True, ()),
    ("ircantec_a", "IRCANTEC tranche A", "ircantec_a", "ircantec-tranche-a-salarie", True,
     "min(brut, PMSS) × taux", True, ("pmss",)),
    ("ircantec_b", "IRCANTEC tranche B", "ircantec_b", "ircantec-tranche-b-salarie", True,
     "(min(brut, 8 PMSS) − PMSS) × taux", True, ("pmss", "ircantec-tranche-b-plafond-pmss")),
    ("csg_deductible", "CSG déductible", "csg", "csg-deductible", False, _CSG_FORMULA, True, _CSG),
    ("csg_non_deductible", "CSG non déductible", "csg", "csg-non-deductible", False, _CSG_FORMULA, False, _CSG),
    ("crds", "CRDS", "csg", "crds", False, _CSG_FORMULA, False, _CSG),
)


def _in_force(day: dt.date, parameters: ParameterSet) -> _InForce:
    key = ("contribution values", day)
    found = parameters.kept.get(key)
    if isinstance(found, _InForce):
        return found
    used = tuple(parameters.used_on(code, day) for code in _READ)  # MissingParameter as each value read would
    values: dict[str, Decimal] = {}
    for u in used:
        assert u.value.value is not None  # these are amounts and rates, not scales
        values[u.code] = u.value.value
    pmss = values["pmss"]
    found = parameters.kept[key] = _InForce(
        pmss=pmss, ceiling_b=pmss * values["ircantec-tranche-b-plafond-pmss"],
        csg_ceiling=pmss * values["csg-abattement-plafond-pmss"], csg_share=values["csg-assiette-abattue"],
        rates=values, used=used)
    return found


def gross_to_net(gross: Decimal, month: dt.date, parameters: ParameterSet, *,
                 ircantec_base: Decimal | None = None) -> NetPay:
    """Net pay for a month's gross salary, with every contribution and the parameter values used.

    `ircantec_base`: the part of the gross the IRCANTEC applies to, when a statute excludes some of it (the
    astreintes of CCU-AH/AHU); default, the whole gross."""
    ircantec = gross if ircantec_base is None else ircantec_base
    values = _in_force(month.replace(day=1), parameters)
    pmss = values.pmss
    abatement = round_cents(_band(gross, ZERO, values.csg_ceiling) * (1 - values.csg_share))
    bases = {"capped": _band(gross, ZERO, pmss), "gross": gross, "ircantec_a": _band(ircantec, ZERO, pmss),
             "ircantec_b": _band(ircantec, pmss, values.ceiling_b), "csg": gross - abatement}
    rates = values.rates
    deductions = []
    for code, label, base_of, rate_code, rounded, formula, deductible, ceilings in _LINES:
        base, rate = bases[base_of], rates[rate_code]
        amount = base * rate
        deductions.append(Deduction(code, label, base, rate, round_cents(amount) if rounded else amount, formula,
                                    deductible, (rate_code, *ceilings)))
    total = sum((d.amount for d in deductions), ZERO)
    net = round_cents(gross - total)
    taxable = round_cents(gross - sum((d.amount for d in deductions if d.deductible_from_taxable), ZERO))
    return NetPay(gross=gross, deductions=tuple(deductions), net=net, taxable=taxable, used=values.used)
