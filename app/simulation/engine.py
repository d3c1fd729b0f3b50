"""The income engine: a pure function of (pay parameters in force, published figures, contract terms) → months.

No FastAPI, SQL or I/O here (a test fails if this package imports them). Money is `Decimal` throughout; every
euro figure is rounded once, half-up to the cent (`app.core.money.round_cents`), when it becomes a line of a month.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property, lru_cache, partial
from typing import Literal, TypeVar, cast

from app.core.money import format_number, round_cents, round_half_up
from app.core.vocabulary import Basis, Calculation, Frequency, PayKind
from app.messages import Message as M
from app.simulation.contributions import CONTRIBUTION_PARAMETERS, NetPay, gross_to_net
from app.simulation.parameters import DatedValue, MissingParameter, Parameter, ParameterSet, UsedValue
from app.simulation.pay_models import PayModel, StatutoryLine

ZERO = Decimal("0")
Method = Literal["published", "statutory"]
TaxMode = Literal["none", "neutral", "personal"]
LineCategory = Literal["salary", "allowance", "bonus", "garde", "liberal", "cpam"]
# unspecified: a CPAM payment whose source does not say; fees: liberal fees, before charges.
LineBasis = Literal["gross", "net", "unspecified", "fees"]
Origin = Literal["published", "statutory", "statutory_fallback", "derived", "input"]
SALARY = ("salary", "allowance", "bonus", "garde")


class SimulationError(ValueError):
    """Contract terms the engine cannot simulate: a 422 for the API, naming the field."""

    def __init__(self, field: str, message: M, allowed: list[str] | None = None) -> None:
        super().__init__(str(message))
        self.field, self.message, self.allowed = field, message, allowed


@dataclass(frozen=True)
class PublishedComponent:
    code: str
    label: str
    kind: PayKind
    amount: Decimal
    basis: Basis
    frequency: Frequency
    payment_frequency: Frequency | None
    calculation: Calculation
    year_from: int | None
    year_to: int | None
    periphery_share_pct: int | None
    region: str | None
    payer: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    conditions: tuple[str, ...]
    sources: tuple[str, ...]
    approximate: bool = False
    derivation: str | None = None  # set when no document states the amount: how it was derived
    confirmed: bool = True  # False when no official text states the amount


@dataclass(frozen=True)
class SchemeData:
    slug: str
    name: str
    max_months: int | None
    duration_text: str
    duration_sources: tuple[str, ...]
    regions: tuple[str, ...]
    split_min: int | None
    split_max: int | None
    split_default: int | None
    published: tuple[PublishedComponent, ...]
    # Regions whose own source states the work split (None: the split applies wherever the scheme is offered).
    split_regions: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Options:
    """The options, typed for the engine: the same names, in the same order, as their one declaration
    (app/simulation/options.py), from which the request schema, the embed form and its labels derive."""

    periphery_share: int | None = None
    hospital_share: int | None = None
    acts_per_week: Decimal | None = None
    liberal_fees_monthly: Decimal | None = None
    cpam_contract: bool | None = None
    gardes_per_month: Decimal | None = None
    astreintes_per_month: Decimal | None = None
    astreinte_rate: Decimal | None = None  # € a night, inside the establishment's forfait range
    seniority_years: int | None = None
    region_bonus: bool | None = None
    acts_per_month: Decimal | None = None  # docteur junior MG: average acts or consultations a month
    zip_placement: bool | None = None  # docteur junior MG: ambulatory placement in a zone d'intervention prioritaire
    tax: TaxMode = "none"
    tax_rate: Decimal | None = None  # percent, with tax = "personal"


@dataclass(frozen=True)
class OptionSpec:
    name: str
    kind: Literal["integer", "number", "boolean"]
    default: bool | int | Decimal | str | None
    minimum: Decimal | None
    maximum: Decimal | None
    description: str


@dataclass(frozen=True)
class Brochure:
    """What the scheme's documents publish for the same line, beside the official figure."""

    codes: tuple[str, ...]
    amount: Decimal
    basis: Basis
    approximate: bool
    sources: tuple[str, ...]
    text: M


@dataclass(frozen=True)
class Line:
    code: str
    label: str
    category: LineCategory
    amount: Decimal
    basis: LineBasis
    payer: str
    origin: Origin
    formula: str
    sources: tuple[str, ...]
    used: tuple[UsedValue, ...] = ()
    smoothed: Decimal | None = None  # monthly equivalent of an amount paid less often
    unconfirmed: bool = False  # a value no official text states
    derivation: str | None = None
    brochure: Brochure | None = None

    @property
    def known_until(self) -> dt.date | None:
        """The earliest date a carried-forward value used here is known until (None: nothing carried)."""
        return _known_until(self.used)

    @cached_property
    def identity(self) -> tuple[object, ...]:
        """What makes two lines the same line (an answer lists each once): every field, the values used by code and
        date. Computed once per line: the lines kept across runs (_FixedLines) keep it."""
        b = self.brochure
        return (self.code, self.label, self.category, self.basis, self.payer, self.origin, self.unconfirmed,
                self.derivation, self.amount, self.formula, self.smoothed, self.known_until, self.sources,
                tuple((u.code, u.value.valid_from) for u in self.used),
                (b.codes, b.amount, b.basis, b.approximate, b.sources) if b else None)


def _known_until(used: tuple[UsedValue, ...] | list[UsedValue]) -> dt.date | None:
    dates = [u.value.valid_to for u in used if u.carried_forward and u.value.valid_to is not None]
    return min(dates) if dates else None


@dataclass(frozen=True)
class Month:
    month: dt.date
    contract_year: int
    lines: tuple[Line, ...]
    gross: Decimal | None  # gross salary, when every salary line is stated gross
    pay: NetPay | None  # contributions on the gross salary lines
    net_salary: Decimal
    other_income: Decimal  # liberal fees and CPAM payments, before liberal charges
    net: Decimal  # net_salary + other_income, before income tax
    tax_base: Decimal | None
    tax_rate: Decimal | None
    tax: Decimal | None
    net_after_tax: Decimal | None
    tax_used: tuple[UsedValue, ...] = ()

    @cached_property
    def carried(self) -> tuple[UsedValue, ...]:
        """Values used this month past the last date a text gives them for (computed once: a month is immutable)."""
        used = ([u for line in self.lines for u in line.used] + list(self.pay.used if self.pay else ())
                + list(self.tax_used))
        return tuple(u for u in used if u.carried_forward)

    @cached_property
    def known_until(self) -> dt.date | None:
        return _known_until(self.carried)

    @property
    def projected(self) -> bool:
        return self.known_until is not None


_Frozen = TypeVar("_Frozen", Line, Month)


@dataclass(frozen=True)
class MissingInput:
    option: str
    effect: M
    typical_range: str | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class BrochureTotal:
    """The documents' monthly figure set against the official net of the same month."""

    month: dt.date
    amount: Decimal
    basis: Basis
    approximate: bool
    official_net: Decimal
    official_gross: Decimal | None
    difference: Decimal  # official net − brochure
    sources: tuple[str, ...]
    text: M


@dataclass(frozen=True)
class Window:
    first_start: dt.date
    last_start: dt.date
    known_until: dt.date | None  # past it, at least one value is carried forward (projected)


@dataclass(frozen=True)
class Result:
    scheme: SchemeData
    region: str
    start: dt.date
    months_count: int
    method: Method
    options: Options
    months: tuple[Month, ...]
    notes: tuple[M, ...]
    used: tuple[UsedValue, ...]
    missing_inputs: tuple[MissingInput, ...] = ()
    brochure: BrochureTotal | None = None
    window: Window | None = None

    @property
    def projected_months(self) -> tuple[Month, ...]:
        return tuple(m for m in self.months if m.projected)


# --- options ---------------------------------------------------------------------------------------------------


ASTREINTE_FLOOR, ASTREINTE_CEILING = "astreinte-forfait-nuit-minimum", "astreinte-forfait-nuit-maximum"


def split_stated(scheme: SchemeData, region: str | None) -> bool:
    """Whether a source states the scheme's work split for this region (not only for another one)."""
    return scheme.split_regions is None or region is None or region in scheme.split_regions


