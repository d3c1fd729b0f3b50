"""Records <-> rows, declared once: which column holds which field of which record, and how it is converted.

`app.records.store.apply_seed` turns records into rows with `Table.row`; `app.records.export.export_seed` turns rows
back into records with `Table.record`. Both read the same declaration, so a field added to a record and its table
is added here once and travels both ways (`tests/records/test_export.py` round-trips the whole seed).

What is not a record field stays with its user: the store adds the columns it derives (search text, positions in
the files, parent ids) and the export groups versions and link rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel import SQLModel

from app.models import (
    CalendarEvent,
    CalendarEventScheme,
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
from app.records import schemas as I

RecordT = TypeVar("RecordT", bound=BaseModel)


def make(schema: type[RecordT], **values: Any) -> RecordT:
    """The record, validated; or, if stored data no longer passes today's checks, as stored (never a crash):
    exporting it, reading it and fixing it through the API must stay possible."""
    try:
        return schema(**values)
    except ValidationError:
        return schema.model_construct(**values)


def _same(value: Any) -> Any:
    return value


def dump_refs(refs: list[I.SourceRef]) -> list[dict[str, Any]]:
    return [r.model_dump(exclude_none=True) for r in refs]


def load_refs(stored: list[dict[str, Any]] | None) -> list[I.SourceRef]:
    return [make(I.SourceRef, **r) for r in stored or []]


def _model_json(value: BaseModel | None) -> dict[str, Any] | None:
    return value.model_dump(mode="json", exclude_none=True) if value is not None else None


@dataclass(frozen=True)
class Column:
    """One column and the record field it stores; `dump` converts field -> column, `load` column -> field."""

    name: str
    attr: str
    dump: Callable[[Any], Any] = _same
    load: Callable[[Any], Any] = _same


def same(*names: str) -> tuple[Column, ...]:
    """Columns named like their fields and stored as they are."""
    return tuple(Column(n, n) for n in names)


def listed(*names: str) -> tuple[Column, ...]:
    """List fields, stored as a copy (a row never shares a list with a record)."""
    return tuple(Column(n, n, list, list) for n in names)


SOURCES = Column("sources", "sources", dump_refs, load_refs)


@dataclass(frozen=True)
class Nested:
    """A record inside a record, stored flat in its parent's columns (a scheme's duration and verification)."""

    attr: str
    schema: type[BaseModel]
    columns: tuple[Column, ...]
    # For an optional part: the column whose emptiness means "absent".
    present: str | None = None

    def row(self, record: Any) -> dict[str, Any]:
        part = getattr(record, self.attr)
        if part is None:
            return {c.name: [] if c.dump is list else None for c in self.columns}
        return {c.name: c.dump(getattr(part, c.attr)) for c in self.columns}

    def value(self, row: Any) -> Any:
        if self.present is not None and getattr(row, self.present) is None:
            return None
        return make(self.schema, **{c.attr: c.load(getattr(row, c.name)) for c in self.columns})


Model = TypeVar("Model", bound=SQLModel)


@dataclass(frozen=True)
class Table(Generic[Model]):
    """A table and the record schema whose fields it stores, matched on `key` (public ids, never row ids)."""

    model: type[Model]
    schema: type[I.Record]
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    nested: tuple[Nested, ...] = field(default=())

    def row(self, record: Any, **derived: Any) -> dict[str, Any]:
        """The columns of `record`, with those the caller derives (parent ids, search text, positions)."""
        values = {c.name: c.dump(getattr(record, c.attr)) for c in self.columns}
        for part in self.nested:
            values |= part.row(record)
        return values | derived

    def fields(self, row: Any) -> dict[str, Any]:
        values = {c.attr: c.load(getattr(row, c.name)) for c in self.columns}
        for part in self.nested:
            values[part.attr] = part.value(row)
        return values

    def record(self, row: Any, **more: Any) -> Any:
        """The record stored in `row`, with the fields the caller gathers from other tables (links, children)."""
        return make(self.schema, **(self.fields(row) | more))


VALIDITY = same("valid_from", "valid_to")

REGIONS = Table(Region, I.RegionIn, ("code",), (*same("code", "name", "iso_code"), *listed("notes"), SOURCES))

SOURCE_DOCUMENTS = Table(
    SourceDocument, I.SourceIn, ("key",),
    (Column("key", "id"), *same("kind", "title", "file", "publisher"), Column("region_code", "region"),
     *same("published_on", "published_text", "url"), *listed("signed_by"), *same("read_on", "note")),
)

PAY_PARAMETERS = Table(PayParameter, I.ParameterIn, ("code",), same("code", "label", "unit", "kind", "note"))


def _dump_brackets(brackets: list[I.BracketIn] | None) -> list[dict[str, Any]] | None:
    if brackets is None:
        return None
    return [b.model_dump(mode="json", by_alias=True, exclude_none=True) for b in brackets]


def _load_brackets(stored: list[dict[str, Any]] | None) -> list[I.BracketIn] | None:
    return [make(I.BracketIn, **b) for b in stored] if stored is not None else None


PARAMETER_VALUES = Table(
    PayParameterValue, I.ParameterValueIn, ("parameter_id", "valid_from"),
    (*VALIDITY, Column("value", "value"), Column("brackets", "brackets", _dump_brackets, _load_brackets),
     *same("confirmed", "derivation"), SOURCES),
)

SPECIALTIES = Table(Specialty, I.SpecialtyIn, ("code",), (*same("code", "name", "is_mg", "discipline"), SOURCES))


def _load_work_split(stored: dict[str, Any] | None) -> I.WorkSplitIn | None:
    return make(I.WorkSplitIn, **{**stored, "sources": load_refs(stored["sources"])}) if stored else None


SCHEMES = Table(
    Scheme, I.SchemeIn, ("slug", "valid_from"),
    (*same("slug", "name", "short_name", "category", "scope", "audience", "audience_text", "description"),
     Column("work_split", "work_split", _model_json, _load_work_split), SOURCES, *VALIDITY),
    nested=(
        Nested("duration", I.DurationIn, (
            Column("duration_initial_months", "initial_months"), Column("duration_renewals", "renewals"),
            Column("duration_renewal_months", "renewal_months"),
            Column("duration_standard_max_months", "standard_max_months"),
            Column("duration_max_months", "max_months"), Column("duration_max_condition", "max_condition"),
            Column("duration_extendable", "extendable"), Column("duration_text", "text"),
            Column("duration_sources", "sources", dump_refs, load_refs),
        )),
        Nested("verified", I.VerifiedIn, (
            Column("verified_on", "date"), Column("verified_by", "by"),
            Column("verified_sources", "sources", list, list),
        ), present="verified_on"),
    ),
)

RULES = Table(
    SchemeRule, I.RuleIn, ("scheme_id", "position"),
    (*same("kind", "text", "data"), Column("criterion", "criterion", _model_json), SOURCES),
)


def specialty_link(entry: str | I.EligibleSpecialtyIn) -> dict[str, Any]:
    """A scheme's eligible specialty as its link row: a plain code is a confirmed link with nothing recorded."""
    if isinstance(entry, str):
        return {"specialty_code": entry, "confirmed": True, "note": None, "sources": None}
    return {"specialty_code": entry.code, "confirmed": entry.confirmed, "note": entry.note,
            "sources": dump_refs(entry.sources)}


