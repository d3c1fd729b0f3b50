"""Catalogue reads: filtering, and assembling schemes with their rules, pay, contacts and calendar."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from functools import partial
from typing import Any, Literal, TypeVar, cast

from app.catalogue import age
from app.catalogue import schemas as S
from app.core.dates import covers, today
from app.core.money import short_euros
from app.core.text import REGION_CODE, is_public_id, terms
from app.errors import ApiError, not_found, unknown_filter
from app.memory import Catalogue, Day
from app.messages import Message as M
from app.models import (
    CalendarEvent,
    Contact,
    PayComponent,
    Region,
    Scheme,
    SchemeRegion,
    SchemeRule,
    SchemeSpecialty,
    SourceDocument,
    Specialty,
)

RowT = TypeVar("RowT", Contact, CalendarEvent)
OutT = TypeVar("OutT")
SchemeSort = Literal["name", "-name", "slug", "-slug", "duration", "-duration"]
AUDIENCES_FOR = {
    # Who a filter value lets through: `all` schemes are open to everybody, `disciplines` to listed specialists.
    "mg": ("mg", "all"),
    "specialist": ("specialist", "all", "disciplines"),
}

# --- small helpers -------------------------------------------------------------------------------------


def cite(refs: Iterable[dict[str, Any]], cat: Catalogue) -> list[S.Citation]:
    """The citations of `refs`, each built once per catalogue version (Catalogue.kept): a scheme's detail holds about
    70, the same from one request to the next. Answers are serialized, never changed, so the same citation can
    appear in many of them."""
    built: dict[tuple[str, str | None, str | None], S.Citation] = cat.kept("citations", dict)
    out = []
    for ref in refs:
        key = (ref["doc"], ref.get("quote"), ref.get("note"))
        citation = built.get(key)
        if citation is None:
            doc = cat.docs[ref["doc"]]
            citation = built.setdefault(key, S.Citation(doc=doc.key, title=doc.title, kind=doc.kind, file=doc.file,
                                                        url=doc.url, quote=ref.get("quote"), note=ref.get("note")))
        out.append(citation)
    return out


def once(cat: Catalogue, kind: str, record: object, make: Callable[[], OutT], *extra: object) -> OutT:
    """What `make` builds from `record` (and `extra`, what else it reads), built once per catalogue version
    (Catalogue.kept), as the citations are: a record never changes within a version, nor does what it is shown as,
    and answers are serialized, never changed. A scheme's detail is about 120 such blocks, the same from one request
    to the next (issue 12). The record is kept with its block, so that its id names it as long as the version
    lives."""
    built: dict[tuple[object, ...], tuple[object, OutT]] = cat.kept(kind, dict)
    key = (id(record), *extra)
    found = built.get(key)
    if found is None:
        found = built.setdefault(key, (record, make()))
    return found[1]


def region_ref(region: Region) -> S.RegionRef:
    return S.RegionRef(code=region.code, name=region.name)


def _region_ref(cat: Catalogue, code: str) -> S.RegionRef:
    """The reference to this region, built once per catalogue version."""
    region = cat.regions[code]
    return once(cat, "region refs", region, lambda: region_ref(region))


_BASIS_FR = {"net": " net", "gross": " brut", "unspecified": ""}


def headline_pay(components: Sequence[PayComponent], region: str | None = None) -> S.HeadlinePay | None:
    """A published monthly total if a document gives one, else the sum of the monthly base components of year 1."""
    by_region = {c.region_code for c in components if c.region_code is not None}
    # Without a region, regional figures are used only when a single region publishes them.
    wanted = {None, region} if region is not None else {None, *by_region} if len(by_region) <= 1 else {None}
    relevant = [c for c in components if c.region_code in wanted and c.year_from in (None, 1)]
    totals = [c for c in relevant if c.kind == "total" and c.frequency == "monthly"]
    if totals:
        t = totals[0]
        prefix = "de l'ordre de " if t.approximate else ""
        return S.HeadlinePay(
            amount=t.amount, basis=t.basis, approximate=t.approximate, method="published_total",
            components=[t.code], text=f"{prefix}{short_euros(t.amount)}{_BASIS_FR[t.basis]} par mois",
        )
    base = [
        c for c in relevant
        if c.kind == "pay" and c.headline and c.frequency == "monthly" and c.calculation == "fixed"
    ]
    if not base:
        return None
    bases = {c.basis for c in base}
    if len(bases) == 1:
        basis = bases.pop()
        amount = sum((c.amount for c in base), Decimal("0"))
        detail = " + ".join(f"{c.label} {short_euros(c.amount)}" for c in base) if len(base) > 1 else base[0].label
        text = f"{short_euros(amount)}{_BASIS_FR[basis]} par mois ({detail})"
        return S.HeadlinePay(
            amount=amount, basis=basis, approximate=any(c.approximate for c in base), method="sum_of_components",
            components=[c.code for c in base], text=text,
        )
    text = " + ".join(f"{short_euros(c.amount)}{_BASIS_FR[c.basis]} ({c.label})" for c in base) + " par mois"
    return S.HeadlinePay(
        amount=None, basis=None, approximate=any(c.approximate for c in base), method="sum_of_components",
        components=[c.code for c in base], text=text,
    )


def _cited(view: Day, slug: str) -> frozenset[str]:
    """The ids of the sources scheme `slug` cites on the view's day: what dates its summary (`sources_as_of`)."""

    def make() -> frozenset[str]:
        cat, day = view.catalogue, view.day
        scheme = view.schemes[slug]
        cited: set[str] = set()
        for refs in [scheme.sources, scheme.duration_sources, (scheme.work_split or {}).get("sources", [])]:
            cited.update(r["doc"] for r in refs)
        for rule in cat.rules_of.get(scheme.id, ()):
            # A note of context (the four-year DES, cited from 2026 pages) says nothing of how recent the offer's
            # own description is: it does not date the scheme.
            if rule.kind != "note":
                cited.update(r["doc"] for r in rule.sources)
        for offer in view.offers[slug]:
            cited.update(r["doc"] for r in offer.sources)
        # Amounts in force, and those already recorded for a later date (`scheduled_changes`).
        for component in cat.pay_of.get(slug, ()):
            if covers(component.valid_from, component.valid_to, day) or (
                    component.valid_from is not None and component.valid_from > day):
                cited.update(r["doc"] for r in component.sources)
        for refs in _linked_sources(view).get(slug, ()):
            cited.update(r["doc"] for r in refs)
        return frozenset(cited)

    return cast(frozenset[str], view.remember(("cited", slug), make))


