"""The sources behind the catalogue: every document, official text, web page and dataset, and the facts each backs.

A fact is one citation: a record (as in force on the day asked) that cites the source, with the sentence it quotes.
The records walked are those that carry `sources` in the seed; their ids and addresses are the API's own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, cast

from app.catalogue import schemas as S
from app.catalogue.service import region_ref, scheme_on
from app.core.dates import covers, today
from app.core.text import REGION_CODE, is_public_id
from app.core.vocabulary import SourceKind
from app.errors import not_found, unknown_filter
from app.memory import Catalogue, Day
from app.models import Region, SourceDocument


def _refs(refs: Iterable[dict[str, Any]] | None, record: S.CitingRecord, field: str,
          region: str | None = None) -> Iterator[S.SourceFact]:
    """The citations of one record; `region`: the region the record is about, if one (for `GET /sources?region=`)."""
    for ref in refs or ():
        yield S.SourceFact(doc=ref["doc"], record=record, field=field, quote=ref.get("quote"), note=ref.get("note"),
                           region=region)


def _facts(cat: Catalogue, day: dt.date) -> list[S.SourceFact]:
    """Every citation in the catalogue as it stands on `day`, in the order a reader meets the records (built once per
    catalogue version and day)."""
    view = cat.on(day)
    return cast(list[S.SourceFact], view.remember("source-facts", lambda: _walk(cat, view)))


def _walk(cat: Catalogue, view: Day) -> list[S.SourceFact]:
    day = view.day
    facts: list[S.SourceFact] = []
    for region in cat.regions.values():
        facts += _refs(region.sources, S.CitingRecord(type="region", id=region.code, label=region.name,
                                                      path=f"/regions/{region.code}"), "sources", region.code)
    for spec in cat.specialties.values():
        facts += _refs(spec.sources, S.CitingRecord(type="specialty", id=spec.code, label=spec.name,
                                                    path="/specialties"), "sources")
    for slug in view.by_slug_order:
        scheme = view.schemes[slug]
        record = S.CitingRecord(type="scheme", id=scheme.slug, label=scheme.name, path=f"/schemes/{scheme.slug}")
        facts += _refs(scheme.sources, record, "sources")
        facts += _refs(scheme.duration_sources, record, "duration")
        facts += _refs((scheme.work_split or {}).get("sources"), record, "work_split")
        for rule in cat.rules_of.get(scheme.id, ()):
            as_rule = record.model_copy(update={"type": "rule", "id": f"{scheme.slug}/{rule.position}"})
            facts += _refs(rule.sources, as_rule, f"rules[{rule.position - 1}]")
        for link in cat.links_of.get(scheme.id, ()):
            facts += _refs(link.sources, record, f"eligible_specialties.{link.specialty_code}")
    for slug in sorted(cat.offers_of):
        for offer in cat.offers_of[slug]:
            if not covers(offer.valid_from, offer.valid_to, day):
                continue
            key = f"{offer.scheme_slug}/{offer.region_code}"
            facts += _refs(offer.sources, S.CitingRecord(
                type="availability", id=key, label=f"{offer.scheme_slug} — {cat.regions[offer.region_code].name}",
                path=f"/schemes/{offer.scheme_slug}"), "availability", offer.region_code)
    for slug in sorted(cat.pay_of):
        for pay in sorted(cat.pay_of[slug], key=lambda c: c.position):
            if not covers(pay.valid_from, pay.valid_to, day):
                continue
            facts += _refs(pay.sources, S.CitingRecord(type="pay_component", id=pay.code, label=pay.label,
                                                       path=f"/schemes/{pay.scheme_slug}"), "pay", pay.region_code)
    parameters = {p.id: p for p in cat.parameters_rows}
    values = sorted((v for v in cat.parameter_values if covers(v.valid_from, v.valid_to, day)),
                    key=lambda v: parameters[v.parameter_id].code)
    for value in values:
        parameter = parameters[value.parameter_id]
        facts += _refs(value.sources, S.CitingRecord(type="pay_parameter", id=parameter.code, label=parameter.label,
                                                     path=f"/records/pay-parameters/{parameter.code}"),
                       f"values.{value.valid_from}")
    for contact in sorted(cat.contacts, key=lambda c: c.position):
        if not covers(contact.valid_from, contact.valid_to, day):
            continue
        facts += _refs(contact.sources, S.CitingRecord(type="contact", id=contact.key, label=contact.organisation,
                                                       path=f"/contacts?region={contact.region_code}"), "contact",
                       contact.region_code)
    for event in sorted(cat.events, key=lambda e: (e.date, e.key)):
        if not covers(event.valid_from, event.valid_to, day):
            continue
        facts += _refs(event.sources, S.CitingRecord(type="calendar_event", id=event.key, label=event.label,
                                                     path=f"/calendar?region={event.region_code}"), "calendar",
                       event.region_code)
    for quota in sorted(cat.quotas, key=lambda q: q.key):
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
    cat: Catalogue, *, kind: SourceKind | None = None, region: str | None = None, scheme: str | None = None,
    as_of: dt.date | None = None,
) -> list[S.SourceSummary]:
    """Every source (or those of a kind, about a region, or cited by a scheme's records), with what cites it."""
    day = as_of or today()
    regions = cat.regions
    if region is not None and (not REGION_CODE.match(region) or region not in regions):
        raise unknown_filter("region code", region, field="region", allowed=sorted(regions))
    if scheme is not None:
        scheme = scheme_on(cat, scheme, day, field="scheme", asked="as_of" if as_of else None).slug
    by_doc: dict[str, list[S.SourceFact]] = defaultdict(list)
    for fact in _facts(cat, day):
        by_doc[fact.doc].append(fact)
    out = []
    for doc in cat.docs.values():
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


def get_source(cat: Catalogue, *, source_id: str, as_of: dt.date | None = None) -> S.SourceDetail:
    """One source and every fact it backs in the catalogue as it stands on `as_of` (default today)."""
    docs = cat.docs
    doc = docs.get(source_id) if is_public_id(source_id) else None
    if doc is None:
        raise not_found("source", source_id, field="id", allowed=sorted(docs))
    facts = [f for f in _facts(cat, as_of or today()) if f.doc == doc.key]
    return S.SourceDetail(**_source(doc, cat.regions), cited_by=_cited_by(facts), facts=facts)
