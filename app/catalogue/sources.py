"""The sources behind the catalogue: every document, official text, web page and dataset, and the facts each backs.

A fact is one citation: a record (as in force on the day asked) that cites the source, with the sentence it quotes.
The records walked are those that carry `sources` in the seed; their ids and addresses are the API's own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlmodel import Session, col, select

from app.catalogue import schemas as S
from app.catalogue.service import region_ref, regions_by_code, scheme_on, source_documents
from app.core.dates import in_force, today
from app.core.text import REGION_CODE, is_public_id
from app.core.vocabulary import SourceKind
from app.errors import not_found, unknown_filter
from app.models import (
    CalendarEvent,
    Contact,
    PayComponent,
    PayParameter,
    PayParameterValue,
    PostQuota,
    Region,
    Scheme,
    SchemeRegion,
    SchemeRule,
    SchemeSpecialty,
    SourceDocument,
    Specialty,
)


def _refs(refs: Iterable[dict[str, Any]] | None, record: S.CitingRecord, field: str,
          region: str | None = None) -> Iterator[S.SourceFact]:
    """The citations of one record; `region`: the region the record is about, if one (for `GET /sources?region=`)."""
    for ref in refs or ():
        yield S.SourceFact(doc=ref["doc"], record=record, field=field, quote=ref.get("quote"), note=ref.get("note"),
                           region=region)


def _facts(session: Session, day: dt.date) -> list[S.SourceFact]:
    """Every citation in the catalogue as it stands on `day`, in the order a reader meets the records."""
    facts: list[S.SourceFact] = []
    for region in session.exec(select(Region).order_by(col(Region.code))).all():
        facts += _refs(region.sources, S.CitingRecord(type="region", id=region.code, label=region.name,
                                                      path=f"/regions/{region.code}"), "sources", region.code)
    for spec in session.exec(select(Specialty).order_by(col(Specialty.code))).all():
        facts += _refs(spec.sources, S.CitingRecord(type="specialty", id=spec.code, label=spec.name,
                                                    path="/specialties"), "sources")
    schemes = session.exec(select(Scheme).where(in_force(Scheme, day)).order_by(col(Scheme.slug))).all()
    by_id = {s.id: s for s in schemes}
    rules: dict[int | None, list[SchemeRule]] = defaultdict(list)
    for rule in session.exec(select(SchemeRule).where(col(SchemeRule.scheme_id).in_(list(by_id)))
                             .order_by(col(SchemeRule.position))).all():
        rules[rule.scheme_id].append(rule)
    links: dict[int | None, list[SchemeSpecialty]] = defaultdict(list)
    for link in session.exec(select(SchemeSpecialty).where(col(SchemeSpecialty.scheme_id).in_(list(by_id)))
                             .order_by(col(SchemeSpecialty.specialty_code))).all():
        links[link.scheme_id].append(link)
    for scheme in schemes:
        record = S.CitingRecord(type="scheme", id=scheme.slug, label=scheme.name, path=f"/schemes/{scheme.slug}")
        facts += _refs(scheme.sources, record, "sources")
        facts += _refs(scheme.duration_sources, record, "duration")
        facts += _refs((scheme.work_split or {}).get("sources"), record, "work_split")
        for rule in rules[scheme.id]:
            as_rule = record.model_copy(update={"type": "rule", "id": f"{scheme.slug}/{rule.position}"})
            facts += _refs(rule.sources, as_rule, f"rules[{rule.position - 1}]")
        for link in links[scheme.id]:
            facts += _refs(link.sources, record, f"eligible_specialties.{link.specialty_code}")
    regions = regions_by_code(session)
    for offer in session.exec(select(SchemeRegion).where(in_force(SchemeRegion, day))
                              .order_by(col(SchemeRegion.scheme_slug), col(SchemeRegion.region_code))).all():
        key = f"{offer.scheme_slug}/{offer.region_code}"
        facts += _refs(offer.sources, S.CitingRecord(
            type="availability", id=key, label=f"{offer.scheme_slug} — {regions[offer.region_code].name}",
            path=f"/schemes/{offer.scheme_slug}"), "availability", offer.region_code)
    for pay in session.exec(select(PayComponent).where(in_force(PayComponent, day))
                            .order_by(col(PayComponent.scheme_slug), col(PayComponent.position))).all():
        facts += _refs(pay.sources, S.CitingRecord(type="pay_component", id=pay.code, label=pay.label,
                                                   path=f"/schemes/{pay.scheme_slug}"), "pay", pay.region_code)
    values = session.exec(
        select(PayParameter, PayParameterValue)
        .join(PayParameterValue, col(PayParameterValue.parameter_id) == col(PayParameter.id))
        .where(in_force(PayParameterValue, day))
        .order_by(col(PayParameter.code))
    ).all()
    for parameter, value in values:
        facts += _refs(value.sources, S.CitingRecord(type="pay_parameter", id=parameter.code, label=parameter.label,
                                                     path=f"/records/pay-parameters/{parameter.code}"),
                       f"values.{value.valid_from}")
    for contact in session.exec(select(Contact).where(in_force(Contact, day))
                                .order_by(col(Contact.position))).all():
        facts += _refs(contact.sources, S.CitingRecord(type="contact", id=contact.key, label=contact.organisation,
                                                       path=f"/contacts?region={contact.region_code}"), "contact",
                       contact.region_code)
    for event in session.exec(select(CalendarEvent).where(in_force(CalendarEvent, day))
                              .order_by(col(CalendarEvent.date), col(CalendarEvent.key))).all():
        facts += _refs(event.sources, S.CitingRecord(type="calendar_event", id=event.key, label=event.label,
                                                     path=f"/calendar?region={event.region_code}"), "calendar",
                       event.region_code)
    for quota in session.exec(select(PostQuota).order_by(col(PostQuota.key))).all():
        facts += _refs(quota.sources, S.CitingRecord(type="quota", id=quota.key, label=quota.programme,
                                                     path=f"/regions/{quota.region_code}"), "quotas",
                       quota.region_code)
    return facts


def _source(doc: SourceDocument, regions: dict[str, Region]) -> dict[str, Any]:
    return {
        "id": doc.key, "kind": doc.kind, "title": doc.title, "file": doc.file, "publisher": doc.publisher,
        "region": region_ref(regions[doc.region_code]) if doc.region_code else None,
        "published_on": doc.published_on, "published_text": doc.published_text, "url": doc.url,
        "signed_by": list(doc.signed_by), "read_on": doc.read_on, "note": doc.note,
    }


def _cited_by(facts: list[S.SourceFact]) -> list[S.CitingRecord]:
    return list({(f.record.type, f.record.id): f.record for f in facts}.values())


def list_sources(
    session: Session, *, kind: SourceKind | None = None, region: str | None = None, scheme: str | None = None,
    as_of: dt.date | None = None,
) -> list[S.SourceSummary]:
    """Every source (or those of a kind, about a region, or cited by a scheme's records), with what cites it."""
    day = as_of or today()
    regions = regions_by_code(session)
    if region is not None and (not REGION_CODE.match(region) or region not in regions):
        raise unknown_filter("region code", region, field="region", allowed=sorted(regions))
    if scheme is not None:
        scheme = scheme_on(session, scheme, day, field="scheme", asked="as_of" if as_of else None).slug
    by_doc: dict[str, list[S.SourceFact]] = defaultdict(list)
    for fact in _facts(session, day):
        by_doc[fact.doc].append(fact)
    out = []
    for doc in sorted(source_documents(session).values(), key=lambda d: d.key):
        facts = by_doc[doc.key]
        if kind is not None and doc.kind != kind:
            continue
        if region is not None and doc.region_code != region and not any(f.region == region for f in facts):
            continue
        if scheme is not None and not any(_of_scheme(f, scheme) for f in facts):
            continue
        out.append(S.SourceSummary(**_source(doc, regions), cited_by=_cited_by(facts), facts=len(facts)))
    return out


def _of_scheme(fact: S.SourceFact, slug: str) -> bool:
    return fact.record.path == f"/schemes/{slug}"


def get_source(session: Session, *, source_id: str, as_of: dt.date | None = None) -> S.SourceDetail:
    """One source and every fact it backs in the catalogue as it stands on `as_of` (default today)."""
    docs = source_documents(session)
    doc = docs.get(source_id) if is_public_id(source_id) else None
    if doc is None:
        raise not_found("source", source_id, field="id", allowed=sorted(docs))
    facts = [f for f in _facts(session, as_of or today()) if f.doc == doc.key]
    return S.SourceDetail(**_source(doc, regions_by_code(session)), cited_by=_cited_by(facts), facts=facts)
