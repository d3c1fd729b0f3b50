"""Response bodies of the catalogue API (never the table models themselves)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from app.catalogue.age import STALE_MONTHS
from app.core.vocabulary import (
    Audience,
    Basis,
    Calculation,
    Category,
    Discipline,
    EventKind,
    Evidence,
    Frequency,
    PayKind,
    Precision,
    Recurrence,
    Scope,
    SourceKind,
)

# Amounts are exact Decimals (two decimals) everywhere in the app; only the JSON text renders them as numbers, which
# a two-decimal euro amount survives exactly. The builtin `float` is the serializer itself: a Python function around
# it added a Python call per amount (about 140 in a simulation answer).
Money = Annotated[
    Decimal,
    PlainSerializer(float, return_type=float, when_used="json"),
    Field(description="Euros, two decimals.", examples=[1392.0]),
]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Citation(Out):
    """A source and, for documents, the sentence that states the fact."""

    doc: str = Field(description="Source id (see `sources` in `GET /schemes/{slug}`).", examples=["hdf-hors-mg-2023"])
    title: str = Field(examples=["Ce qu'il faut retenir — Les dispositifs de post-internat hors médecine générale"])
    kind: SourceKind
    file: str | None = Field(default=None, description="File name of the source document.",
                             examples=["001_12458cd984a7783c.txt"])
    url: str | None = None
    quote: str | None = Field(default=None,
                              examples=["Le salaire universitaire, versé par l'UFR de médecine, s'élève à 1 392 € net "
                                        "mensuel en 1ère et 2e année."])
    note: str | None = None


class SourceOut(Out):
    id: str = Field(examples=["normandie-2024"])
    kind: SourceKind
    title: str
    file: str | None = None
    publisher: str
    region: str | None = Field(default=None, description="INSEE code of the region the document is about.")
    published_on: dt.date | None = None
    published_text: str | None = Field(default=None, examples=["Nov. 2023"])
    url: str | None = None
    signed_by: list[str] = []
    read_on: dt.date | None = Field(default=None,
                                    description="The day the page (or the text's copy on the web) was read.")
    note: str | None = None


class RegionRef(Out):
    code: str = Field(description="INSEE region code.", examples=["28"])
    name: str = Field(examples=["Normandie"])


class RegionOut(RegionRef):
    iso_code: str | None = Field(description="ISO 3166-2:FR code (`GET /regions/FR-HDF` redirects to `/regions/32`).",
                                 examples=["FR-NOR"])
    scheme_count: int = Field(description="Number of schemes documented in this region.", examples=[6])
    sources: list[Citation]


class SpecialtyOut(Out):
    code: str = Field(examples=["medecine-generale"])
    name: str = Field(examples=["Médecine générale"])
    is_mg: bool = Field(description="True for general practice (médecine générale).")
    discipline: Discipline
    sources: list[Citation]


class EligibleSpecialty(SpecialtyOut):
    """A specialty of a scheme open to listed disciplines (AHU), and what the link rests on."""

    confirmed: bool = Field(
        description="True: a text places this DES in the scheme's disciplines. False: a lead no text read confirms "
        "(listed in `specialties_unconfirmed`, never in `eligible_specialties`).")
    note: str | None = Field(
        default=None,
        examples=["Aucun texte lu ne classe ce DES parmi les disciplines biologiques, mixtes ou pharmaceutiques."])
    eligibility_sources: list[Citation] = Field(
        default=[], description="Citations of the link itself (`sources` cite the DES list).")


class SpecialtyMatch(BaseModel):
    """How a scheme matches the `specialty=` filter of `GET /schemes`."""

    specialty: str = Field(examples=["hematologie"])
    confirmed: bool = Field(
        description="False when the scheme lists this DES only as an unconfirmed lead (AHU): not a plain match.")
    note: str | None = Field(
        default=None,
        examples=["Aucun texte lu ne classe ce DES parmi les disciplines biologiques, mixtes ou pharmaceutiques."])


class DurationSummary(Out):
    initial_months: int | None = Field(
        description="Length of the first appointment; null when the documents do not say.", examples=[24])
    max_months: int | None = Field(description="Longest total length allowed.", examples=[96])
    text: str = Field(
        examples=["Nommés pour deux ans, renouvelables deux fois un an ; jusqu'à 8 ans après avis du CNU."])


class Duration(DurationSummary):
    renewals: int = Field(examples=[2])
    renewal_months: int | None = Field(examples=[12])
    standard_max_months: int | None = Field(description="Length with every ordinary renewal.", examples=[48])
    max_condition: str | None = None
    extendable: bool | None = None
    sources: list[Citation]


class WorkSplit(Out):
    share_of: str = Field(description="Where the percentages apply.", examples=["hôpital"])
    other: str = Field(examples=["ville (exercice ambulatoire)"])
    default_pct: int | None = Field(default=None, examples=[50])
    min_pct: int | None = Field(default=None, examples=[40])
    max_pct: int | None = Field(default=None, examples=[60])
    text: str
    regions: list[str] | None = Field(default=None,
                                      description="INSEE codes of the regions whose source states this split; null: "
                                                  "every region where the scheme is offered.")
    sources: list[Citation]


class HeadlinePay(BaseModel):
    """The monthly figure a candidate looks for first, with how it was obtained."""

    amount: Money | None = Field(description="Null when the base components do not share one basis.")
    basis: Basis | None
    approximate: bool = Field(description="True when the document itself gives the figure as approximate.")
    method: Literal["published_total", "sum_of_components"] = Field(
        description="`published_total`: a total stated by a document; `sum_of_components`: the sum of the monthly base "
                    "components (year 1)."
    )
    components: list[str] = Field(description="Codes of the pay components behind the figure.")
    text: str = Field(examples=["de l'ordre de 3\u202f883\u00a0€ net par mois"])


class Verified(Out):
    date: dt.date = Field(description="Day a maintainer last checked this scheme's data against its sources.",
                          examples=["2026-11-22"])
    by: str | None = Field(description="Who checked (a person, or the name of the API key used).")
    sources: list[str] = Field(description="Ids of the sources checked (see `sources`).")


class SchemeSummary(Out):
    slug: str = Field(examples=["ccu-ah"])
    name: str = Field(examples=["Chef de clinique des universités – assistant des hôpitaux"])
    short_name: str | None = Field(examples=["CCU-AH"])
    category: Category
    scope: Scope
    audience: Audience = Field(
        description="`mg`: general practice only; `specialist`: every specialty except general practice; "
        "`all`: the documents do not restrict the specialty; `disciplines`: only the listed specialties."
    )
    regions: list[RegionRef] = Field(description="Regions where the scheme is offered: described there by a regional "
                                     "source, or set there by national texts (see `region_evidence`).")
    region_evidence: Evidence | None = Field(
        default=None,
        description="With `region=` (and in `GET /regions/{code}`): how the offer in that region is known. "
        "`documented` or `mentioned`: a regional source describes or names it there; `national_text`: only the "
        "national texts set it there, no regional source read describes it. Null without a region.",
        examples=["national_text"])
    duration: DurationSummary
    headline_pay: HeadlinePay | None
    url: str = Field(examples=["/schemes/ccu-ah"])
    last_verified: Verified | None = Field(description="When this scheme's data was last verified, and against which "
                                                       "sources.")
    specialty_match: SpecialtyMatch | None = Field(
        default=None,
        description="With `specialty=` in `GET /schemes`: whether the scheme is open to that DES (`confirmed: true`) "
        "or lists it only as an unconfirmed lead (`confirmed: false`, with a note). Null otherwise.")
    sources_as_of: dt.date | None = Field(
        description="Date of the newest source this scheme cites (see `sources`): its `published_on`, or, for a source "
        "dated only by a text such as « 2022 », 31 December of the latest year that text names. Null when no cited "
        "source is dated.",
        examples=["2023-12-22"],
    )
    sources_as_of_precision: Literal["date", "year"] | None = Field(
        description="`date`: the newest source has a `published_on` (known at least to the month); `year`: only a year "
        "dates it, and `sources_as_of` is 31 December of that year."
    )
    stale: bool = Field(
        description=f"True when `sources_as_of` is more than {STALE_MONTHS} months before today (in France): the "
        "documents may no longer describe the scheme as it is."
    )
    stale_message: str | None = Field(
        description="The warning to show when `stale` (French), else null.",
        examples=["Sources datées de plus de 24 mois : la plus récente date de décembre 2023."],
    )


class RegionFacet(RegionRef):
    count: int = Field(description="Schemes matching every filter but `region` that are offered in this region.",
                       examples=[3])


class Facets(BaseModel):
    regions: list[RegionFacet] = Field(
        description="Every region, with the number of schemes it would list under the other filters in force "
        "(audience, specialty, category, q): what choosing that region would give."
    )


class Page(BaseModel):
    items: list[SchemeSummary]
    total: int = Field(description="Number of schemes matching the filters.", examples=[4])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])
    as_of: dt.date = Field(description="The day the catalogue is shown as of (`as_of`, default today in France).")
    facets: Facets


class Rule(Out):
    kind: str = Field(examples=["eligibility"])
    text: str
    data: dict[str, Any] | None = None
    criterion: dict[str, Any] | None = Field(
        default=None, description="For an eligibility rule, what it tests as `POST /eligibility` evaluates it "
        "(`test`: thesis, years_after, specialty, audience, ordre_registration, research_master, trained_in_region, "
        "not_a_condition); absent when the rule is stated only in words.",
        examples=[{"test": "years_after", "since": "des", "years": 3}])
    sources: list[Citation]


class Availability(Out):
    region: RegionRef
    local_name: str | None = None
    since: dt.date | None = None
    since_text: str | None = None
    funders: list[str] = []
    faculties: list[str] = []
    notes: list[str] = []
    evidence: Evidence = Field(
        default="documented",
        description="`documented`: a document describes the offer in this region; `mentioned`: a document only names "
        "it there (e.g. « 8 facultés dans 4 ARS »), without describing it; `national_text`: national texts set it "
        "wherever they apply, and no regional source describes it there.")
    sources: list[Citation]


class ContractYears(BaseModel):
    first: int | None = Field(examples=[1])
    last: int | None = Field(examples=[2])


class PayComponentOut(Out):
    code: str = Field(examples=["ccu-ah-salaire-universitaire"])
    scheme: str = Field(examples=["ccu-ah"])
    kind: PayKind = Field(
        description="`pay`: what the doctor receives; `funding`: what a funder pays an institution; "
        "`total`: a total stated by a document (not to be added to the components)."
    )
    label: str
    amount: Money
    approximate: bool
    basis: Basis
    frequency: Frequency = Field(description="The period the amount is stated for.")
    payment_frequency: Frequency | None = Field(description="How often it is paid, when that differs (4 900 € a year, "
                                                            "paid quarterly).")
    calculation: Calculation = Field(description="`fixed`, or `top_up_to`: a complement up to the amount.")
    contract_years: ContractYears
    periphery_share_pct: int | None = Field(description="Share of time outside the main site this amount is tied to.")
    conditions: list[str]
    payer: str = Field(examples=["UFR de médecine"])
    recipient: str = Field(examples=["médecin"])
    region: RegionRef | None = Field(description="Set when the figure is regional.")
    valid_from: dt.date | None
    valid_to: dt.date | None
    headline: bool
    note: str | None
    origin: Literal["published", "derived"] = Field(
        description="`published`: a document states the amount; `derived`: computed from official figures (see "
                    "derivation).")
    derivation: str | None = Field(description="How a derived amount was computed.")
    unconfirmed: bool = Field(description="True when no official text states the amount.")
    sources: list[Citation]


class ContactOut(Out):
    id: str = Field(examples=["ars-normandie-post-internat"])
    organisation: str = Field(examples=["ARS Normandie"])
    service: str | None
    person_name: str | None
    email: str | None = Field(examples=["sandrine.beaulieu@ars.sante.fr"])
    phone: str | None
    website: str | None
    region: RegionRef
    faculty: str | None = Field(description="Faculty or subdivision the contact serves.", examples=["Lille"])
    schemes: list[str] = Field(description="Slugs of the schemes this contact handles.")
    sources: list[Citation]
    valid_from: dt.date | None = Field(description="First day this version of the contact is in force (None: since the "
                                                   "start).")
    valid_to: dt.date | None = Field(description="Last day it is in force (None: open).")


class CalendarEventOut(Out):
    id: str = Field(examples=["normandie-2024-date-limite"])
    region: RegionRef
    schemes: list[str]
    kind: EventKind
    label: str = Field(examples=["Date limite de dépôt des candidatures"])
    date: dt.date = Field(description="The date (first occurrence for yearly events).", examples=["2024-02-16"])
    precision: Precision = Field(description="`day`; `month`: only the month is known; `approximate`: see when_text.")
    when_text: str = Field(examples=["16 février 2024 inclus"])
    recurrence: Recurrence
    next_date: dt.date | None = Field(
        description="For yearly events, the first occurrence on or after `from` (or today); otherwise the date itself."
    )
    status: Literal["announced", "expected"] = Field(
        description="`announced`: a source states this date (`next_date` is the source's own date); `expected`: "
        "`next_date` is projected from a yearly event of an earlier year's calendar, which no source has announced."
    )
    status_note: str | None = Field(
        description="For `expected` dates, which year's calendar the date is projected from (French), else null.",
        examples=["Date attendue, projetée depuis le calendrier 2024 de la source."],
    )
    sources: list[Citation]
    valid_from: dt.date | None = Field(description="First day this version of the event is in force (None: since the "
                                                   "start).")
    valid_to: dt.date | None = Field(description="Last day it is in force (None: open).")


class SchemeDetail(SchemeSummary):
    description: str
    audience_text: str
    eligible_specialties: list[EligibleSpecialty] = Field(
        description="For audience `disciplines`: the DES a text places in the scheme's disciplines.")
    specialties_unconfirmed: list[EligibleSpecialty] = Field(
        default=[], description="DES named as leads that no text read places in the scheme's disciplines (AHU): "
        "neither included nor excluded; each with a note.")
    duration: Duration
    work_split: WorkSplit | None
    rules: list[Rule]
    availability: list[Availability]
    pay_components: list[PayComponentOut] = Field(description="What the doctor receives (kind `pay`).")
    published_totals: list[PayComponentOut] = Field(description="Totals stated by the documents (kind `total`).")
    funding: list[PayComponentOut] = Field(description="What funders pay institutions (kind `funding`), not the "
                                                       "doctor's pay.")
    scheduled_changes: list[PayComponentOut] = Field(
        description="Amounts already recorded that come into force after `as_of` (a raise from next July…)."
    )
    contacts: list[ContactOut]
    calendar: list[CalendarEventOut]
    sources: list[SourceOut] = Field(description="Every source cited anywhere in this scheme.")
    as_of: dt.date = Field(description="The day this scheme is shown as of (`as_of`, default today in France).")
    valid_from: dt.date | None = Field(description="First day this version of the scheme is in force (None: since the "
                                                   "start).")
    valid_to: dt.date | None = Field(
        description="Last day it is in force (None: open; set when the scheme is retired).")


class PostQuotaOut(Out):
    """Posts a national programme opens in the region over a period, as a national note distributes them."""

    id: str
    programme: str = Field(description="The programme as the note names it.")
    scheme: str | None = Field(default=None, description="Slug of the catalogue's scheme for those posts, if any.")
    period_start: int = Field(description="First year of the period the note covers.")
    period_end: int = Field(description="Last year of the period the note covers.")
    kind: str | None = Field(default=None, description="The note's category of posts.")
    posts: int = Field(description="Number of posts the note gives the region for the period.")
    note: str | None = None
    sources: list[Citation]


class RegionDetail(RegionRef):
    iso_code: str | None = Field(description="ISO 3166-2:FR code.", examples=["FR-NOR"])
    schemes: list[SchemeSummary]
    contacts: list[ContactOut]
    calendar: list[CalendarEventOut]
    notes: list[str] = Field(default=[], description="What to know about the region (no CHU there, the subdivision "
                             "it is attached to…), each stated by a source in `sources`.")
    quotas: list[PostQuotaOut] = Field(
        default=[], description="National quotas of posts for the region (DGOS notes), latest period first.")
    sources: list[Citation]


CitingType = Literal["region", "specialty", "scheme", "rule", "availability", "pay_component", "pay_parameter",
                     "contact", "calendar_event", "quota"]


class CitingRecord(BaseModel):
    """A record of the catalogue that cites a source."""

    type: CitingType = Field(examples=["pay_component"])
    id: str = Field(description="The record's id: a slug, a code, `scheme/region` for a regional offer, "
                    "`scheme/position` for a rule.", examples=["ccu-mg-salaire-universitaire"])
    label: str = Field(examples=["Salaire universitaire"])
    path: str = Field(description="Where the API serves the record.", examples=["/schemes/ccu-mg"])


class SourceFact(BaseModel):
    """One citation: the record, the part of it that cites the source, and the sentence quoted."""

    doc: str = Field(exclude=True)
    region: str | None = Field(default=None, exclude=True)  # the region the citing record is about, if one
    record: CitingRecord
    field: str = Field(description="The part of the record that cites it (`sources`, `duration`, `pay`, "
                       "`rules[0]`…).", examples=["pay"])
    quote: str | None = Field(examples=["Le salaire universitaire, versé par l'UFR de médecine, s'élève à 1 392 € "
                                        "net mensuel en 1ère et 2e année."])
    note: str | None = None


class SourceBase(BaseModel):
    id: str = Field(examples=["hdf-mg-2023"])
    kind: SourceKind = Field(description="`document` (one of the seed documents), `official_text`, `web_page` or "
                             "`dataset`.")
    title: str = Field(examples=["Ce qu'il faut retenir — Les dispositifs de post-internat médecine générale"])
    file: str | None = Field(description="For a document: the file it was read from.")
    publisher: str = Field(examples=["ARS Hauts-de-France"])
    region: RegionRef | None = Field(description="The region the source is about, if one.")
    published_on: dt.date | None = Field(description="The source's own date.", examples=["2023-11-01"])
    published_text: str | None = Field(description="Its date as it writes it.", examples=["Nov. 2023"])
    url: str | None = Field(description="Its address, for a text or a page.")
    signed_by: list[str] = []
    read_on: dt.date | None = Field(description="The day a web page (or a text's copy on the web) was read.")
    note: str | None = None


class SourceSummary(SourceBase):
    cited_by: list[CitingRecord] = Field(description="The records citing it, each once, as in force on the day.")
    facts: int = Field(description="How many citations of it the catalogue holds (see `GET /sources/{id}`).",
                       examples=[12])


class SourceDetail(SourceBase):
    cited_by: list[CitingRecord]
    facts: list[SourceFact] = Field(description="Every citation of the source: the record, the part citing it, the "
                                    "sentence quoted.")


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class Readiness(BaseModel):
    status: Literal["ready"]
    database: Literal["ok"]
    migrations: Literal["head"]
    rate_limit: Literal["ok", "unavailable"] | None = Field(
        default=None,
        description="With RATE_LIMIT_PER_MINUTE set: whether its storage answers (unavailable: not limiting)."
    )