def option_specs(scheme: SchemeData, model: PayModel, parameters: ParameterSet | None = None,
                 region: str | None = None) -> list[OptionSpec]:
    """The options a scheme takes, with their ranges and defaults (the split as stated for the region)."""
    specs: list[OptionSpec] = []
    published_pet = [c.periphery_share_pct for c in scheme.published if c.periphery_share_pct is not None]
    if model.pet_published is not None:
        specs.append(OptionSpec(
            "periphery_share", "integer", published_pet[0] if published_pet else 0, Decimal(0), Decimal(100),
            "Part du temps hors du site principal (%), qui fixe la prime d'exercice territorial."))
    if model.hospital_share:
        stated = split_stated(scheme, region)
        low = scheme.split_min if stated and scheme.split_min is not None else 0
        high = scheme.split_max if stated and scheme.split_max is not None else 100
        default = scheme.split_default if scheme.split_default is not None else 50
        where = "" if stated or not scheme.split_regions else (
            " Aucune source de cette région ne fixe la répartition (celle de " + ", ".join(scheme.split_regions)
            + " n'y est pas appliquée).")
        specs.append(OptionSpec("hospital_share", "integer", default, Decimal(low), Decimal(high),
                                "Part hospitalière du temps de travail (%)." + where))
    if model.liberal:
        specs.append(OptionSpec("acts_per_week", "number", 0, Decimal(0), Decimal(300),
                                "Actes (consultations G) par semaine, au tarif en vigueur chaque jour."))
        specs.append(OptionSpec("liberal_fees_monthly", "number", None, Decimal(0), Decimal(100000),
                                "Ou : honoraires mensuels (€), à la place de acts_per_week."))
    if model.cpam:
        specs.append(OptionSpec("cpam_contract", "boolean", False, None, None,
                                "Contrat CPAM : cabinet de groupe, permanence des soins, sur demande "
                                "(redevance et complément de rémunération)."))
    if model.garde is not None:
        specs.append(OptionSpec("gardes_per_month", "number", 0, Decimal(0), Decimal(31),
                                "Gardes par mois (0,5 pour une demi-garde)."))
    if model.astreinte:
        specs.append(OptionSpec("astreintes_per_month", "number", 0, Decimal(0), Decimal(31),
                                "Astreintes de nuit par mois."))
        if parameters is not None and ASTREINTE_FLOOR in parameters and ASTREINTE_CEILING in parameters:
            floor = parameters[ASTREINTE_FLOOR].newest
            ceiling = parameters[ASTREINTE_CEILING].newest
            assert floor.value is not None and ceiling.value is not None
            specs.append(OptionSpec(
                "astreinte_rate", "number", floor.value, floor.value, ceiling.value,
                f"Forfait par nuit d'astreinte fixé par l'établissement, de {_fmt(floor.value)} à "
                f"{_fmt(ceiling.value)} € depuis le {floor.valid_from:%d/%m/%Y} (le plancher par défaut)."))
    if model.semester_bonus is not None:
        specs.append(OptionSpec("acts_per_month", "number", 0, Decimal(0), Decimal(2000),
                                "Actes ou consultations par mois, en moyenne sur le semestre (la prime à l'activité "
                                "est due à partir du seuil en vigueur)."))
    if model.zone_allowance is not None:
        specs.append(OptionSpec("zip_placement", "boolean", False, None, None,
                                "Stage ambulatoire en zone d'intervention prioritaire (ZIP) : indemnité mensuelle, non "
                                "cumulable avec les indemnités de transport et d'hébergement."))
    if any(line.by_seniority for line in model.lines):
        specs.append(OptionSpec("seniority_years", "integer", 0, Decimal(0), Decimal(10),
                                "Années d'ancienneté d'assistant déjà acquises (décalent les échelons)."))
    if "region_bonus" in model.optional_components.values():
        specs.append(OptionSpec("region_bonus", "boolean", False, None, None,
                                "La Région verse la prime (« dans certains cas », modalités définies chaque année)."))
    specs.append(OptionSpec("tax", "number", "none", None, None,
                            "Impôt prélevé à la source : none, neutral (taux neutre en vigueur) ou personal "
                            "(tax_rate)."))
    specs.append(OptionSpec("tax_rate", "number", None, Decimal(0), Decimal(60),
                            "Taux personnel (%), avec tax=personal."))
    return specs


def resolve_options(scheme: SchemeData, model: PayModel, options: Options, parameters: ParameterSet | None = None,
                    region: str | None = None) -> Options:
    """Refuse options the scheme does not take or out of range; fill in the defaults."""
    specs = {spec.name: spec for spec in option_specs(scheme, model, parameters, region)}
    values = dict(options.__dict__)
    for name, value in values.items():
        if name in ("tax", "tax_rate"):
            continue
        if value is not None and name not in specs:
            raise SimulationError(
                f"options.{name}", M(f"L'option « {name} » ne s'applique pas au dispositif « {scheme.slug} ».",
                                     f"Option '{name}' does not apply to scheme '{scheme.slug}'."),
                allowed=sorted(specs),
            )
    for name, spec in specs.items():
        if name in ("tax", "tax_rate"):
            continue
        value = values.get(name)
        if value is None:
            values[name] = spec.default
            continue
        if spec.minimum is not None and spec.maximum is not None and not spec.minimum <= Decimal(value) <= spec.maximum:
            split = name == "hospital_share"
            raise SimulationError(
                f"options.{name}",
                M(f"L'option « {name} » doit être comprise entre {spec.minimum} et {spec.maximum} pour le dispositif "
                  f"« {scheme.slug} »" + (" (répartition autorisée par le dispositif)" if split else "") + ".",
                  f"Option '{name}' must be between {spec.minimum} and {spec.maximum} for scheme '{scheme.slug}'"
                  + (" (the split the scheme allows)" if split else "") + "."),
            )
    if values.get("acts_per_week") and values.get("liberal_fees_monthly") is not None:
        raise SimulationError("options.liberal_fees_monthly", M(
            "Donnez acts_per_week ou liberal_fees_monthly, pas les deux.",
            "Give acts_per_week or liberal_fees_monthly, not both."))
    if options.tax == "personal" and options.tax_rate is None:
        raise SimulationError("options.tax_rate", M("tax=personal demande tax_rate (un pourcentage).",
                                                    "tax=personal needs tax_rate (a percentage)."))
    if options.tax != "personal" and options.tax_rate is not None:
        raise SimulationError("options.tax_rate", M("tax_rate ne sert qu'avec tax=personal.",
                                                    "tax_rate is only used with tax=personal."))
    return Options(**values)


# --- helpers ---------------------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_end(day: dt.date) -> dt.date:
    # The month's length from a table (calendar.monthrange also computes the weekday the month starts on).
    return day.replace(day=29 if day.month == 2 and calendar.isleap(day.year) else _MONTH_DAYS[day.month])


@lru_cache(maxsize=8192)
def _fmt(amount: Decimal) -> str:
    """An amount in the engine's texts, by the one formatter (French style, which both languages' texts use).
    Cached: the same amounts recur in every month and every simulation. Equal amounts (3882.0, 3882.00) share an
    entry, which is right since both are written with two decimals."""
    return format_number(amount, "fr")


def _fmt_count(value: Decimal) -> str:
    """A count (acts, nights) as the texts write it: no decimals when it is whole."""
    return format_number(value, "fr", places=0 if value == value.to_integral_value() else None)


class _Collector:
    """Parameter values used and notes, gathered once for the whole simulation."""

    recording = True  # what is said to it is kept (see _Silent)

    def __init__(self) -> None:
        self.used: dict[tuple[str, dt.date], UsedValue] = {}
        self.notes: dict[M, None] = {}
        self.ircantec_gap_noted = False

    def use(self, parameter: Parameter, value: DatedValue, carried: bool) -> UsedValue:
        key = (parameter.code, value.valid_from)
        known = self.used.get(key)
        if known is not None and known.carried_forward == carried and known.value is value:
            return known  # recorded, with its notes, the first time: nothing changes
        used = UsedValue(parameter.code, parameter.label, value, carried)
        if carried or key not in self.used:  # carried in any month: the trace says so
            self.used[key] = used
        if carried:
            self.note(M(f"« {parameter.label} » : aucune valeur connue après le {value.valid_to:%d/%m/%Y} ; "
                        "la dernière valeur connue est reprise.",
                        f"« {parameter.label} »: no value known after {value.valid_to:%d/%m/%Y}; the last known value "
                        "is carried forward."))
        if not value.confirmed:
            self.note(M(f"« {parameter.label} » : valeur non confirmée par un texte officiel (voir sa source).",
                        f"« {parameter.label} »: a value no official text confirms (see its source)."))
        return used

    def note(self, text: M) -> None:
        self.notes.setdefault(text, None)

    def use_all(self, parameters: ParameterSet, used: tuple[UsedValue, ...]) -> None:
        """`use` for each of these values (a month's contributions: NetPay.used)."""
        for u in used:
            self.use(parameters[u.code], u.value, u.carried_forward)


class _Silent(_Collector):
    """The collector of a run for its figures alone (simulate's explain=False): nothing to trace, so nothing kept,
    and nothing said again (the kept lines' and rates' traces are not replayed to it)."""

    recording = False

    def use(self, parameter: Parameter, value: DatedValue, carried: bool) -> UsedValue:
        return UsedValue(parameter.code, parameter.label, value, carried)

    def note(self, text: M) -> None:
        pass

    def use_all(self, parameters: ParameterSet, used: tuple[UsedValue, ...]) -> None:
        pass


