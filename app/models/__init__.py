"""SQL tables of the catalogue. Imported once, here, so that Alembic and the app see the same metadata.

Public ids (slugs, INSEE codes) are the keys the API and the seed use; integer ids stay internal.
Citations (`sources`) are JSON lists of `{"doc": <source id>, "quote": <sentence>}` kept next to the
fact they support, so a figure never travels without its source.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.types import TypeDecorator
from sqlmodel import AutoString, Field, SQLModel

from app.core.money import from_cents, to_cents
from app.core.vocabulary import (
    Audience,
    AuditAction,
    Basis,
    Calculation,
    Category,
    Discipline,
    EventKind,
    Evidence,
    Frequency,
    ParameterKind,
    ParameterUnit,
    PayKind,
    Precision,
    Recurrence,
    RuleKind,
    Scope,
    SourceKind,
)

# Columns whose values are a closed list are typed with it (the Literals of app/core/vocabulary.py, which
# app/records/schemas.py validates on the way in) but stored as plain strings: `sa_type=AutoString(n)` is what a
# `str` with `max_length=n` gets, so the database schema stays the same (no enum type).


class Cents(TypeDecorator[Decimal]):
    """Euros as a `Decimal` in Python, stored as an integer number of cents.

    SQLite has no exact decimal type (it would store a REAL); integer cents are exact on every database.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        return None if value is None else to_cents(value)

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        return None if value is None else from_cents(value)


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal kept exactly (rates such as 0.0695, ceilings in PMSS), as its text."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> str | None:
        return None if value is None else format(value, "f")

    def process_result_value(self, value: str | None, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


def json_column(nullable: bool = False) -> Any:
    return Field(default=None if nullable else [], sa_type=JSON, nullable=nullable)


def cascade_fk(target: str, *, nullable: bool = False, index: bool = True) -> Any:
    return Field(sa_column=Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=nullable, index=index))


class Region(SQLModel, table=True):
    __tablename__ = "region"

    code: str = Field(primary_key=True, max_length=2)
    name: str = Field(sa_type=Text)
    # ISO 3166-2:FR (FR-HDF…), the identifier international datasets use beside the INSEE code.
    iso_code: str | None = Field(default=None, max_length=6)
    notes: list[str] = json_column()
    sources: list[dict[str, Any]] = json_column()


class SourceDocument(SQLModel, table=True):
    __tablename__ = "source_document"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, unique=True)
    kind: SourceKind = Field(sa_type=AutoString(20))
    title: str = Field(sa_type=Text)
    file: str | None = Field(default=None, max_length=200)
    publisher: str = Field(sa_type=Text)
    region_code: str | None = Field(default=None, foreign_key="region.code", max_length=2)
    published_on: dt.date | None = None
    published_text: str | None = Field(default=None, sa_type=Text)
    url: str | None = Field(default=None, sa_type=Text)
    signed_by: list[str] = json_column()
    note: str | None = Field(default=None, sa_type=Text)
    read_on: dt.date | None = None  # the day a web page (or a text's copy on the web) was read


class Specialty(SQLModel, table=True):
    __tablename__ = "specialty"

    code: str = Field(primary_key=True, max_length=80)
    name: str = Field(sa_type=Text)
    is_mg: bool = False
    discipline: Discipline = Field(sa_type=AutoString(20))
    sources: list[dict[str, Any]] = json_column()


