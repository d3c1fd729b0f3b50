"""The simulation's options, declared once: name, type, bounds, default, description (English, for the API) and the
embed form's label and hint in French and English. The request schema (`schemas.SimulationOptions`), the embed
simulator's query parameters and its labels are derived from this table; `engine.Options` holds the same names,
typed, for the engine (a test keeps the two in step)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from app.core.values import AsciiDecimal

Lang = Literal["fr", "en"]


@dataclass(frozen=True)
class Option:
    name: str
    type: Any  # the request body's type (None allowed unless the option has a default)
    field: dict[str, Any]  # pydantic Field arguments: default, ge, le, description, examples
    label: dict[Lang, tuple[str, str]] | None = None  # the embed form's (label, hint); None: the name and description

    @property
    def description(self) -> str:
        return str(self.field["description"])


OPTIONS: tuple[Option, ...] = (
    Option(
        "periphery_share", int | None,
        dict(default=None, ge=0, le=100,
             description="Share of time outside the main site (%), for the prime d'exercice territorial.",
             examples=[50]),
        label={
            "fr": ('Temps hors du site principal (%)', "Fixe la prime d'exercice territorial."),
            "en": ('Time away from the main site (%)', 'Sets the territorial practice bonus.'),
        },
    ),
    Option(
        "hospital_share", int | None,
        dict(default=None, ge=0, le=100, description="Hospital share of working time (%).", examples=[60]),
        label={
            "fr": ('Part hospitalière du temps (%)', 'Répartition ville-hôpital permise par le dispositif.'),
            "en": ('Hospital share of working time (%)', 'Split between practice and hospital the scheme allows.'),
        },
    ),
    Option(
        "acts_per_week", AsciiDecimal | None,
        dict(default=None, ge=0, le=300, description="Consultations per week, at the G tariff in force each day.",
             examples=[30]),
        label={
            "fr": ('Consultations par semaine', 'Au tarif G en vigueur chaque jour.'),
            "en": ('Consultations a week', 'At the G tariff in force each day.'),
        },
    ),
    Option(
        "liberal_fees_monthly", AsciiDecimal | None,
        dict(default=None, ge=0, le=100000, description="Or: liberal fees per month (€)."),
        label={
            "fr": ('Ou honoraires mensuels (€)', 'À la place du nombre de consultations.'),
            "en": ('Or monthly fees (€)', 'Instead of the number of consultations.'),
        },
    ),
    Option(
        "cpam_contract", bool | None,
        dict(default=None,
             description="CCU-MG contract with the CPAM (group practice, permanence des soins, on request)."),
        label={
            "fr": ('Contrat avec la CPAM', 'Cabinet de groupe, permanence des soins, sur demande.'),
            "en": ('Contract with the CPAM', 'Group practice, out-of-hours care, on request.'),
        },
    ),
    Option(
        "gardes_per_month", AsciiDecimal | None,
        dict(default=None, ge=0, le=31, description="Gardes per month (0.5 for a half garde).", examples=[4]),
        label={
            "fr": ('Gardes par mois', '0,5 pour une demi-garde.'),
            "en": ('Gardes (on-call shifts) a month', '0.5 for a half garde.'),
        },
    ),
    Option(
        "astreintes_per_month", AsciiDecimal | None,
        dict(default=None, ge=0, le=31, description="Night astreintes per month."),
        label={
            "fr": ('Astreintes de nuit par mois', ''),
            "en": ('Night astreintes (on call from home) a month', ''),
        },
    ),
    Option(
        "astreinte_rate", AsciiDecimal | None,
        dict(default=None, ge=0, le=10000,
             description="€ a night of astreinte, as the establishment sets it inside the national range in force "
                         "(70–280 € since 1 November 2025; see `GET /schemes/{slug}/simulation`). Default: the floor.",
             examples=[70]),
        label=None,
    ),
    Option(
        "seniority_years", int | None,
        dict(default=None, ge=0, le=10, description="Years of seniority as an assistant already acquired."),
        label={
            "fr": ("Ancienneté d'assistant (années)", 'Années déjà acquises ; décalent les échelons.'),
            "en": ('Seniority as an assistant (years)', 'Years already acquired; they move the pay steps.'),
        },
    ),
    Option(
        "region_bonus", bool | None,
        dict(default=None, description="The Région pays its bonus (ATP, « dans certains cas »)."),
        label={
            "fr": ('La Région verse sa prime', '« Dans certains cas », modalités définies chaque année.'),
            "en": ('The Région pays its bonus', '“In some cases”, terms set every year.'),
        },
    ),
    Option(
        "acts_per_month", AsciiDecimal | None,
        dict(default=None, ge=0, le=2000,
             description="Docteur junior MG: acts or consultations a month, on average over the semester (the activity "
                         "bonus is due from the threshold in force).", examples=[220]),
        label=None,
    ),
    Option(
        "zip_placement", bool | None,
        dict(default=None,
             description="Docteur junior MG: ambulatory placement in a zone d'intervention prioritaire (monthly "
                         "allowance, not cumulable with the transport and housing allowances)."),
        label=None,
    ),
    Option(
        "tax", Literal["none", "neutral", "personal"],
        dict(default="none",
             description="Income tax withheld at source: none, the taux neutre grid in force, or a personal rate."),
        label={
            "fr": ('Impôt sur le revenu prélevé à la source', ''),
            "en": ('Income tax withheld at source', ''),
        },
    ),
    Option(
        "tax_rate", AsciiDecimal | None,
        dict(default=None, ge=0, le=60, description="Personal withholding rate (%), with tax=personal.",
             examples=[7.5]),
        label={
            "fr": ('Taux personnel (%)', 'Avec « Taux personnel ».'),
            "en": ('Personal rate (%)', 'With “Personal rate”.'),
        },
    ),
)
OPTION_NAMES = tuple(o.name for o in OPTIONS)
# The embed form's (label, hint) per option and language.
OPTION_LABELS: dict[str, dict[Lang, tuple[str, str]]] = {o.name: o.label for o in OPTIONS if o.label is not None}