def _linked_sources(view: Day) -> dict[str, list[list[dict[str, Any]]]]:
    """The sources of the contacts and events in force on the view's day, by scheme they are linked to."""

    def make() -> dict[str, list[list[dict[str, Any]]]]:
        cat, day = view.catalogue, view.day
        out: dict[str, list[list[dict[str, Any]]]] = defaultdict(list)
        for contact in cat.contacts:
            if covers(contact.valid_from, contact.valid_to, day):
                for slug in cat.contact_schemes.get(contact.id, ()):
                    out[slug].append(contact.sources)
        for event in cat.events:
            if covers(event.valid_from, event.valid_to, day):
                for slug in cat.event_schemes.get(event.id, ()):
                    out[slug].append(event.sources)
        return dict(out)

    return cast(dict[str, list[list[dict[str, Any]]]], view.remember("linked-sources", make))


def _age_fields(cited: Iterable[str], docs: dict[str, SourceDocument], now: dt.date) -> dict[str, Any]:
    newest = age.newest(docs[key] for key in cited)
    as_of = age.source_date(newest) if newest else None
    stale = age.is_stale(as_of, now)
    precision = age.precision(newest) if newest else None
    return {
        "sources_as_of": as_of,
        "sources_as_of_precision": precision,
        "stale": stale,
        "stale_message": age.stale_message(as_of, precision) if stale and as_of and precision else None,
    }