def eligible_entry(link: SchemeSpecialty) -> str | I.EligibleSpecialtyIn:
    """The inverse of `specialty_link` (a plain code for a link with nothing recorded about it, as before 0006)."""
    if link.confirmed and link.note is None and not link.sources:
        return link.specialty_code
    return make(I.EligibleSpecialtyIn, code=link.specialty_code, confirmed=link.confirmed, note=link.note,
                sources=load_refs(link.sources))


SPECIALTY_LINK_KEY = ("scheme_id", "specialty_code")

AVAILABILITY = Table(
    SchemeRegion, I.AvailabilityIn, ("scheme_slug", "region_code", "valid_from"),
    (Column("scheme_slug", "scheme"), Column("region_code", "region"), *same("local_name", "since", "since_text"),
     *listed("funders", "faculties", "notes"), Column("evidence", "evidence"), SOURCES, *VALIDITY),
)

PAY_COMPONENTS = Table(
    PayComponent, I.PayComponentIn, ("code", "valid_from"),
    (Column("code", "code"), Column("scheme_slug", "scheme"), Column("region_code", "region"),
     *same("kind", "label", "amount", "approximate", "basis", "frequency", "payment_frequency", "calculation",
           "year_from", "year_to", "periphery_share_pct"),
     *listed("conditions"), *same("payer", "recipient", "headline", "note", "derivation", "confirmed"), SOURCES,
     *VALIDITY),
)

CONTACTS = Table(
    Contact, I.ContactIn, ("key", "valid_from"),
    (Column("key", "id"), *same("organisation", "service", "person_name", "email", "phone", "website"),
     Column("region_code", "region"), Column("faculty", "faculty"), SOURCES, *VALIDITY),
)

CALENDAR = Table(
    CalendarEvent, I.CalendarEventIn, ("key", "valid_from"),
    (Column("key", "id"), Column("region_code", "region"),
     *same("kind", "label", "date", "precision", "when_text", "recurrence"), SOURCES, *VALIDITY),
)

QUOTAS = Table(
    PostQuota, I.PostQuotaIn, ("key",),
    (Column("key", "id"), Column("programme", "programme"), Column("scheme_slug", "scheme"),
     Column("region_code", "region"), *same("period_start", "period_end", "kind", "posts", "note"), SOURCES),
)

# Link rows between a record and the schemes it names (`schemes:` in contacts.yaml and calendar.yaml).
CONTACT_SCHEMES = (ContactScheme, ("contact_id", "scheme_slug"))
EVENT_SCHEMES = (CalendarEventScheme, ("event_id", "scheme_slug"))
SPECIALTY_LINKS = (SchemeSpecialty, SPECIALTY_LINK_KEY)
