"""What each embeddable page shows: reads the catalogue and the simulation through their services, then renders.

Nothing here trusts its input: every value from the query string is checked against a closed list or parsed, and
a value that does not pass becomes a message on the page (status 422), never an exception. The templates are
rendered with autoescaping on.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from pydantic import ValidationError

from app.catalogue import schemas as CS
from app.catalogue import service as catalogue
from app.core.dates import today as france_today
from app.eligibility import schemas as ES
from app.eligibility import service as eligibility
from app.embed import chart as charts
from app.embed.colors import Theme
from app.embed.i18n import TEXT, Lang, date_label, money, month_label, t
from app.errors import UNEXPECTED, ApiError, FieldProblem, validation_message
from app.memory import Catalogue
from app.messages import render as render_message
from app.simulation import schemas as SS
from app.simulation import service as simulation
from app.simulation.options import OPTION_LABELS

TEMPLATES = Path(__file__).resolve().parent / "templates"
ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                  trim_blocks=True, lstrip_blocks=True)

AUDIENCES = ("mg", "specialist")
CATEGORIES = ("universitaire", "hospitalier", "des")
METHODS = ("published", "statutory")
TAX_MODES = ("none", "neutral", "personal")
TRUE = ("1", "true", "on", "yes")
VIEWS = ("schemes", "scheme", "simulator", "eligibility")
LIST_FILTERS = ("audience", "specialty", "region", "category", "q")


@dataclass
class Page:
    template: str
    context: dict[str, Any]
    status: int = 200


@dataclass
class Problem:
    field: str
    label: str
    message: str
    message_lang: str | None = None  # set when the message is not in the page's language
    hints: list[str] = dataclasses.field(default_factory=list)  # not `field`: the attribute above


@dataclass(frozen=True)
class Frame:
    """What every page needs: the language, the host's colour, and the parameters links must carry on."""

    lang: Lang
    theme: Theme

    @property
    def carried(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.lang != "fr":
            out["lang"] = self.lang
        if self.theme.custom:
            out["color"] = self.theme.accent
        return out

    def url(self, path: str, **params: object) -> str:
        query = {**self.carried, **{k: _param(v) for k, v in params.items() if v not in (None, "", False)}}
        return path + ("?" + urlencode(query) if query else "")


def _param(value: object) -> str:
    if value is True:
        return "true"
    return str(value)


def style_hash(css: str) -> str:
    """The CSP source allowing exactly this inline stylesheet."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


def updated_on(cat: Catalogue) -> dt.date | None:
    """The day the catalogue last changed: the footer's attribution (Licence Ouverte: source and date of update)."""
    return cat.changed_at.date() if cat.changed_at else None


def render(page: Page, frame: Frame) -> str:
    lang = frame.lang

    def _(key: str, **values: object) -> str:
        return t(key, lang, **values)

    context = {
        "lang": lang,
        "_": _,
        "url": frame.url,
        "carried": frame.carried,
        "theme": frame.theme,
        "theme_css": Markup(frame.theme.css),
        "fr": Markup(' lang="fr"') if lang != "fr" else "",
        "money": lambda amount, cents=True: money(amount, lang, cents=cents),
        "amount": lambda amount: f"{amount:.2f}",  # a data-value: euros with two decimals, in any language
        "month_label": lambda value, long=False: month_label(value, lang, long=long),
        "date_label": lambda value: date_label(value, lang),
        "sources_when": lambda summary: sources_when(summary, lang),
        **page.context,
    }
    return ENV.get_template(page.template).render(context)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _problem(frame: Frame, name: str, label_key: str | None, exc: ApiError | str, *,
             hints: list[str] | None = None) -> Problem:
    """A message for the page: ours, or a service's (written in the page's language, see router._frame)."""
    extra = list(hints or [])
    if isinstance(exc, str):
        message, message_lang = exc, None
    else:
        message, message_lang = exc.detail, None
        allowed = exc.errors[0].allowed if exc.errors else None
        if allowed and len(allowed) <= 20:
            extra.append(t("allowed", frame.lang, values=", ".join(allowed)))
    label = t(label_key, frame.lang) if label_key else name
    return Problem(field=name, label=label, message=message, message_lang=message_lang, hints=extra)


def _unknown(frame: Frame, value: str) -> str:
    return t("unknown_value", frame.lang, value=value[:80])


# --- the scheme list ---------------------------------------------------------------------------------------------


def _pay_text(pay: CS.HeadlinePay | None, lang: Lang) -> tuple[str | None, bool]:
    """The headline pay in the page's language; (text, is_french_data)."""
    if pay is None:
        return None, False
    if lang == "fr" or pay.amount is None:
        return pay.text, True
    basis = {"net": " net", "gross": " gross", "unspecified": ""}[pay.basis or "unspecified"]
    return ("about " if pay.approximate else "") + money(pay.amount, lang, cents=False) + basis + " a month", False


def schemes_page(cat: Catalogue, frame: Frame, raw: dict[str, str | None]) -> Page:
    values = {name: _clean(raw.get(name)) for name in LIST_FILTERS}
    problems: list[Problem] = []
    if values["audience"] is not None and values["audience"] not in AUDIENCES:
        problems.append(_problem(frame, "audience", "audience", _unknown(frame, values["audience"]),
                                 hints=[t("allowed", frame.lang, values=", ".join(AUDIENCES))]))
    if values["category"] is not None and values["category"] not in CATEGORIES:
        problems.append(_problem(frame, "category", "category", _unknown(frame, values["category"]),
                                 hints=[t("allowed", frame.lang, values=", ".join(CATEGORIES))]))
    if values["q"] is not None and len(values["q"]) > 200:
        problems.append(_problem(frame, "q", "q", t("too_long", frame.lang, n=200)))
    page: CS.Page | None = None
    if not problems:
        try:
            page = catalogue.list_schemes(cat, audience=values["audience"], specialty=values["specialty"],
                                          region=values["region"], category=values["category"], q=values["q"],
                                          limit=200)
        except ApiError as exc:
            name = exc.errors[0].field if exc.errors else "q"
            problems.append(_problem(frame, name, name if name in LIST_FILTERS else None, exc))
    items = []
    for item in page.items if page else []:
        pay, pay_fr = _pay_text(item.headline_pay, frame.lang)
        link_params = {k: v for k, v in values.items() if v is not None and not any(p.field == k for p in problems)}
        items.append({"summary": item, "pay": pay, "pay_fr": pay_fr,
                      "href": frame.url(f"/embed/schemes/{item.slug}", **link_params)})
    return Page("schemes.html", {
        "updated": updated_on(cat),
        "title": t("list_title", frame.lang),
        "values": values,
        "problems": problems,
        "invalid": {p.field for p in problems},
        "items": items,
        "total": page.total if page else 0,
        # Counts under the filters in force (what choosing each region would list); totals when a filter is invalid.
        "regions": [{"code": f.code, "name": f.name, "count": f.count} for f in page.facets.regions] if page else
                   [{"code": r.code, "name": r.name, "count": r.scheme_count} for r in catalogue.list_regions(cat)],
        "specialties": catalogue.list_specialties(cat),
        "simulator_href": frame.url("/embed/simulator",
                                    audience=values["audience"] if values["audience"] in AUDIENCES else None,
                                    region=values["region"] if page else None),
    }, 422 if problems else 200)


# --- one scheme ----------------------------------------------------------------------------------------------------


def sources_when(summary: CS.SchemeSummary, lang: Lang) -> str | None:
    """The newest source's date as known: « 2022 », « décembre 2023 » (a published_on may be known to the month
    only)."""
    if summary.sources_as_of is None:
        return None
    if summary.sources_as_of_precision == "year":
        return str(summary.sources_as_of.year)
    return month_label(summary.sources_as_of, lang, long=True)


def _component_amount(c: CS.PayComponentOut, lang: Lang) -> str:
    """« environ 1 392,00 € net par mois, versés par trimestre »."""
    parts = [t("approx", lang)] if c.approximate else []
    if c.calculation == "top_up_to":
        parts.append(t("top_up_to", lang))
    parts.append(money(c.amount, lang))
    if c.basis != "unspecified":
        parts.append(t(f"basis_{c.basis}", lang))
    parts.append(t(f"freq_{c.frequency}", lang))
    text = " ".join(parts)
    if c.payment_frequency and c.payment_frequency != c.frequency:
        text += ", " + t(f"paid_{c.payment_frequency}", lang)
    return text


def _component_when(component: CS.PayComponentOut, lang: Lang) -> str | None:
    first, last = component.contract_years.first, component.contract_years.last
    if first and last:
        return t("year_n", lang, a=first) if first == last else t("years_range", lang, a=first, b=last)
    if first:
        return t("from_year", lang, a=first)
    return None


def scheme_page(cat: Catalogue, frame: Frame, slug: str, raw: dict[str, str | None], today: dt.date) -> Page:
    back = {name: _clean(raw.get(name)) for name in LIST_FILTERS}
    back_href = frame.url("/embed/schemes", **back)
    try:
        scheme = catalogue.get_scheme(cat, slug=slug)
    except ApiError as exc:
        gone = exc.status == 410  # retired: the API's own message, which says since when
        return Page("not_found.html", {"title": t("gone_title" if gone else "not_found_title", frame.lang),
                                       "slug": slug[:80], "message": exc.detail if gone else None,
                                       "back_href": back_href, "updated": updated_on(cat)}, 410 if gone else 404)
    region = back["region"]
    offered = [r.code for r in scheme.regions]
    if region not in offered:
        region = None
    region_name = next((r.name for r in scheme.regions if r.code == region), None)
    contacts = [c for c in scheme.contacts if region is None or c.region.code == region]
    events = [e for e in scheme.calendar if region is None or e.region.code == region]
    upcoming = sorted((e for e in events if (e.next_date or e.date) >= today),
                      key=lambda e: (e.next_date or e.date, e.id))
    past = sorted((e for e in events if (e.next_date or e.date) < today), key=lambda e: (e.date, e.id), reverse=True)
    by_region: dict[str, list[CS.ContactOut]] = {}
    for contact in contacts:
        by_region.setdefault(contact.region.name, []).append(contact)
    pay, pay_fr = _pay_text(scheme.headline_pay, frame.lang)
    eligibility = [r for r in scheme.rules if r.kind == "eligibility"]
    selection = [r for r in scheme.rules if r.kind == "selection"]
    sim_region = region or (offered[0] if offered else None)
    return Page("scheme.html", {
        "updated": updated_on(cat),
        "title": scheme.short_name or scheme.name,
        "scheme": scheme,
        "pay": pay,
        "pay_fr": pay_fr,
        "components": [{"c": c, "when": _component_when(c, frame.lang), "amount": _component_amount(c, frame.lang)}
                       for c in scheme.pay_components],
        "totals": [{"c": c, "amount": _component_amount(c, frame.lang)} for c in scheme.published_totals],
        "eligibility": eligibility,
        "selection": selection,
        "contacts_by_region": by_region,
        "upcoming": upcoming,
        "past": past,
        "region": region,
        "region_name": region_name,
        "back_href": back_href,
        "simulate_href": frame.url("/embed/simulator", scheme=scheme.slug, region=sim_region),
        "website": lambda site: site if site.startswith(("http://", "https://")) else "https://" + site,
    })


# --- eligibility ---------------------------------------------------------------------------------------------------

ELIGIBILITY_FIELDS = ("specialty", "region", "des_completed_on", "thesis_defended", "start", "ordre_registered")
VERDICTS = ("eligible", "unknown", "not_eligible")


def _yes_no(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.lower() in TRUE


def eligibility_page(cat: Catalogue, frame: Frame, raw: dict[str, str | None]) -> Page:
    """The form (specialty, region, DES date, thesis, start, Ordre) and, once sent, the schemes grouped by verdict."""
    values = {name: _clean(raw.get(name)) for name in ELIGIBILITY_FIELDS}
    problems: list[Problem] = []
    answer: ES.EligibilityAnswer | None = None
    asked = values["specialty"] is not None or values["des_completed_on"] is not None
    default_start = next_intake(france_today())
    if asked:
        for name, label in (("specialty", "specialty"), ("region", "region"), ("des_completed_on", "des_completed_on")):
            if values[name] is None:
                problems.append(_problem(frame, name, label, t("required", frame.lang)))
        des = None
        if values["des_completed_on"] is not None:
            try:
                des = dt.date.fromisoformat(values["des_completed_on"])
            except ValueError:
                problems.append(_problem(frame, "des_completed_on", "des_completed_on", t("invalid_date", frame.lang)))
        start = default_start
        if values["start"] is not None:
            parsed = parse_start(values["start"])
            if parsed is None:
                problems.append(_problem(frame, "start", "wished_start", t("invalid_month", frame.lang)))
            else:
                start = parsed
        if not problems and des is not None and values["specialty"] and values["region"]:
            try:
                profile = ES.Profile(specialty=values["specialty"], regions=[values["region"]], des_completed_on=des,
                                     thesis_defended=bool(_yes_no(values["thesis_defended"])), start=start,
                                     ordre_registered=_yes_no(values["ordre_registered"]))
                answer = eligibility.answer(cat, profile)
            except ValidationError as exc:
                error = exc.errors()[0]
                name = str(error["loc"][0]) if error["loc"] else "specialty"
                name = "region" if name == "regions" else name
                problems.append(_problem(frame, name, name if name in TEXT else None,
                                         validation_message(error)))
            except ApiError as exc:
                name = exc.errors[0].field if exc.errors else "specialty"
                name = "region" if name.startswith("regions") else name
                label = {"start": "wished_start"}.get(name, name)
                problems.append(_problem(frame, name, label if label in TEXT else None, exc))
    groups = []
    for verdict in VERDICTS:
        items = [a for a in (answer.schemes if answer else []) if a.verdict == verdict]
        groups.append({"verdict": verdict, "items": [_eligibility_card(frame, a) for a in items]})
    start_value = values["start"] or default_start.strftime("%Y-%m")
    return Page("eligibility.html", {
        "title": t("eligibility_title", frame.lang),
        "values": {**values, "start": start_value[:7]},
        "problems": problems,
        "invalid": {p.field for p in problems},
        "answer": answer,
        "groups": groups,
        "regions": [{"code": r.code, "name": r.name} for r in catalogue.list_regions(cat)],
        "specialties": catalogue.list_specialties(cat),
    }, 422 if problems else 200)


def _eligibility_card(frame: Frame, answer: ES.SchemeAnswer) -> dict[str, Any]:
    regions = []
    for region in answer.regions:
        income = region.income
        simulate_href = None
        if income is not None:
            simulate_href = frame.url("/embed/simulator", scheme=answer.scheme.slug, region=region.region.code,
                                      start=income.start.strftime("%Y-%m"), months=income.months)
        regions.append({"r": region, "simulate_href": simulate_href,
                        "missing": ", ".join(OPTION_LABELS.get(m.option, {}).get(frame.lang, (m.option,))[0]
                                             for m in income.missing_inputs) if income else ""})
    return {"a": answer, "href": frame.url(f"/embed/schemes/{answer.scheme.slug}"), "regions": regions}


# --- errors -----------------------------------------------------------------------------------------------------------


def error_page(frame: Frame, status: int, detail: str, problems: list[FieldProblem]) -> Page:
    """Any error at an /embed address, as a page with the same status.

    A request's own fault (400, 405, 422…) shows the problem's message, written in the language negotiated for the
    request; an unknown address or a failure of ours says so in the page's words."""
    lang = frame.lang
    key = f"page_error_title_{status}"
    title = t(key if key in TEXT else "page_error_title", lang)
    details: list[str]
    if status == 404:
        message, details = t("page_error_404", lang), []
    elif status == 503:
        message, details = t("page_error_503", lang), []
    elif status >= 500:
        message, details = render_message(UNEXPECTED, lang), []
    else:
        message, details = detail, [p.message for p in problems if p.message != detail]
    return Page("error.html", {"title": title, "message": message, "details": details,
                               "back_href": frame.url("/embed/schemes")}, status)


# --- the simulator -------------------------------------------------------------------------------------------------


def parse_start(value: str) -> dt.date | None:
    """`2024-11` or `2024-11-01` → a date; anything else → None."""
    try:
        if len(value) == 7:
            return dt.date.fromisoformat(value + "-01")
        if len(value) == 10:
            return dt.date.fromisoformat(value)
    except ValueError:
        return None
    return None


def next_intake(today: dt.date) -> dt.date:
    """The next 1 May or 1 November after `today` (posts start on those days): 2026-12-01 → 2027-05-01."""
    for candidate in (dt.date(today.year, 5, 1), dt.date(today.year, 11, 1), dt.date(today.year + 1, 5, 1)):
        if candidate > today:
            return candidate
    raise AssertionError("unreachable")


def default_start(coverage: SS.Coverage, wanted: dt.date) -> dt.date:
    """`wanted` (the next intake) when the pay data covers it; else the covered 1 May or 1 November nearest to it;
    else the first covered month."""
    first, last = coverage.first_start, coverage.last_start
    if first <= wanted and (last is None or wanted <= last):
        return wanted
    years = range(first.year, max((last or wanted).year, first.year) + 1)
    covered = [d for d in (dt.date(y, m, 1) for y in years for m in (5, 11))
               if first <= d and (last is None or d <= last)]
    if covered:
        return min(covered, key=lambda d: abs((d - wanted).days))
    if first.day == 1:
        return first
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _option_value(spec: SS.OptionOut, text: str | None, lang: Lang) -> object:
    """Parse one option from the form; raises ValueError with a message in the page's language."""
    if spec.name == "tax":
        if text is None:
            return None
        if text not in TAX_MODES:
            raise ValueError(t("unknown_value", lang, value=text[:80]))
        return text
    if spec.type == "boolean":
        return True if text is not None and text.lower() in TRUE else None
    if text is None:
        return None
    try:
        number = Decimal(text.replace(",", "."))
    except (InvalidOperation, ArithmeticError):  # not a number, or past Decimal's exponent range (Overflow)
        raise ValueError(t("not_a_number", lang, value=text[:40])) from None
    if not number.is_finite() or number.adjusted() >= 9 or (number and number.adjusted() < -6):
        # No option goes near a billion or a millionth. adjusted() needs no arithmetic context (abs() of 1e9999999
        # overflows), and refusing here keeps int() from building a huge number.
        raise ValueError(t("not_a_number", lang, value=text[:40]))
    if spec.type == "integer":
        if number != number.to_integral_value():
            raise ValueError(t("not_whole", lang, value=text[:40]))
        return int(number)
    return number


def simulator_page(cat: Catalogue, frame: Frame, raw: dict[str, str | None]) -> Page:
    lang = frame.lang
    get = {name: _clean(value) for name, value in raw.items()}
    problems: list[Problem] = []
    notices: list[str] = []

    audience = get.get("audience") if get.get("audience") in AUDIENCES else None
    choices = catalogue.list_schemes(cat, audience=audience, limit=200).items
    all_names = {s.slug: s for s in catalogue.list_schemes(cat, limit=200).items}
    slug = get.get("scheme")
    gone = False
    if slug is None or slug not in all_names:
        if slug is not None:
            problem = _problem(frame, "scheme", "scheme", _unknown(frame, slug),
                               hints=[t("allowed", lang, values=", ".join(sorted(all_names)))])
            try:
                catalogue.scheme_on(cat, slug, france_today(), field="scheme")
            except ApiError as exc:
                if exc.status == 410:  # retired: the API's own message, which says since when
                    gone, problem = True, _problem(frame, "scheme", "scheme", exc)
            problems.append(problem)
        slug = choices[0].slug if choices else next(iter(all_names))
    if slug not in {s.slug for s in choices}:
        choices = [*choices, all_names[slug]]
    summary = all_names[slug]
    spec = simulation.options(cat, slug)
    regions = {r.code: r.name for r in catalogue.list_regions(cat)}

    region = get.get("region")
    if region not in spec.regions:
        if region is not None:
            notices.append(t("region_switched", lang, asked=regions.get(region, region[:20]),
                             used=regions.get(spec.regions[0], spec.regions[0])))
        region = spec.regions[0]

    coverage_hint = (
        t("coverage", lang, first=month_label(spec.coverage.first_start, lang, long=True),
          last=month_label(spec.coverage.last_start, lang, long=True))
        if spec.coverage.last_start else
        t("coverage_open", lang, first=month_label(spec.coverage.first_start, lang, long=True))
    )
    start_text = get.get("start")
    start: dt.date | None
    if start_text is None:
        wanted = next_intake(france_today())
        start = default_start(spec.coverage, wanted)
        if start != wanted:
            notices.append(t("start_uncovered", lang, asked=month_label(wanted, lang, long=True),
                             used=month_label(start, lang, long=True)))
    else:
        start = parse_start(start_text)
        if start is None:
            problems.append(_problem(frame, "start", "start", t("not_a_month", lang, value=start_text[:40]),
                                     hints=[coverage_hint]))

    max_months = spec.max_months or 120
    months_text = get.get("months")
    months: int | None
    if months_text is None:
        initial = summary.duration.initial_months or 24
        months = min(initial, max_months)
    else:
        months = int(months_text) if re.fullmatch(r"[0-9]{1,4}", months_text) else None  # not isdigit(): "²"
        if months is None or not 1 <= months <= max_months:
            problems.append(_problem(frame, "months", "months", t("months_range", lang, n=max_months)))
            months = None

    method = get.get("method") or "statutory"
    if method not in METHODS:
        problems.append(_problem(frame, "method", "method", _unknown(frame, method),
                                 hints=[t("allowed", lang, values=", ".join(METHODS))]))
        method = "statutory"

    option_specs = [o for o in spec.options]
    taken = {o.name for o in option_specs}
    values: dict[str, object] = {}
    for o in option_specs:
        try:
            value = _option_value(o, get.get(o.name), lang)
        except ValueError as exc:
            problems.append(_problem(frame, o.name, None, str(exc)))
            continue
        if value is not None:
            values[o.name] = value
    if values.get("tax") != "personal":
        values.pop("tax_rate", None)  # only meaningful with a personal rate: ignore a leftover value

    result: SS.SimulationResult | None = None
    if not problems and start is not None and months is not None:
        try:
            options = SS.SimulationOptions(**{k: v for k, v in values.items() if k in taken})
            request = SS.SimulationRequest(scheme=slug, region=region, start=start, months=months,
                                           method="published" if method == "published" else "statutory",
                                           options=options)
            result = simulation.simulate(cat, request)
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][-1]) if error.get("loc") else "options"
                # pydantic's message, in the page's language as the API gives it
                problems.append(_problem(frame, name, name if name in ("start", "months") else None,
                                         ApiError(422, validation_message(error))))
        except ApiError as exc:
            name = exc.errors[0].field.removeprefix("options.") if exc.errors else "scheme"
            hints = ([coverage_hint] if name == "start"
                     else [t("max_months", lang, n=max_months)] if name == "months" else [])
            problems.append(_problem(frame, name,
                                     name if name in ("scheme", "region", "start", "months", "method") else None,
                                     exc, hints=hints))

    for problem in problems:
        if problem.field in OPTION_LABELS:
            problem.label = OPTION_LABELS[problem.field][lang][0]

    state = {"scheme": slug, "region": region, "start": f"{start:%Y-%m}" if start else start_text,
             "months": months if months is not None else months_text, "method": method,
             **{k: v for k, v in values.items()}}
    context: dict[str, Any] = {
        "title": t("simulator_title", lang),
        "choices": choices,
        "summary": summary,
        "spec": spec,
        "regions": [(code, regions.get(code, code)) for code in spec.regions],
        "state": state,
        "options": [{"spec": o, "label": OPTION_LABELS.get(o.name, {}).get(lang, (o.name, o.description))[0],
                     "hint": OPTION_LABELS.get(o.name, {}).get(lang, (o.name, o.description))[1],
                     "value": values.get(o.name, get.get(o.name))} for o in option_specs if o.name != "tax_rate"],
        "tax_rate": next(({"spec": o, "label": OPTION_LABELS["tax_rate"][lang][0],
                           "hint": OPTION_LABELS["tax_rate"][lang][1],
                           "value": values.get("tax_rate", get.get("tax_rate"))}
                          for o in option_specs if o.name == "tax_rate"), None),
        "tax_modes": TAX_MODES,
        "problems": problems,
        "invalid": {p.field for p in problems},
        "notices": notices,
        "coverage_hint": coverage_hint,
        "max_months": max_months,
        "audience": audience,
        "result": None,
    }
    if result is not None:
        query = {"scheme": slug, "region": region, "start": f"{start:%Y-%m-%d}", "months": months, "method": method,
                 **{k: _param(v) for k, v in values.items() if v is not None}}
        with_tax = result.totals.tax is not None
        other = any(m.other_income for m in result.months)
        check = result.method_check
        other_name = t(f"other_{check.other_method}", lang)
        if check.agree is None:
            check_text = t("method_cannot", lang, other=other_name)
        elif check.agree:
            check_text = t("method_agree", lang, other=other_name)
        else:
            check_text = t("method_disagree", lang, other=other_name, total=money(check.other_total_net, lang),
                           diff=money(abs(check.difference or Decimal(0)), lang),
                           # difference = this method's total − the other's: positive, the other gives less
                           direction=t("less" if (check.difference or 0) > 0 else "more", lang))
        chart = charts.build([(m.month, m.net) for m in result.months], lang)
        context["result"] = {
            "r": result,
            "with_tax": with_tax,
            "other": other,
            "check": check_text,
            "chart": chart,
            "chart_desc": t("chart_desc", lang, first=month_label(result.months[0].month, lang, long=True),
                            last=month_label(result.months[-1].month, lang, long=True),
                            low=money(chart.low, lang), high=money(chart.high, lang)),
            "csv_href": "/simulate?" + urlencode({**query, "format": "csv"}),
            "share_href": frame.url("/embed/simulator", **{**query, "start": f"{start:%Y-%m}"}),
            "scheme_href": frame.url(f"/embed/schemes/{slug}", region=region),
        }
    context["updated"] = updated_on(cat)
    return Page("simulator.html", context, 410 if gone else 422 if problems else 200)


