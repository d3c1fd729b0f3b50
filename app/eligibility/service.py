"""Eligibility answers: the catalogue's rules (app/eligibility/rules.py), its calendar and the simulation, for a
profile."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict, defaultdict
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from app.catalogue import service as catalogue
from app.core.dates import today
from app.core.money import round_cents
from app.core.text import is_public_id
from app.eligibility import rules as R
from app.eligibility import schemas as S
from app.errors import ApiError
from app.memory import Catalogue
from app.messages import Message as M
from app.messages import render
from app.models import Scheme, SchemeRule, SchemeSpecialty, Specialty
from app.records import schemas as I
from app.simulation import service as simulation
from app.simulation.engine import PROJECTION_MONTHS, Result, add_months
from app.simulation.repository import catalogue_data
from app.simulation.schemas import SimulationRequest

ZERO = Decimal("0")
LOCATION = "body"
# The simulations behind the estimates, kept with the catalogue version they come from (a pure function of it and
# of the contract; most profiles share a few starts: 1 May, 1 November). Bounded per version.
RESULTS_KEPT = 512
_lock = threading.Lock()


def _problem(field: str, message: M, allowed: list[str] | None = None) -> ApiError:
    return ApiError(422, render(message), field=field, location=LOCATION, allowed=allowed)


def _start_window(cat: Catalogue) -> tuple[dt.date, dt.date]:
    """The starts the catalogue's pay data covers: from its first official value to the simulation's projection
    limit past the newest one (app/simulation/engine.py PROJECTION_MONTHS)."""
    parameters = catalogue_data(cat).parameters
    values = list(parameters.parameters.values())
    first = min(p.first_day for p in values).replace(day=1)
    newest = max(p.newest.valid_from for p in values)
    return first, add_months(newest.replace(day=1), PROJECTION_MONTHS)


def _checked(cat: Catalogue, profile: S.Profile) -> tuple[Specialty, list[str]]:
    spec = cat.specialties.get(profile.specialty) if is_public_id(profile.specialty) else None
    if spec is None:
        codes = list(cat.specialties)
        raise _problem("specialty", M(f"Spécialité inconnue : « {profile.specialty} » (voir GET /specialties).",
                                      f"Unknown specialty '{profile.specialty}' (see GET /specialties)."), codes)
    known = set(cat.regions)
    for index, code in enumerate(profile.regions):
        if code not in known:
            raise _problem(f"regions[{index}]", M(f"Région inconnue : « {code} » (un code INSEE de GET /regions).",
                                                  f"Unknown region '{code}' (an INSEE code from GET /regions)."),
                           sorted(known))
    if profile.internship_region is not None and profile.internship_region not in known:
        raise _problem("internship_region", M(f"Région inconnue : « {profile.internship_region} ».",
                                              f"Unknown region '{profile.internship_region}'."), sorted(known))
    if profile.des_completed_on > profile.start:
        raise _problem("des_completed_on", M(
            f"Le DES ({profile.des_completed_on:%d/%m/%Y}) serait obtenu après le début souhaité "
            f"({profile.start:%d/%m/%Y}) : les dispositifs de post-internat demandent le DES à la prise de fonction. "
            "La dernière année du DES de médecine générale (docteur junior) se trouve par GET /schemes?category=des.",
            f"The DES ({profile.des_completed_on:%Y-%m-%d}) would be obtained after the wished start "
            f"({profile.start:%Y-%m-%d}): post-internship schemes require the DES when the post starts. The last year "
            "of the general practice DES (docteur junior) is listed by GET /schemes?category=des."))
    first, last = _start_window(cat)
    if not first <= profile.start <= last:
        raise _problem("start", M(
            f"Pas de données pour un début le {profile.start:%d/%m/%Y} : le catalogue couvre les débuts du "
            f"{first:%d/%m/%Y} au {last:%d/%m/%Y} (sa première valeur officielle, et {PROJECTION_MONTHS} mois après la "
            "plus récente).",
            f"No data for a start on {profile.start:%Y-%m-%d}: the catalogue covers starts from {first:%Y-%m-%d} to "
            f"{last:%Y-%m-%d} (its first official value, and {PROJECTION_MONTHS} months past the newest one)."))
    return spec, list(dict.fromkeys(profile.regions))


def _refs(stored: list[dict[str, Any]] | None) -> R.Refs:
    return tuple(stored or ())


_CRITERION: TypeAdapter[I.Criterion] = TypeAdapter(I.Criterion)


def _criterion(stored: dict[str, Any] | None) -> I.Criterion | None:
    """The stored criterion as the seed's schema reads it (the loader validated it on the way in)."""
    return _CRITERION.validate_python(stored) if stored else None