class _Recorder(_Collector):
    """A collector that also records what is asked of it, to be asked again of another collector (_FixedLines)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[Parameter, DatedValue, bool] | M] = []
        self._using = False

    def use(self, parameter: Parameter, value: DatedValue, carried: bool) -> UsedValue:
        self.calls.append((parameter, value, carried))
        self._using = True  # the notes `use` adds, it adds again when replayed
        try:
            return super().use(parameter, value, carried)
        finally:
            self._using = False

    def note(self, text: M) -> None:
        if not self._using:
            self.calls.append(text)
        super().note(text)

    def replay(self, collector: _Collector) -> None:
        if not collector.recording:
            return
        for call in self.calls:
            if isinstance(call, tuple):
                collector.use(*call)
            else:
                collector.note(call)


class _FixedLines:
    """Month lines that no number the user types changes (_fixed_lines), by scheme data, pay model, region, method,
    options without inputs and month class, for one parameter set (fixed_lines): simulations that differ only by
    gardes, astreintes, fees or tax (as candidates try values in a form) compute them once. Each entry keeps what
    its computation asked of the collector (the values used, the notes), and says it again to the collector of the
    run that reads it, in the same order, so that a run's trace is the one it would have had without it.

    Entries hold the scheme data and model they were computed with and are used only for those same objects (the
    key has their ids: the entry keeping them alive, no other object can have those ids meanwhile). At most LIMIT
    entries, the oldest dropped first: about 6 KB each (measured with tracemalloc on ccu-ah), so about 12 MB at
    most per worker and catalogue version, whatever the requests."""

    LIMIT = 2048

    def __init__(self) -> None:
        self.entries: dict[tuple[object, ...], tuple[SchemeData, PayModel, tuple[Line, ...], _Recorder]] = {}
        self.lock = threading.Lock()

    def get(self, scheme: SchemeData, model: PayModel, key: tuple[object, ...], collector: _Collector,
            compute: Callable[[_Collector], tuple[Line, ...]]) -> tuple[Line, ...]:
        full = (id(scheme), id(model), *key)
        entry = self.entries.get(full)
        if entry is None or entry[0] is not scheme or entry[1] is not model:
            recorder = _Recorder()
            lines = compute(recorder)
            entry = (scheme, model, lines, recorder)
            with self.lock:  # simulations may run in several threads; dicts keep insertion order, oldest first
                self.entries[full] = entry
                while len(self.entries) > self.LIMIT:
                    del self.entries[next(iter(self.entries))]
        entry[3].replay(collector)
        return entry[2]


def fixed_lines(parameters: ParameterSet) -> _FixedLines:
    """The store of fixed month lines computed with this parameter set, kept with it (it is immutable, and one
    per catalogue version: a new version starts with an empty store)."""
    store = parameters.kept.get("fixed lines")
    if store is None:
        store = parameters.kept.setdefault("fixed lines", _FixedLines())
    return cast(_FixedLines, store)


def _month_average(parameter: Parameter, month: dt.date, collector: _Collector, *, scale_input: Decimal | None = None,
                   carry: bool = True) -> tuple[Decimal, tuple[UsedValue, ...]]:
    """The parameter's value over a month, weighted by the days each value is in force."""
    last = month_end(month)
    days = last.day
    total = ZERO
    used = []
    for value, count, carried in parameter.segments(month, last):
        if carried and not carry:
            continue
        amount = value.lookup(scale_input) if scale_input is not None else value.value
        assert amount is not None
        total += amount * count
        used.append(collector.use(parameter, value, carried))
    return total / days, tuple(used)


def _optional_value(parameter: Parameter, month: dt.date,
                    collector: _Collector) -> tuple[Decimal, tuple[UsedValue, ...]]:
    """Like _month_average for a temporary parameter: zero on days it is not in force, never carried forward."""
    last = month_end(month)
    total = ZERO
    used: dict[dt.date, UsedValue] = {}
    for value in parameter.values:
        begin, end = max(month, value.valid_from), min(last, value.valid_to or last)
        if begin <= end and value.value is not None:
            total += value.value * ((end - begin).days + 1)
            used[value.valid_from] = collector.use(parameter, value, False)
    return total / last.day, tuple(used.values())


def _step_code(line: StatutoryLine, year: int) -> str:
    code = line.steps[0][1]
    for first_year, step in line.steps:
        if year >= first_year:
            code = step
    return code


def required_parameters(model: PayModel, options: Options, parameters: ParameterSet | None = None) -> list[str]:
    codes = list(CONTRIBUTION_PARAMETERS)
    for line in model.lines:
        codes += [code for _, code in line.steps]
    if model.iespe_published is not None:
        codes.append("iespe-mensuelle")
    if model.pet_published is not None:
        codes.append("pet-mensuelle")
    if model.garde and options.gardes_per_month:
        codes.append(model.garde)
    if model.astreinte and options.astreintes_per_month:
        codes.append("astreinte-nuit")
        codes += [c for c in (ASTREINTE_FLOOR, ASTREINTE_CEILING) if parameters is not None and c in parameters]
    if options.acts_per_week:
        codes.append("tarif-consultation-g")
    if options.tax == "neutral":
        codes.append("taux-neutre-mensuel")
    if model.semester_bonus is not None:
        codes += list(model.semester_bonus)
    if model.zone_allowance is not None:
        codes.append(model.zone_allowance)
    return list(dict.fromkeys(codes))


# How far past the newest official value a start is accepted, every later value carried forward and marked projected.
PROJECTION_MONTHS = 36


def window(parameters: ParameterSet, codes: list[str]) -> Window:
    """The starts a simulation accepts: from the day every needed parameter has a value, to PROJECTION_MONTHS past
    the newest value any of them has; past `known_until` some values are carried forward (projected). Kept with
    the parameter set, which is immutable, for each list of codes (a few per pay model: which options are on)."""
    key = ("window", *codes)
    found = parameters.kept.get(key)
    if not isinstance(found, Window):
        found = parameters.kept[key] = _window(parameters, codes)
    return found


def _window(parameters: ParameterSet, codes: list[str]) -> Window:
    present = [parameters[c] for c in codes if c in parameters]
    # The establishments' astreinte forfait starts later than the national rate it replaces: it bounds no start.
    # A value that starts during a month lets a contract start that month (its days before count for nothing).
    first = max(p.first_day for p in present if p.code not in (ASTREINTE_FLOOR, ASTREINTE_CEILING)).replace(day=1)
    newest = max(p.newest.valid_from for p in present)
    # The national astreinte rate ends where the establishments' forfait begins: it is replaced, not carried forward.
    superseded = {"astreinte-nuit"} if ASTREINTE_FLOOR in parameters else set()
    lasts = [p.last_day for p in present if p.last_day is not None and p.code not in superseded]
    return Window(first_start=first, last_start=add_months(newest.replace(day=1), PROJECTION_MONTHS),
                  known_until=min(lasts) if lasts else None)


# --- the simulation ----------------------------------------------------------------------------------------------


def simulate(
    *,
    scheme: SchemeData,
    model: PayModel,
    parameters: ParameterSet,
    region: str,
    start: dt.date,
    months: int,
    method: Method = "statutory",
    options: Options = Options(),
    reuse_months: bool = True,
    explain: bool = True,
) -> Result:
    """Month-by-month income over a contract, every figure with its formula and sources.

    `reuse_months=False` computes every month on its own (the tests compare both ways: see _month_class).
    `explain=False` is for a total alone (the other method's, in the answer's method check): the same months and
    figures up to the net before income tax, without what only explains them or comes after the net — no notes, no
    list of the values used (each line still has its own), no income tax (the options' tax is set to none, and the
    result says so), no brochure total, no missing inputs.
    The same requests are refused, with the same errors. tests/simulation/test_method_check.py compares both."""
    if region not in scheme.regions:
        where = ", ".join(scheme.regions)
        raise SimulationError(
            "region",
            M(f"Le dispositif « {scheme.slug} » n'est pas proposé dans la région « {region} » ; il l'est dans : "
              f"{where}.",
              f"Scheme '{scheme.slug}' is not offered in region '{region}'; it is documented in: {where}."),
            allowed=list(scheme.regions),
        )
    if start.day != 1:
        raise SimulationError("start", M(
            "Un contrat commence le premier jour d'un mois (les prises de fonction ont lieu le 1er novembre ou le 1er "
            "mai).",
            "A contract starts on the first day of a month (posts start on 1 November or 1 May)."))
    if months < 1:
        raise SimulationError("months", M("months doit valoir au moins 1.", "months must be at least 1."))
    if scheme.max_months is not None and months > scheme.max_months:
        cited = "; ".join(scheme.duration_sources)
        raise SimulationError("months", M(
            f"« {scheme.slug} » est simulé sur {scheme.max_months} mois au plus : {scheme.duration_text} (source : "
            f"{cited})",
            f"'{scheme.slug}' is simulated over {scheme.max_months} months at most: {scheme.duration_text} "
            f"(source: {cited})"))
    given = options
    options = resolve_options(scheme, model, options, parameters, region)
    codes = required_parameters(model, options, parameters)
    missing = [c for c in codes if c not in parameters]
    if missing:
        raise SimulationError("scheme",
                              M(f"Il manque au catalogue les paramètres {', '.join(missing)} pour ce dispositif.",
                                          f"The catalogue lacks the parameters {', '.join(missing)} for this scheme."))
    span = window(parameters, codes)
    if start < span.first_start or start > span.last_start:
        fr = (f"Pas de données de rémunération pour un début le {start:%Y-%m-%d} : les débuts sont acceptés du "
              f"{span.first_start:%Y-%m-%d} au {span.last_start:%Y-%m-%d} ({PROJECTION_MONTHS} mois après la valeur "
              "officielle la plus récente")
        en = (f"No pay data for a start on {start:%Y-%m-%d}: starts are accepted from {span.first_start:%Y-%m-%d} "
              f"to {span.last_start:%Y-%m-%d} ({PROJECTION_MONTHS} months past the newest official value")
        if span.known_until:
            fr += (f" ; les valeurs connues jusqu'au {span.known_until:%Y-%m-%d} sont reprises au-delà, et les mois "
                   "marqués projected")
            en += f"; values known until {span.known_until:%Y-%m-%d} are carried forward after it, and marked projected"
        raise SimulationError("start", M(fr + ").", en + ")."))

    if not explain:
        options = replace(options, tax="none", tax_rate=None)
        silent = _Silent()
        silent.ircantec_gap_noted = True  # the gap is a note's figure: not computed
        months_alone = _all_months(scheme, model, parameters, region, start, months, method, options, silent,
                                   reuse=reuse_months)
        return Result(scheme=scheme, region=region, start=start, months_count=months, method=method, options=options,
                      months=months_alone, notes=(), used=(), window=span)
    collector = _Collector()
    for note in model.notes:
        collector.note(note)
    if model.hospital_share and not split_stated(scheme, region):
        others = ", ".join(scheme.split_regions or ())
        collector.note(M(f"La répartition du temps de travail publiée pour ce dispositif vient d'une autre région "
                         f"({others}) ; aucune source de cette région ne la fixe.",
                         f"The work split published for this scheme comes from another region ({others}); no source "
                         "of this region sets one."))
    final = _all_months(scheme, model, parameters, region, start, months, method, options, collector,
                        reuse=reuse_months)
    if method == "published":
        _reconcile_totals(scheme, region, final, collector)
    brochure = _brochure_total(scheme, region, final) if method == "statutory" else None
    missing_inputs = _missing_inputs(scheme, model, given, options, parameters, region, start)
    for item in missing_inputs:
        collector.note(item.effect)
    return Result(
        scheme=scheme, region=region, start=start, months_count=months, method=method, options=options,
        months=final, notes=tuple(collector.notes), used=tuple(collector.used.values()),
        missing_inputs=missing_inputs, brochure=brochure, window=span,
    )


