"""Who may take a scheme: a doctor's profile against the scheme's eligibility rules, as a pure function.

No database, HTTP or clock: the inputs are plain values built by `app.eligibility.service` from the catalogue, so
the rules are tested alone (tests/eligibility/test_rules.py). Each rule the seed structures (`criterion`) is
evaluated to met / not met / undecided; a rule stated only in words is undecided, never guessed.

The verdict: `not_eligible` when a deciding rule is not met, otherwise `unknown` when one is undecided, otherwise
`eligible`. A recommendation (« il est recommandé… ») and a rule that states no condition never decide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from app.messages import Message as M
from app.records import schemas as I

Verdict = Literal["eligible", "unknown", "not_eligible"]
VERDICT_ORDER: dict[Verdict, int] = {"eligible": 0, "unknown": 1, "not_eligible": 2}
Refs = tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Profile:
    specialty: str
    specialty_name: str
    specialty_is_mg: bool
    des_completed_on: dt.date
    thesis_defended: bool
    start: dt.date
    research_master: bool | None = None
    ordre_registered: bool | None = None
    internship_region: str | None = None


@dataclass(frozen=True)
class SpecialtyLink:
    """A DES a scheme open to listed disciplines names; `confirmed: False` is a lead no text confirms."""

    code: str
    confirmed: bool
    note: str | None
    sources: Refs


@dataclass(frozen=True)
class Rule:
    kind: str
    text: str
    criterion: I.Criterion | None
    sources: Refs


@dataclass(frozen=True)
class SchemeRules:
    slug: str
    category: str
    audience: str
    audience_text: str
    sources: Refs
    rules: tuple[Rule, ...]
    eligible_specialties: tuple[SpecialtyLink, ...] = ()


@dataclass(frozen=True)
class Reason:
    """One rule that decides (or could): `met` True, False or None (undecided), in words, with its sources."""

    criterion: str  # the criterion's test, `text` for a rule stated only in words, or what the check derives from
    met: bool | None
    decisive: bool
    rule: str  # the rule as the catalogue states it (French, as the sources write)
    explanation: M
    sources: Refs
    region: str | None = None  # set when the rule applies in this region only


@dataclass(frozen=True)
class Evaluation:
    verdict: Verdict
    reasons: tuple[Reason, ...]
    information: tuple[Rule, ...] = field(default=())


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def verdict_of(reasons: Iterable[Reason]) -> Verdict:
    deciding = [r.met for r in reasons if r.decisive]
    if any(met is False for met in deciding):
        return "not_eligible"
    if any(met is None for met in deciding):
        return "unknown"
    return "eligible"


def _yes_no(met: bool | None, yes: M, no: M, undecided: M) -> M:
    return yes if met is True else no if met is False else undecided


def _audience(scheme: SchemeRules, profile: Profile, rule: str, sources: Refs) -> Reason:
    name = profile.specialty_name
    if scheme.audience == "mg":
        met: bool | None = profile.specialty_is_mg
        explanation = (M(f"Réservé à la médecine générale : votre DES ({name}) en relève.",
                         f"Open to general practice only: your DES ({name}) is general practice.") if met else
                       M(f"Réservé à la médecine générale : votre DES ({name}) n'en relève pas.",
                         f"Open to general practice only: your DES ({name}) is not general practice."))
    elif scheme.audience == "specialist":
        met = not profile.specialty_is_mg
        explanation = (M(f"Ouvert aux spécialités autres que la médecine générale : {name} en est une.",
                         f"Open to specialties other than general practice: {name} is one.") if met else
                       M("Ouvert aux spécialités autres que la médecine générale : la médecine générale en est "
                         "exclue.", "Open to specialties other than general practice: general practice is excluded."))
    elif scheme.audience == "all":
        met = True
        explanation = M(f"Les documents ne restreignent pas la spécialité : {name} est admise.",
                        f"The documents do not restrict the specialty: {name} is accepted.")
    else:  # disciplines: only the listed DES
        link = next((e for e in scheme.eligible_specialties if e.code == profile.specialty), None)
        if link is None:
            met = False
            explanation = M(f"Réservé à certaines disciplines, dont {name} ne fait pas partie.",
                            f"Open to certain disciplines only; {name} is not one of them.")
        elif link.confirmed:
            met = True
            explanation = M(f"{name} fait partie des disciplines ouvertes.", f"{name} is among the disciplines open.")
        else:
            met = None
            explanation = M(f"{name} n'est qu'une piste : aucun texte lu ne la range parmi les disciplines ouvertes"
                            + (f" ({link.note})" if link.note else "") + ".",
                            f"{name} is only a lead: no text read places it among the disciplines open"
                            + (f" ({link.note})" if link.note else "") + ".")
        if link is not None:
            sources = sources + link.sources
    return Reason("audience", met, True, rule, explanation, sources)


def _years_after(c: I.YearsAfterCriterion, profile: Profile, rule: Rule) -> Reason:
    since = profile.des_completed_on
    limit = add_years(since, c.years)
    outer = add_years(since, c.up_to) if c.up_to else limit
    what = (M("l'obtention du DES", "obtaining the DES") if c.since == "des"
            else M("la fin de l'internat (prise à la date du DES indiquée)",
                   "the end of the internship (taken as the DES date given)"))
    span = f"{c.years}" if c.up_to is None else f"{c.years} à {c.up_to}"
    span_en = f"{c.years}" if c.up_to is None else f"{c.years} to {c.up_to}"
    met: bool | None
    if profile.start <= limit:
        met = True
        explanation = M(f"Début le {profile.start:%d/%m/%Y}, dans les {c.years} ans suivant ", f"Start on "
                        f"{profile.start:%Y-%m-%d}, within {c.years} years of ") + what + M(
            f" ({since:%d/%m/%Y}, limite le {limit:%d/%m/%Y}).", f" ({since:%Y-%m-%d}, limit {limit:%Y-%m-%d}).")
    elif profile.start > outer:
        met = False
        explanation = M(f"Début le {profile.start:%d/%m/%Y}, plus de {span} ans après ",
                        f"Start on {profile.start:%Y-%m-%d}, more than {span_en} years after ") + what + M(
            f" ({since:%d/%m/%Y}) : le délai est dépassé depuis le {outer:%d/%m/%Y}.",
            f" ({since:%Y-%m-%d}): the time limit passed on {outer:%Y-%m-%d}.")
    else:
        met = None
        explanation = M(f"Début le {profile.start:%d/%m/%Y}, entre {c.years} et {c.up_to} ans après ",
                        f"Start on {profile.start:%Y-%m-%d}, between {c.years} and {c.up_to} years after ") + what + M(
            f" ({since:%d/%m/%Y}) : la source écrit « {c.years}/{c.up_to} années », elle ne tranche pas.",
            f" ({since:%Y-%m-%d}): the source says '{c.years}/{c.up_to} years' and does not decide.")
    return Reason("years_after", met, True, rule.text, explanation, rule.sources)


def _criterion(scheme: SchemeRules, rule: Rule, profile: Profile, region: str) -> Reason | None:
    c = rule.criterion
    if c is None:
        return Reason("text", None, True, rule.text, M(
            "Condition énoncée en mots seulement, sans règle que le catalogue sache évaluer : à vérifier auprès du "
            "contact du dispositif.",
            "A condition stated only in words, with no rule the catalogue can evaluate: check it with the scheme's "
            "contact."), rule.sources)
    if isinstance(c, I.ThesisCriterion):
        met = profile.thesis_defended
        return Reason("thesis", met, True, rule.text, M("Thèse soutenue.", "Thesis defended.") if met else M(
            "Thèse non soutenue : elle est exigée.", "Thesis not defended: it is required."), rule.sources)
    if isinstance(c, I.YearsAfterCriterion):
        return _years_after(c, profile, rule)
    if isinstance(c, I.AudienceCriterion):
        return _audience(scheme, profile, rule.text, rule.sources)
    if isinstance(c, I.SpecialtyCriterion):
        member = profile.specialty in c.codes
        met_s: bool | None = True if member else (False if c.strict else None)
        explanation = (M(f"Votre DES ({profile.specialty_name}) est celui que vise la source.",
                         f"Your DES ({profile.specialty_name}) is the one the source names.") if member else
                       M(f"La source vise un autre DES que le vôtre ({profile.specialty_name}).",
                         f"The source names another DES than yours ({profile.specialty_name}).") if c.strict else
                       M(f"La source présente ces postes pour un autre DES que le vôtre ({profile.specialty_name}) "
                         "sans exclure les autres : à vérifier.",
                         f"The source presents these posts for another DES than yours ({profile.specialty_name}) "
                         "without excluding others: to be checked."))
        return Reason("specialty", met_s, True, rule.text, explanation, rule.sources)
    if isinstance(c, I.OrdreCriterion):
        met_o = profile.ordre_registered
        return Reason("ordre_registration", met_o, True, rule.text, _yes_no(
            met_o, M("Inscrit à l'Ordre des médecins.", "Registered with the Ordre des médecins."),
            M("Pas inscrit à l'Ordre des médecins : l'inscription est exigée.",
              "Not registered with the Ordre des médecins: registration is required."),
            M("Inscription à l'Ordre non renseignée (ordre_registered).",
              "Registration with the Ordre not given (ordre_registered).")), rule.sources)
    if isinstance(c, I.ResearchCriterion):
        met_r = profile.research_master
        return Reason("research_master", met_r, not c.recommended, rule.text, _yes_no(
            met_r, M("Parcours de recherche (Master 1 au moins) : oui.", "Research track (at least a Master 1): yes."),
            M("Pas de parcours de recherche (Master 1)" + (" : il est recommandé, non exigé." if c.recommended
                                                           else " : il est exigé."),
              "No research track (Master 1)" + (": it is recommended, not required." if c.recommended
                                                else ": it is required.")),
            M("Parcours de recherche non renseigné (research_master)" + (" ; il est recommandé, non exigé."
                                                                         if c.recommended else "."),
              "Research track not given (research_master)" + ("; it is recommended, not required."
                                                              if c.recommended else "."))), rule.sources)
    if isinstance(c, I.TrainedInRegionCriterion):
        if region != c.region:
            return None  # a condition of another region's offer
        given = profile.internship_region
        met_t = None if given is None else given == c.region
        return Reason("trained_in_region", met_t, True, rule.text, _yes_no(
            met_t, M("Internat fait dans cette région.", "Internship done in this region."),
            M(f"Internat fait dans une autre région ({given}) : cette offre s'adresse aux internes de la région.",
              f"Internship done in another region ({given}): this offer is for the region's residents."),
            M("Région de l'internat non renseignée (internship_region) : cette offre s'adresse aux internes de la "
              "région.", "Region of the internship not given (internship_region): this offer is for the region's "
              "residents.")), rule.sources, region=c.region)
    return None  # not_a_condition: shown as information


def evaluate(scheme: SchemeRules, profile: Profile, region: str) -> Evaluation:
    """The verdict for `scheme` in `region`, with one reason per rule that decides or could."""
    reasons: list[Reason] = []
    eligibility = [r for r in scheme.rules if r.kind == "eligibility"]
    if not any(isinstance(r.criterion, I.AudienceCriterion) for r in eligibility):
        reasons.append(_audience(scheme, profile, scheme.audience_text, scheme.sources))
    if scheme.category == "des":
        status = [r for r in scheme.rules if r.kind == "status"]
        met = profile.start < profile.des_completed_on
        reasons.append(Reason(
            "during_des", met, True, status[0].text if status else scheme.audience_text,
            M("Année du DES (docteur junior), et non un post-internat : elle précède l'obtention du DES"
              + (", ce qui est votre cas." if met else f", obtenu le {profile.des_completed_on:%d/%m/%Y} dans votre "
                 "profil."),
              "A year of the DES (docteur junior), not a post-internship post: it comes before the DES is obtained"
              + (", as in your case." if met else f", obtained on {profile.des_completed_on:%Y-%m-%d} in your "
                 "profile.")),
            status[0].sources if status else scheme.sources))
    information = []
    for rule in eligibility:
        if isinstance(rule.criterion, I.NotACondition):
            information.append(rule)
            continue
        reason = _criterion(scheme, rule, profile, region)
        if reason is not None:
            reasons.append(reason)
    refused = any(r.decisive and r.met is False for r in reasons)
    if scheme.category != "des" and not refused and not any(
            r.decisive for r in reasons if r.criterion not in ("audience", "trained_in_region")):
        reasons.append(Reason("undocumented", None, True, scheme.audience_text, M(
            "Les sources du catalogue ne donnent pour ce dispositif aucune condition d'accès autre que la "
            "spécialité : les autres (diplôme, thèse, délais) sont à vérifier auprès de son contact.",
            "The catalogue's sources give no condition of access for this scheme other than the specialty: the others "
            "(degree, thesis, time limits) are to be checked with its contact."), scheme.sources))
    return Evaluation(verdict_of(reasons), tuple(reasons), tuple(information))