def _summary(view: Day, slug: str, region: str | None = None,
             cited: Iterable[str] | None = None) -> S.SchemeSummary:
    """One scheme's summary as listed; kept per day, scheme and region filter unless `cited` is given."""

    def make() -> S.SchemeSummary:
        cat = view.catalogue
        s = view.schemes[slug]
        offers = view.offers[slug]
        evidence = next((o.evidence for o in offers if o.region_code == region), None)
        pay = [c for c in cat.pay_of.get(slug, ()) if c.kind in ("pay", "total")
               and covers(c.valid_from, c.valid_to, view.day)]
        # Staleness is about the reader's today, whatever day the catalogue is shown as of.
        return S.SchemeSummary(
            slug=s.slug, name=s.name, short_name=s.short_name, category=s.category, scope=s.scope,
            audience=s.audience, regions=[region_ref(cat.regions[o.region_code]) for o in offers],
            region_evidence=evidence,
            duration=S.DurationSummary(
                initial_months=s.duration_initial_months, max_months=s.duration_max_months, text=s.duration_text
            ),
            headline_pay=headline_pay(pay, region), url=f"/schemes/{s.slug}",
            last_verified=_verified(s),
            **_age_fields(_cited(view, slug) if cited is None else cited, cat.docs, today()),
        )

    if cited is not None:
        return make()
    return cast(S.SchemeSummary, view.remember(("summary", slug, region), make))


# --- schemes ---------------------------------------------------------------------------------------------


def list_schemes(
    cat: Catalogue,
    *,
    audience: str | None = None,
    specialty: str | None = None,
    region: str | None = None,
    category: str | None = None,
    q: str | None = None,
    sort: SchemeSort = "name",
    limit: int = 50,
    offset: int = 0,
    as_of: dt.date | None = None,
) -> S.Page:
    """Schemes matching every filter given, as they stood on `as_of` (default today), one page, with the total."""
    day = as_of or today()
    view = cat.on(day)
    matching: set[str] = view.all
    if audience is not None:
        matching = matching & set().union(*(view.by_audience.get(a, set()) for a in AUDIENCES_FOR[audience]))
    if specialty is not None:
        spec = cat.specialties.get(specialty) if is_public_id(specialty) else None
        if spec is None:
            raise unknown_filter("specialty", specialty, field="specialty", allowed=list(cat.specialties))
        if spec.is_mg:
            matching = matching & set().union(*(view.by_audience.get(a, set()) for a in AUDIENCES_FOR["mg"]))
        else:
            open_to_all = view.by_audience.get("specialist", set()) | view.by_audience.get("all", set())
            listing = view.by_audience.get("disciplines", set()) & view.listing.get(spec.code, set())
            matching = matching & (open_to_all | listing)
    if category is not None:
        matching = matching & view.by_category.get(category, set())
    for term in terms(q or ""):
        matching = {slug for slug in matching if term in view.schemes[slug].search_text}
    if region is not None and (not REGION_CODE.match(region) or region not in cat.regions):
        raise unknown_filter("region code", region, field="region", allowed=list(cat.regions))
    # Region facet: what each region would list under every other filter.
    facets = [S.RegionFacet(code=r.code, name=r.name, count=len(view.in_region.get(r.code, set()) & matching))
              for r in cat.regions.values()]
    if region is not None:
        matching = matching & view.in_region.get(region, set())
    order = view.order(sort)
    if matching is view.all:
        page = order[offset:offset + limit]
    else:
        page = []
        skip = offset
        for slug in order:
            if slug in matching:
                if skip:
                    skip -= 1
                    continue
                page.append(slug)
                if len(page) >= limit:
                    break
    items = [_summary(view, slug, region) for slug in page]
    if specialty is not None:
        items = _mark_specialty_match(cat, view, page, items, specialty)
    return S.Page(items=items, total=len(matching), limit=limit, offset=offset, as_of=day,
                  facets=S.Facets(regions=facets))


def _mark_specialty_match(
    cat: Catalogue, view: Day, page: Sequence[str], items: list[S.SchemeSummary], specialty: str
) -> list[S.SchemeSummary]:
    """Say how each scheme matches `specialty=`: a DES a scheme lists only as a lead is not a plain match."""
    out = []
    for slug, item in zip(page, items, strict=True):
        link = next((link for link in cat.links_of.get(view.schemes[slug].id, ())
                     if link.specialty_code == specialty), None)
        confirmed = link is None or link.confirmed  # open through the audience, or a confirmed listed DES
        note = None if link is None else link.note
        match = S.SpecialtyMatch(specialty=specialty, confirmed=confirmed, note=note)
        out.append(item.model_copy(update={"specialty_match": match}))
    return out


