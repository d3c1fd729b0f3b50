"""The catalogue back in the seed's format: database rows -> the record schemas of `seed/*.yaml`.

`export_seed` is the inverse of `app.records.store.apply_seed`: loading its result into an empty database gives
the same catalogue, and exporting that again gives the same document (tested). Every version of every record
is exported, in the order of the files, a record's versions together and in date order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from sqlmodel import Session, col, select

from app.models import (
    CalendarEvent,
    CalendarEventScheme,
    Contact,
    ContactScheme,
    PayComponent,
    PayParameter,
    PayParameterValue,
    Region,
    Scheme,
    SchemeRegion,
    SchemeRule,
    SchemeSpecialty,
    SourceDocument,
    Specialty,
)
from app.records import schemas as I
from app.records.store import FILES, Seed


def _grouped(rows: list[Any], key: Any, order: Any = lambda r: r.id) -> list[Any]:
    """A record's versions together (where the record first appears), each record's versions by date."""
    first: dict[Any, Any] = {}
    for row in rows:
        k = key(row)
        first[k] = min(first.get(k, order(row)), order(row))
    return sorted(rows, key=lambda r: (first[key(r)], r.valid_from or dt.date.min))


RecordT = TypeVar("RecordT", bound=BaseModel)


def _make(schema: type[RecordT], **values: Any) -> RecordT:
    """The record, validated; or, if stored data no longer passes today's checks, as stored (never a crash):
    exporting it, reading it and fixing it through the API must stay possible."""
    try:
        return schema(**values)
    except ValidationError:
        return schema.model_construct(**values)


def _refs(stored: list[dict[str, Any]]) -> list[I.SourceRef]:
    return [_make(I.SourceRef, **r) for r in stored]


def export_seed(session: Session, *, only: str | None = None) -> Seed:
    """Every record of the catalogue; with `only` (a seed file name), just that section (the others stay empty)."""
    seed = Seed()
    if only in (None, "regions"):
        seed.regions = [
            _make(I.RegionIn, code=r.code, name=r.name, iso_code=r.iso_code, sources=_refs(r.sources))
            for r in session.exec(select(Region).order_by(col(Region.code))).all()
        ]
    if only in (None, "sources"):
        seed.sources = [
            _make(I.SourceIn,
                id=s.key, kind=s.kind, title=s.title, file=s.file, publisher=s.publisher, region=s.region_code,
                published_on=s.published_on, published_text=s.published_text, url=s.url, signed_by=s.signed_by,
                read_on=s.read_on,
                note=s.note,
            )
            for s in session.exec(select(SourceDocument).order_by(col(SourceDocument.id))).all()
        ]
    if only in (None, "pay_parameters"):
        values: dict[int | None, list[PayParameterValue]] = defaultdict(list)
        for v in session.exec(select(PayParameterValue).order_by(col(PayParameterValue.valid_from))).all():
            values[v.parameter_id].append(v)
        seed.pay_parameters = [
            _make(I.ParameterIn,
                code=p.code, label=p.label, unit=p.unit, kind=p.kind, note=p.note,
                values=[
                    _make(I.ParameterValueIn,
                        valid_from=v.valid_from, valid_to=v.valid_to, value=v.value,
                        brackets=[_make(I.BracketIn, **b) for b in v.brackets] if v.brackets is not None else None,
                        confirmed=v.confirmed, derivation=v.derivation, sources=_refs(v.sources),
                    )
                    for v in values[p.id]
                ],
            )
            for p in session.exec(select(PayParameter).order_by(col(PayParameter.id))).all()
        ]
    if only in (None, "specialties"):
        seed.specialties = [
            _make(I.SpecialtyIn, code=s.code, name=s.name, is_mg=s.is_mg, discipline=s.discipline,
                  sources=_refs(s.sources))
            for s in session.exec(select(Specialty).order_by(col(Specialty.code))).all()
        ]
    if only in (None, "schemes"):
        rules: dict[int, list[SchemeRule]] = defaultdict(list)
        for rule in session.exec(select(SchemeRule).order_by(col(SchemeRule.position))).all():
            rules[rule.scheme_id].append(rule)
        eligible: dict[int, list[str | I.EligibleSpecialtyIn]] = defaultdict(list)
        for link in session.exec(select(SchemeSpecialty).order_by(col(SchemeSpecialty.specialty_code))).all():
            eligible[link.scheme_id].append(_eligible_in(link))
        seed.schemes = [_scheme_in(s, rules[s.id], eligible[s.id]) for s in _grouped(
            list(session.exec(select(Scheme)).all()), key=lambda s: s.slug
        )]
    if only in (None, "availability"):
        seed.availability = [
            _make(I.AvailabilityIn,
                scheme=a.scheme_slug, region=a.region_code, local_name=a.local_name, since=a.since,
                since_text=a.since_text, funders=a.funders, faculties=a.faculties, notes=a.notes,
                evidence=a.evidence, sources=_refs(a.sources), valid_from=a.valid_from, valid_to=a.valid_to,
            )
            for a in _grouped(list(session.exec(select(SchemeRegion)).all()),
                              key=lambda a: (a.scheme_slug, a.region_code))
        ]
    if only in (None, "pay_components"):
        seed.pay_components = [
            _make(I.PayComponentIn,
                code=p.code, scheme=p.scheme_slug, region=p.region_code, kind=p.kind, label=p.label, amount=p.amount,
                approximate=p.approximate, basis=p.basis, frequency=p.frequency, payment_frequency=p.payment_frequency,
                calculation=p.calculation, year_from=p.year_from, year_to=p.year_to,
                periphery_share_pct=p.periphery_share_pct, conditions=p.conditions, payer=p.payer,
                recipient=p.recipient, valid_from=p.valid_from, valid_to=p.valid_to, headline=p.headline, note=p.note,
                derivation=p.derivation, confirmed=p.confirmed, sources=_refs(p.sources),
            )
            for p in _grouped(
                list(session.exec(select(PayComponent)).all()), key=lambda p: p.code, order=lambda p: (p.position, p.id)
            )
        ]
    if only in (None, "contacts"):
        contact_schemes = _schemes_of(session, ContactScheme, "contact_id")
        seed.contacts = [
            _make(I.ContactIn,
                id=c.key, organisation=c.organisation, service=c.service, person_name=c.person_name, email=c.email,
                phone=c.phone, website=c.website, region=c.region_code, faculty=c.faculty,
                schemes=contact_schemes[c.id], sources=_refs(c.sources), valid_from=c.valid_from, valid_to=c.valid_to,
            )
            for c in _grouped(
                list(session.exec(select(Contact)).all()), key=lambda c: c.key, order=lambda c: (c.position, c.id)
            )
        ]
    if only in (None, "calendar"):
        event_schemes = _schemes_of(session, CalendarEventScheme, "event_id")
        seed.calendar = [
            _make(I.CalendarEventIn,
                id=e.key, region=e.region_code, schemes=event_schemes[e.id], kind=e.kind, label=e.label, date=e.date,
                precision=e.precision, when_text=e.when_text, recurrence=e.recurrence, sources=_refs(e.sources),
                valid_from=e.valid_from, valid_to=e.valid_to,
            )
            for e in _grouped(list(session.exec(select(CalendarEvent)).all()), key=lambda e: e.key)
        ]
    return seed


def _schemes_of(session: Session, link: Any, owner: str) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for row in session.exec(select(link).order_by(col(link.scheme_slug))).all():
        out[getattr(row, owner)].append(row.scheme_slug)
    return out


def _eligible_in(link: SchemeSpecialty) -> str | I.EligibleSpecialtyIn:
    """A plain code for a confirmed link with nothing recorded about it (as before 0006), else the full entry."""
    if link.confirmed and link.note is None and not link.sources:
        return link.specialty_code
    return _make(I.EligibleSpecialtyIn, code=link.specialty_code, confirmed=link.confirmed, note=link.note,
                 sources=_refs(link.sources or []))


def _scheme_in(s: Scheme, rules: list[SchemeRule], eligible: list[str | I.EligibleSpecialtyIn]) -> I.SchemeIn:
    split = s.work_split
    return _make(I.SchemeIn,
        slug=s.slug, name=s.name, short_name=s.short_name, category=s.category, scope=s.scope, audience=s.audience,
        audience_text=s.audience_text, eligible_specialties=eligible, description=s.description,
        duration=_make(I.DurationIn,
            initial_months=s.duration_initial_months, renewals=s.duration_renewals,
            renewal_months=s.duration_renewal_months, standard_max_months=s.duration_standard_max_months,
            max_months=s.duration_max_months, max_condition=s.duration_max_condition,
            extendable=s.duration_extendable, text=s.duration_text, sources=_refs(s.duration_sources),
        ),
        work_split=_make(I.WorkSplitIn, **{**split, "sources": _refs(split["sources"])}) if split else None,
        rules=[_make(I.RuleIn, kind=r.kind, text=r.text, data=r.data, criterion=r.criterion, sources=_refs(r.sources))
               for r in rules],
        sources=_refs(s.sources),
        verified=_make(I.VerifiedIn, date=s.verified_on, by=s.verified_by,
                       sources=s.verified_sources) if s.verified_on else None,
        valid_from=s.valid_from, valid_to=s.valid_to,
    )


# --- documents -------------------------------------------------------------------------------------------

# Identity first, validity last: the order a person reads a record in.
_LAST = ("valid_from", "valid_to")


def record_data(record: BaseModel) -> dict[str, Any]:
    """One record as the seed writes it: JSON types, defaults and empty values left out, amounts as strings."""
    data = record.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return {k: v for k, v in data.items() if k not in _LAST} | {k: data[k] for k in _LAST if k in data}


def seed_data(seed: Seed) -> dict[str, list[dict[str, Any]]]:
    return {name: [record_data(r) for r in getattr(seed, name)] for name in FILES}


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]  # libyaml: ~10x faster
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)


def to_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