def _scheme_rules(scheme: Scheme, rules: list[SchemeRule], links: list[SchemeSpecialty]) -> R.SchemeRules:
    return R.SchemeRules(
        slug=scheme.slug, category=scheme.category, audience=scheme.audience, audience_text=scheme.audience_text,
        sources=_refs(scheme.sources),
        rules=tuple(R.Rule(r.kind, r.text, _criterion(r.criterion), _refs(r.sources)) for r in rules),
        eligible_specialties=tuple(R.SpecialtyLink(link.specialty_code, link.confirmed, link.note,
                                                   _refs(link.sources)) for link in links),
    )


def _reason(reason: R.Reason, cat: Catalogue) -> S.ReasonOut:
    return S.ReasonOut(criterion=reason.criterion, met=reason.met, decisive=reason.decisive, rule=reason.rule,
                       explanation=render(reason.explanation), region=reason.region,
                       sources=catalogue.cite(reason.sources, cat))


def _income(cat: Catalogue, scheme: Scheme, region: str,
            start: dt.date) -> tuple[S.IncomeEstimate | None, str | None]:
    first = start if start.day == 1 else add_months(start.replace(day=1), 1)
    months = scheme.duration_initial_months or 12
    if scheme.duration_max_months is not None:
        months = min(months, scheme.duration_max_months)
    request = SimulationRequest(scheme=scheme.slug, region=region, start=first, months=months)
    key = (scheme.slug, region, first, months)
    results: OrderedDict[tuple[Any, ...], Result] = cat.kept("eligibility-results", OrderedDict)
    with _lock:
        result = results.get(key)
    if result is None:
        try:
            result = simulation.run(cat, request)
        except ApiError as error:
            return None, error.detail
        with _lock:
            results[key] = result
            while len(results) > RESULTS_KEPT:
                results.popitem(last=False)
    nets = [m.net for m in result.months]
    total = sum(nets, ZERO)
    return S.IncomeEstimate(
        start=first, months=months, first_month_net=round_cents(nets[0]),
        monthly_average_net=round_cents(total / len(nets)), contract_total_net=round_cents(total),
        projected=any(m.carried for m in result.months),
        simulation=f"/simulate?scheme={scheme.slug}&region={region}&start={first.isoformat()}&months={months}",
        missing_inputs=[S.MissingInputOut(option=m.option, effect=render(m.effect)) for m in result.missing_inputs],
    ), None


def _next(events: list[Any], slug: str, kind: str, on_or_after: dt.date) -> Any:
    dated = [e for e in events if e.kind == kind and slug in e.schemes and (e.next_date or e.date) >= on_or_after]
    return min(dated, key=lambda e: (e.next_date or e.date, e.id), default=None)