def scheme_on(
    cat: Catalogue,
    slug: str,
    day: dt.date,
    *,
    field: str,
    location: str = "query",
    asked: str | None = None,
    unknown_status: int = 422,
) -> Scheme:
    """The version of scheme `slug` in force on `day`: the one rule for every route that names a scheme.

    - in force on `day`: its version;
    - retired (versions before `day`, none since): 410, « n'est plus proposé depuis le … », pointing to
      `/schemes/{slug}?as_of=<its last day>` to read it as it was;
    - not yet (or not again) in force: `unknown_status`, saying from when;
    - never in the catalogue: `unknown_status` (404 for a path, 422 for a filter or a body field), with the schemes
      in force that day as the allowed values.
    `asked` names the parameter the client sent the date in (`as_of`, `start`): the message mentions it, and
    `errors[]` points at it, only then; otherwise `errors[]` points at the slug's own parameter (`field`).
    """
    versions = cat.versions_of.get(slug, []) if is_public_id(slug) else []
    for version in versions:
        if covers(version.valid_from, version.valid_to, day):
            return version
    where = (asked, "query" if asked == "as_of" else location) if asked else (field, location)
    when = (M(f" (date demandée par {asked} : {day:%d/%m/%Y})", f" (date asked by {asked}: {day:%d/%m/%Y})")
            if asked else M("", ""))
    ended = [v.valid_to for v in versions if v.valid_to is not None and v.valid_to < day]
    later = [v.valid_from for v in versions if v.valid_from is not None and v.valid_from > day]
    if ended and not later:
        last = max(ended)
        raise ApiError(
            410, M(f"Le dispositif « {slug} » n'est plus proposé depuis le {last + dt.timedelta(days=1):%d/%m/%Y}",
                   f"Scheme '{slug}' is no longer offered since {last + dt.timedelta(days=1):%d/%m/%Y}") + when
            + M(f". Tel qu'il était : /schemes/{slug}?as_of={last.isoformat()}.",
                f". As it was: /schemes/{slug}?as_of={last.isoformat()}."),
            field=where[0], location=where[1],
        )
    if later:
        first = min(later)
        raise ApiError(
            unknown_status,
            M(f"Le dispositif « {slug} » n'est proposé qu'à partir du {first:%d/%m/%Y}",
              f"Scheme '{slug}' is offered only from {first:%d/%m/%Y}") + when
            + M(f". Tel qu'il sera : /schemes/{slug}?as_of={first.isoformat()}.",
                f". As it will be: /schemes/{slug}?as_of={first.isoformat()}."),
            field=where[0], location=where[1],
        )
    slugs = cat.on(day).by_slug_order
    if unknown_status == 404:
        raise not_found("scheme", slug, field=field, allowed=slugs)
    if location == "query":
        raise unknown_filter("scheme", slug, field=field, allowed=slugs)
    raise ApiError(unknown_status, M(f"Dispositif inconnu : « {slug} ».", f"Unknown scheme '{slug}'."),
                   field=field, location=location, allowed=slugs)


def _pay_out(component: PayComponent, slug: str, cat: Catalogue) -> S.PayComponentOut:
    return once(cat, "pay components", component, lambda: _build_pay_out(component, slug, cat), slug)


def _build_pay_out(component: PayComponent, slug: str, cat: Catalogue) -> S.PayComponentOut:
    return S.PayComponentOut(
        code=component.code, scheme=slug, kind=component.kind, label=component.label, amount=component.amount,
        approximate=component.approximate, basis=component.basis, frequency=component.frequency,
        payment_frequency=component.payment_frequency, calculation=component.calculation,
        contract_years=S.ContractYears(first=component.year_from, last=component.year_to),
        periphery_share_pct=component.periphery_share_pct, conditions=component.conditions, payer=component.payer,
        recipient=component.recipient,
        region=_region_ref(cat, component.region_code) if component.region_code else None,
        valid_from=component.valid_from, valid_to=component.valid_to, headline=component.headline,
        note=component.note, origin="derived" if component.derivation else "published",
        derivation=component.derivation, unconfirmed=not component.confirmed, sources=cite(component.sources, cat),
    )