class Scheme(SQLModel, table=True):
    """One version of a scheme: a change adds a version from a date instead of overwriting (see app/records)."""

    __tablename__ = "scheme"
    __table_args__ = (UniqueConstraint("slug", "valid_from", name="uq_scheme_slug_valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, index=True)
    name: str = Field(sa_type=Text)
    short_name: str | None = Field(default=None, sa_type=Text)
    category: Category = Field(sa_type=AutoString(20), index=True)
    scope: Scope = Field(sa_type=AutoString(20))
    audience: Audience = Field(sa_type=AutoString(20), index=True)
    audience_text: str = Field(sa_type=Text)
    description: str = Field(sa_type=Text)
    duration_initial_months: int | None = None
    duration_renewals: int = 0
    duration_renewal_months: int | None = None
    duration_standard_max_months: int | None = None
    duration_max_months: int | None = None
    duration_max_condition: str | None = Field(default=None, sa_type=Text)
    duration_extendable: bool | None = None
    duration_text: str = Field(sa_type=Text)
    duration_sources: list[dict[str, Any]] = json_column()
    work_split: dict[str, Any] | None = json_column(nullable=True)
    sources: list[dict[str, Any]] = json_column()
    # Folded (lower-case, accent-free) copies, see app/core/text.py: `sort_name` orders the same way on every
    # database (collations differ on accents), `search_text` serves case- and accent-insensitive `q` searches.
    sort_name: str = Field(default="", max_length=300, index=True)
    search_text: str = Field(default="", sa_type=Text)
    # When a maintainer last checked this scheme's data against its sources, and which ones.
    verified_on: dt.date | None = None
    verified_by: str | None = Field(default=None, sa_type=Text)
    verified_sources: list[str] = json_column()
    # Validity of this version: first and last day in force (inclusive); None is open-ended.
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class SchemeRule(SQLModel, table=True):
    __tablename__ = "scheme_rule"
    __table_args__ = (UniqueConstraint("scheme_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = cascade_fk("scheme.id", index=False)
    position: int
    kind: RuleKind = Field(sa_type=AutoString(20))
    text: str = Field(sa_type=Text)
    data: dict[str, Any] | None = json_column(nullable=True)
    # What an eligibility rule tests (app/records/schemas.py Criterion); null: stated only in words.
    criterion: dict[str, Any] | None = json_column(nullable=True)
    sources: list[dict[str, Any]] = json_column()


class SchemeSpecialty(SQLModel, table=True):
    """Specialties eligible for a scheme whose audience is a list of disciplines (AHU).

    `confirmed` is False for a lead: a specialty no text read places in the scheme's disciplines, listed so that it is
    neither silently included nor silently excluded (`note` says why, `sources` cite the link; None: not recorded).
    """

    __tablename__ = "scheme_specialty"

    scheme_id: int = Field(sa_column=Column(Integer, ForeignKey("scheme.id", ondelete="CASCADE"), primary_key=True))
    specialty_code: str = Field(
        sa_column=Column(String(80), ForeignKey("specialty.code", ondelete="CASCADE"), primary_key=True)
    )
    confirmed: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    note: str | None = Field(default=None, sa_type=Text)
    sources: list[dict[str, Any]] | None = json_column(nullable=True)


class SchemeRegion(SQLModel, table=True):
    """A scheme as offered in one region: its regional variant (one row per version)."""

    __tablename__ = "scheme_region"
    __table_args__ = (
        UniqueConstraint("scheme_slug", "region_code", "valid_from", name="uq_scheme_region_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Versioned rows refer to a scheme by its slug (any of its versions), not to one version's row.
    scheme_slug: str = Field(max_length=80, index=True)
    region_code: str = Field(foreign_key="region.code", max_length=2, index=True)
    local_name: str | None = Field(default=None, sa_type=Text)
    since: dt.date | None = None
    since_text: str | None = Field(default=None, sa_type=Text)
    funders: list[str] = json_column()
    faculties: list[str] = json_column()
    notes: list[str] = json_column()
    sources: list[dict[str, Any]] = json_column()
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    # documented: a document describes the offer in this region; mentioned: a document only names it there.
    evidence: Evidence = Field(default="documented", sa_type=AutoString(20),
                               sa_column_kwargs={"server_default": "documented"})


class PayComponent(SQLModel, table=True):
    """One version of an amount: raising it from a date closes this row and adds the next one."""

    __tablename__ = "pay_component"
    __table_args__ = (UniqueConstraint("code", "valid_from", name="uq_pay_component_code_valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=120, index=True)
    position: int = 0
    scheme_slug: str = Field(max_length=80, index=True)
    region_code: str | None = Field(default=None, foreign_key="region.code", max_length=2)
    kind: PayKind = Field(sa_type=AutoString(20))
    label: str = Field(sa_type=Text)
    amount: Decimal = Field(sa_column=Column("amount_cents", Cents(), nullable=False))
    approximate: bool = False
    basis: Basis = Field(sa_type=AutoString(20))
    frequency: Frequency = Field(sa_type=AutoString(20))
    payment_frequency: Frequency | None = Field(default=None, sa_type=AutoString(20))
    calculation: Calculation = Field(default="fixed", sa_type=AutoString(20))
    year_from: int | None = None
    year_to: int | None = None
    periphery_share_pct: int | None = None
    conditions: list[str] = json_column()
    payer: str = Field(sa_type=Text)
    recipient: str = Field(sa_type=Text)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    headline: bool = False
    note: str | None = Field(default=None, sa_type=Text)
    sources: list[dict[str, Any]] = json_column()
    derivation: str | None = Field(default=None, sa_type=Text)  # how the amount was derived, when no text states it
    confirmed: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("key", "valid_from", name="uq_contact_key_valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, index=True)
    position: int = 0
    organisation: str = Field(sa_type=Text)
    service: str | None = Field(default=None, sa_type=Text)
    person_name: str | None = Field(default=None, sa_type=Text)
    email: str | None = Field(default=None, sa_type=Text)
    phone: str | None = Field(default=None, sa_type=Text)
    website: str | None = Field(default=None, sa_type=Text)
    region_code: str = Field(foreign_key="region.code", max_length=2, index=True)
    faculty: str | None = Field(default=None, sa_type=Text)
    sources: list[dict[str, Any]] = json_column()
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class ContactScheme(SQLModel, table=True):
    __tablename__ = "contact_scheme"

    contact_id: int = Field(sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True))
    scheme_slug: str = Field(sa_column=Column(String(80), primary_key=True))


class CalendarEvent(SQLModel, table=True):
    __tablename__ = "calendar_event"
    __table_args__ = (UniqueConstraint("key", "valid_from", name="uq_calendar_event_key_valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, index=True)
    region_code: str = Field(foreign_key="region.code", max_length=2, index=True)
    kind: EventKind = Field(sa_type=AutoString(30))
    label: str = Field(sa_type=Text)
    date: dt.date = Field(index=True)
    precision: Precision = Field(default="day", sa_type=AutoString(20))
    when_text: str = Field(sa_type=Text)
    recurrence: Recurrence = Field(default="none", sa_type=AutoString(20))
    sources: list[dict[str, Any]] = json_column()
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class CalendarEventScheme(SQLModel, table=True):
    __tablename__ = "calendar_event_scheme"

    event_id: int = Field(
        sa_column=Column(Integer, ForeignKey("calendar_event.id", ondelete="CASCADE"), primary_key=True)
    )
    scheme_slug: str = Field(sa_column=Column(String(80), primary_key=True))


class PostQuota(SQLModel, table=True):
    """Posts a national programme opens in a region over a period (seed/quotas.yaml)."""

    __tablename__ = "post_quota"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, unique=True)
    programme: str = Field(sa_type=Text)
    scheme_slug: str | None = Field(default=None, max_length=80, index=True)
    region_code: str = Field(foreign_key="region.code", max_length=2, index=True)
    period_start: int
    period_end: int
    kind: str | None = Field(default=None, sa_type=Text)
    posts: int
    note: str | None = Field(default=None, sa_type=Text)
    sources: list[dict[str, Any]] = json_column()


class PayParameter(SQLModel, table=True):
    """A dated figure of the law used by the simulation: a rate, a ceiling, a grid value, a tariff, a scale."""

    __tablename__ = "pay_parameter"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=80, unique=True)
    label: str = Field(sa_type=Text)
    unit: ParameterUnit = Field(sa_type=AutoString(20))
    kind: ParameterKind = Field(default="value", sa_type=AutoString(20))
    note: str | None = Field(default=None, sa_type=Text)


class PayParameterValue(SQLModel, table=True):
    """One value of a parameter and the period it is in force: history is data, never overwritten."""

    __tablename__ = "pay_parameter_value"
    __table_args__ = (UniqueConstraint("parameter_id", "valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    parameter_id: int = cascade_fk("pay_parameter.id", index=False)
    valid_from: dt.date
    valid_to: dt.date | None = None
    value: Decimal | None = Field(default=None, sa_column=Column("value", DecimalText(), nullable=True))
    brackets: list[dict[str, Any]] | None = json_column(nullable=True)
    confirmed: bool = True
    sources: list[dict[str, Any]] = json_column()
    derivation: str | None = Field(default=None, sa_type=Text)  # how the value was derived, when no text states it


class CatalogueVersion(SQLModel, table=True):
    """One row whose number goes up with every change to the catalogue, in the same transaction as the change.

    Every worker compares it with the version its in-memory catalogue and kept answers were built from
    (app/memory/watch.py), so no worker serves data older than the last committed write.
    """

    __tablename__ = "catalogue_version"

    id: int = Field(default=1, primary_key=True)
    version: int = 0
    changed_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ApiKey(SQLModel, table=True):
    """A maintainer's key. Only a SHA-256 of the secret is kept: the key itself is shown once, at creation."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    prefix: str = Field(max_length=16)
    secret_hash: str = Field(max_length=64, unique=True)
    scopes: list[str] = json_column()
    created_at: dt.datetime = Field(sa_type=DateTime(timezone=True))
    revoked_at: dt.datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AuditEntry(SQLModel, table=True):
    """Who changed what, when, with the record before and after; written in the change's own transaction."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_type=DateTime(timezone=True), index=True)
    actor: str = Field(max_length=80)
    action: AuditAction = Field(sa_type=AutoString(20))
    entity: str = Field(max_length=30, index=True)
    record_key: str | None = Field(default=None, max_length=200, index=True)
    summary: str = Field(sa_type=Text)
    before: Any = Field(default=None, sa_type=JSON, nullable=True)
    after: Any = Field(default=None, sa_type=JSON, nullable=True)


metadata = SQLModel.metadata
