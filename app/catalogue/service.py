"""Catalogue reads: filtering, and assembling schemes with their rules, pay, contacts and calendar."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, and_, exists, func, or_
from sqlmodel import Session, col, select

from app.catalogue import age
from app.catalogue import schemas as S
from app.core.dates import covers, in_force, today
from app.core.money import short_euros
from app.core.text import REGION_CODE, is_public_id, terms
from app.core.vocabulary import Evidence
from app.errors import ApiError, not_found, unknown_filter
from app.messages import Message as M
from app.models import (
    CalendarEvent,
    CalendarEventScheme,
    Contact,
    ContactScheme,
    PayComponent,
    PostQuota,
    Region,
    Scheme,
    SchemeRegion,
    SchemeRule,
    SchemeSpecialty,
    SourceDocument,
    Specialty,
)

SchemeSort = Literal["name", "-name", "slug", "-slug", "duration", "-duration"]
AUDIENCES_FOR = {
    # Who a filter value lets through: `all` schemes are open to everybody, `disciplines` to listed specialists.
    "mg": ("mg", "all"),
    "specialist": ("specialist", "all", "disciplines"),
}

# --- small helpers -------------------------------------------------------------------------------------


def source_documents(session: Session) -> dict[str, SourceDocument]:
    return {s.key: s for s in session.exec(select(SourceDocument)).all()}


def cite(refs: Iterable[dict[str, Any]], docs: dict[str, SourceDocument]) -> list[S.Citation]:
    out = []
    for ref in refs:
        doc = docs[ref["doc"]]
        out.append(
            S.Citation(
                doc=doc.key, title=doc.title, kind=doc.kind, file=doc.file, url=doc.url,
                quote=ref.get("quote"), note=ref.get("note"),
            )
        )
    return out


def regions_by_code(session: Session) -> dict[str, Region]:
    return {r.code: r for r in session.exec(select(Region)).all()}


def region_ref(region: Region) -> S.RegionRef:
    return S.RegionRef(code=region.code, name=region.name)


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


def _cited_by(session: Session, schemes: Sequence[Scheme], day: dt.date) -> dict[str, set[str]]:
    """The ids of the sources each scheme cites on `day`: what `sources` lists in `GET /schemes/{slug}`."""
    slugs = [s.slug for s in schemes]
    cited: dict[str, set[str]] = defaultdict(set)

    def add(slug: str, refs: Iterable[dict[str, Any]]) -> None:
        cited[slug].update(r["doc"] for r in refs)

    slug_of = {s.id: s.slug for s in schemes}
    for scheme in schemes:
        for refs in [scheme.sources, scheme.duration_sources, (scheme.work_split or {}).get("sources", [])]:
            add(scheme.slug, refs)
    for rule in session.exec(select(SchemeRule).where(col(SchemeRule.scheme_id).in_(list(slug_of)))).all():
        # A note of context (the four-year DES, cited from 2026 pages) says nothing of how recent the offer's own
        # description is: it does not date the scheme.
        if rule.kind != "note":
            add(slug_of[rule.scheme_id], rule.sources)
    for offer in session.exec(
        select(SchemeRegion).where(col(SchemeRegion.scheme_slug).in_(slugs), in_force(SchemeRegion, day))
    ).all():
        add(offer.scheme_slug, offer.sources)
    # Amounts in force, and those already recorded for a later date (`scheduled_changes`).
    for component in session.exec(
        select(PayComponent).where(
            col(PayComponent.scheme_slug).in_(slugs),
            or_(in_force(PayComponent, day), col(PayComponent.valid_from) > day),
        )
    ).all():
        add(component.scheme_slug, component.sources)
    for slug, refs in session.exec(
        select(ContactScheme.scheme_slug, Contact.sources)
        .join(Contact, col(Contact.id) == col(ContactScheme.contact_id))
        .where(col(ContactScheme.scheme_slug).in_(slugs), in_force(Contact, day))
    ).all():
        add(slug, refs)
    for slug, refs in session.exec(
        select(CalendarEventScheme.scheme_slug, CalendarEvent.sources)
        .join(CalendarEvent, col(CalendarEvent.id) == col(CalendarEventScheme.event_id))
        .where(col(CalendarEventScheme.scheme_slug).in_(slugs), in_force(CalendarEvent, day))
    ).all():
        add(slug, refs)
    return cited


def _age_fields(cited: set[str], docs: dict[str, SourceDocument], now: dt.date) -> dict[str, Any]:
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


def _summaries(
    session: Session,
    schemes: Sequence[Scheme],
    day: dt.date,
    *,
    region: str | None = None,
    cited_of: dict[str, set[str]] | None = None,
) -> list[S.SchemeSummary]:
    slugs = [s.slug for s in schemes]
    if not slugs:
        return []
    if cited_of is None:
        cited_of = _cited_by(session, schemes, day)
    docs = source_documents(session)
    # Staleness is about the reader's today, whatever day the catalogue is shown as of.
    now = today()
    regions_of: dict[str, list[S.RegionRef]] = defaultdict(list)
    evidence_of: dict[str, Evidence] = {}
    rows = session.exec(
        select(SchemeRegion.scheme_slug, SchemeRegion.evidence, Region)
        .join(Region, col(Region.code) == col(SchemeRegion.region_code))
        .where(col(SchemeRegion.scheme_slug).in_(slugs), in_force(SchemeRegion, day))
        .order_by(col(Region.code))
    ).all()
    for slug, evidence, reg in rows:
        regions_of[slug].append(region_ref(reg))
        if reg.code == region:
            evidence_of[slug] = cast(Evidence, evidence)  # the column holds the Literal
    pay_of: dict[str, list[PayComponent]] = defaultdict(list)
    for component in session.exec(
        select(PayComponent)
        .where(
            col(PayComponent.scheme_slug).in_(slugs), col(PayComponent.kind).in_(("pay", "total")),
            in_force(PayComponent, day),
        )
        .order_by(col(PayComponent.position))
    ).all():
        pay_of[component.scheme_slug].append(component)
    return [
        S.SchemeSummary(
            slug=s.slug, name=s.name, short_name=s.short_name, category=s.category, scope=s.scope,
            audience=s.audience, regions=regions_of[s.slug], region_evidence=evidence_of.get(s.slug),
            duration=S.DurationSummary(
                initial_months=s.duration_initial_months, max_months=s.duration_max_months, text=s.duration_text
            ),
            headline_pay=headline_pay(pay_of[s.slug], region), url=f"/schemes/{s.slug}",
            last_verified=_verified(s), **_age_fields(cited_of[s.slug], docs, now),
        )
        for s in schemes
    ]


# --- schemes ---------------------------------------------------------------------------------------------


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_schemes(
    session: Session,
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
    conditions = [in_force(Scheme, day)]
    if audience is not None:
        conditions.append(col(Scheme.audience).in_(AUDIENCES_FOR[audience]))
    if specialty is not None:
        spec = session.get(Specialty, specialty) if is_public_id(specialty) else None
        if spec is None:
            codes = list(session.exec(select(Specialty.code).order_by(col(Specialty.code))).all())
            raise unknown_filter("specialty", specialty, field="specialty", allowed=codes)
        if spec.is_mg:
            conditions.append(col(Scheme.audience).in_(AUDIENCES_FOR["mg"]))
        else:
            listed = exists().where(
                col(SchemeSpecialty.scheme_id) == Scheme.id, col(SchemeSpecialty.specialty_code) == spec.code
            )
            conditions.append(
                or_(col(Scheme.audience).in_(("specialist", "all")),
                    and_(col(Scheme.audience) == "disciplines", listed))
            )
    if category is not None:
        conditions.append(col(Scheme.category) == category)
    for term in terms(q or ""):
        conditions.append(col(Scheme.search_text).like(_like_pattern(term), escape="\\"))
    if region is not None and (not REGION_CODE.match(region) or session.get(Region, region) is None):
        codes = list(session.exec(select(Region.code).order_by(col(Region.code))).all())
        raise unknown_filter("region code", region, field="region", allowed=codes)
    # Region facet: what each region would list under every other filter.
    facets = _region_facets(session, conditions, day)
    if region is not None:
        conditions.append(
            exists().where(
                col(SchemeRegion.scheme_slug) == Scheme.slug, col(SchemeRegion.region_code) == region,
                in_force(SchemeRegion, day)
            )
        )

    total = session.exec(select(func.count()).select_from(Scheme).where(*conditions)).one()
    descending = sort.startswith("-")
    key = {
        "name": col(Scheme.sort_name),
        "slug": col(Scheme.slug),
        "duration": col(Scheme.duration_initial_months),
    }[sort.lstrip("-")]
    order: list[ColumnElement[Any]] = [key.desc() if descending else key.asc()]
    if sort.lstrip("-") == "duration":
        # Unknown durations last in both directions, the same way on every database.
        order.insert(0, col(Scheme.duration_initial_months).is_(None))
    order.append(col(Scheme.slug).asc())
    page = session.exec(select(Scheme).where(*conditions).order_by(*order).offset(offset).limit(limit)).all()
    items = _summaries(session, page, day, region=region)
    if specialty is not None:
        items = _mark_specialty_match(session, page, items, specialty)
    return S.Page(items=items, total=total, limit=limit, offset=offset, as_of=day, facets=S.Facets(regions=facets))


def _mark_specialty_match(
    session: Session, page: Sequence[Scheme], items: list[S.SchemeSummary], specialty: str
) -> list[S.SchemeSummary]:
    """Say how each scheme matches `specialty=`: a DES a scheme lists only as a lead is not a plain match."""
    links: dict[int | None, SchemeSpecialty] = {
        link.scheme_id: link
        for link in session.exec(
            select(SchemeSpecialty).where(
                col(SchemeSpecialty.scheme_id).in_([s.id for s in page]),
                col(SchemeSpecialty.specialty_code) == specialty,
            )
        ).all()
    }
    out = []
    for scheme, item in zip(page, items, strict=True):
        link = links.get(scheme.id)
        confirmed = link is None or link.confirmed  # open through the audience, or a confirmed listed DES
        note = None if link is None else link.note
        match = S.SpecialtyMatch(specialty=specialty, confirmed=confirmed, note=note)
        out.append(item.model_copy(update={"specialty_match": match}))
    return out


def _region_facets(session: Session, conditions: list[Any], day: dt.date) -> list[S.RegionFacet]:
    """Every region with the number of schemes meeting `conditions` that are offered there on `day`."""
    counts = dict(
        session.exec(
            select(SchemeRegion.region_code, func.count(func.distinct(Scheme.slug)))
            .join(Scheme, col(Scheme.slug) == col(SchemeRegion.scheme_slug))
            .where(in_force(SchemeRegion, day), *conditions)
            .group_by(col(SchemeRegion.region_code))
        ).all()
    )
    return [
        S.RegionFacet(code=r.code, name=r.name, count=counts.get(r.code, 0))
        for r in session.exec(select(Region).order_by(col(Region.code))).all()
    ]


def scheme_on(
    session: Session,
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
    versions = (session.exec(select(Scheme).where(Scheme.slug == slug).order_by(col(Scheme.id))).all()
                if is_public_id(slug) else [])
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
    slugs = list(
        session.exec(select(Scheme.slug).where(in_force(Scheme, day)).distinct().order_by(col(Scheme.slug))).all()
    )
    if unknown_status == 404:
        raise not_found("scheme", slug, field=field, allowed=slugs)
    if location == "query":
        raise unknown_filter("scheme", slug, field=field, allowed=slugs)
    raise ApiError(unknown_status, M(f"Dispositif inconnu : « {slug} ».", f"Unknown scheme '{slug}'."),
                   field=field, location=location, allowed=slugs)


def _pay_out(component: PayComponent, slug: str, regions: dict[str, Region],
             docs: dict[str, SourceDocument]) -> S.PayComponentOut:
    return S.PayComponentOut(
        code=component.code, scheme=slug, kind=component.kind, label=component.label, amount=component.amount,
        approximate=component.approximate, basis=component.basis, frequency=component.frequency,
        payment_frequency=component.payment_frequency, calculation=component.calculation,
        contract_years=S.ContractYears(first=component.year_from, last=component.year_to),
        periphery_share_pct=component.periphery_share_pct, conditions=component.conditions, payer=component.payer,
        recipient=component.recipient,
        region=region_ref(regions[component.region_code]) if component.region_code else None,
        valid_from=component.valid_from, valid_to=component.valid_to, headline=component.headline,
        note=component.note, origin="derived" if component.derivation else "published",
        derivation=component.derivation, unconfirmed=not component.confirmed, sources=cite(component.sources, docs),
    )


def get_scheme(session: Session, *, slug: str, as_of: dt.date | None = None) -> S.SchemeDetail:
    """Everything the catalogue knows about one scheme, as it stood on `as_of` (default today)."""
    day = as_of or today()
    scheme = scheme_on(session, slug, day, field="slug", location="path", asked="as_of" if as_of else None,
                       unknown_status=404)
    docs = source_documents(session)
    regions = regions_by_code(session)
    rules = session.exec(
        select(SchemeRule).where(SchemeRule.scheme_id == scheme.id).order_by(col(SchemeRule.position))
    ).all()
    specialties = session.exec(
        select(Specialty, SchemeSpecialty)
        .join(SchemeSpecialty, col(SchemeSpecialty.specialty_code) == col(Specialty.code))
        .where(SchemeSpecialty.scheme_id == scheme.id)
        .order_by(col(Specialty.code))
    ).all()
    availability = session.exec(
        select(SchemeRegion)
        .where(SchemeRegion.scheme_slug == scheme.slug, in_force(SchemeRegion, day))
        .order_by(col(SchemeRegion.region_code))
    ).all()
    every_component = session.exec(
        select(PayComponent)
        .where(PayComponent.scheme_slug == scheme.slug)
        .order_by(col(PayComponent.position), col(PayComponent.valid_from))
    ).all()
    components = [c for c in every_component if covers(c.valid_from, c.valid_to, day)]
    scheduled = [c for c in every_component if c.valid_from is not None and c.valid_from > day]
    pay = {
        kind: [_pay_out(c, slug, regions, docs) for c in components if c.kind == kind]
        for kind in ("pay", "total", "funding")
    }
    contacts = _contacts(session, docs, regions, day, scheme=scheme.slug)
    calendar = calendar_events(session, docs, regions, day, scheme=scheme.slug)

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
    dating = set(cited)  # notes of context do not date the offer (see _cited_by)
    for rule in rules:
        cited.update(r["doc"] for r in rule.sources)
    (summary,) = _summaries(session, [scheme], day, cited_of={scheme.slug: dating})

    split = scheme.work_split
    return S.SchemeDetail(
        **summary.model_dump(exclude={"duration"}),
        description=scheme.description,
        audience_text=scheme.audience_text,
        eligible_specialties=[_eligible_out(s, link, docs) for s, link in specialties if link.confirmed],
        specialties_unconfirmed=[_eligible_out(s, link, docs) for s, link in specialties if not link.confirmed],
        duration=S.Duration(
            initial_months=scheme.duration_initial_months, max_months=scheme.duration_max_months,
            text=scheme.duration_text, renewals=scheme.duration_renewals,
            renewal_months=scheme.duration_renewal_months,
            standard_max_months=scheme.duration_standard_max_months,
            max_condition=scheme.duration_max_condition, extendable=scheme.duration_extendable,
            sources=cite(scheme.duration_sources, docs),
        ),
        work_split=S.WorkSplit(**{**split, "sources": cite(split["sources"], docs)}) if split else None,
        rules=[S.Rule(kind=r.kind, text=r.text, data=r.data, criterion=r.criterion, sources=cite(r.sources, docs))
               for r in rules],
        availability=[
            S.Availability(
                region=region_ref(regions[a.region_code]), local_name=a.local_name, since=a.since,
                since_text=a.since_text, funders=a.funders, faculties=a.faculties, notes=a.notes,
                evidence=a.evidence, sources=cite(a.sources, docs),
            )
            for a in availability
        ],
        pay_components=pay["pay"],
        published_totals=pay["total"],
        funding=pay["funding"],
        scheduled_changes=[_pay_out(c, slug, regions, docs) for c in scheduled],
        as_of=day,
        valid_from=scheme.valid_from,
        valid_to=scheme.valid_to,
        contacts=contacts,
        calendar=calendar,
        sources=[_source_out(docs[key]) for key in sorted(cited)],
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


def _specialty_out(spec: Specialty, docs: dict[str, SourceDocument]) -> S.SpecialtyOut:
    return S.SpecialtyOut(
        code=spec.code, name=spec.name, is_mg=spec.is_mg, discipline=spec.discipline, sources=cite(spec.sources, docs)
    )


def _eligible_out(spec: Specialty, link: SchemeSpecialty, docs: dict[str, SourceDocument]) -> S.EligibleSpecialty:
    return S.EligibleSpecialty(
        **_specialty_out(spec, docs).model_dump(), confirmed=link.confirmed, note=link.note,
        eligibility_sources=cite(link.sources or [], docs),
    )


# --- regions, specialties ----------------------------------------------------------------------------------


def list_regions(session: Session, *, as_of: dt.date | None = None) -> list[S.RegionOut]:
    """All 18 regions, each with how many schemes are documented there (on `as_of`, default today)."""
    day = as_of or today()
    docs = source_documents(session)
    offered = exists().where(col(Scheme.slug) == SchemeRegion.scheme_slug, in_force(Scheme, day))
    counts = dict(
        session.exec(
            select(SchemeRegion.region_code, func.count(func.distinct(SchemeRegion.scheme_slug)))
            .where(in_force(SchemeRegion, day), offered)
            .group_by(col(SchemeRegion.region_code))
        ).all()
    )
    return [
        S.RegionOut(code=r.code, name=r.name, iso_code=r.iso_code, scheme_count=counts.get(r.code, 0),
                    sources=cite(r.sources, docs))
        for r in session.exec(select(Region).order_by(col(Region.code))).all()
    ]


def insee_code_of(session: Session, iso_code: str) -> str:
    """The INSEE code of the region whose ISO 3166-2 code this is (`FR-HDF` → `32`), or a 404 listing the known ones."""
    code = session.exec(select(Region.code).where(func.upper(Region.iso_code) == iso_code.upper())).first()
    if code is None:
        known = [c for c in session.exec(select(Region.iso_code).order_by(col(Region.iso_code))).all() if c]
        raise not_found("region with ISO 3166-2 code", iso_code, field="code", allowed=known)
    return code


def get_region(session: Session, *, code: str, as_of: dt.date | None = None) -> S.RegionDetail:
    region = session.get(Region, code) if REGION_CODE.match(code) else None
    if region is None:
        codes = list(session.exec(select(Region.code).order_by(col(Region.code))).all())
        raise not_found("region with INSEE code", code, field="code", allowed=codes)
    day = as_of or today()
    docs = source_documents(session)
    regions = regions_by_code(session)
    page = list_schemes(session, region=code, limit=10_000, as_of=day)
    return S.RegionDetail(
        code=region.code, name=region.name, iso_code=region.iso_code, schemes=page.items,
        contacts=_contacts(session, docs, regions, day, region=code),
        calendar=calendar_events(session, docs, regions, day, region=code),
        notes=list(region.notes), quotas=region_quotas(session, docs, code),
        sources=cite(region.sources, docs),
    )


def region_quotas(session: Session, docs: dict[str, SourceDocument], code: str) -> list[S.PostQuotaOut]:
    """The national notes' posts for a region, latest period first (a period is a note's, not a version in force)."""
    rows = session.exec(select(PostQuota).where(PostQuota.region_code == code).order_by(
        col(PostQuota.period_start).desc(), col(PostQuota.period_end).desc(), col(PostQuota.id))).all()
    return [
        S.PostQuotaOut(id=q.key, programme=q.programme, scheme=q.scheme_slug, period_start=q.period_start,
                       period_end=q.period_end, kind=q.kind, posts=q.posts, note=q.note,
                       sources=cite(q.sources, docs))
        for q in rows
    ]


def list_specialties(session: Session, *, is_mg: bool | None = None) -> list[S.SpecialtyOut]:
    docs = source_documents(session)
    stmt = select(Specialty).order_by(col(Specialty.code))
    if is_mg is not None:
        stmt = stmt.where(Specialty.is_mg == is_mg)
    return [_specialty_out(s, docs) for s in session.exec(stmt).all()]


# --- contacts and calendar -----------------------------------------------------------------------------------


def check_region_filter(session: Session, region: str | None) -> None:
    if region is not None and (not REGION_CODE.match(region) or session.get(Region, region) is None):
        codes = list(session.exec(select(Region.code).order_by(col(Region.code))).all())
        raise unknown_filter("region code", region, field="region", allowed=codes)


def _scheme_filter(session: Session, slug: str | None, day: dt.date, as_of: dt.date | None) -> str | None:
    if slug is None:
        return None
    return scheme_on(session, slug, day, field="scheme", asked="as_of" if as_of else None).slug


def _slugs_by(
    session: Session, link: type[ContactScheme] | type[CalendarEventScheme], owner: str, ids: list[int | None],
    day: dt.date,
) -> dict[int | None, list[str]]:
    """The schemes each contact or event is for, among those in the catalogue on `day`."""
    owner_col = getattr(link, owner)
    out: dict[int | None, list[str]] = defaultdict(list)
    current = exists().where(col(Scheme.slug) == link.scheme_slug, in_force(Scheme, day))
    for owner_id, slug in session.exec(
        select(owner_col, link.scheme_slug).where(owner_col.in_(ids), current).order_by(link.scheme_slug)
    ).all():
        out[owner_id].append(slug)
    return out


def _offered(link: type[ContactScheme] | type[CalendarEventScheme], owner: str, owner_id: Any, day: dt.date) -> Any:
    """SQL condition: the contact or event is for no scheme in particular, or for one in force on `day` (those of
    retired schemes only are gone with them)."""
    owner_col = getattr(link, owner)
    current = exists().where(owner_col == owner_id, col(Scheme.slug) == link.scheme_slug, in_force(Scheme, day))
    return or_(~exists().where(owner_col == owner_id), current)


def _contacts(
    session: Session,
    docs: dict[str, SourceDocument],
    regions: dict[str, Region],
    day: dt.date,
    *,
    region: str | None = None,
    scheme: str | None = None,
) -> list[S.ContactOut]:
    stmt = (select(Contact).where(in_force(Contact, day), _offered(ContactScheme, "contact_id", Contact.id, day))
            .order_by(col(Contact.position), col(Contact.key)))
    if region is not None:
        stmt = stmt.where(Contact.region_code == region)
    if scheme is not None:
        stmt = stmt.where(exists().where(col(ContactScheme.contact_id) == Contact.id,
                                         col(ContactScheme.scheme_slug) == scheme))
    contacts = session.exec(stmt).all()
    slugs = _slugs_by(session, ContactScheme, "contact_id", [c.id for c in contacts], day)
    return [
        S.ContactOut(
            id=c.key, organisation=c.organisation, service=c.service, person_name=c.person_name, email=c.email,
            phone=c.phone, website=c.website, region=region_ref(regions[c.region_code]), faculty=c.faculty,
            schemes=slugs[c.id], sources=cite(c.sources, docs), valid_from=c.valid_from, valid_to=c.valid_to,
        )
        for c in contacts
    ]


def list_contacts(
    session: Session, *, region: str | None = None, scheme: str | None = None, as_of: dt.date | None = None
) -> list[S.ContactOut]:
    """Who to write to, filtered by region and/or scheme, as on `as_of` (default today)."""
    check_region_filter(session, region)
    day = as_of or today()
    slug = _scheme_filter(session, scheme, day, as_of)
    return _contacts(session, source_documents(session), regions_by_code(session), day, region=region, scheme=slug)


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
    session: Session,
    docs: dict[str, SourceDocument],
    regions: dict[str, Region],
    day: dt.date,
    *,
    region: str | None = None,
    scheme: str | None = None,
    start: dt.date | None = None,
) -> list[S.CalendarEventOut]:
    stmt = select(CalendarEvent).where(in_force(CalendarEvent, day),
                                       _offered(CalendarEventScheme, "event_id", CalendarEvent.id, day))
    if region is not None:
        stmt = stmt.where(CalendarEvent.region_code == region)
    if scheme is not None:
        stmt = stmt.where(
            exists().where(col(CalendarEventScheme.event_id) == CalendarEvent.id,
                           col(CalendarEventScheme.scheme_slug) == scheme)
        )
    if start is not None:
        stmt = stmt.where(or_(col(CalendarEvent.date) >= start, col(CalendarEvent.recurrence) == "yearly"))
    events = session.exec(stmt).all()
    slugs = _slugs_by(session, CalendarEventScheme, "event_id", [e.id for e in events], day)
    reference = start or today()
    out = []
    for e in events:
        next_date = next_occurrence(e.date, e.recurrence, reference) if e.recurrence == "yearly" else e.date
        # A yearly event moved past the date its source states is our projection, not an announcement.
        projected = next_date != e.date
        out.append(S.CalendarEventOut(
            id=e.key, region=region_ref(regions[e.region_code]), schemes=slugs[e.id], kind=e.kind, label=e.label,
            date=e.date, precision=e.precision, when_text=e.when_text, recurrence=e.recurrence, next_date=next_date,
            status="expected" if projected else "announced",
            status_note=age.expected_note(e.date.year) if projected else None,
            sources=cite(e.sources, docs), valid_from=e.valid_from, valid_to=e.valid_to,
        ))
    # With `from`, the agenda order (next occurrence); without, the documents' chronology.
    out.sort(key=lambda e: ((e.next_date or e.date) if start else e.date, e.id))
    return out


def list_calendar(
    session: Session,
    *,
    region: str | None = None,
    scheme: str | None = None,
    start: dt.date | None = None,
    as_of: dt.date | None = None,
) -> list[S.CalendarEventOut]:
    """Application calendar events, filtered by region, scheme and date, as on `as_of` (default today)."""
    check_region_filter(session, region)
    day = as_of or today()
    slug = _scheme_filter(session, scheme, day, as_of)
    return calendar_events(session, source_documents(session), regions_by_code(session), day,
                           region=region, scheme=slug, start=start)