def get_scheme(cat: Catalogue, *, slug: str, as_of: dt.date | None = None) -> S.SchemeDetail:
    """Everything the catalogue knows about one scheme, as it stood on `as_of` (default today)."""
    day = as_of or today()
    scheme = scheme_on(cat, slug, day, field="slug", location="path", asked="as_of" if as_of else None,
                       unknown_status=404)
    view = cat.on(day)
    docs = cat.docs
    rules = cat.rules_of.get(scheme.id, [])
    specialties = [(cat.specialties[link.specialty_code], link) for link in cat.links_of.get(scheme.id, [])]
    availability = view.offers[scheme.slug]
    every_component = cat.pay_of.get(scheme.slug, [])
    components = [c for c in every_component if covers(c.valid_from, c.valid_to, day)]
    scheduled = [c for c in every_component if c.valid_from is not None and c.valid_from > day]
    pay = {
        kind: [_pay_out(c, slug, cat) for c in components if c.kind == kind]
        for kind in ("pay", "total", "funding")
    }
    contacts = _contacts(cat, day, scheme=scheme.slug)
    calendar = calendar_events(cat, day, scheme=scheme.slug)

    cited: set[str] = set()
    for refs in [scheme.sources, scheme.duration_sources, (scheme.work_split or {}).get("sources", [])]:
        cited.update(r["doc"] for r in refs)
    cited_rows: list[SchemeRegion | PayComponent | SchemeRule] = [
        *availability, *components, *scheduled, *(r for r in rules if r.kind != "note")
    ]
    for item in cited_rows:
        cited.update(r["doc"] for r in item.sources)
    for _, link in specialties:
        cited.update(r["doc"] for r in link.sources or [])
    blocks: list[S.ContactOut | S.CalendarEventOut] = [*contacts, *calendar]
    for block in blocks:
        cited.update(c.doc for c in block.sources)
    dating = set(cited)  # notes of context do not date the offer (see _cited)
    for rule in rules:
        cited.update(r["doc"] for r in rule.sources)
    summary = _summary(view, scheme.slug, cited=dating)

    split = scheme.work_split
    return S.SchemeDetail(
        **summary.model_dump(exclude={"duration"}),
        description=scheme.description,
        audience_text=scheme.audience_text,
        eligible_specialties=[_eligible_out(s, link, cat) for s, link in specialties if link.confirmed],
        specialties_unconfirmed=[_eligible_out(s, link, cat) for s, link in specialties if not link.confirmed],
        duration=S.Duration(
            initial_months=scheme.duration_initial_months, max_months=scheme.duration_max_months,
            text=scheme.duration_text, renewals=scheme.duration_renewals,
            renewal_months=scheme.duration_renewal_months,
            standard_max_months=scheme.duration_standard_max_months,
            max_condition=scheme.duration_max_condition, extendable=scheme.duration_extendable,
            sources=cite(scheme.duration_sources, cat),
        ),
        work_split=S.WorkSplit(**{**split, "sources": cite(split["sources"], cat)}) if split else None,
        rules=[once(cat, "rules", r, partial(_rule_out, r, cat)) for r in rules],
        availability=[once(cat, "availability", a, partial(_availability_out, a, cat)) for a in availability],
        pay_components=pay["pay"],
        published_totals=pay["total"],
        funding=pay["funding"],
        scheduled_changes=[_pay_out(c, slug, cat) for c in scheduled],
        as_of=day,
        valid_from=scheme.valid_from,
        valid_to=scheme.valid_to,
        contacts=contacts,
        calendar=calendar,
        sources=[once(cat, "documents", docs[key], partial(_source_out, docs[key])) for key in sorted(cited)],
    )


def _rule_out(rule: SchemeRule, cat: Catalogue) -> S.Rule:
    return S.Rule(kind=rule.kind, text=rule.text, data=rule.data, criterion=rule.criterion,
                  sources=cite(rule.sources, cat))


def _availability_out(a: SchemeRegion, cat: Catalogue) -> S.Availability:
    return S.Availability(
        region=_region_ref(cat, a.region_code), local_name=a.local_name, since=a.since, since_text=a.since_text,
        funders=a.funders, faculties=a.faculties, notes=a.notes, evidence=a.evidence, sources=cite(a.sources, cat),
    )


def _verified(scheme: Scheme) -> S.Verified | None:
    if scheme.verified_on is None:
        return None
    return S.Verified(date=scheme.verified_on, by=scheme.verified_by, sources=list(scheme.verified_sources))


def _source_out(doc: SourceDocument) -> S.SourceOut:
    return S.SourceOut(
        id=doc.key, kind=doc.kind, title=doc.title, file=doc.file, publisher=doc.publisher, region=doc.region_code,
        published_on=doc.published_on, published_text=doc.published_text, url=doc.url, signed_by=doc.signed_by,
        read_on=doc.read_on,
        note=doc.note,
    )