def answer(cat: Catalogue, profile: S.Profile) -> S.EligibilityAnswer:
    """Every scheme offered in the regions asked, with its verdict and reasons, deadlines and income."""
    spec, asked = _checked(cat, profile)
    day = today()
    facts = R.Profile(
        specialty=spec.code, specialty_name=spec.name, specialty_is_mg=spec.is_mg,
        des_completed_on=profile.des_completed_on, thesis_defended=profile.thesis_defended, start=profile.start,
        research_master=profile.research_master, ordre_registered=profile.ordre_registered,
        internship_region=profile.internship_region,
    )
    view = cat.on(day)
    offered: dict[str, set[str]] = defaultdict(set)
    for slug, offers in view.offers.items():
        for offer in offers:
            if offer.region_code in asked:
                offered[slug].add(offer.region_code)
    schemes = [view.schemes[slug] for slug in sorted(offered)]
    # Only the rules the evaluation reads (app/eligibility/rules.py): who may apply, and a scheme's status.
    rules = {s.id: [r for r in cat.rules_of.get(s.id, ()) if r.kind in ("eligibility", "status")] for s in schemes}
    links = {s.id: list(cat.links_of.get(s.id, ())) for s in schemes}
    regions = cat.regions

    # The calendar of each region asked, read twice: from today (deadlines) and from the wished start (posts).
    deadlines_in = {code: catalogue.calendar_events(cat, day, region=code, start=day)
                    for code in asked}
    posts_in = {code: catalogue.calendar_events(cat, day, region=code, start=profile.start)
                for code in asked}

    out: list[S.SchemeAnswer] = []
    for scheme in schemes:
        data = _scheme_rules(scheme, rules[scheme.id], links[scheme.id])
        per_region = [(code, R.evaluate(data, facts, code)) for code in asked if code in offered[scheme.slug]]
        common = [r for r in per_region[0][1].reasons if r.region is None]
        answers = []
        for code, evaluation in per_region:
            deadline = start_of_post = income = note = None
            if evaluation.verdict != "not_eligible":
                deadline = _next(deadlines_in[code], scheme.slug, "application_deadline", day)
                start_of_post = _next(posts_in[code], scheme.slug, "start_of_post", profile.start)
                income, note = _income(cat, scheme, code, profile.start)
            answers.append(S.RegionAnswer(
                region=catalogue.region_ref(regions[code]), verdict=evaluation.verdict,
                reasons=[_reason(r, cat) for r in evaluation.reasons if r.region is not None],
                next_deadline=deadline, start_of_post=start_of_post, income=income, income_note=note,
            ))
        verdict = min((a.verdict for a in answers), key=R.VERDICT_ORDER.__getitem__)
        deadlines = [a.next_deadline.next_date or a.next_deadline.date for a in answers if a.next_deadline]
        out.append(S.SchemeAnswer(
            scheme=S.SchemeRef(slug=scheme.slug, name=scheme.name, short_name=scheme.short_name,
                               category=scheme.category, url=f"/schemes/{scheme.slug}"),
            verdict=verdict, reasons=[_reason(r, cat) for r in common],
            information=[S.InformationOut(text=r.text, sources=catalogue.cite(r.sources, cat))
                         for r in per_region[0][1].information],
            regions=answers, next_deadline=min(deadlines, default=None),
        ))
    out.sort(key=lambda a: (R.VERDICT_ORDER[a.verdict], a.next_deadline is None, a.next_deadline or day,
                            a.scheme.name))
    counts = S.Counts(**{v: sum(1 for a in out if a.verdict == v) for v in R.VERDICT_ORDER})
    notes = [render(M(
        "Les verdicts ne portent que sur les règles que les sources du catalogue énoncent ; une règle énoncée en mots "
        "seulement, ou une information que le profil ne donne pas, rend le verdict « unknown ». Le recrutement reste "
        "décidé par chaque établissement ou faculté.",
        "Verdicts cover only the rules the catalogue's sources state; a rule stated only in words, or a fact the "
        "profile does not give, makes the verdict 'unknown'. Recruitment is still decided by each hospital or "
        "faculty."))]
    if profile.start.day != 1:
        notes.append(render(M("Les revenus sont simulés à partir du premier jour du mois suivant le début souhaité "
                              "(un contrat commence le 1er d'un mois).",
                              "Income is simulated from the first day of the month after the wished start (a contract "
                              "starts on the 1st of a month).")))
    if not out:
        notes.append(render(M("Aucun dispositif n'est documenté dans ces régions à ce jour.",
                              "No scheme is documented in these regions as of today.")))
    return S.EligibilityAnswer(profile=profile, as_of=day, counts=counts, schemes=out, notes=notes)
