"""Request and response bodies of the simulation API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from app.catalogue.schemas import Money
from app.core.values import IsoDate
from app.simulation.options import OPTIONS

Method = Literal["published", "statutory"]
Rate = Annotated[Decimal, Field(description="A fraction (0.069 = 6,9 %).")]
RateOut = Annotated[Rate, Money.__metadata__[0]]  # same JSON-number rendering as money
# A bound, default or threshold: an exact Decimal in the app, a JSON number only in the response text (never a float).
Number = Annotated[Decimal, Money.__metadata__[0]]


def _options_model() -> type[BaseModel]:
    # The fields come from the one declaration of the options (app/simulation/options.py).
    fields: dict[str, Any] = {o.name: (o.type, Field(**o.field)) for o in OPTIONS}
    return create_model("SimulationOptions", __config__=ConfigDict(extra="forbid"), **fields)


class SimulationOptions(_options_model()):  # type: ignore[misc]
    """Options a scheme may take (see `GET /schemes/{slug}/simulation` for which, their ranges and defaults)."""


class SimulationRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"scheme": "ccu-ah", "region": "32", "start": "2027-11-01", "months": 24},
                {"scheme": "ccu-mg", "region": "32", "start": "2027-05-01", "months": 96,
                 "options": {"acts_per_week": 30, "cpam_contract": True}},
                {"scheme": "atp-regional", "region": "32", "start": "2027-11-01", "months": 24, "method": "published",
                 "options": {"periphery_share": 50, "gardes_per_month": 4, "tax": "neutral"}},
            ]
        },
    )

    scheme: str = Field(max_length=80, description="Scheme slug.", examples=["ccu-ah"])
    region: str = Field(pattern=r"^\d{2}$", description="INSEE code of a region where the scheme is offered.",
                        examples=["32"])
    start: IsoDate = Field(description="First day of the contract (the first of a month).", examples=["2027-11-01"])
    months: int = Field(ge=1, le=120, description="Length of the contract in months.", examples=[24])
    method: Method = Field(
        default="statutory",
        description="`statutory` (default): the official gross grids, then the employee contributions in force — the "
        "official net; each component also shows what the documents publish for it (`brochure`). `published`: the "
        "figures the documents publish (net or gross as they say), the official grids only where none is published.",
    )
    options: SimulationOptions = Field(default_factory=SimulationOptions)


class SimulationQuery(SimulationOptions):
    """The same request as query parameters, for shareable links: options are flattened."""

    scheme: str = Field(max_length=80, description="Scheme slug.", examples=["ccu-ah"])
    region: str = Field(pattern=r"^\d{2}$", description="INSEE region code.", examples=["32"])
    start: IsoDate = Field(description="First day of the contract.", examples=["2027-11-01"])
    months: int = Field(ge=1, le=120, description="Length of the contract in months.", examples=[24])
    method: Method = Field(default="statutory", description="statutory (default: the official net) or published.")
    format: Literal["json", "csv"] | None = Field(default=None,
                                                  description="`csv` for a CSV export, `json` for JSON, whatever "
                                                              "`Accept` says.")
    lang: Literal["fr", "en"] | None = Field(default=None,
                                             description="Language of the notes and messages: `fr` (default) or `en` "
                                                         "(same as `Accept-Language: en`).")

    def to_request(self) -> SimulationRequest:
        options = SimulationOptions(**self.model_dump(include=set(SimulationOptions.model_fields)))
        return SimulationRequest(scheme=self.scheme, region=self.region, start=self.start, months=self.months,
                                 method=self.method, options=options)


SourceId = Annotated[str, Field(pattern=r"^s\d+$", description="The id of a source in the answer's `sources`.",
                                examples=["s1"])]


class ParameterRef(BaseModel):
    code: str = Field(examples=["pmss"], description="A parameter of the answer's `parameters` (with `valid_from`).")
    valid_from: dt.date


class BrochureLine(BaseModel):
    """What the scheme's documents publish for the same line, beside the official figure."""

    codes: list[str] = Field(description="The pay components of the catalogue stating it.")
    amount: Money = Field(description="The published amount for this month (monthly equivalent).")
    basis: Literal["gross", "net", "unspecified"]
    approximate: bool
    difference: Money = Field(description="Official amount − published amount (the official one is gross).")
    text: str = Field(examples=["La brochure annonce 1 392,00 € net ; la grille officielle donne 1 480,90 € brut, "
                                "avant cotisations salariales."])
    sources: list[SourceId]