# --- the integration guide -------------------------------------------------------------------------------------------

SNIPPET_ORDER = ("view", "scheme", "audience", "region", "lang", "color")


def guide_page(cat: Catalogue, frame: Frame, public_url: str, raw: dict[str, str | None],
               frame_ancestors: list[str]) -> Page:
    lang = frame.lang
    get = {name: _clean(value) for name, value in raw.items()}
    view = get.get("view") or "schemes"
    if view not in VIEWS:
        view = "schemes"
    schemes = catalogue.list_schemes(cat, limit=200).items
    slugs = [s.slug for s in schemes]
    regions = catalogue.list_regions(cat)
    codes = [r.code for r in regions]
    audience = get.get("audience") if get.get("audience") in AUDIENCES else None
    region = get.get("region") if get.get("region") in codes else None
    scheme = get.get("scheme") if get.get("scheme") in slugs else None
    if view in ("scheme",) and scheme is None:
        scheme = slugs[0]
    if view == "schemes" and audience is None and region is None and not raw:
        audience, region = "mg", "32"  # the first visit shows a realistic example
    attributes: dict[str, str] = {"view": view}
    if view in ("scheme", "simulator") and scheme:
        attributes["scheme"] = scheme
    if view in ("schemes", "simulator") and audience:
        attributes["audience"] = audience
    if region:
        attributes["region"] = region
    if lang != "fr":
        attributes["lang"] = lang
    if frame.theme.custom:
        attributes["color"] = frame.theme.accent
    script_src = public_url + "/embed.js"  # PUBLIC_URL, never the Host a request names
    snippet = f'<script src="{script_src}"' + "".join(
        f' data-{name}="{attributes[name]}"' for name in SNIPPET_ORDER if name in attributes
    ) + "></script>"
    # Every value in the snippet comes from a closed list or a parsed colour: nothing to escape but we escape anyway.
    path = {"schemes": "/embed/schemes", "scheme": f"/embed/schemes/{scheme}", "simulator": "/embed/simulator",
            "eligibility": "/embed/eligibility"}[view]
    iframe_params = {k: v for k, v in attributes.items()
                     if k not in ("view",) and not (view == "scheme" and k == "scheme")}
    iframe_src = public_url + path + ("?" + urlencode(iframe_params) if iframe_params else "")
    origin = public_url
    return Page("guide.html", {
        "updated": updated_on(cat),
        "title": t("guide_title", lang),
        "view": view,
        "views": VIEWS,
        "schemes": schemes,
        "regions": regions,
        "audience": audience,
        "region": region,
        "scheme": scheme,
        "color_value": frame.theme.accent if frame.theme.custom else "",
        "color_invalid": get.get("color") is not None and not frame.theme.custom,
        "snippet": snippet,
        "script_src": script_src,
        "attributes": attributes,
        "iframe_src": iframe_src,
        "origin": origin,
        "frame_ancestors": " ".join(frame_ancestors),
        "standalone": [(t("view_schemes", lang), frame.url("/embed/schemes")),
                       (t("view_simulator", lang), frame.url("/embed/simulator")),
                       (t("view_eligibility", lang), frame.url("/embed/eligibility"))],
    })