def _specialty_out(spec: Specialty, cat: Catalogue) -> S.SpecialtyOut:
    return S.SpecialtyOut(
        code=spec.code, name=spec.name, is_mg=spec.is_mg, discipline=spec.discipline, sources=cite(spec.sources, cat)
    )


def _eligible_out(spec: Specialty, link: SchemeSpecialty, cat: Catalogue) -> S.EligibleSpecialty:
    return once(cat, "eligible specialties", link, lambda: S.EligibleSpecialty(
        **_specialty_out(spec, cat).model_dump(), confirmed=link.confirmed, note=link.note,
        eligibility_sources=cite(link.sources or [], cat),
    ), spec.code)


# --- regions, specialties ----------------------------------------------------------------------------------


def list_regions(cat: Catalogue, *, as_of: dt.date | None = None) -> list[S.RegionOut]:
    """All 18 regions, each with how many schemes are documented there (on `as_of`, default today)."""
    view = cat.on(as_of or today())
    return [
        S.RegionOut(code=r.code, name=r.name, iso_code=r.iso_code, scheme_count=len(view.in_region.get(r.code, ())),
                    sources=cite(r.sources, cat))
        for r in cat.regions.values()
    ]


def insee_code_of(cat: Catalogue, iso_code: str) -> str:
    """The INSEE code of the region whose ISO 3166-2 code this is (`FR-HDF` → `32`), or a 404 listing the known ones."""
    code = cat.iso_codes.get(iso_code.upper())
    if code is None:
        known = sorted(r.iso_code for r in cat.regions.values() if r.iso_code)
        raise not_found("region with ISO 3166-2 code", iso_code, field="code", allowed=known)
    return code


def get_region(cat: Catalogue, *, code: str, as_of: dt.date | None = None) -> S.RegionDetail:
    region = cat.regions.get(code) if REGION_CODE.match(code) else None
    if region is None:
        raise not_found("region with INSEE code", code, field="code", allowed=list(cat.regions))
    day = as_of or today()
    page = list_schemes(cat, region=code, limit=10_000, as_of=day)
    return S.RegionDetail(
        code=region.code, name=region.name, iso_code=region.iso_code, schemes=page.items,
        contacts=_contacts(cat, day, region=code),
        calendar=calendar_events(cat, day, region=code),
        notes=list(region.notes), quotas=region_quotas(cat, code),
        sources=cite(region.sources, cat),
    )


def region_quotas(cat: Catalogue, code: str) -> list[S.PostQuotaOut]:
    """The national notes' posts for a region, latest period first (a period is a note's, not a version in force)."""
    return [
        S.PostQuotaOut(id=q.key, programme=q.programme, scheme=q.scheme_slug, period_start=q.period_start,
                       period_end=q.period_end, kind=q.kind, posts=q.posts, note=q.note,
                       sources=cite(q.sources, cat))
        for q in cat.quotas_of.get(code, [])
    ]


def list_specialties(cat: Catalogue, *, is_mg: bool | None = None) -> list[S.SpecialtyOut]:
    return [_specialty_out(s, cat) for s in cat.specialties.values() if is_mg is None or s.is_mg == is_mg]


# --- contacts and calendar -----------------------------------------------------------------------------------


def check_region_filter(region_codes: Iterable[str], region: str | None) -> None:
    codes = list(region_codes)
    if region is not None and (not REGION_CODE.match(region) or region not in codes):
        raise unknown_filter("region code", region, field="region", allowed=sorted(codes))


def _scheme_filter(cat: Catalogue, slug: str | None, day: dt.date, as_of: dt.date | None) -> str | None:
    if slug is None:
        return None
    return scheme_on(cat, slug, day, field="scheme", asked="as_of" if as_of else None).slug


def _listed(rows: Iterable[RowT], links: dict[int | None, list[str]], view: Day, *, region: str | None,
            scheme: str | None) -> Iterator[tuple[RowT, list[str]]]:
    """The contacts or events in force on the view's day (of `region`, for `scheme`, if given), each with the schemes
    in force it is for. One for no scheme in particular is always listed; one whose schemes are all retired is gone
    with them."""
    for row in rows:
        if not covers(row.valid_from, row.valid_to, view.day) or (region is not None and row.region_code != region):
            continue
        linked = links.get(row.id)
        if scheme is not None and scheme not in (linked or ()):
            continue
        current = [slug for slug in linked if slug in view.schemes] if linked else []
        if linked and not current:
            continue
        yield row, current