class ComponentDefinition(BaseModel):
    """What a pay component is, listed once: the lines of `breakdowns` refer to it by `id`."""

    id: str = Field(examples=["universitaire"], description="The component's code (a suffix `~2`, `~3`… when the "
                                                            "same code is paid on different terms in one answer).")
    code: str = Field(examples=["universitaire"])
    label: str
    category: Literal["salary", "allowance", "bonus", "garde", "liberal", "cpam"]
    basis: Literal["gross", "net", "unspecified", "fees"] = Field(
        description="`gross`/`net` as stated; `unspecified` when the source does not say; `fees`: liberal fees before "
                    "charges."
    )
    payer: str
    origin: Literal["published", "statutory", "statutory_fallback", "derived", "input"] = Field(
        description="`published`: a figure of a source document; `statutory`: an official grid; `statutory_fallback`: "
        "an official grid used in the published method because no document publishes that figure; `derived`: computed "
        "from official figures that no text states as such (see `derivation`); `input`: your inputs × official rates."
    )
    unconfirmed: bool = Field(description="True when a value used here is stated by no official text.")
    derivation: str | None = Field(description="How a derived value was computed.")


class ComponentLine(BaseModel):
    """A component as paid in a month, listed once for every breakdown it is part of."""

    id: str = Field(pattern=r"^c\d+$", examples=["c1"])
    component: str = Field(examples=["universitaire"], description="The `id` of its entry in `components`.")
    amount: Money = Field(description="Paid this month.")
    formula: str = Field(examples=["1 392,00 € par mois"])
    smoothed_monthly: Money | None = Field(description="Monthly equivalent of an amount paid less often (quarterly).")
    projected: bool = Field(description="True when a value used here is carried forward past the date it is known "
                                        "until.")
    known_until: dt.date | None = Field(description="The date the carried-forward value is known until.")
    brochure: BrochureLine | None = Field(description="Statutory method: what the documents publish for this line.")
    sources: list[SourceId]
    parameters: list[ParameterRef]


class ContributionDefinition(BaseModel):
    """An employee contribution, listed once: the lines of `breakdowns` refer to it by `code`."""

    code: str = Field(examples=["vieillesse_plafonnee"])
    label: str
    formula: str = Field(examples=["min(brut, PMSS) × taux"])


class ContributionLine(BaseModel):
    """A contribution as withheld in a month, listed once for every breakdown it is part of."""

    id: str = Field(pattern=r"^k\d+$", examples=["k1"])
    contribution: str = Field(examples=["vieillesse_plafonnee"], description="The `code` of its entry in "
                                                                             "`contributions`.")
    base: Money
    rate: RateOut
    amount: Money = Field(description="Unrounded for CSG/CRDS (as OpenFisca), per line rounded for the others.")
    projected: bool = Field(description="True when its rate or ceiling is carried forward past the date it is known "
                                        "until.")
    known_until: dt.date | None
    unconfirmed: bool = Field(description="True when no official text says this contribution applies to all of its "
                                          "base (see notes).")


class Breakdown(BaseModel):
    """The detail of a month, listed once for every month it is the same for."""

    id: str = Field(pattern=r"^b\d+$", examples=["b1"])
    months: list[str] = Field(description="The months (YYYY-MM) it is the detail of.", examples=[["2027-11",
                                                                                                  "2027-12"]])
    components: list[str] = Field(description="The `id`s of its lines in `component_lines`, in order.",
                                  examples=[["c1", "c2"]])
    contributions: list[str] = Field(description="The `id`s of its lines in `contribution_lines`, in order.",
                                     examples=[["k1", "k2"]])


