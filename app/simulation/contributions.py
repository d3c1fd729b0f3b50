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
from dataclasses import dataclass
from decimal import Decimal

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


@dataclass(frozen=True)
class Deduction:
    code: str
    label: str
    base: Decimal
    rate: Decimal
    amount: Decimal
    formula: str
    deductible_from_taxable: bool
    parameters: tuple[str, ...] = ()  # codes of the parameters this line used (rate, ceilings)
    unconfirmed: bool = False  # no official text says this contribution applies to all of its base


@dataclass(frozen=True)
class NetPay:
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


def gross_to_net(gross: Decimal, month: dt.date, parameters: ParameterSet, *,
                 ircantec_base: Decimal | None = None) -> NetPay:
    """Net pay for a month's gross salary, with every contribution and the parameter values used.

    `ircantec_base`: the part of the gross the IRCANTEC applies to, when a statute excludes some of it (the
    astreintes of CCU-AH/AHU); default, the whole gross."""
    ircantec = gross if ircantec_base is None else ircantec_base
    day = month.replace(day=1)
    used: list[UsedValue] = []

    def value(code: str) -> Decimal:
        found = parameters.used_on(code, day)
        used.append(found)
        assert found.value.value is not None
        return found.value.value

    pmss = value("pmss")
    ceiling_b = pmss * value("ircantec-tranche-b-plafond-pmss")
    csg_ceiling = pmss * value("csg-abattement-plafond-pmss")
    csg_share = value("csg-assiette-abattue")
    abatement = round_cents(_band(gross, ZERO, csg_ceiling) * (1 - csg_share))
    csg_base = gross - abatement

    def line(code: str, label: str, base: Decimal, rate_code: str, rounded: bool, formula: str, deductible: bool,
             ceilings: tuple[str, ...]) -> Deduction:
        rate = value(rate_code)
        amount = base * rate
        return Deduction(code, label, base, rate, round_cents(amount) if rounded else amount, formula, deductible,
                         (rate_code, *ceilings))

    csg = ("pmss", "csg-assiette-abattue", "csg-abattement-plafond-pmss")

    deductions = (
        line("vieillesse_plafonnee", "Vieillesse plafonnée", _band(gross, ZERO, pmss), "vieillesse-plafonnee-salarie",
             True, "min(brut, PMSS) × taux", True, ("pmss",)),
        line("vieillesse_deplafonnee", "Vieillesse déplafonnée", gross, "vieillesse-deplafonnee-salarie",
             True, "brut × taux", True, ()),
        line("ircantec_a", "IRCANTEC tranche A", _band(ircantec, ZERO, pmss), "ircantec-tranche-a-salarie",
             True, "min(brut, PMSS) × taux", True, ("pmss",)),
        line("ircantec_b", "IRCANTEC tranche B", _band(ircantec, pmss, ceiling_b), "ircantec-tranche-b-salarie",
             True, "(min(brut, 8 PMSS) − PMSS) × taux", True, ("pmss", "ircantec-tranche-b-plafond-pmss")),
        line("csg_deductible", "CSG déductible", csg_base, "csg-deductible",
             False, "(brut − 1,75 % × min(brut, 4 PMSS)) × taux", True, csg),
        line("csg_non_deductible", "CSG non déductible", csg_base, "csg-non-deductible",
             False, "(brut − 1,75 % × min(brut, 4 PMSS)) × taux", False, csg),
        line("crds", "CRDS", csg_base, "crds", False, "(brut − 1,75 % × min(brut, 4 PMSS)) × taux", False, csg),
    )
    total = sum((d.amount for d in deductions), ZERO)
    net = round_cents(gross - total)
    taxable = round_cents(gross - sum((d.amount for d in deductions if d.deductible_from_taxable), ZERO))
    # One entry per parameter, in the order first used.
    unique = {u.code: u for u in reversed(used)}
    ordered = tuple(unique[c] for c in dict.fromkeys(u.code for u in used))
    return NetPay(gross=gross, deductions=deductions, net=net, taxable=taxable, used=ordered)