def _all_months(scheme: SchemeData, model: PayModel, parameters: ParameterSet, region: str, start: dt.date,
                months: int, method: Method, options: Options, collector: _Collector, *,
                reuse: bool) -> tuple[Month, ...]:
    """Every month of the contract, settled. A month whose inputs are those of an earlier one (same class, see
    _month_class) is that month again, with its own date: computed once, and its notes and values used are already
    in the collector."""
    changes = _change_days(scheme, parameters)
    ranks = _rank_dependencies(scheme, model, options)
    days, keys = _calendar(start, months, changes, ranks) if reuse else (
        tuple(add_months(start, i) for i in range(months)), (None,) * months)
    fixed_options = _without_inputs(options)
    computed: dict[tuple[object, ...], Month] = {}
    built = []  # a month of a class computed earlier is that month, dated when settled (or by the guarantee)
    for i, (day, key) in enumerate(zip(days, keys, strict=True)):
        month = computed.get(key) if key is not None else None
        if month is None:
            month = _month(scheme, model, parameters, region, day, i, months, method, options, collector,
                           fixed_options, key)
            if key is not None:
                computed[key] = month
        built.append(month)
    built = _cpam_guarantee(scheme, model, parameters, built, days, options, collector)
    settled: dict[tuple[object, ...], tuple[tuple[Line, ...], Month]] = {}
    final = []
    for month, day, key in zip(built, days, keys, strict=True):
        earlier_settled = settled.get(key) if key is not None else None
        # The CPAM guarantee adds lines to some months: those are settled on their own.
        if earlier_settled is not None and earlier_settled[0] is month.lines:
            final.append(_dated(earlier_settled[1], day))
            continue
        done = _settle(month if month.month == day else _dated(month, day), model, parameters, options, collector)
        _ = done.known_until  # computed now, so that the month's copies (_dated) share it
        if key is not None and key not in settled:
            settled[key] = (month.lines, done)
        final.append(done)
    return tuple(final)


@lru_cache(maxsize=256)
def _calendar(start: dt.date, months: int, changes: tuple[dt.date, ...], ranks: tuple[bool, bool, bool, bool],
              ) -> tuple[tuple[dt.date, ...], tuple[tuple[object, ...] | None, ...]]:
    """The contract's months and their classes (_month_class): the same for every run with this start, length,
    change days and rank dependencies, so computed once for them. A 96-month calendar weighs about 14 KB: 256 of
    them, the most recently used, are under 4 MB."""
    days = tuple(add_months(start, i) for i in range(months))
    return days, tuple(_month_class(day, i, months, changes, ranks) for i, day in enumerate(days))


def _dated(month: Month, day: dt.date) -> Month:
    """The same month on another date: a shallow copy (lines and pay shared, the cached `carried` too, which does
    not depend on the date). dataclasses.replace would rerun __init__ and cost five times more."""
    copy = object.__new__(Month)
    copy.__dict__.update(month.__dict__)
    copy.__dict__["month"] = day
    return copy


def _changed(item: _Frozen, **changes: object) -> _Frozen:
    """`dataclasses.replace` for the engine's frozen Line and Month, without rerunning __init__ (which sets each
    field through object.__setattr__ and costs several times more): a shallow copy of the fields with `changes`.
    The values a Line or Month keeps (cached properties computed from its fields) are dropped, to be computed again
    from the new fields."""
    copy = object.__new__(type(item))
    fields = copy.__dict__
    fields.update(item.__dict__)
    fields.update(changes)
    fields.pop("carried", None)
    fields.pop("known_until", None)
    fields.pop("identity", None)
    return copy


def _change_days(scheme: SchemeData, parameters: ParameterSet) -> tuple[dt.date, ...]:
    """The days on which a parameter or one of the scheme's published amounts changes."""
    own = {c.valid_from for c in scheme.published if c.valid_from is not None}
    own |= {c.valid_to + dt.timedelta(days=1) for c in scheme.published if c.valid_to is not None}
    if not own:
        return parameters.change_days
    return tuple(sorted(own.union(parameters.change_days)))


def _rank_dependencies(scheme: SchemeData, model: PayModel, options: Options) -> tuple[bool, bool, bool, bool]:
    """Whether a run's figures depend on a month's rank or length: amounts paid once (the first month), by quarter
    (payments and the CPAM guarantee), by semester (the docteur junior bonus), and fees per day (acts_per_week)."""
    return (
        any(c.frequency not in ("monthly", "quarterly", "yearly") for c in scheme.published),
        any(c.payment_frequency == "quarterly" and c.frequency != "quarterly" for c in scheme.published)
        or bool(model.cpam and options.cpam_contract),
        model.semester_bonus is not None,
        bool(model.liberal and options.acts_per_week),
    )


def _month_class(month: dt.date, index: int, total_months: int, changes: tuple[dt.date, ...],
                 ranks: tuple[bool, bool, bool, bool]) -> tuple[object, ...] | None:
    """What a month's figures depend on besides its date, or None when the month must be computed on its own.

    Every input of _month and _settle is one of: the run's own arguments (scheme, model, region, method, options);
    the contract year; the values in force, which are the same for all months between two change days (a month a
    change falls within is computed on its own); the month's rank, for amounts paid once, by quarter or by semester
    and for the last month; and the number of days, for fees counted per day (see _rank_dependencies). Averages
    over a month with one value in force are that value whatever the month's length.
    tests/simulation/test_month_classes.py runs every scheme with and without classes and requires identical
    results."""
    last = month_end(month)
    period = bisect.bisect_right(changes, month)
    if period < len(changes) and changes[period] <= last:
        return None  # a value changes within the month
    once, quarterly, semester, per_day = ranks
    return (
        period, index // 12,
        index == total_months - 1,
        index == 0 if once else None,
        index % 3 if quarterly else None,
        index % 6 if semester else None,
        last.day if per_day else None,
    )


def _applies(c: PublishedComponent, region: str, year: int, month: dt.date) -> bool:
    if c.kind != "pay" or c.region not in (None, region):
        return False
    if (c.year_from and year < c.year_from) or (c.year_to and year > c.year_to):
        return False
    return not ((c.valid_from and month_end(month) < c.valid_from) or (c.valid_to and month > c.valid_to))


def _days_in_force(c: PublishedComponent, month: dt.date) -> tuple[int, int]:
    last = month_end(month)
    begin = max(month, c.valid_from) if c.valid_from else month
    end = min(last, c.valid_to) if c.valid_to else last
    return max((end - begin).days + 1, 0), last.day


def _period_fr(c: PublishedComponent) -> str:
    start = f"du {c.valid_from:%d/%m/%Y}" if c.valid_from else ""
    end = f"au {c.valid_to:%d/%m/%Y}" if c.valid_to else ""
    return " ".join(p for p in (start, end) if p) or "sur tout le mois"


