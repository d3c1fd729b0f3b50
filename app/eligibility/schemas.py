"""Request and response bodies of `POST /eligibility` and `GET /eligibility`."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from app.catalogue import schemas as CS
from app.catalogue.schemas import Money
from app.core.values import IsoDate
from app.eligibility.rules import Verdict


class Profile(BaseModel):
    """A doctor's situation: what the schemes' rules need to say whether they may apply."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [
            {"specialty": "medecine-generale", "regions": ["32"], "des_completed_on": "2026-11-01",
             "thesis_defended": True, "start": "2027-05-01", "ordre_registered": True},
            {"specialty": "medecine-cardiovasculaire", "regions": ["32", "28"],
             "des_completed_on": "2027-10-31", "thesis_defended": True, "start": "2027-11-01"},
        ]},
    )

    specialty: str = Field(max_length=80, description="The DES: a code from `GET /specialties`.",
                           examples=["medecine-generale"])
    regions: list[str] = Field(min_length=1, max_length=18, description="INSEE codes of the regions wished (see "
                               "`GET /regions`), one or more.", examples=[["32"]])
    des_completed_on: IsoDate = Field(description="Day the DES was (or is expected to be) obtained, YYYY-MM-DD.",
                                      examples=["2026-11-01"])
    # A JSON body says true or false (never 0, 1 or "yes"); the query twin reads the usual spellings.
    thesis_defended: StrictBool = Field(description="Thesis (thèse d'exercice) defended by the start.")
    start: IsoDate = Field(description="Wished start of the post, YYYY-MM-DD. The income is simulated from the first "
                           "day of a month on or after it (contracts start on the 1st).", examples=["2027-05-01"])
    research_master: StrictBool | None = Field(default=None, description="A research track with at least a Master 1.")
    ordre_registered: StrictBool | None = Field(default=None, description="Registered with the Ordre des médecins.")
    internship_region: str | None = Field(default=None, pattern=r"^\d{2}$", description="INSEE code of the region "
                                          "where the internship was done (some regional offers are for its "
                                          "residents).", examples=["28"])


class ProfileQuery(Profile):
    """The same profile as query parameters, for a shareable link (`regions` repeated or comma-separated)."""

    thesis_defended: bool = Field(description="Thesis (thèse d'exercice) defended by the start: `true` or `false`.")
    research_master: bool | None = Field(default=None, description="A research track with at least a Master 1.")
    ordre_registered: bool | None = Field(default=None, description="Registered with the Ordre des médecins.")
    lang: Literal["fr", "en"] | None = Field(default=None, description="`fr` (default) or `en`.")

    @field_validator("regions", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, list):
            return [part.strip() for item in value for part in str(item).split(",") if part.strip()]
        return value


class ReasonOut(BaseModel):
    criterion: str = Field(description="What the rule tests: `audience`, `thesis`, `years_after`, `specialty`, "
                           "`ordre_registration`, `research_master`, `trained_in_region`, `during_des`; `text` for a "
                           "rule stated only in words; `undocumented` when the sources give no other condition.",
                           examples=["years_after"])
    met: bool | None = Field(description="True met, false not met, null undecided (the profile or the sources do not "
                             "say).")
    decisive: bool = Field(description="False for a recommendation: it never changes the verdict.")
    rule: str = Field(description="The rule as the catalogue states it, in French as its sources write.")
    explanation: str = Field(description="How the profile meets it, in the request's language.")
    region: str | None = Field(default=None, description="Set when the rule applies in this region only.")
    sources: list[CS.Citation]


class InformationOut(BaseModel):
    text: str
    sources: list[CS.Citation]


class MissingInputOut(BaseModel):
    option: str = Field(examples=["gardes_per_month"])
    effect: str


class IncomeEstimate(BaseModel):
    """The simulation's official method (gross grids, then the employee contributions in force) from the start."""

    start: dt.date
    months: int = Field(description="The first contract's length (the scheme's initial duration).")
    first_month_net: Money
    monthly_average_net: Money
    contract_total_net: Money
    projected: bool = Field(description="True when a value is carried forward past the date it is known until.")
    simulation: str = Field(description="The simulation behind these figures, month by month with its sources.",
                            examples=["/simulate?scheme=ccu-mg&region=32&start=2027-05-01&months=24"])
    missing_inputs: list[MissingInputOut] = Field(description="Options that would sharpen the estimate "
                                                  "(see `GET /schemes/{slug}/simulation`).")


class SchemeRef(BaseModel):
    slug: str = Field(examples=["ccu-mg"])
    name: str
    short_name: str | None
    category: str = Field(examples=["universitaire"])
    url: str = Field(examples=["/schemes/ccu-mg"])


class RegionAnswer(BaseModel):
    region: CS.RegionRef
    verdict: Verdict
    reasons: list[ReasonOut] = Field(description="Rules of this region's offer only (the scheme's are above).")
    next_deadline: CS.CalendarEventOut | None = Field(description="The next application deadline on or after today.")
    start_of_post: CS.CalendarEventOut | None = Field(description="The first start of post on or after the wished "
                                                      "start.")
    income: IncomeEstimate | None
    income_note: str | None = Field(default=None, description="Why there is no estimate, when there is none.")


class SchemeAnswer(BaseModel):
    scheme: SchemeRef
    verdict: Verdict = Field(description="The best verdict among the regions asked.")
    reasons: list[ReasonOut]
    information: list[InformationOut] = Field(description="What the rules say without it being a condition.")
    regions: list[RegionAnswer] = Field(description="Each region asked where the scheme is offered; deadlines and "
                                        "income are given unless the scheme is excluded there.")
    next_deadline: dt.date | None = Field(description="The soonest deadline among these regions.")


class Counts(BaseModel):
    eligible: int
    unknown: int
    not_eligible: int


class EligibilityAnswer(BaseModel):
    profile: Profile
    as_of: dt.date = Field(description="The catalogue's day (today, in France).")
    counts: Counts
    schemes: list[SchemeAnswer] = Field(description="Eligible first, then unknown, then not eligible; within each, by "
                                        "soonest deadline.")
    notes: list[str]