class MonthTax(BaseModel):
    """Income tax withheld at source, when a tax option is given."""

    base: Money = Field(description="The taxable amount of the month.")
    rate: RateOut
    amount: Money
    net_after_tax: Money


class MonthOut(BaseModel):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2027-11"])
    contract_year: int = Field(examples=[1])
    projected: bool = Field(description="True when a value used this month is carried forward past the date it is "
                                        "known until.")
    gross: Money | None = Field(description="Gross salary, when every salary figure of the month is known gross.")
    contributions_total: Money | None
    net_salary: Money = Field(description="Salary after employee contributions.")
    other_income: Money = Field(description="Liberal fees and CPAM payments, before liberal charges.")
    net: Money = Field(description="net_salary + other_income, before income tax.")
    tax: MonthTax | None = Field(description="Null without a tax option (`options.tax`).")
    breakdown: str = Field(pattern=r"^b\d+$", examples=["b1"],
                           description="The `id` of this month's detail in `breakdowns`: components and contributions.")


class DocumentOut(BaseModel):
    """A document of the catalogue, listed once (the whole of it: `GET /sources/{id}`)."""

    id: str = Field(examples=["pay-facts"])
    title: str
    file: str | None


class SourceOut(BaseModel):
    """One citation, listed once and referred to by `id`: the words quoted from a document."""

    id: str = Field(pattern=r"^s\d+$", examples=["s1"])
    document: str | None = Field(description="The `id` of the document in `documents` (null: a citation that names "
                                             "no document of the catalogue, given whole in `quote`).",
                                 examples=["pay-facts"])
    quote: str | None = Field(description="The words quoted from it (null: the document as a whole).")


class Totals(BaseModel):
    gross: Money | None
    net_salary: Money
    other_income: Money
    net: Money
    tax: Money | None
    net_after_tax: Money | None


class YearSummary(Totals):
    contract_year: int
    months: int
    first_month: str
    last_month: str


class ParameterUsed(BaseModel):
    code: str
    label: str
    value: RateOut | None = Field(description="The value (euros or a rate); null for a scale.")
    brackets: list[dict[str, Number]] | None = None
    valid_from: dt.date
    valid_to: dt.date | None
    confirmed: bool = Field(description="False when no official text confirms the value (derived or reported).")
    derivation: str | None = Field(default=None, description="How a derived value was computed from official figures.")
    carried_forward: bool = Field(description="True when used past its known period (the last known value).")
    sources: list[SourceId]


class MethodCheck(BaseModel):
    method: Method
    other_method: Method
    total_net: Money
    other_total_net: Money | None
    difference: Money | None
    agree: bool | None = Field(description="Whether both methods give the same total net within 1 %; null when "
                               "there is nothing to compare (no published figure, or the other method cannot run).")
    detail: str


class ProjectedValue(BaseModel):
    code: str = Field(examples=["pmss"])
    label: str
    valid_from: dt.date = Field(description="Start of the last known value, carried forward.")
    known_until: dt.date = Field(description="The last day a text gives this value for.")


class Projection(BaseModel):
    """Months past the date some value is known until: the last known values are carried forward."""

    first_month: str = Field(examples=["2027-01"])
    months: int = Field(description="How many months of the simulation are projected.")
    values: list[ProjectedValue]
    text: str


class MissingInput(BaseModel):
    option: str = Field(examples=["acts_per_week"])
    effect: str = Field(description="What leaving it at its default does to the result.")
    typical_range: str | None = Field(description="A range a source gives, if any.")
    sources: list[SourceId]


class BrochureTotal(BaseModel):
    """The documents' monthly figure set against the official net of the first month."""

    month: str = Field(examples=["2027-11"])
    amount: Money
    basis: Literal["gross", "net", "unspecified"]
    approximate: bool
    official_net: Money
    official_gross: Money | None
    difference: Money = Field(description="Official net − the brochure's figure.")
    text: str
    sources: list[SourceId]


class SchemeRef(BaseModel):
    slug: str
    name: str
    url: str


class SimulationInputs(SimulationRequest):
    options: dict[str, object] = Field(description="Every option as understood, with defaults filled in.")  # type: ignore[assignment]