def _month(
    scheme: SchemeData, model: PayModel, parameters: ParameterSet, region: str, month: dt.date, index: int,
    total_months: int, method: Method, options: Options, collector: _Collector, fixed_options: Options,
    key: tuple[object, ...] | None,
) -> Month:
    """One month: the lines no number the user types changes (published amounts, grids, allowances), then the
    lines from the user's inputs (gardes, astreintes, fees). `fixed_options` are the options without those inputs
    (_without_inputs); with the month's class (`key`, see _month_class), the first part is read from the lines kept
    (_FixedLines)."""
    if key is None:
        lines = list(_fixed_lines(scheme, model, parameters, region, month, index, total_months, method,
                                  fixed_options, collector))
    else:
        lines = list(fixed_lines(parameters).get(
            scheme, model, (region, method, fixed_options, key), collector, lambda recorder: _fixed_lines(
                scheme, model, parameters, region, month, index, total_months, method, fixed_options, recorder)))
    lines += _input_lines(model, parameters, month, options, collector)
    return Month(month, index // 12 + 1, tuple(lines), None, None, ZERO, ZERO, ZERO, None, None, None, None)


# The options only _input_lines reads: the numbers a candidate types for a month's variable income and the tax.
INPUT_OPTIONS = ("acts_per_week", "liberal_fees_monthly", "gardes_per_month", "astreintes_per_month", "astreinte_rate",
                 "tax", "tax_rate")
_NO_INPUTS = {name: getattr(Options(), name) for name in INPUT_OPTIONS}


def _without_inputs(options: Options) -> Options:
    """The options _fixed_lines reads: INPUT_OPTIONS back to their defaults, so that it cannot depend on them."""
    return replace(options, **_NO_INPUTS)


def _fixed_lines(
    scheme: SchemeData, model: PayModel, parameters: ParameterSet, region: str, month: dt.date, index: int,
    total_months: int, method: Method, options: Options, collector: _Collector,
) -> tuple[Line, ...]:
    """The month's lines that no number the user types changes: published components, grids, allowances,
    bonuses (INPUT_OPTIONS are at their defaults in `options`)."""
    year = index // 12 + 1
    lines: list[Line] = []
    applied: set[str] = set()
    equivalents = {code for line in model.lines for code in line.published}
    equivalents |= set(model.iespe_published or ()) | set(model.pet_published or ())

    # Published components: as the documents state them (the statutory method keeps only those it has no grid for).
    for c in scheme.published:
        if not _applies(c, region, year, month) or c.calculation != "fixed":
            continue
        if method == "statutory" and c.code in equivalents:
            continue
        if c.payer == "CPAM" and not options.cpam_contract:
            continue
        option = model.optional_components.get(c.code)
        if option is not None and not getattr(options, option):
            conditions = "; ".join(c.conditions)
            collector.note(M(f"« {c.label} » n'est comptée qu'avec l'option {option}=true ({conditions}).",
                             f"« {c.label} » is counted only with the option {option}=true ({conditions})."))
            continue
        if c.periphery_share_pct is not None and options.periphery_share != c.periphery_share_pct:
            continue
        amount, smoothed, formula = _published_amount(c, index, total_months)
        days, month_days = _days_in_force(c, month)
        if days != month_days:
            # An amount changed during this month: each version counts for the days it was in force.
            ratio = Decimal(days) / Decimal(month_days)
            amount, smoothed = amount * ratio, (smoothed * ratio if smoothed is not None else None)
            formula += f" × {days}/{month_days} jours (montant en vigueur {_period_fr(c)})"
        if c.code in model.share_components:
            share = Decimal(options.hospital_share or 0) / 100
            amount, smoothed = amount * share, (smoothed * share if smoothed is not None else None)
            formula += f" × {options.hospital_share} % (part hospitalière)"
        category = _category(c, model)
        applied.add(c.code)
        if c.derivation:
            collector.note(M(f"« {c.label} » : montant dérivé, qu'aucun document ne publie ({c.derivation})",
                             f"« {c.label} »: a derived amount, which no document publishes ({c.derivation})"))
        if amount:
            lines.append(Line(c.code, c.label, category, round_cents(amount), c.basis, c.payer,
                              "derived" if c.derivation else "published", formula, c.sources,
                              smoothed=round_cents(smoothed) if smoothed is not None else None,
                              unconfirmed=not c.confirmed, derivation=c.derivation))

    brochure = method == "statutory"
    # Statutory lines: always in the statutory method; in the published one, where no published figure applies.
    for line in model.lines:
        if method == "published" and applied & set(line.published):
            continue
        grid = _grid_line(line, parameters, month, year, options, method, collector)
        if brochure:
            grid = _with_brochure(grid, scheme, line.published, region, year, month, index, total_months,
                                  options, model)
        lines.append(grid)
    if model.iespe_published is not None and not (method == "published" and applied & set(model.iespe_published)):
        parameter = parameters["iespe-mensuelle"]
        amount, used = _month_average(parameter, month, collector)
        iespe = _traced(Line("iespe", parameter.label, "allowance", round_cents(amount), "gross",
                             "Établissement employeur",
                             _origin(method), f"{_fmt(amount)} € par mois", _sources(used), used))
        if brochure:
            iespe = _with_brochure(iespe, scheme, model.iespe_published, region, year, month, index, total_months,
                                   options, model)
        lines.append(iespe)
    if model.pet_published is not None and not (method == "published" and applied & set(model.pet_published)):
        share = Decimal(options.periphery_share or 0)
        if share:
            parameter = parameters["pet-mensuelle"]
            half_days = share / 10
            amount, used = _month_average(parameter, month, collector, scale_input=half_days)
            pet = _traced(Line("pet", parameter.label, "allowance", round_cents(amount), "gross",
                               "Établissement employeur", _origin(method),
                               f"{share} % hors site principal = {half_days} demi-journées par semaine "
                               f"→ {_fmt(amount)} € par mois", _sources(used), used))
            if brochure:
                pet = _with_brochure(pet, scheme, model.pet_published, region, year, month, index, total_months,
                                     options, model)
            lines.append(pet)

    if model.semester_bonus is not None:
        lines += _semester_bonus(model, parameters, month, index, total_months, options, collector)
    if model.zone_allowance is not None and options.zip_placement:
        parameter = parameters[model.zone_allowance]
        amount, used = _month_average(parameter, month, collector)
        lines.append(_traced(Line("indemnite-zip", parameter.label, "allowance", round_cents(amount), "gross",
                                  "CHU de rattachement", "input", f"{_fmt(amount)} € pour le mois (stage en ZIP)",
                                  _sources(used), used)))
    return tuple(lines)


def _input_lines(model: PayModel, parameters: ParameterSet, month: dt.date, options: Options,
                 collector: _Collector) -> list[Line]:
    """Variable income from the user's inputs (INPUT_OPTIONS), at the rates in force: a count the user types times
    a rate that depends on the month alone (_InputRate, computed once per parameter set and month)."""
    lines: list[Line] = []
    if model.garde and options.gardes_per_month:
        rate = _input_rate(parameters, ("garde rate", model.garde, month), collector,
                           partial(_garde_rate, model.garde, parameters, month))
        lines.append(rate.line(options.gardes_per_month))
    if model.astreinte and options.astreintes_per_month:
        # Kept for the default forfait (resolve_options fills in the floor) and no other: a rate the user types
        # could take any value in its range.
        compute = partial(_astreinte_line_rate, parameters, month, options)
        floor = parameters.get(ASTREINTE_FLOOR)
        default = options.astreinte_rate is None or (floor is not None and options.astreinte_rate == floor.newest.value)
        rate = (_input_rate(parameters, ("astreinte rate", month, options.astreinte_rate), collector, compute)
                if default else compute(collector))
        lines.append(rate.line(options.astreintes_per_month))
    if model.liberal and options.acts_per_week:
        parameter = parameters["tarif-consultation-g"]
        tariff, used = _month_average(parameter, month, collector)
        days = month_end(month).day
        fees = options.acts_per_week * days / 7 * tariff
        lines.append(_traced(Line("honoraires", "Honoraires (actes × tarif G en vigueur)", "liberal", round_cents(fees),
                                  "fees", "Patients / Assurance maladie", "input",
                                  f"{options.acts_per_week} actes/semaine × {days}/7 semaines × {_fmt(tariff)} €",
                                  _sources(used), used)))
        collector.note(FEES_NOTE)
    elif model.liberal and options.liberal_fees_monthly:
        lines.append(Line("honoraires", "Honoraires (montant saisi)", "liberal",
                          round_cents(options.liberal_fees_monthly),
                          "fees", "Patients / Assurance maladie", "input", "montant mensuel saisi", ()))
        collector.note(FEES_NOTE)
    return lines


@dataclass(frozen=True)
class _InputRate:
    """A rate for a count the user types (gardes or astreintes a month): the rate over the month, the line it makes
    without its amount and formula (`template`: label, sources, values used, origin), and the formula's text
    after the count."""

    rate: Decimal
    template: Line
    formula: str

    def line(self, count: Decimal) -> Line:
        return _changed(self.template, amount=round_cents(count * self.rate), formula=f"{count}{self.formula}")


def _input_rate(parameters: ParameterSet, key: tuple[object, ...], collector: _Collector,
                compute: Callable[[_Collector], _InputRate]) -> _InputRate:
    """The rate for `key`, computed once per parameter set (immutable, one per catalogue version) and month, with
    what its computation told the collector said again to each run's collector, in the same order (as _FixedLines
    does). At most a few keys per month of the window: a few hundred entries."""
    found = parameters.kept.get(key)
    if not isinstance(found, tuple):
        recorder = _Recorder()
        found = parameters.kept[key] = (compute(recorder), recorder)
    rate, recorder = found
    recorder.replay(collector)
    return cast(_InputRate, rate)


def _garde_rate(code: str, parameters: ParameterSet, month: dt.date, collector: _Collector) -> _InputRate:
    parameter = parameters[code]
    rate, used = _month_average(parameter, month, collector)
    formula = f" × {_fmt(rate)} €"
    if "garde-majoration-temporaire" in parameters:
        extra, extra_used = _optional_value(parameters["garde-majoration-temporaire"], month, collector)
        if extra:
            rate, used = rate * (1 + extra), used + extra_used
            formula += f" × (1 + {extra:.4f}) (majoration temporaire)"
    return _InputRate(rate, _traced(Line("gardes", parameter.label, "garde", ZERO, "gross", "Établissement employeur",
                                         "input", "", _sources(used), used)), formula)


def _astreinte_line_rate(parameters: ParameterSet, month: dt.date, options: Options,
                         collector: _Collector) -> _InputRate:
    rate, used, how = _astreinte_rate(parameters, month, options, collector)
    return _InputRate(rate, _traced(Line("astreintes", parameters["astreinte-nuit"].label, "garde", ZERO, "gross",
                                         "Établissement employeur", "input", "", _sources(used), used)),
                      f" × {_fmt(rate)} €{how}")


FEES_NOTE = M("Les honoraires sont comptés avant charges et cotisations sociales libérales (non modélisées).",
              "Fees are counted before practice costs and liberal social contributions (not modelled).")


def _category(c: PublishedComponent, model: PayModel) -> LineCategory:
    """What a published component is, as the pay model declares it (never guessed from its code)."""
    if c.payer == "CPAM":
        return "cpam"
    if c.code in (model.iespe_published or ()) or c.code in (model.pet_published or ()):
        return "allowance"
    return "bonus" if c.code in model.bonus_components else "salary"


def _origin(method: Method) -> Origin:
    return "statutory" if method == "statutory" else "statutory_fallback"


def _sources(used: tuple[UsedValue, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(source for u in used for source in u.value.sources))


def _published_amount(c: PublishedComponent, index: int, total_months: int) -> tuple[Decimal, Decimal | None, str]:
    """What is paid this month, and the smoothed monthly equivalent when it is paid less often than monthly."""
    per_month = {"monthly": Decimal(1), "quarterly": Decimal(3), "yearly": Decimal(12)}.get(c.frequency)
    if per_month is None:  # one-off: paid in the first month
        return (c.amount if index == 0 else ZERO), None, f"{_fmt(c.amount)} € une fois"
    monthly = c.amount / per_month
    if c.payment_frequency == "quarterly" and c.frequency != "quarterly":
        quarter_end = index % 3 == 2 or index == total_months - 1
        months_in_quarter = index % 3 + 1
        paid = monthly * months_in_quarter if quarter_end else ZERO
        return paid, monthly, (f"{_fmt(c.amount)} € par an, versés par trimestre : {_fmt(monthly * 3)} € en fin de "
                               f"trimestre (équivalent mensuel {_fmt(monthly)} €)")
    unit = {"monthly": "mois", "quarterly": "trimestre", "yearly": "an"}[c.frequency]
    formula = f"{_fmt(c.amount)} € par {unit}" + ("" if c.frequency == "monthly" else f" ÷ {per_month}")
    return monthly, None, formula


def _grid_line(line: StatutoryLine, parameters: ParameterSet, month: dt.date, year: int, options: Options,
               method: Method, collector: _Collector) -> Line:
    band_year = year + (options.seniority_years or 0 if line.by_seniority else 0)
    parameter = parameters[_step_code(line, band_year)]
    value, used = _month_average(parameter, month, collector)
    amount = value / 12 if line.annual else value
    formula = f"{_fmt(value)} € par an ÷ 12" if line.annual else f"{_fmt(value)} € par mois"
    if line.by_seniority:
        formula += f" (échelon : année {band_year} d'ancienneté)"
    if line.by_hospital_share:
        share = Decimal(options.hospital_share if options.hospital_share is not None else 100)
        amount = amount * share / 100
        formula += f" × {share} % (part hospitalière)"
    if method == "published":
        collector.note(M(f"« {line.label} » : aucun chiffre publié ne couvre certains mois ; la grille officielle "
                         "est utilisée pour ceux-là (origin: statutory_fallback).",
                         f"« {line.label} »: no published figure covers some months; the official grid is used for "
                         "them (origin: statutory_fallback)."))
    if line.note:
        collector.note(line.note)
    return _traced(Line(line.code, line.label, "salary", round_cents(amount), "gross", line.payer, _origin(method),
                        formula, _sources(used), used))


def _semester_bonus(model: PayModel, parameters: ParameterSet, month: dt.date, index: int, total_months: int,
                    options: Options, collector: _Collector) -> list[Line]:
    """Docteur junior MG: the activity bonus, paid at the end of each semester when the acts reach the threshold."""
    assert model.semester_bonus is not None
    amount_code, threshold_code = model.semester_bonus
    if not (index % 6 == 5 or index == total_months - 1):
        return []
    threshold, _ = parameters[threshold_code].at(max(month, parameters[threshold_code].first_day))
    acts = options.acts_per_month or ZERO
    assert threshold.value is not None
    if acts < threshold.value:
        collector.note(M(f"Prime à l'activité non due : {_fmt(acts)} actes par mois, sous le seuil de "
                         f"{_fmt(threshold.value)} actes ou consultations par mois en moyenne sur le semestre.",
                         f"Activity bonus not due: {_fmt(acts)} acts a month, under the threshold of "
                         f"{_fmt(threshold.value)} acts or consultations a month on average over the semester."))
        return []
    parameter = parameters[amount_code]
    value, carried = parameter.at(max(month, parameter.first_day))
    used = (collector.use(parameter, value, carried), collector.use(parameters[threshold_code], threshold, False))
    assert value.value is not None
    return [_traced(Line("prime-activite", parameter.label, "bonus", round_cents(value.value), "gross",
                         "CHU de rattachement", "input",
                         f"{_fmt(value.value)} € par semestre ({_fmt(acts)} actes par mois ≥ {_fmt(threshold.value)})",
                         _sources(used), used, smoothed=round_cents(value.value / 6)))]


def _traced(line: Line) -> Line:
    """Mark a line computed from values no text states as derived (with how) or unconfirmed."""
    derivations = tuple(dict.fromkeys(u.value.derivation for u in line.used if u.value.derivation))
    unconfirmed = any(not u.value.confirmed for u in line.used)
    if not derivations and not unconfirmed:
        return line
    origin = "derived" if derivations and line.origin != "input" else line.origin
    return _changed(line, origin=origin, unconfirmed=unconfirmed,
                    derivation=" ; ".join(derivations) if derivations else line.derivation)


def _astreinte_rate(parameters: ParameterSet, month: dt.date, options: Options,
                    collector: _Collector) -> tuple[Decimal, tuple[UsedValue, ...], str]:
    """One night's astreinte over the month: the national rate, then the establishment's forfait where it applies."""
    last = month_end(month)
    national = parameters["astreinte-nuit"]
    forfait = parameters.get(ASTREINTE_FLOOR)
    forfait_from = forfait.first_day if forfait is not None else None
    national_end = last if forfait_from is None else min(last, forfait_from - dt.timedelta(days=1))
    total, used, how = ZERO, [], ""
    if month <= national_end:
        for value, count, carried in national.segments(month, national_end):
            assert value.value is not None
            total += value.value * count
            used.append(collector.use(national, value, carried))
    if forfait is not None and forfait_from is not None and last >= forfait_from:
        days = (last - max(month, forfait_from)).days + 1
        rate = options.astreinte_rate if options.astreinte_rate is not None else forfait.newest.value
        assert rate is not None
        total += rate * days
        for code in (ASTREINTE_FLOOR, ASTREINTE_CEILING):
            value, carried = parameters[code].at(max(month, forfait_from))
            used.append(collector.use(parameters[code], value, carried))
        how = f" (forfait de l'établissement : {_fmt(rate)} € la nuit, option astreinte_rate)"
    return total / last.day, tuple(used), how


def _brochure_text(amount: Decimal, basis: str, approximate: bool, official: Line) -> M:
    fr_basis = {"net": " net", "gross": " brut"}.get(basis, "")
    en_basis = {"net": " net", "gross": " gross"}.get(basis, "")
    fr = f"La brochure annonce {'de l’ordre de ' if approximate else ''}{_fmt(amount)} €{fr_basis} ; " \
         f"la grille officielle donne {_fmt(official.amount)} € brut"
    en = f"The brochure announces {'about ' if approximate else ''}{_fmt(amount)} €{en_basis}; " \
         f"the official grid gives {_fmt(official.amount)} € gross"
    gap = official.amount - amount
    if basis == "net":
        close = abs(gap) <= official.amount * Decimal("0.10")
        return M(fr + ", avant cotisations salariales" + (" : le montant « net » de la brochure est proche du brut "
                                                          "officiel, sans les cotisations" if close else "") + ".",
                 en + ", before employee contributions" + (": the brochure's “net” figure is close to the official "
                                                           "gross, without the contributions" if close else "") + ".")
    if basis == "gross":
        if abs(gap) < Decimal("0.01"):
            return M(fr + " : les deux concordent.", en + ": they agree.")
        return M(fr + f", soit {_fmt(abs(gap))} € de {'plus' if gap > 0 else 'moins'}.",
                 en + f", {_fmt(abs(gap))} € {'more' if gap > 0 else 'less'}.")
    return M(fr + " (la brochure ne dit pas brut ou net).", en + " (the brochure does not say gross or net).")


def _with_brochure(line: Line, scheme: SchemeData, codes: tuple[str, ...] | None, region: str, year: int,
                   month: dt.date, index: int, total_months: int, options: Options, model: PayModel) -> Line:
    """Attach to an official line what the scheme's documents publish for it that month, in words."""
    if not codes:
        return line
    found = []
    for c in scheme.published:
        if c.code not in codes or c.calculation != "fixed" or not _applies(c, region, year, month):
            continue
        if c.periphery_share_pct is not None and options.periphery_share != c.periphery_share_pct:
            continue
        if c.derivation:  # a derived amount is not what a brochure publishes
            continue
        amount, smoothed, _ = _published_amount(c, index, total_months)
        days, month_days = _days_in_force(c, month)
        amount = (smoothed if smoothed is not None else amount) * Decimal(days) / Decimal(month_days)
        if c.code in model.share_components:
            amount = amount * Decimal(options.hospital_share or 0) / 100
        found.append((c, amount))
    if not found:
        return line
    amount = round_cents(sum((a for _, a in found), ZERO))
    basis = found[0][0].basis if len({c.basis for c, _ in found}) == 1 else "unspecified"
    approximate = any(c.approximate for c, _ in found)
    return _changed(line, brochure=Brochure(
        codes=tuple(c.code for c, _ in found), amount=amount, basis=basis, approximate=approximate,
        sources=tuple(dict.fromkeys(src for c, _ in found for src in c.sources)),
        text=_brochure_text(amount, basis, approximate, line)))


def _brochure_total(scheme: SchemeData, region: str, months: tuple[Month, ...]) -> BrochureTotal | None:
    """The documents' monthly figure for the first contract year, set against the official net of its first month."""
    if not months:
        return None
    first = months[0]
    stated = next((c for c in scheme.published if c.kind == "total" and c.region in (None, region)
                   and c.frequency == "monthly" and (c.year_from or 1) <= first.contract_year <= (c.year_to or 99)),
                  None)
    if stated is not None:
        amount, basis, approximate, sources = stated.amount, stated.basis, stated.approximate, stated.sources
        what = stated.label
    else:
        salary = [line for line in first.lines if line.category in SALARY]
        published: list[tuple[Decimal, Basis, bool, tuple[str, ...]]] = [
            (line.brochure.amount, line.brochure.basis, line.brochure.approximate, line.brochure.sources)
            for line in salary if line.brochure is not None
        ]
        # (A salary line is never `fees`, the basis of liberal fees only.)
        published += [(line.smoothed or line.amount, line.basis, False, line.sources)
                      for line in salary if line.origin == "published" and line.basis != "fees"]
        if not published:
            return None
        amount = sum((p[0] for p in published), ZERO)
        bases = {p[1] for p in published}
        basis = bases.pop() if len(bases) == 1 else "unspecified"
        approximate = any(p[2] for p in published)
        sources = tuple(dict.fromkeys(src for p in published for src in p[3]))
        what = "somme des montants publiés"
    official = first.net_salary
    difference = official - amount
    pct = round_half_up(abs(difference) / amount * 100, Decimal("0.1")) if amount else ZERO
    pct_text = f"{pct}".replace(".", ",")
    fr_basis, en_basis = {"net": (" net", " net"), "gross": (" brut", " gross")}.get(basis, ("", ""))
    fr = (f"La brochure annonce {'de l’ordre de ' if approximate else ''}{_fmt(amount)} €{fr_basis} par mois ({what}). "
          f"Selon les grilles officielles et les cotisations salariales en vigueur, le premier mois "
          f"({first.month:%m/%Y}) donne {_fmt(official)} € net")
    en = (f"The brochure announces {'about ' if approximate else ''}{_fmt(amount)} €{en_basis} a month ({what}). "
          f"By the official grids and the employee contributions in force, the first month ({first.month:%m/%Y}) "
          f"gives {_fmt(official)} € net")
    if abs(difference) < 1:
        fr, en = fr + " : les deux concordent.", en + ": they agree."
    else:
        fr += f", soit {_fmt(abs(difference))} € de {'plus' if difference > 0 else 'moins'} ({pct_text} %)."
        en += f", {_fmt(abs(difference))} € {'more' if difference > 0 else 'less'} ({pct} %)."
    if basis == "net" and first.gross is not None and abs(first.gross - amount) < abs(official - amount):
        fr += (f" Le montant de la brochure est plus proche du brut officiel ({_fmt(first.gross)} €) que du net : "
               "il ne déduit pas les cotisations salariales.")
        en += (f" The brochure's figure is closer to the official gross ({_fmt(first.gross)} €) than to the net: it "
               "does not deduct the employee contributions.")
    text = M(fr, en)
    return BrochureTotal(month=first.month, amount=amount, basis=basis, approximate=approximate, official_net=official,
                         official_gross=first.gross, difference=difference, sources=sources, text=text)


def _missing_inputs(scheme: SchemeData, model: PayModel, given: Options, resolved: Options, parameters: ParameterSet,
                    region: str, start: dt.date) -> tuple[MissingInput, ...]:
    """Inputs left at their default that drive a large part of the income: named, with what they change."""
    out: list[MissingInput] = []
    if model.liberal and given.acts_per_week is None and given.liberal_fees_monthly is None:
        effect = M("acts_per_week non renseigné : la part soins (honoraires) est comptée à 0 €, alors qu'elle fait une "
                   "grande partie du revenu ; donnez le nombre d'actes par semaine (ou liberal_fees_monthly).",
                   "acts_per_week not given: the care part (fees) counts for 0 €, though it makes a large part of "
                   "the income; give the number of acts a week (or liberal_fees_monthly).")
        if model.cpam:
            effect += M(" Le complément de rémunération CPAM (cpam_contract) se calcule aussi à partir de ce nombre.",
                        " The CPAM complement (cpam_contract) is computed from that number too.")
        out.append(MissingInput("acts_per_week", effect))
    if model.garde is not None and given.gardes_per_month is None and model.garde in parameters:
        value, _ = parameters[model.garde].at(start)
        rate = _fmt(value.value or ZERO)
        out.append(MissingInput("gardes_per_month", M(
            f"gardes_per_month non renseigné : aucune garde n'est comptée (une garde complète est payée "
            f"{rate} € brut).",
            f"gardes_per_month not given: no garde is counted (a full garde is paid {rate} € gross)."),
            sources=value.sources))
    if model.astreinte and given.astreintes_per_month is None:
        out.append(MissingInput("astreintes_per_month", M(
            "astreintes_per_month non renseigné : aucune astreinte n'est comptée.",
            "astreintes_per_month not given: no astreinte is counted.")))
    if (model.astreinte and resolved.astreintes_per_month and given.astreinte_rate is None
            and ASTREINTE_FLOOR in parameters and ASTREINTE_CEILING in parameters):
        floor = _fmt(parameters[ASTREINTE_FLOOR].newest.value or ZERO)
        ceiling = _fmt(parameters[ASTREINTE_CEILING].newest.value or ZERO)
        out.append(MissingInput("astreinte_rate", M(
            f"astreinte_rate non renseigné : le forfait de nuit est compté au plancher de {floor} € ; chaque "
            f"établissement le fixe entre {floor} et {ceiling} €.",
            f"astreinte_rate not given: the night forfait is counted at its floor of {floor} €; each establishment "
            f"sets it between {floor} and {ceiling} €."), typical_range=f"{floor}–{ceiling} € par nuit",
            sources=parameters[ASTREINTE_FLOOR].newest.sources))
    if model.semester_bonus is not None and given.acts_per_month is None:
        threshold = parameters[model.semester_bonus[1]].newest
        acts = _fmt(threshold.value or ZERO)
        out.append(MissingInput("acts_per_month", M(
            f"acts_per_month non renseigné : la prime à l'activité (due à partir de {acts} actes ou consultations par "
            "mois en moyenne sur le semestre) n'est pas comptée.",
            f"acts_per_month not given: the activity bonus (due from {acts} acts or consultations a month on average "
            "over the semester) is not counted."), sources=threshold.sources))
    if model.zone_allowance is not None and given.zip_placement is None:
        allowance = parameters[model.zone_allowance].newest
        amount = _fmt(allowance.value or ZERO)
        out.append(MissingInput("zip_placement", M(
            f"zip_placement non renseigné : l'indemnité de stage en zone d'intervention prioritaire ({amount} € brut "
            "par mois) n'est pas comptée.",
            f"zip_placement not given: the allowance for a placement in a zone d'intervention prioritaire ({amount} € "
            "gross a month) is not counted."), sources=allowance.sources))
    if model.hospital_share and given.hospital_share is None and not split_stated(scheme, region):
        out.append(MissingInput("hospital_share", M(
            f"hospital_share non renseigné : {resolved.hospital_share} % de temps hospitalier est supposé, aucune "
            "source de cette région ne fixant la répartition.",
            f"hospital_share not given: {resolved.hospital_share} % hospital time is assumed, no source of this "
            "region setting the split.")))
    return tuple(out)


def _cpam_guarantee(scheme: SchemeData, model: PayModel, parameters: ParameterSet, months: list[Month],
                    days: tuple[dt.date, ...], options: Options, collector: _Collector) -> list[Month]:
    """CCU-MG: the CPAM tops fees up to a gross income per quarter, paid in the quarter's last month, under a number
    of acts a week (a dated parameter). `months` may hold a class's first month for its later ones (_all_months):
    where the guarantee applies, each is dated `days[i]` first."""
    top_up = next((c for c in scheme.published if c.calculation == "top_up_to"), None)
    if not (model.cpam and model.cpam_acts_threshold and options.cpam_contract and top_up is not None and months):
        return months
    months = [m if m.month == day else _dated(m, day) for m, day in zip(months, days, strict=True)]
    parameter = parameters[model.cpam_acts_threshold]
    threshold, carried = parameter.at(max(months[0].month, parameter.first_day))
    assert threshold.value is not None
    rule = collector.use(parameter, threshold, carried)
    limit = _fmt_count(threshold.value)
    if not options.acts_per_week:
        collector.note(M(f"Le complément de rémunération CPAM se calcule à partir de acts_per_week (moins de {limit} "
                         "actes par semaine) : donnez ce nombre pour le compter.",
                         f"The CPAM complement is computed from acts_per_week (under {limit} acts a week): give that "
                         "number to count it."))
        return months
    if options.acts_per_week >= threshold.value:
        collector.note(M(f"Complément de rémunération CPAM non dû : {limit} actes par semaine ou plus.",
                         f"CPAM complement not due: {limit} acts a week or more."))
        return months
    out = list(months)
    for end in range(2, len(months) + 2, 3):
        last = min(end, len(months) - 1)
        first = last - (last % 3)
        quarter = months[first:last + 1]
        fees = sum((line.amount for m in quarter for line in m.lines if line.category == "liberal"), ZERO)
        ceiling = top_up.amount * len(quarter) / 3
        complement = max(ZERO, ceiling - fees)
        if complement:
            line = Line(top_up.code, top_up.label, "cpam", round_cents(complement), top_up.basis, top_up.payer,
                        "published", f"max(0 ; {_fmt(ceiling)} € − honoraires du trimestre {_fmt(fees)} €)",
                        top_up.sources, (rule,), smoothed=round_cents(complement / len(quarter)))
            out[last] = replace(out[last], lines=(*out[last].lines, line))
        if last == len(months) - 1:
            break
    return out


def _reconcile_totals(scheme: SchemeData, region: str, months: tuple[Month, ...], collector: _Collector) -> None:
    """A document's stated total (« de l'ordre de 3 883 € ») set against the sum of the figures it publishes."""
    for total in scheme.published:
        if total.kind != "total" or total.region not in (None, region) or total.frequency != "monthly":
            continue
        month = next((m for m in months if (total.year_from or 1) <= m.contract_year <= (total.year_to or 99)), None)
        if month is None:
            continue
        published = sum((line.amount for line in month.lines if line.origin == "published" and line.basis == total.basis
                         and line.category in SALARY), ZERO)
        words, words_en = ("de l'ordre de ", "of about ") if total.approximate else ("", "")
        agrees = abs(published - total.amount) <= (1 if total.approximate else 0)
        collector.note(M(f"Le document publie un total {words}{_fmt(total.amount)} € ({total.label}) ; la somme des "
                         f"montants publiés fait {_fmt(published)} € : le total {'concorde' if agrees else 'diffère'}.",
                         f"The document publishes a total {words_en}{_fmt(total.amount)} € ({total.label}); the "
                         f"published amounts add up to {_fmt(published)} €: the total "
                         f"{'agrees' if agrees else 'differs'}."))


def _settle(month: Month, model: PayModel, parameters: ParameterSet, options: Options, collector: _Collector) -> Month:
    """Gross → net with the contributions in force, then the income tax withheld at source."""
    # One pass over the lines: salary lines stated gross or net, the other income, and the gross sums.
    salary = False
    gross_lines: list[Line] = []
    net_lines: list[Line] = []
    other = gross_total = excluded = ZERO
    excluded_codes = model.ircantec_excluded
    for line in month.lines:
        if line.category not in SALARY:
            other += line.amount
            continue
        salary = True
        if line.basis == "gross":
            gross_lines.append(line)
            gross_total += line.amount
            if line.code in excluded_codes:
                excluded += line.amount
        elif line.basis == "net":
            net_lines.append(line)
    pay = gross_to_net(gross_total, month.month, parameters,
                       ircantec_base=gross_total - excluded if excluded else None) if gross_lines else None
    if pay is not None and model.ircantec_unconfirmed is not None:
        codes, why = model.ircantec_unconfirmed
        part = sum((line.amount for line in gross_lines if line.code in codes), ZERO)
        if part:
            pay = pay._replace(deductions=tuple(
                d._replace(unconfirmed=True) if d.code.startswith("ircantec") else d for d in pay.deductions))
            if not collector.ircantec_gap_noted:  # once, with the first month's figure: a second net only then
                collector.ircantec_gap_noted = True
                without = gross_to_net(gross_total, month.month, parameters, ircantec_base=gross_total - part)
                gap = without.net - pay.net
                collector.note(why + M(f" Sans IRCANTEC sur cette part, le net serait plus élevé de {_fmt(gap)} € "
                                       f"(premier mois, {month.month:%m/%Y}).",
                                       f" Without IRCANTEC on that part, the net would be {_fmt(gap)} € higher "
                                       f"(first month, {month.month:%m/%Y})."))
    if pay is not None:
        collector.use_all(parameters, pay.used)
    if gross_lines and net_lines:
        collector.note(M("Chiffres publiés en net et en brut dans le même mois : les cotisations sont calculées sur la "
                         "seule part brute (approximation : le plafond de la sécurité sociale est appliqué à cette "
                         "part).",
                         "Net and gross published figures in the same month: contributions are computed on the gross "
                         "part alone (an approximation: the social security ceiling is applied to that part)."))
    net_salary = sum((line.amount for line in net_lines), ZERO) + (pay.net if pay else ZERO)
    gross = gross_total if salary and not net_lines else None
    net = net_salary + other

    tax_base = tax_rate = tax = after = None
    tax_used: tuple[UsedValue, ...] = ()
    if options.tax != "none":
        tax_base = sum((line.amount for line in net_lines), ZERO) + (pay.taxable if pay else ZERO)
        if net_lines:
            collector.note(M("Base de l'impôt : les montants publiés en net sont pris comme imposables (la CSG non "
                             "déductible et la CRDS qu'ils contiennent ne sont pas connues).",
                             "Tax base: amounts published net are taken as taxable (the non-deductible CSG and the "
                             "CRDS they contain are not known)."))
        if options.tax == "personal":
            tax_rate = (options.tax_rate or ZERO) / 100
        else:
            parameter = parameters.get("taux-neutre-mensuel")
            try:
                value, carried = parameter.at(month.month) if parameter else (None, False)
            except MissingParameter:
                value, carried = None, False
            if value is None or parameter is None:
                collector.note(M("Taux neutre : grille inconnue pour certains mois ; l'impôt n'y est pas calculé "
                                 "(donnez un taux personnel avec tax=personal).",
                                 "Taux neutre: no known grid for some months; the tax is not computed there (give a "
                                 "personal rate with tax=personal)."))
            else:
                tax_used = (collector.use(parameter, value, carried),)
                tax_rate = value.lookup(tax_base)
        if tax_rate is not None:
            tax = round_cents(tax_base * tax_rate)
            after = net - tax
        if other:
            collector.note(M("L'impôt prélevé à la source porte sur le salaire ; les honoraires et versements CPAM "
                             "relèvent d'acomptes, non calculés ici.",
                             "Tax withheld at source applies to the salary; fees and CPAM payments fall under "
                             "instalments, not computed here."))
    return _changed(month, gross=gross, pay=pay, net_salary=net_salary, other_income=other, net=net,
                   tax_base=tax_base, tax_rate=tax_rate, tax=tax, net_after_tax=after, tax_used=tax_used)


def yearly(result: Result) -> dict[int, list[Month]]:
    years: dict[int, list[Month]] = defaultdict(list)
    for month in result.months:
        years[month.contract_year].append(month)
    return years


__all__ = [
    "Brochure",
    "BrochureTotal",
    "Line",
    "Method",
    "MissingInput",
    "MissingParameter",
    "Month",
    "OptionSpec",
    "Options",
    "PublishedComponent",
    "Result",
    "SchemeData",
    "SimulationError",
    "Window",
    "add_months",
    "option_specs",
    "simulate",
    "window",
    "yearly",
]
