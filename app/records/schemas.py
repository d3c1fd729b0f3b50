"""Record schemas for the catalogue's input: one per kind of record in `seed/*.yaml`.

They validate each row on its own (types, allowed values, ranges); references between rows
(a scheme slug, a region code, a source id) are checked by the loader, which sees every file.
The same schemas validate the records written through the API (app/records).
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)

from app.core.text import Email, FileName, Name, Note, Phone, Quote, Url
from app.core.values import (
    ExactDecimal,
    FreeForm,
    IsoDate,
    IsoRegionCode,
    OptionalExactDecimal,
    RegionCode,
    Slug,
    invalid,
)
from app.core.vocabulary import (
    Audience,
    Basis,
    Calculation,
    Category,
    Discipline,
    EventKind,
    Evidence,
    Frequency,
    ParameterKind,
    ParameterUnit,
    PayKind,
    Precision,
    Recurrence,
    RuleKind,
    Scope,
    SourceKind,
)

# The closed value lists of the catalogue's columns (Audience, Basis, EventKind…) are in app/core/vocabulary.py;
# the value types (ids, codes, exact decimals, dates) in app/core/values.py.


class Record(BaseModel):
    # Every text field is one of app/core/text.py's types (length, characters, NFC), ids and codes are ASCII patterns.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Versioned(Record):
    """A record kept as dated versions: first and last day in force, both inclusive; None is open-ended.

    A change adds a version from a date and ends the previous one the day before; retiring ends the last one.
    The seed may list several versions of one record (same id, successive dates): that is its history.
    """

    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None

    @model_validator(mode="after")
    def _period(self) -> Versioned:
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise invalid("valid_from est postérieur à valid_to", "valid_from is after valid_to")
        return self


class SourceRef(Record):
    """Where a fact comes from: a source id from sources.yaml and the sentence that states it."""

    doc: Slug
    quote: Quote | None = None
    note: Note | None = None


Sources = Annotated[list[SourceRef], Field(min_length=1)]


class SourceIn(Record):
    id: Slug
    kind: SourceKind
    title: Note
    file: FileName | None = None
    publisher: Name
    region: RegionCode | None = None
    published_on: IsoDate | None = None
    published_text: Name | None = None
    url: Url | None = None
    signed_by: list[Name] = []
    # The day we read a web page (or a text's copy on the web): pages change, the quote is of that day's page.
    read_on: IsoDate | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _document_has_file(self) -> SourceIn:
        if self.kind == "document" and not self.file:
            raise invalid("une source de type « document » demande le nom du fichier où elle a été lue (file)",
                          "a source of kind 'document' needs the file name it was read from")
        if self.kind == "web_page" and not (self.url and self.read_on):
            raise invalid("une source de type « web_page » demande son adresse (url) et le jour où elle a été lue "
                          "(read_on)",
                          "a source of kind 'web_page' needs its address (url) and the day it was read (read_on)")
        return self


class RegionIn(Record):
    code: RegionCode
    name: Name
    iso_code: IsoRegionCode | None = None
    # What a reader of the region should know (no CHU there, the subdivision it is attached to), each said by a
    # quoted source in `sources`.
    notes: list[Note] = []
    sources: Sources


class SpecialtyIn(Record):
    code: Slug
    name: Name
    is_mg: StrictBool = False
    discipline: Discipline
    sources: Sources


class DurationIn(Record):
    """Duration rules in months; None where the documents do not say."""

    initial_months: StrictInt | None = Field(default=None, ge=1, le=120)
    renewals: StrictInt = Field(default=0, ge=0, le=10)
    renewal_months: StrictInt | None = Field(default=None, ge=1, le=120)
    standard_max_months: StrictInt | None = Field(default=None, ge=1, le=120)
    max_months: StrictInt | None = Field(default=None, ge=1, le=120)
    max_condition: Note | None = None
    extendable: StrictBool | None = None
    text: Note
    sources: Sources

    @model_validator(mode="after")
    def _consistent(self) -> DurationIn:
        if self.renewals and not self.renewal_months:
            raise invalid("renewals est donné sans renewal_months", "renewals are given without renewal_months")
        if self.initial_months and self.max_months and self.max_months < self.initial_months:
            raise invalid("max_months est plus court que initial_months", "max_months is shorter than initial_months")
        return self


class WorkSplitIn(Record):
    """Share of working time, in percent, spent at `share_of` (the rest at `other`)."""

    share_of: Name
    other: Name
    default_pct: StrictInt | None = Field(default=None, ge=0, le=100)
    min_pct: StrictInt | None = Field(default=None, ge=0, le=100)
    max_pct: StrictInt | None = Field(default=None, ge=0, le=100)
    text: Note
    # The regions whose source states this split; absent: wherever the scheme is offered.
    regions: list[RegionCode] | None = None
    sources: Sources

    @model_validator(mode="after")
    def _ordered(self) -> WorkSplitIn:
        lo = self.min_pct if self.min_pct is not None else 0
        hi = self.max_pct if self.max_pct is not None else 100
        if lo > hi:
            raise invalid("min_pct dépasse max_pct", "min_pct is above max_pct")
        if self.default_pct is not None and not lo <= self.default_pct <= hi:
            raise invalid("default_pct sort de [min_pct, max_pct]", "default_pct is outside [min_pct, max_pct]")
        return self


# --- eligibility criteria: what a rule of kind `eligibility` tests, evaluated by app/eligibility/rules.py ---------
# A rule a document states only in words has no criterion: it is shown as text and makes the verdict `unknown`.


class ThesisCriterion(Record):
    """The thesis (thèse d'exercice) defended before the start."""

    test: Literal["thesis"]


class YearsAfterCriterion(Record):
    """The start within `years` years of the DES (`since: des`) or of the end of the internship (`since:
    internship_end`, taken as the DES date the profile gives). `up_to`: a document that hesitates (« dans les 4/5
    années »): a start between `years` and `up_to` years is undecided rather than guessed."""

    test: Literal["years_after"]
    since: Literal["des", "internship_end"]
    years: StrictInt = Field(ge=1, le=20)
    up_to: StrictInt | None = Field(default=None, ge=1, le=20)

    @model_validator(mode="after")
    def _range(self) -> YearsAfterCriterion:
        if self.up_to is not None and self.up_to <= self.years:
            raise invalid("up_to doit dépasser years", "up_to must exceed years")
        return self


class SpecialtyCriterion(Record):
    """The DES among `codes` (codes of specialties.yaml). `strict: false`: the source presents the posts as meant for
    these DES without excluding others, so another DES is undecided rather than refused."""

    test: Literal["specialty"]
    codes: list[Slug] = Field(min_length=1)
    strict: StrictBool = True


class AudienceCriterion(Record):
    """The DES among those the scheme is open to: its `audience` (and, for `disciplines`, its eligible specialties,
    a lead being undecided). Without such a rule the evaluation still checks the audience, citing the scheme."""

    test: Literal["audience"]


class OrdreCriterion(Record):
    """Registered with the Ordre des médecins."""

    test: Literal["ordre_registration"]


class ResearchCriterion(Record):
    # The docstring is the schema's description in the OpenAPI document: one line there, two here.
    """A research track (at least a Master 1); `recommended: true` when the source recommends it """ \
        """without requiring it."""

    test: Literal["research_master"]
    recommended: StrictBool = False


class TrainedInRegionCriterion(Record):
    """In `region` only: the internship done in that region (« internes normands en fin de cursus »)."""

    test: Literal["trained_in_region"]
    region: RegionCode


class NotACondition(Record):
    """An eligibility rule that states no condition (« l'installation en libéral n'est pas exigée », an orientation):
    shown beside the reasons, never deciding the verdict."""

    test: Literal["not_a_condition"]


Criterion = Annotated[
    ThesisCriterion | YearsAfterCriterion | SpecialtyCriterion | AudienceCriterion | OrdreCriterion | ResearchCriterion
    | TrainedInRegionCriterion | NotACondition,
    Field(discriminator="test"),
]


class RuleIn(Record):
    kind: RuleKind
    text: Note
    data: FreeForm | None = None
    criterion: Criterion | None = None
    sources: Sources

    @model_validator(mode="after")
    def _criterion_for_eligibility(self) -> RuleIn:
        if self.criterion is not None and self.kind != "eligibility":
            raise invalid("un critère (criterion) ne sert qu'aux règles de type « eligibility »",
                          "a criterion is only for rules of kind 'eligibility'")
        return self


class EligibleSpecialtyIn(Record):
    """A specialty of a scheme open to listed disciplines, with what the link rests on.

    `confirmed: false` marks a lead: no text read places the DES in the scheme's disciplines. It is shown apart from
    the eligible specialties, and a `specialty=` filter marks the match unconfirmed, so that it is neither silently
    included nor silently excluded. A plain code in `eligible_specialties` is a confirmed link without citations.
    """

    code: Slug
    confirmed: StrictBool = True
    note: Note | None = None
    sources: Sources

    @model_validator(mode="after")
    def _lead_says_why(self) -> EligibleSpecialtyIn:
        if not self.confirmed and not self.note:
            raise invalid("une spécialité non confirmée demande une note qui dise pourquoi",
                          "an unconfirmed specialty needs a note saying why")
        return self


def specialty_code(entry: str | EligibleSpecialtyIn) -> str:
    return entry if isinstance(entry, str) else entry.code


class VerifiedIn(Record):
    """When the scheme's data was last checked against its sources, by whom, against which ones."""

    date: IsoDate
    by: Name | None = None
    sources: Annotated[list[Slug], Field(min_length=1)]


class SchemeIn(Versioned):
    slug: Slug
    name: Name
    short_name: Name | None = None
    category: Category
    scope: Scope
    audience: Audience
    audience_text: Note
    eligible_specialties: list[Slug | EligibleSpecialtyIn] = []
    description: Note
    duration: DurationIn
    work_split: WorkSplitIn | None = None
    rules: list[RuleIn] = []
    sources: Sources
    verified: VerifiedIn | None = None

    @model_validator(mode="after")
    def _disciplines_listed(self) -> SchemeIn:
        if self.audience == "disciplines" and not self.eligible_specialties:
            raise invalid("audience « disciplines » demande eligible_specialties",
                          "audience 'disciplines' needs eligible_specialties")
        if self.audience != "disciplines" and self.eligible_specialties:
            raise invalid("eligible_specialties ne sert qu'avec audience « disciplines »",
                          "eligible_specialties is only for audience 'disciplines'")
        codes = [specialty_code(e) for e in self.eligible_specialties]
        if len(set(codes)) != len(codes):
            raise invalid("une spécialité figure deux fois dans eligible_specialties",
                          "a specialty is listed twice in eligible_specialties")
        if self.eligible_specialties and not any(isinstance(e, str) or e.confirmed for e in self.eligible_specialties):
            raise invalid("audience « disciplines » demande au moins une spécialité confirmée",
                          "audience 'disciplines' needs at least one confirmed specialty")
        return self


class AvailabilityIn(Versioned):
    """A scheme as offered in one region: the regional variant."""

    scheme: Slug
    region: RegionCode
    local_name: Name | None = None
    since: IsoDate | None = None
    since_text: Name | None = None
    funders: list[Name] = []
    faculties: list[Name] = []
    notes: list[Note] = []
    evidence: Evidence = "documented"
    sources: Sources


class PayComponentIn(Versioned):
    code: Slug
    scheme: Slug
    region: RegionCode | None = None
    kind: PayKind
    label: Name
    amount: ExactDecimal = Field(gt=0, max_digits=12, decimal_places=2)
    approximate: StrictBool = False
    basis: Basis
    frequency: Frequency
    # When the amount is paid on another rhythm than it is stated (4 900 € a year, paid quarterly).
    payment_frequency: Frequency | None = None
    calculation: Calculation = "fixed"
    year_from: StrictInt | None = Field(default=None, ge=1, le=10)
    year_to: StrictInt | None = Field(default=None, ge=1, le=10)
    periphery_share_pct: StrictInt | None = Field(default=None, ge=0, le=100)
    conditions: list[Note] = []
    payer: Name
    recipient: Name = "médecin"
    headline: StrictBool = False
    note: Note | None = None
    # Set when no document states the amount: how it was derived from official figures (origin `derived`).
    derivation: Note | None = None
    confirmed: StrictBool = True  # False when no official text states the amount
    sources: Sources

    @model_validator(mode="after")
    def _ranges(self) -> PayComponentIn:
        if self.year_from and self.year_to and self.year_from > self.year_to:
            raise invalid("year_from est postérieur à year_to", "year_from is after year_to")
        if self.kind == "funding" and self.recipient == "médecin":
            raise invalid("un financement va à une institution : renseignez recipient",
                          "funding goes to an institution: set recipient")
        return self


class ContactIn(Versioned):
    id: Slug
    organisation: Name
    service: Name | None = None
    person_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    website: Url | None = None
    region: RegionCode
    faculty: Name | None = None
    schemes: list[Slug] = []
    sources: Sources

    @model_validator(mode="after")
    def _reachable(self) -> ContactIn:
        if not (self.email or self.phone or self.website):
            raise invalid("un contact demande au moins un e-mail, un téléphone ou un site web",
                          "a contact needs at least an email, a phone or a website")
        return self


class CalendarEventIn(Versioned):
    id: Slug
    region: RegionCode
    schemes: list[Slug] = Field(min_length=1)
    kind: EventKind
    label: Name
    date: IsoDate
    precision: Precision = "day"
    when_text: Name
    recurrence: Recurrence = "none"
    sources: Sources



# --- dated pay parameters (grids, rates, ceilings, tariffs) ----------------------------------------------



class PostQuotaIn(Record):
    """Posts a national programme opens in one region over a period, as a national note distributes them
    (the DGOS notes' per-region tables of shared specialist-assistant posts)."""

    id: Slug
    programme: Name  # as the note names it
    scheme: Slug | None = None  # the catalogue's scheme for those posts, where one is
    region: RegionCode
    period_start: StrictInt = Field(ge=2000, le=2100)  # first and last academic years the note covers (2024, 2026)
    period_end: StrictInt = Field(ge=2000, le=2100)
    kind: Name | None = None  # the note's category of posts (« entre établissements », « ville-hôpital »…)
    posts: StrictInt = Field(ge=0, le=10_000)
    note: Note | None = None
    sources: Sources

    @model_validator(mode="after")
    def _period(self) -> PostQuotaIn:
        if self.period_end < self.period_start:
            raise invalid("period_end précède period_start", "period_end is before period_start")
        return self


class BracketIn(Record):
    """One step of a scale. `above`: applies when the input is strictly greater; `from`: greater or equal."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    above: OptionalExactDecimal = None
    from_: OptionalExactDecimal = Field(default=None, alias="from")
    value: ExactDecimal

    @model_validator(mode="after")
    def _one_threshold(self) -> BracketIn:
        if (self.above is None) == (self.from_ is None):
            raise invalid("donnez exactement l'un de « above » et « from »", "give exactly one of 'above' and 'from'")
        return self

    @property
    def threshold(self) -> Decimal:
        return self.above if self.above is not None else self.from_  # type: ignore[return-value]


class ParameterValueIn(Record):
    valid_from: IsoDate
    valid_to: IsoDate | None = None
    value: OptionalExactDecimal = None
    brackets: list[BracketIn] | None = None
    confirmed: StrictBool = True
    # Set when no text states the value: how it was computed from official figures (origin `derived`).
    derivation: Note | None = None
    sources: Sources

    @model_validator(mode="after")
    def _shape(self) -> ParameterValueIn:
        if (self.value is None) == (self.brackets is None):
            raise invalid("donnez exactement l'un de « value » et « brackets »",
                          "give exactly one of 'value' and 'brackets'")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise invalid("valid_to précède valid_from", "valid_to is before valid_from")
        if self.brackets is not None:
            thresholds = [b.threshold for b in self.brackets]
            if thresholds != sorted(thresholds) or len(set(thresholds)) != len(thresholds):
                raise invalid("les tranches (brackets) doivent suivre l'ordre croissant des seuils",
                              "brackets must be in increasing order of threshold")
        return self


class ParameterIn(Record):
    """A figure of the law that changes over time: each value says from when, until when, and who says so."""

    code: Slug
    label: Name
    unit: ParameterUnit
    kind: ParameterKind = "value"
    note: Note | None = None
    values: Annotated[list[ParameterValueIn], Field(min_length=1)]

    @model_validator(mode="after")
    def _dated(self) -> ParameterIn:
        for value in self.values:
            if (self.kind == "scale") != (value.brackets is not None):
                needed = "brackets" if self.kind == "scale" else "value"
                raise invalid(f"un paramètre de type « {self.kind} » demande « {needed} » dans chaque valeur datée",
                              f"a parameter of kind '{self.kind}' needs '{needed}' in every dated value")
        ordered = sorted(self.values, key=lambda v: v.valid_from)
        if ordered != list(self.values):
            raise invalid("les valeurs doivent suivre l'ordre chronologique de valid_from",
                          "values must be in chronological order of valid_from")
        for earlier, later in pairwise(ordered):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                raise invalid(
                    f"la valeur du {earlier.valid_from} doit finir (valid_to) avant le début de la suivante "
                    f"({later.valid_from})",
                    f"the value from {earlier.valid_from} must end (valid_to) before the next one starts "
                    f"({later.valid_from})",
                )
        return self
