"""The catalogue in memory: every row of its tables, loaded once per catalogue version, immutable and indexed.

Catalogue reads (`app.catalogue`), simulations, eligibility and the embed pages are pure functions of a `Catalogue`:
no SQL on the read path. A `Catalogue` is built from one consistent read of the tables (the version is read before
and after; a write in between means reading again) and never changes after; a write makes a new one (see
`app.memory.watch` for how a worker learns that the version moved).

Rows are light immutable tuples with the attributes of their table model (`Scheme.slug`, `PayComponent.amount`…),
typed as the model so that the code reading them reads like the SQL code it replaced. What depends on the day asked
(`as_of`, default today) — the versions in force, their indexes, and the orders — is a `Day`, built on first use and
kept for a few days.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel, select

from app.core.dates import covers, today
from app.models import (
    CalendarEvent,
    CalendarEventScheme,
    CatalogueVersion,
    Contact,
    ContactScheme,
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

ModelT = TypeVar("ModelT", bound=SQLModel)
DAYS_KEPT = 8  # `as_of` days whose indexes are kept per catalogue (today, and a few dates being browsed)


@cache
def _row_type(model: type[SQLModel]) -> type[tuple[Any, ...]]:
    fields = list(model.model_fields)
    return cast(type[tuple[Any, ...]], NamedTuple(f"{model.__name__}Row", [(f, Any) for f in fields]))


def _rows(connection: Connection, model: type[ModelT]) -> list[ModelT]:
    """Every row of a table model's table, as immutable tuples with the model's attributes."""
    row = _row_type(model)
    fields = list(model.model_fields)
    statement = select(*(getattr(model, f) for f in fields))
    make = row._make  # type: ignore[attr-defined]
    return cast(list[ModelT], [make(r) for r in connection.execute(statement)])


VERSION = select(CatalogueVersion.version, CatalogueVersion.changed_at).where(CatalogueVersion.id == 1)


def _in_force(rows: Iterable[ModelT], day: dt.date) -> list[ModelT]:
    return [r for r in rows if covers(r.valid_from, r.valid_to, day)]  # type: ignore[attr-defined]


def _group(rows: Iterable[ModelT], key: Callable[[ModelT], Any]) -> dict[Any, list[ModelT]]:
    out: dict[Any, list[ModelT]] = defaultdict(list)
    for r in rows:
        out[key(r)].append(r)
    return dict(out)


@dataclass(eq=False)
class Catalogue:
    """One version of the whole catalogue (every dated version of every record), read once, never changed."""

    version: int
    changed_at: dt.datetime | None
    docs: dict[str, SourceDocument]
    regions: dict[str, Region]  # by code, in code order
    specialties: dict[str, Specialty]  # by code, in code order
    schemes: list[Scheme]  # every version, in id order
    rules: list[SchemeRule]
    specialty_links: list[SchemeSpecialty]
    offers: list[SchemeRegion]
    pay: list[PayComponent]
    contacts: list[Contact]
    contact_links: list[ContactScheme]
    events: list[CalendarEvent]
    event_links: list[CalendarEventScheme]
    quotas: list[PostQuota]
    parameters_rows: list[PayParameter]
    parameter_values: list[PayParameterValue]
    # Derived once, below.
    versions_of: dict[str, list[Scheme]] = field(init=False)
    rules_of: dict[int | None, list[SchemeRule]] = field(init=False)
    links_of: dict[int | None, list[SchemeSpecialty]] = field(init=False)
    offers_of: dict[str, list[SchemeRegion]] = field(init=False)
    pay_of: dict[str, list[PayComponent]] = field(init=False)
    contact_schemes: dict[int | None, list[str]] = field(init=False)
    event_schemes: dict[int | None, list[str]] = field(init=False)
    quotas_of: dict[str, list[PostQuota]] = field(init=False)
    iso_codes: dict[str, str] = field(init=False)
    # What depends on the day asked, and what other packages keep per version (the simulation's inputs).
    _days: OrderedDict[tuple[dt.date, dt.date], Day] = field(init=False, default_factory=OrderedDict)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    extras: dict[str, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.versions_of = _group(sorted(self.schemes, key=lambda s: s.id or 0), lambda s: s.slug)
        self.rules_of = _group(sorted(self.rules, key=lambda r: r.position), lambda r: r.scheme_id)
        self.links_of = _group(sorted(self.specialty_links, key=lambda link: link.specialty_code),
                               lambda link: link.scheme_id)
        self.offers_of = _group(sorted(self.offers, key=lambda o: o.region_code), lambda o: o.scheme_slug)
        self.pay_of = _group(sorted(self.pay, key=lambda c: (c.position, c.valid_from or dt.date.min)),
                             lambda c: c.scheme_slug)
        self.contacts = sorted(self.contacts, key=lambda c: (c.position, c.key))
        self.contact_schemes = {k: sorted(link.scheme_slug for link in v) for k, v in
                                _group(self.contact_links, lambda link: link.contact_id).items()}
        self.event_schemes = {k: sorted(link.scheme_slug for link in v) for k, v in
                              _group(self.event_links, lambda link: link.event_id).items()}
        self.quotas_of = _group(
            sorted(sorted(self.quotas, key=lambda q: q.id or 0),
                   key=lambda q: (q.period_start, q.period_end), reverse=True),
            lambda q: q.region_code)
        self.iso_codes = {r.iso_code.upper(): r.code for r in self.regions.values() if r.iso_code}

    def on(self, day: dt.date) -> Day:
        """The catalogue as it stands on `day`: its versions in force and their indexes (built once, then kept)."""
        key = (day, today())  # staleness is about the reader's today, whatever day is shown
        with self._lock:
            found = self._days.get(key)
            if found is not None:
                self._days.move_to_end(key)
                return found
        built = Day(self, day)
        with self._lock:
            self._days[key] = built
            while len(self._days) > DAYS_KEPT:
                self._days.popitem(last=False)
        return built

    def kept(self, name: str, make: Callable[[], Any]) -> Any:
        """A value other packages derive from this version once (the simulation's parameter set…)."""
        with self._lock:
            if name in self.extras:
                return self.extras[name]
        value = make()
        with self._lock:
            return self.extras.setdefault(name, value)


class Day:
    """The catalogue's records in force on one day, indexed for the listing filters."""

    def __init__(self, catalogue: Catalogue, day: dt.date) -> None:
        self.catalogue = catalogue
        self.day = day
        self.schemes: dict[str, Scheme] = {}
        for slug, versions in catalogue.versions_of.items():
            for version in versions:
                if covers(version.valid_from, version.valid_to, day):
                    self.schemes[slug] = version
                    break
        self.by_slug_order = sorted(self.schemes)
        self.offers: dict[str, list[SchemeRegion]] = {
            slug: _in_force(catalogue.offers_of.get(slug, ()), day) for slug in self.schemes
        }
        self.in_region: dict[str, set[str]] = defaultdict(set)
        for slug, offers in self.offers.items():
            for offer in offers:
                self.in_region[offer.region_code].add(slug)
        self.by_audience: dict[str, set[str]] = defaultdict(set)
        self.by_category: dict[str, set[str]] = defaultdict(set)
        for slug, scheme in self.schemes.items():
            self.by_audience[scheme.audience].add(slug)
            self.by_category[scheme.category].add(slug)
        self.listing: dict[str, set[str]] = defaultdict(set)  # specialty code -> schemes listing it
        for slug, scheme in self.schemes.items():
            for link in catalogue.links_of.get(scheme.id, ()):
                self.listing[link.specialty_code].add(slug)
        self.all = set(self.schemes)
        self._orders: dict[str, list[str]] = {}
        self.cache: dict[Any, Any] = {}  # per-day derived values (summaries, cited sources), filled by readers
        self.lock = threading.Lock()

    def order(self, sort: str) -> list[str]:
        """Slugs of the schemes in force in a listing's order: by the key, unknown durations last both ways, and the
        slug ascending among ties (the order the SQL listing gave)."""
        found = self._orders.get(sort)
        if found is None:
            key = sort.lstrip("-")
            descending = sort.startswith("-")
            schemes = sorted(self.schemes.values(), key=lambda s: s.slug)  # ties: slug ascending (stable sorts)
            if key == "slug":
                ordered = schemes[::-1] if descending else schemes
            elif key == "name":
                # reverse=True keeps equal keys in their order (Python's sort is stable both ways): slug ascending.
                ordered = sorted(schemes, key=lambda s: s.sort_name, reverse=descending)
            else:
                known = [s for s in schemes if s.duration_initial_months is not None]
                unknown = [s for s in schemes if s.duration_initial_months is None]
                ordered = sorted(known, key=lambda s: s.duration_initial_months or 0, reverse=descending) + unknown
            found = [s.slug for s in ordered]
            self._orders[sort] = found
        return found

    def remember(self, key: Any, make: Callable[[], Any]) -> Any:
        found = self.cache.get(key)
        if found is None:
            found = make()
            with self.lock:
                if len(self.cache) > 100_000:
                    self.cache.clear()
                self.cache[key] = found
        return found


def read(engine: Engine) -> Catalogue:
    """One consistent read of the whole catalogue: the version before and after the tables are the same."""
    for _ in range(20):
        with engine.connect() as connection:
            before = connection.execute(VERSION).one()
            catalogue = _read(connection, int(before[0]), before[1])
            after = connection.execute(VERSION).one()
        if after[0] == before[0]:
            return catalogue
    raise RuntimeError("the catalogue kept changing while it was read (20 attempts)")


def _read(connection: Connection, version: int, changed_at: Any) -> Catalogue:
    if isinstance(changed_at, dt.datetime) and changed_at.tzinfo is None:
        changed_at = changed_at.replace(tzinfo=dt.UTC)
    return Catalogue(
        version=version,
        changed_at=changed_at,
        docs={d.key: d for d in sorted(_rows(connection, SourceDocument), key=lambda d: d.key)},
        regions={r.code: r for r in sorted(_rows(connection, Region), key=lambda r: r.code)},
        specialties={s.code: s for s in sorted(_rows(connection, Specialty), key=lambda s: s.code)},
        schemes=_rows(connection, Scheme),
        rules=_rows(connection, SchemeRule),
        specialty_links=_rows(connection, SchemeSpecialty),
        offers=_rows(connection, SchemeRegion),
        pay=_rows(connection, PayComponent),
        contacts=_rows(connection, Contact),
        contact_links=_rows(connection, ContactScheme),
        events=_rows(connection, CalendarEvent),
        event_links=_rows(connection, CalendarEventScheme),
        quotas=_rows(connection, PostQuota),
        parameters_rows=_rows(connection, PayParameter),
        parameter_values=_rows(connection, PayParameterValue),
    )