class SimulationResult(BaseModel):
    """Month by month, every figure explained; what repeats is listed once and referred to by id. A month points at
    its detail in `breakdowns` (one per set of identical months), which lists the ids of its lines in
    `component_lines` and `contribution_lines`; a line points at what it is in `components` or `contributions`, at
    the values it uses in `parameters` and at its citations in `sources`, which name the documents of `documents`."""

    inputs: SimulationInputs
    scheme: SchemeRef
    months: list[MonthOut]
    breakdowns: list[Breakdown] = Field(description="The detail of the months, each listed once.")
    component_lines: list[ComponentLine] = Field(description="The pay lines the breakdowns refer to.")
    contribution_lines: list[ContributionLine] = Field(description="The contribution lines the breakdowns refer to.")
    components: list[ComponentDefinition] = Field(description="What each pay line's component is.")
    contributions: list[ContributionDefinition] = Field(description="What each contribution line's contribution "
                                                                    "is.")
    totals: Totals
    monthly_average: Totals
    years: list[YearSummary]
    parameters: list[ParameterUsed] = Field(description="Every parameter value used, with its period and source.")
    sources: list[SourceOut] = Field(description="Every citation the answer refers to by id.")
    documents: list[DocumentOut] = Field(description="The documents the citations quote.")
    notes: list[str] = Field(description="Assumptions, fallbacks and limits that apply to this result.")
    projection: Projection | None = Field(description="Null when every value used is known for every month.")
    missing_inputs: list[MissingInput] = Field(description="Inputs left at a default that drives a large part of the "
                                                           "income.")
    brochure: BrochureTotal | None = Field(description="Statutory method: the documents' figure beside the official "
                                                       "net.")
    method_check: MethodCheck


class OptionOut(BaseModel):
    name: str
    type: Literal["integer", "number", "boolean"]
    default: bool | int | Number | str | None
    minimum: Number | None
    maximum: Number | None
    description: str


class Coverage(BaseModel):
    first_start: dt.date = Field(description="Earliest start date with pay data.")
    last_start: dt.date = Field(description="Latest start accepted: 36 months past the newest official value.")
    known_until: dt.date | None = Field(description="Past this day at least one value is carried forward: months after "
                                                    "it are `projected`.")
    text: str


class SimulationOptionsOut(BaseModel):
    scheme: SchemeRef
    regions: list[str] = Field(description="INSEE codes where the scheme can be simulated.")
    max_months: int | None
    methods: list[Method]
    options: list[OptionOut]
    coverage: Coverage


class CompareItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, max_length=120, description="Your name for this column.")
    scheme: str = Field(max_length=80)
    region: str = Field(pattern=r"^\d{2}$")
    method: Method = "statutory"
    options: SimulationOptions = Field(default_factory=SimulationOptions)


# The total work of one comparison, in months simulated (items × months): 600 takes about 0.15 s of CPU, where
# 30 items × 120 months (3 600) took 0.5 s. Room for 25 schemes over 24 months, 12 over 48, 6 over 96, 5 over 120.
MAX_COMPARE_MONTHS = 600


class CompareRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"start": "2027-11-01", "months": 24, "items": [
                    {"scheme": "ccu-ah", "region": "32"},
                    {"scheme": "atp-regional", "region": "32", "options": {"periphery_share": 50}},
                    {"scheme": "assistant-bachelot", "region": "32", "options": {"periphery_share": 20}},
                ]}
            ]
        },
    )

    start: IsoDate = Field(examples=["2027-11-01"])
    months: int = Field(ge=1, le=120, examples=[24])
    items: list[CompareItem] = Field(
        min_length=1, max_length=30,
        description=f"The columns. With `months`, at most {MAX_COMPARE_MONTHS} months simulated in all (items × "
                    "months).",
    )


class CompareColumn(BaseModel):
    label: str
    inputs: SimulationInputs
    totals: Totals
    monthly_average: Totals
    net_by_month: list[Money]
    notes: list[str]


class CompareResult(BaseModel):
    start: dt.date
    months: list[str] = Field(description="The months, in the order of every column's net_by_month.")
    items: list[CompareColumn]
