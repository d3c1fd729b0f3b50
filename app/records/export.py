"""The catalogue back in the seed's format: database rows -> the record schemas of `seed/*.yaml`.

`export_seed` is the inverse of `app.records.store.apply_seed`: loading its result into an empty database gives
the same catalogue, and exporting that again gives the same document (tested). Every version of every record
is exported, in the order of the files, a record's versions together and in date order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import yaml
from pydantic import BaseModel
from sqlmodel import Session, col, select

from app.models import (
    PayParameter,
    PayParameterValue,
    PostQuota,
    Region,
    SchemeRule,
    SchemeSpecialty,
    SourceDocument,
    Specialty,
)
from app.records import mapping as T
from app.records import schemas as I
from app.records.store import FILES, Seed


def _grouped(rows: list[Any], key: Any, order: Any = lambda r: r.id) -> list[Any]:
    """A record's versions together (where the record first appears), each record's versions by date."""
    first: dict[Any, Any] = {}
    for row in rows:
        k = key(row)
        first[k] = min(first.get(k, order(row)), order(row))
    return sorted(rows, key=lambda r: (first[key(r)], r.valid_from or dt.date.min))


def _rows(session: Session, table: T.Table[Any], order: Any = None) -> list[Any]:
    statement = select(table.model)
    return list(session.exec(statement.order_by(order) if order is not None else statement).all())


def export_seed(session: Session, *, only: str | None = None) -> Seed:
    """Every record of the catalogue; with `only` (a seed file name), just that section (the others stay empty)."""
    seed = Seed()
    if only in (None, "regions"):
        seed.regions = [T.REGIONS.record(r) for r in _rows(session, T.REGIONS, col(Region.code))]
    if only in (None, "sources"):
        seed.sources = [
            T.SOURCE_DOCUMENTS.record(s) for s in _rows(session, T.SOURCE_DOCUMENTS, col(SourceDocument.id))
        ]
    if only in (None, "pay_parameters"):
        values: dict[int | None, list[Any]] = defaultdict(list)
        for v in _rows(session, T.PARAMETER_VALUES, col(PayParameterValue.valid_from)):
            values[v.parameter_id].append(T.PARAMETER_VALUES.record(v))
        seed.pay_parameters = [
            T.PAY_PARAMETERS.record(p, values=values[p.id])
            for p in _rows(session, T.PAY_PARAMETERS, col(PayParameter.id))
        ]
    if only in (None, "specialties"):
        seed.specialties = [T.SPECIALTIES.record(s) for s in _rows(session, T.SPECIALTIES, col(Specialty.code))]
    if only in (None, "schemes"):
        rules: dict[int, list[Any]] = defaultdict(list)
        for rule in _rows(session, T.RULES, col(SchemeRule.position)):
            rules[rule.scheme_id].append(T.RULES.record(rule))
        eligible: dict[int, list[str | I.EligibleSpecialtyIn]] = defaultdict(list)
        for link in session.exec(select(SchemeSpecialty).order_by(col(SchemeSpecialty.specialty_code))).all():
            eligible[link.scheme_id].append(T.eligible_entry(link))
        seed.schemes = [
            T.SCHEMES.record(s, rules=rules[s.id], eligible_specialties=eligible[s.id])
            for s in _grouped(_rows(session, T.SCHEMES), key=lambda s: s.slug)
        ]
    if only in (None, "availability"):
        seed.availability = [
            T.AVAILABILITY.record(a)
            for a in _grouped(_rows(session, T.AVAILABILITY), key=lambda a: (a.scheme_slug, a.region_code))
        ]
    if only in (None, "pay_components"):
        seed.pay_components = [
            T.PAY_COMPONENTS.record(p)
            for p in _grouped(
                _rows(session, T.PAY_COMPONENTS), key=lambda p: p.code, order=lambda p: (p.position, p.id)
            )
        ]
    if only in (None, "contacts"):
        contact_schemes = _schemes_of(session, *T.CONTACT_SCHEMES)
        seed.contacts = [
            T.CONTACTS.record(c, schemes=contact_schemes[c.id])
            for c in _grouped(_rows(session, T.CONTACTS), key=lambda c: c.key, order=lambda c: (c.position, c.id))
        ]
    if only in (None, "calendar"):
        event_schemes = _schemes_of(session, *T.EVENT_SCHEMES)
        seed.calendar = [
            T.CALENDAR.record(e, schemes=event_schemes[e.id])
            for e in _grouped(_rows(session, T.CALENDAR), key=lambda e: e.key)
        ]
    if only in (None, "quotas"):
        seed.quotas = [T.QUOTAS.record(q) for q in _rows(session, T.QUOTAS, col(PostQuota.id))]
    return seed


def _schemes_of(session: Session, link: Any, key: tuple[str, str]) -> dict[int, list[str]]:
    """The schemes each record names, from its link rows (`key`: the record's id column, then the scheme's)."""
    owner, scheme = key
    out: dict[int, list[str]] = defaultdict(list)
    for row in session.exec(select(link).order_by(col(getattr(link, scheme)))).all():
        out[getattr(row, owner)].append(getattr(row, scheme))
    return out


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
