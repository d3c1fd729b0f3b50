"""Runs simulations for the API: loads scheme data and parameters, calls the engine, shapes the result."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import cast

from pydantic_core import to_json

from app.catalogue import service as catalogue
from app.core.dates import today
from app.core.money import format_number, round_cents, round_half_up
from app.core.text import is_public_id
from app.errors import ApiError, not_found
from app.memory import Catalogue
from app.messages import Message as M
from app.messages import render, render_all
from app.simulation import engine
from app.simulation import schemas as S
from app.simulation.contributions import Deduction
from app.simulation.engine import Options, Result, SimulationError
from app.simulation.parameters import ParameterSet, UsedValue
from app.simulation.pay_models import PAY_MODELS, PUBLISHED_ONLY, PayModel
from app.simulation.repository import Citation, catalogue_data, scheme_data

ZERO = Decimal("0")
OTHER: dict[engine.Method, engine.Method] = {"published": "statutory", "statutory": "published"}


def _scheme(cat: Catalogue, slug: str, *, field: str, location: str, on: dt.date | None = None) -> engine.SchemeData:
    """The scheme as it stands on `on` (the contract's start; default today), with every version of its amounts."""
    day = on or today()
    data = scheme_data(cat, slug, day) if is_public_id(slug) else None
    if data is None:
        # Retired, not yet in force or unknown: the catalogue's one rule and message (410, 404 or 422).
        catalogue.scheme_on(cat, slug, day, field=field, location=location, asked="start" if on else None,
                            unknown_status=404 if location == "path" else 422)
    if data is None:
        if location == "path":
            raise not_found("scheme", slug, field=field)
        raise ApiError(422, render(M(f"Dispositif inconnu : « {slug} ».", f"Unknown scheme '{slug}'.")),
                       field=field, location=location)
    return data


def _model(scheme: engine.SchemeData, method: str, *, prefix: str = "") -> PayModel:
    """The scheme's pay model; a scheme created through the API has none: the published method counts its pay
    components alone, and a 422 says what is missing when that cannot work."""
    model = PAY_MODELS.get(scheme.slug)
    if model is not None:
        return model
    if method == "statutory":
        raise ApiError(422, render(M(
            f"La méthode statutory a besoin d'un modèle de rémunération (grilles officielles) que le dispositif "
            f"« {scheme.slug} » n'a pas : il se définit dans le code (app/simulation/pay_models.py), pas par l'API. "
            "Utilisez method=published, qui compte ses composantes de rémunération publiées.",
            f"The statutory method needs a pay model (official grids) that scheme '{scheme.slug}' does not have: it "
            "is defined in code (app/simulation/pay_models.py), not through the API. Use method=published, which "
            "counts its published pay components.")), field=f"{prefix}method", location="body", allowed=["published"])
    if not any(c.kind == "pay" for c in scheme.published):
        raise ApiError(422, render(M(
            f"Le dispositif « {scheme.slug} » n'a ni modèle de rémunération ni composante de rémunération "
            "(kind: pay) : il n'y a rien à simuler. Ajoutez ses montants publiés par POST /records/pay-components.",
            f"Scheme '{scheme.slug}' has neither a pay model nor a pay component (kind: pay): there is nothing to "
            "simulate. Add its published amounts with POST /records/pay-components.")),
            field=f"{prefix}scheme", location="body")
    return PUBLISHED_ONLY


def _options(options: S.SimulationOptions) -> Options:
    return Options(**options.model_dump())


def _run(cat: Catalogue, request: S.SimulationRequest, parameters: ParameterSet, *, prefix: str = "",
         method: engine.Method | None = None) -> Result:
    """The engine's run for the request, or for its figures alone by another `method` (engine.simulate's
    explain=False: for the method check's total)."""
    scheme = _scheme(cat, request.scheme, field=f"{prefix}scheme", location="body", on=request.start)
    asked = method or request.method
    try:
        return engine.simulate(
            scheme=scheme, model=_model(scheme, asked, prefix=prefix), parameters=parameters,
            region=request.region, start=request.start, months=request.months, method=asked,
            options=_options(request.options), explain=method is None,
        )
    except SimulationError as exc:
        raise ApiError(422, render(exc.message), field=f"{prefix}{exc.field}", location="body",
                       allowed=exc.allowed) from None


def run(cat: Catalogue, request: S.SimulationRequest) -> Result:
    """The engine's result for one request alone (no method comparison): for answers that quote a few figures of it
    (app/eligibility). Invalid requests raise the same 422 problems as `POST /simulate`."""
    return _run(cat, request, catalogue_data(cat).parameters)


_Sums = tuple[Decimal | None, Decimal, Decimal, Decimal, Decimal | None, Decimal | None, bool]
# The answer is built as JSON-ready Python (dicts, lists, str, int, float, bool, None) in the order and shape of its
# schema (S.SimulationResult, the OpenAPI document's), then written by pydantic-core's `to_json` in one call: about
# 160 pydantic models built and validated for every answer, then serialized through a Python `float` per amount,
# cost more than half of the answer's shaping (issue 12). tests/simulation/test_answer.py checks, over every
# scheme, region and method, that each answer validates as S.SimulationResult and that the model writes the very
# same bytes: the schema stays the contract.
Json = dict[str, object]


def _money(value: Decimal | None) -> float | None:
    """An amount, a rate or a bound as the schema writes it (Money, RateOut, Number: a JSON number)."""
    return None if value is None else float(value)


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sums(months: list[engine.Month]) -> _Sums:
    """The months' gross, net salary, other income, net, tax and net after tax summed (None where a month lacks
    one), and whether any month is taxed: what _totals divides. One pass over the months."""
    gross: Decimal | None = ZERO
    tax: Decimal | None = ZERO
    after: Decimal | None = ZERO
    net_salary = other = net = ZERO
    taxed = False
    for m in months:
        net_salary += m.net_salary
        other += m.other_income
        net += m.net
        gross = None if gross is None or m.gross is None else gross + m.gross
        if m.tax is not None:
            taxed = True
        tax = None if tax is None or m.tax is None else tax + m.tax
        after = None if after is None or m.net_after_tax is None else after + m.net_after_tax
    return gross, net_salary, other, net, tax, after, taxed


def _totals(sums: _Sums, divisor: int = 1) -> dict[str, Decimal | None]:
    """The fields of S.Totals, in its order."""
    gross, net_salary, other_income, net, tax, after_tax, taxed = sums

    def money(value: Decimal | None) -> Decimal | None:
        return None if value is None else round_cents(value / divisor)

    return {"gross": money(gross), "net_salary": round_cents(net_salary / divisor),
            "other_income": round_cents(other_income / divisor), "net": round_cents(net / divisor),
            "tax": money(tax) if taxed else None, "net_after_tax": money(after_tax) if taxed else None}


def _totals_json(sums: _Sums, divisor: int = 1) -> Json:
    return {name: _money(value) for name, value in _totals(sums, divisor).items()}


class _Refs:
    """Builds the answer's shared lists while its parts are shaped: each citation, document, component and
    contribution once, in the order of first use, referred to by id."""

    def __init__(self) -> None:
        self.sources: dict[str, Json] = {}
        self.documents: dict[str, Json] = {}
        self.components: dict[tuple[object, ...], Json] = {}
        self.contributions: dict[str, Json] = {}
        self.component_lines: dict[tuple[object, ...], Json] = {}
        self.contribution_lines: dict[tuple[object, ...], Json] = {}

    def component_line(self, line: engine.Line) -> str:
        """The id of this pay line (S.ComponentLine), built and listed the first time a month pays it (the same
        component, amount, formula, carried values, brochure figure, sources and parameters)."""
        key = line.identity
        found = self.component_lines.get(key)
        if found is None:
            until = line.known_until
            found = self.component_lines[key] = {
                "id": f"c{len(self.component_lines) + 1}", "component": self.component(line),
                "amount": float(line.amount), "formula": line.formula, "smoothed_monthly": _money(line.smoothed),
                "projected": until is not None, "known_until": _day(until), "brochure": _brochure_line(line, self),
                "sources": self.cite(line.sources),
                "parameters": [{"code": u.code, "valid_from": u.value.valid_from.isoformat()} for u in line.used]}
        return found["id"]  # type: ignore[return-value]

    def contribution_line(self, d: Deduction, until: dt.date | None) -> str:
        """The id of this contribution line (S.ContributionLine), built and listed the first time a month
        withholds it."""
        base, amount = round_cents(d.base), round_half_up(d.amount, Decimal("0.0001"))
        key = (d.code, d.label, d.formula, base, d.rate, amount, until, d.unconfirmed)
        found = self.contribution_lines.get(key)
        if found is None:
            if d.code not in self.contributions:
                self.contributions[d.code] = {"code": d.code, "label": d.label, "formula": d.formula}
            found = self.contribution_lines[key] = {
                "id": f"k{len(self.contribution_lines) + 1}", "contribution": d.code, "base": float(base),
                "rate": float(d.rate), "amount": float(amount), "projected": until is not None,
                "known_until": _day(until), "unconfirmed": d.unconfirmed}
        return found["id"]  # type: ignore[return-value]

    def cite(self, sources: tuple[str, ...] | list[str]) -> list[str]:
        """The ids of these citations (S.SourceOut), each listed once, with its document (S.DocumentOut)."""
        ids = []
        for text in sources:
            found = self.sources.get(text)
            if found is None:
                if isinstance(text, Citation):
                    if text.document not in self.documents:
                        self.documents[text.document] = {"id": text.document, "title": text.document_title,
                                                          "file": text.file}
                    found = {"id": f"s{len(self.sources) + 1}", "document": text.document, "quote": text.quote}
                else:
                    found = {"id": f"s{len(self.sources) + 1}", "document": None, "quote": str(text)}
                self.sources[text] = found
            ids.append(found["id"])
        return ids  # type: ignore[return-value]

    def component(self, line: engine.Line) -> str:
        """The id of the line's component (S.ComponentDefinition)."""
        key = (line.code, line.label, line.category, line.basis, line.payer, line.origin, line.unconfirmed,
               line.derivation)
        found = self.components.get(key)
        if found is None:
            same_code = sum(1 for c in self.components.values() if c["code"] == line.code)
            found = {"id": line.code if not same_code else f"{line.code}~{same_code + 1}", "code": line.code,
                     "label": line.label, "category": line.category, "basis": line.basis, "payer": line.payer,
                     "origin": line.origin, "unconfirmed": line.unconfirmed, "derivation": line.derivation}
            self.components[key] = found
        return found["id"]  # type: ignore[return-value]


def _brochure_line(line: engine.Line, refs: _Refs) -> Json | None:
    """S.BrochureLine."""
    b = line.brochure
    if b is None:
        return None
    return {"codes": list(b.codes), "amount": float(b.amount), "basis": b.basis, "approximate": b.approximate,
            "difference": float(line.amount - b.amount), "text": render(b.text), "sources": refs.cite(b.sources)}


def _deduction_known_until(d: Deduction, carried: dict[str, dt.date]) -> dt.date | None:
    """The earliest date a value this contribution used is known until, among the month's carried values."""
    dates = [carried[code] for code in d.parameters if code in carried]
    return min(dates) if dates else None


def _tax(month: engine.Month) -> Json | None:
    """S.MonthTax."""
    if month.tax is None or month.tax_base is None or month.tax_rate is None or month.net_after_tax is None:
        return None
    return {"base": float(month.tax_base), "rate": float(month.tax_rate), "amount": float(month.tax),
            "net_after_tax": float(month.net_after_tax)}


def _detail(month: engine.Month, refs: _Refs) -> tuple[list[str], list[str]]:
    """The ids of the month's lines, each line listed once in the answer however many months share it."""
    pay = month.pay
    if pay is None:
        return [refs.component_line(line) for line in month.lines], []
    carried = {u.code: u.value.valid_to for u in pay.used if u.carried_forward and u.value.valid_to}
    return ([refs.component_line(line) for line in month.lines],
            [refs.contribution_line(d, _deduction_known_until(d, carried)) for d in pay.deductions])


def _months(months: list[engine.Month], refs: _Refs) -> tuple[list[Json], list[Json]]:
    """The months (S.MonthOut), each pointing at its detail (S.Breakdown); a detail shared by several months (the
    same lines) is listed once."""
    out: list[Json] = []
    breakdowns: dict[tuple[tuple[str, ...], tuple[str, ...]], Json] = {}
    # Months the engine reused (engine._month_class) share their lines and pay objects, and every figure with them
    # (engine._dated): what a month says besides its date is shaped once for all of them.
    shaped: dict[tuple[int, int], tuple[list[str], Json]] = {}
    for month in months:
        day = month.month
        label = f"{day.year:04d}-{day.month:02d}"
        shared = (id(month.lines), id(month.pay))
        found = shaped.get(shared)
        if found is None:
            components, contributions = _detail(month, refs)
            key = (tuple(components), tuple(contributions))
            breakdown = breakdowns.get(key)
            if breakdown is None:
                breakdown = breakdowns[key] = {"id": f"b{len(breakdowns) + 1}", "months": [],
                                               "components": components, "contributions": contributions}
            pay = month.pay
            first: Json = {
                "month": label, "contract_year": month.contract_year, "projected": month.projected,
                "gross": _money(month.gross),
                "contributions_total": float(round_cents(pay.total_deductions)) if pay else None,
                "net_salary": float(month.net_salary), "other_income": float(month.other_income),
                "net": float(month.net), "tax": _tax(month), "breakdown": breakdown["id"]}
            labels: list[str] = breakdown["months"]  # type: ignore[assignment]
            shaped[shared] = (labels, first)
            out.append(first)
        else:
            labels, first = found
            out.append({**first, "month": label})  # the same figures, shaped once
        labels.append(label)
    return out, list(breakdowns.values())


def _option_json(value: object) -> object:
    """An option's value as S.SimulationInputs writes it (`object` fields: a Decimal as a string)."""
    return str(value) if isinstance(value, Decimal) else value


def _inputs(request: S.SimulationRequest, result: Result) -> Json:
    """S.SimulationInputs."""
    return {"scheme": request.scheme, "region": request.region, "start": request.start.isoformat(),
            "months": request.months, "method": request.method,
            "options": {k: _option_json(v) for k, v in result.options.__dict__.items()}}


def _years(result: Result) -> list[Json]:
    """S.YearSummary, one per contract year."""
    out = []
    for year, months in engine.yearly(result).items():
        out.append({**_totals_json(_sums(months)), "contract_year": year, "months": len(months),
                    "first_month": f"{months[0].month:%Y-%m}", "last_month": f"{months[-1].month:%Y-%m}"})
    return out


def _parameters(result: Result, refs: _Refs, parameters: ParameterSet) -> list[Json]:
    """S.ParameterUsed, every value used: what a value says but its sources' ids (which are the answer's own) is
    written once per parameter set (_parameter_json)."""
    return [{**_parameter_json(u, parameters), "sources": refs.cite(u.value.sources)}
            for u in sorted(result.used, key=lambda u: (u.code, u.value.valid_from))]


def _parameter_json(u: UsedValue, parameters: ParameterSet) -> Json:
    """S.ParameterUsed without its sources, kept with the parameter set (immutable, one per catalogue version) for
    each value and whether it is carried forward: a few hundred entries at most. The value is kept in the entry, so
    that its id names it as long as the entry lives."""
    key = ("parameter json", id(u.value), u.code, u.label, u.carried_forward)
    found = parameters.kept.get(key)
    if not isinstance(found, tuple):
        value = u.value
        found = parameters.kept[key] = (value, {
            "code": u.code, "label": u.label, "value": _money(value.value),
            "brackets": [{"threshold": float(b.threshold), "value": float(b.value)} for b in value.brackets]
            if value.brackets else None,
            "valid_from": value.valid_from.isoformat(), "valid_to": _day(value.valid_to),
            "confirmed": value.confirmed, "derivation": value.derivation, "carried_forward": u.carried_forward})
    return cast(Json, found[1])


def _method_check(cat: Catalogue, request: S.SimulationRequest, result: Result,
                  parameters: ParameterSet) -> Json:
    """S.MethodCheck."""
    total = sum((m.net for m in result.months), ZERO)
    other_method = OTHER[request.method]

    def check(other_total: Decimal | None, difference: Decimal | None, agree: bool | None, detail: M) -> Json:
        return {"method": request.method, "other_method": other_method, "total_net": float(total),
                "other_total_net": _money(other_total), "difference": _money(difference), "agree": agree,
                "detail": render(detail)}

    try:
        other = _run(cat, request, parameters, method=other_method)
    except ApiError as exc:
        return check(None, None, None, M(f"La méthode {other_method} ne peut pas être calculée : {exc.detail}",
                                         f"The {other_method} method cannot run: {exc.detail}"))
    other_total = sum((m.net for m in other.months), ZERO)
    difference = total - other_total
    published = result if request.method == "published" else other
    if not any(line.origin == "published" and line.category in engine.SALARY
               for m in published.months for line in m.lines):
        # Without a published salary figure both methods rest on the same grids: comparing them proves nothing.
        return check(other_total, difference, None, M(
            "Aucun document ne publie de montant de salaire pour ce dispositif : les deux méthodes "
            "reposent sur les mêmes grilles officielles (ou des montants dérivés), il n'y a rien à comparer.",
            "No document publishes a salary figure for this scheme: both methods rest on the same "
            "official grids (or derived amounts); there is nothing to compare."))
    agree = abs(difference) <= abs(other_total) / 100 if other_total else difference == 0
    other_text, gap = format_number(other_total, "fr"), format_number(abs(difference), "fr")
    return check(other_total, difference, agree, M(
        f"La méthode {other_method} donne le même total net, à 1 % près.",
        f"The {other_method} method gives the same total net within 1 %.") if agree else M(
        f"La méthode {other_method} donne {other_text} € au total, soit {gap} € de "
        f"{'moins' if difference > 0 else 'plus'} : "
        "les montants publiés et les grilles officielles divergent.",
        f"The {other_method} method gives {other_text} € in total, {gap} € {'less' if difference > 0 else 'more'}: "
        "the published figures and the official grids disagree."))


def answer(cat: Catalogue, request: S.SimulationRequest) -> bytes:
    """One simulation as the JSON text of S.SimulationResult, with the other method run alongside to say where
    they disagree."""
    parameters = catalogue_data(cat).parameters
    result = _run(cat, request, parameters)
    months = list(result.months)
    sums = _sums(months)
    refs = _Refs()
    month_list, breakdowns = _months(months, refs)
    used = _parameters(result, refs, parameters)
    missing = [{"option": m.option, "effect": render(m.effect), "typical_range": m.typical_range,
                "sources": refs.cite(m.sources)} for m in result.missing_inputs]
    brochure = _brochure_total(result, refs)
    scheme = result.scheme
    return to_json({
        "inputs": _inputs(request, result),
        "scheme": {"slug": scheme.slug, "name": scheme.name, "url": f"/schemes/{scheme.slug}"},
        "months": month_list,
        "breakdowns": breakdowns,
        "component_lines": list(refs.component_lines.values()),
        "contribution_lines": list(refs.contribution_lines.values()),
        "components": list(refs.components.values()),
        "contributions": list(refs.contributions.values()),
        "totals": _totals_json(sums),
        "monthly_average": _totals_json(sums, divisor=len(months)),
        "years": _years(result),
        "parameters": used,
        "sources": list(refs.sources.values()),
        "documents": list(refs.documents.values()),
        "notes": render_all(result.notes),
        "projection": _projection(result),
        "missing_inputs": missing,
        "brochure": brochure,
        "method_check": _method_check(cat, request, result, parameters),
    })


def simulate(cat: Catalogue, request: S.SimulationRequest) -> S.SimulationResult:
    """The same simulation as a model, for the pages that read its figures (app/embed) and the CSV export: the
    answer's JSON text read back, so that they show what an API client reads."""
    return S.SimulationResult.model_validate_json(answer(cat, request))


def _projection(result: Result) -> Json | None:
    """S.Projection."""
    projected = result.projected_months
    if not projected:
        return None
    carried = {(u.code, u.value.valid_from): u for m in projected for u in m.carried if u.value.valid_to}
    values = sorted(((u, until) for u in carried.values() if (until := u.value.valid_to) is not None),
                    key=lambda v: (v[1], v[0].code))
    first = projected[0].month
    text = render(M(
        f"{len(projected)} mois sur {len(result.months)}, à partir de {first:%m/%Y}, utilisent des valeurs au-delà de "
        "la date jusqu'à laquelle un texte les donne : la dernière valeur connue est reprise — "
        + " ; ".join(f"{u.label} (connue jusqu'au {until:%d/%m/%Y})" for u, until in values) + ".",
        f"{len(projected)} of {len(result.months)} months, from {first:%m/%Y}, use values past the date a text gives "
        "them for: the last known value is carried forward — "
        + "; ".join(f"{u.label} (known until {until:%d/%m/%Y})" for u, until in values) + "."))
    return {"first_month": f"{first:%Y-%m}", "months": len(projected),
            "values": [{"code": u.code, "label": u.label, "valid_from": u.value.valid_from.isoformat(),
                        "known_until": until.isoformat()} for u, until in values],
            "text": text}


def _brochure_total(result: Result, refs: _Refs) -> Json | None:
    """S.BrochureTotal."""
    b = result.brochure
    if b is None:
        return None
    return {"month": f"{b.month:%Y-%m}", "amount": float(b.amount), "basis": b.basis, "approximate": b.approximate,
            "official_net": float(b.official_net), "official_gross": _money(b.official_gross),
            "difference": float(b.difference), "text": render(b.text), "sources": refs.cite(b.sources)}


def compare(cat: Catalogue, request: S.CompareRequest) -> S.CompareResult:
    """Several schemes or options over the same start and length, side by side."""
    asked = len(request.items) * request.months
    if asked > S.MAX_COMPARE_MONTHS:
        raise ApiError(422, M(
            f"Une comparaison simule au plus {S.MAX_COMPARE_MONTHS} mois en tout (éléments × mois) ; celle-ci en "
            f"demande {asked} ({len(request.items)} éléments × {request.months} mois). Réduisez le nombre d'éléments "
            "ou la durée, ou faites plusieurs comparaisons.",
            f"A comparison simulates at most {S.MAX_COMPARE_MONTHS} months in all (items × months); this one asks "
            f"for {asked} ({len(request.items)} items × {request.months} months). Compare fewer items or fewer "
            "months, or make several comparisons."), field="items", location="body")
    parameters = catalogue_data(cat).parameters
    columns = []
    months: list[str] = []
    for index, item in enumerate(request.items):
        single = S.SimulationRequest(scheme=item.scheme, region=item.region, start=request.start,
                                     months=request.months, method=item.method, options=item.options)
        result = _run(cat, single, parameters, prefix=f"items[{index}].")
        months = [f"{m.month:%Y-%m}" for m in result.months]
        columns.append(S.CompareColumn(
            label=item.label or f"{item.scheme} ({item.region}, {item.method})",
            inputs=S.SimulationInputs.model_validate(_inputs(single, result)),
            totals=S.Totals.model_validate(_totals(sums := _sums(list(result.months)))),
            monthly_average=S.Totals.model_validate(_totals(sums, divisor=len(result.months))),
            net_by_month=[m.net for m in result.months],
            notes=render_all(result.notes),
        ))
    return S.CompareResult(start=request.start, months=months, items=columns)


def options(cat: Catalogue, slug: str) -> S.SimulationOptionsOut:
    """What a scheme's simulation takes: regions, maximum length, options with ranges and defaults, dates covered."""
    scheme = _scheme(cat, slug, field="slug", location="path")
    model = PAY_MODELS.get(slug, PUBLISHED_ONLY)
    parameters = catalogue_data(cat).parameters
    specs = engine.option_specs(scheme, model, parameters)
    span = engine.window(parameters, engine.required_parameters(model, Options(), parameters))
    return S.SimulationOptionsOut(
        scheme=S.SchemeRef(slug=scheme.slug, name=scheme.name, url=f"/schemes/{scheme.slug}"),
        regions=list(scheme.regions),
        max_months=scheme.max_months,
        methods=["published", "statutory"] if slug in PAY_MODELS else ["published"],
        options=[
            S.OptionOut(name=s.name, type=s.kind, default=s.default, minimum=s.minimum, maximum=s.maximum,
                        description=s.description)
            for s in specs
        ],
        coverage=S.Coverage(
            first_start=span.first_start, last_start=span.last_start, known_until=span.known_until,
            text=render(M(
                f"Débuts acceptés du {span.first_start:%d/%m/%Y} au {span.last_start:%d/%m/%Y} "
                f"({engine.PROJECTION_MONTHS} mois après la valeur officielle la plus récente)"
                + (f" ; après le {span.known_until:%d/%m/%Y}, certaines valeurs sont reprises de la dernière connue et "
                   "les mois concernés sont marqués projected." if span.known_until else "."),
                f"Starts accepted from {span.first_start:%d/%m/%Y} to {span.last_start:%d/%m/%Y} "
                f"({engine.PROJECTION_MONTHS} months past the newest official value)"
                + (f"; after {span.known_until:%d/%m/%Y}, some values are carried forward from the last known one and "
                   "the months concerned are marked projected." if span.known_until else "."))),
        ),
    )


def to_csv(result: S.SimulationResult) -> str:
    """One row per month: totals, then one column per component code (amount paid that month)."""
    code_of = {c.id: c.code for c in result.components}
    lines = {line.id: line for line in result.component_lines}
    detail = {b.id: [lines[i] for i in b.components] for b in result.breakdowns}
    codes = list(dict.fromkeys(code_of[line.component] for m in result.months for line in detail[m.breakdown]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["month", "contract_year", "projected", "gross", "contributions", "net_salary", "other_income",
                     "net", "tax", "net_after_tax", *codes])

    def cell(value: object) -> str:
        return "" if value is None else (f"{value:.2f}" if isinstance(value, Decimal) else str(value))

    for m in result.months:
        amounts: dict[str, Decimal] = {}
        for line in detail[m.breakdown]:  # two versions of one amount share a month when it changes
            code = code_of[line.component]
            amounts[code] = amounts.get(code, ZERO) + line.amount
        writer.writerow([m.month, m.contract_year, "true" if m.projected else "false", cell(m.gross),
                         cell(m.contributions_total), cell(m.net_salary), cell(m.other_income), cell(m.net),
                         cell(m.tax.amount if m.tax else None), cell(m.tax.net_after_tax if m.tax else None),
                         *(cell(amounts.get(code)) for code in codes)])
    return buffer.getvalue()