def _contacts(
    cat: Catalogue,
    day: dt.date,
    *,
    region: str | None = None,
    scheme: str | None = None,
) -> list[S.ContactOut]:
    return [
        once(cat, "contacts", c, partial(_contact_out, c, slugs, cat), tuple(slugs))
        for c, slugs in _listed(cat.contacts, cat.contact_schemes, cat.on(day), region=region, scheme=scheme)
    ]


def _contact_out(c: Contact, slugs: list[str], cat: Catalogue) -> S.ContactOut:
    return S.ContactOut(
        id=c.key, organisation=c.organisation, service=c.service, person_name=c.person_name, email=c.email,
        phone=c.phone, website=c.website, region=_region_ref(cat, c.region_code), faculty=c.faculty,
        schemes=slugs, sources=cite(c.sources, cat), valid_from=c.valid_from, valid_to=c.valid_to,
    )


def list_contacts(
    cat: Catalogue, *, region: str | None = None, scheme: str | None = None, as_of: dt.date | None = None
) -> list[S.ContactOut]:
    """Who to write to, filtered by region and/or scheme, as on `as_of` (default today)."""
    check_region_filter(cat.regions, region)
    day = as_of or today()
    slug = _scheme_filter(cat, scheme, day, as_of)
    return _contacts(cat, day, region=region, scheme=slug)


def next_occurrence(event_date: dt.date, recurrence: str, after: dt.date) -> dt.date:
    """For a yearly event, its first occurrence on or after `after` (29 February falls back to the 28th)."""
    if recurrence != "yearly" or event_date >= after:
        return event_date

    def in_year(year: int) -> dt.date:
        try:
            return event_date.replace(year=year)
        except ValueError:
            return event_date.replace(year=year, day=28)

    candidate = in_year(after.year)
    return candidate if candidate >= after else in_year(after.year + 1)


def calendar_events(
    cat: Catalogue,
    day: dt.date,
    *,
    region: str | None = None,
    scheme: str | None = None,
    start: dt.date | None = None,
) -> list[S.CalendarEventOut]:
    reference = start or today()
    out = []
    for e, slugs in _listed(cat.events, cat.event_schemes, cat.on(day), region=region, scheme=scheme):
        if start is not None and not (e.date >= start or e.recurrence == "yearly"):
            continue
        next_date = next_occurrence(e.date, e.recurrence, reference) if e.recurrence == "yearly" else e.date
        if start is None:
            out.append(once(cat, "events", e, partial(_event_out, e, slugs, next_date, cat), tuple(slugs), next_date))
        else:
            # Seen from a date the client chooses: not kept, since a yearly event has a next date for every year.
            out.append(_event_out(e, slugs, next_date, cat))
    # With `from`, the agenda order (next occurrence); without, the documents' chronology.
    out.sort(key=lambda e: ((e.next_date or e.date) if start else e.date, e.id))
    return out


def _event_out(e: CalendarEvent, slugs: list[str], next_date: dt.date, cat: Catalogue) -> S.CalendarEventOut:
    # A yearly event moved past the date its source states is our projection, not an announcement.
    projected = next_date != e.date
    return S.CalendarEventOut(
        id=e.key, region=_region_ref(cat, e.region_code), schemes=slugs, kind=e.kind, label=e.label,
        date=e.date, precision=e.precision, when_text=e.when_text, recurrence=e.recurrence, next_date=next_date,
        status="expected" if projected else "announced",
        status_note=age.expected_note(e.date.year) if projected else None,
        sources=cite(e.sources, cat), valid_from=e.valid_from, valid_to=e.valid_to,
    )


def list_calendar(
    cat: Catalogue,
    *,
    region: str | None = None,
    scheme: str | None = None,
    start: dt.date | None = None,
    as_of: dt.date | None = None,
) -> list[S.CalendarEventOut]:
    """Application calendar events, filtered by region, scheme and date, as on `as_of` (default today)."""
    check_region_filter(cat.regions, region)
    day = as_of or today()
    slug = _scheme_filter(cat, scheme, day, as_of)
    return calendar_events(cat, day, region=region, scheme=slug, start=start)
