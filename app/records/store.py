"""The record store: the catalogue's records validated as a whole and written to the database.

Two steps, never mixed: `parse_seed` (or the seed files' reader, `app.seed.loader.read_seed`) checks every row and
every cross-reference, collecting all errors (file, row, field); only records without errors reach `apply_seed`,
which brings the database to exactly that content in one transaction. Rows are matched by their public ids, so
applying twice changes nothing and internal ids stay stable. The maintenance API (`app.records.service`) and the
seed command write through here; `app.records.export` reads the rows back into records.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, SQLModel, select

from app.core import versions as version
from app.core.text import fold
from app.errors import WHOLE_BODY, field_path, validation_text
from app.messages import Message, render
from app.messages import Message as M
from app.records import mapping as T
from app.records import schemas as I
from app.simulation.pay_models import unknown_codes

# French for the kinds of record a reference names.
_UNKNOWN = {"region": "région inconnue", "source": "source inconnue", "specialty": "spécialité inconnue",
            "scheme": "dispositif inconnu"}

# File name (without .yaml) -> row schema, in the order rows may refer to each other.
FILES: dict[str, type[I.Record]] = {
    "regions": I.RegionIn,
    "sources": I.SourceIn,
    "pay_parameters": I.ParameterIn,
    "specialties": I.SpecialtyIn,
    "schemes": I.SchemeIn,
    "availability": I.AvailabilityIn,
    "pay_components": I.PayComponentIn,
    "contacts": I.ContactIn,
    "calendar": I.CalendarEventIn,
    "quotas": I.PostQuotaIn,
}


@dataclass(frozen=True)
class SeedError:
    """One problem, with where it is kept as data, so that each reader is told in its own terms: a maintainer
    editing YAML reads a file and a row (`in_files`), an API client the path in its request body (`body_path`)."""

    section: str | None  # the seed file / export section ("contacts"); None: the document as a whole
    row: int | None  # the row's position in its section, from 1 (as an editor counts list items)
    key: str | None  # the row's public id, when it has one
    field: str | None  # the path inside the row ("sources[0].doc"); for the document, the section concerned
    message: Message

    def in_files(self, document: str | None = None) -> str:
        """`seed/contacts.yaml: row 13 (id): field 'email': …`, in English like the seed command; for one exported
        document read whole (`python -m app.seed --file`), `<document>: section 'contacts': row 13 (id): …`."""
        if self.section is None:
            where = document or "seed"
        elif document is None:
            where = f"seed/{self.section}.yaml"
        else:
            where = f"{document}: section '{self.section}'"
        if self.row is not None:
            where += f": row {self.row}" + (f" ({self.key})" if self.key else "")
        if self.field:
            where += f": field '{self.field}'"
        return f"{where}: {render(self.message, 'en')}"

    def __str__(self) -> str:
        return self.in_files()

    def body_path(self) -> str:
        """Where the problem is in a request body holding the whole catalogue (`POST /import`):
        `contacts[12].email` — the section, the row counted from 0 as in JSON, the field."""
        if self.section is None:
            return self.field or WHOLE_BODY
        path = self.section + (f"[{self.row - 1}]" if self.row is not None else "")
        return path + (f".{self.field}" if self.field else "")


class SeedInvalid(Exception):
    def __init__(self, errors: list[SeedError], *, document: str | None = None) -> None:
        self.errors = errors
        self.document = document  # the one document the seed was read from, if not seed/*.yaml
        super().__init__("\n".join(e.in_files(document) for e in errors))


@dataclass
class Seed:
    regions: list[I.RegionIn] = field(default_factory=list)
    sources: list[I.SourceIn] = field(default_factory=list)
    pay_parameters: list[I.ParameterIn] = field(default_factory=list)
    specialties: list[I.SpecialtyIn] = field(default_factory=list)
    schemes: list[I.SchemeIn] = field(default_factory=list)
    availability: list[I.AvailabilityIn] = field(default_factory=list)
    pay_components: list[I.PayComponentIn] = field(default_factory=list)
    contacts: list[I.ContactIn] = field(default_factory=list)
    calendar: list[I.CalendarEventIn] = field(default_factory=list)
    quotas: list[I.PostQuotaIn] = field(default_factory=list)


def _row_key(row: object) -> str | None:
    if isinstance(row, dict):
        for name in ("id", "code", "slug"):
            if isinstance(row.get(name), str | int):
                return str(row[name])
        if "scheme" in row and "region" in row:
            return f"{row['scheme']}/{row['region']}"
    return None


def parse_rows(name: str, raw: Any, schema: type[I.Record], errors: list[SeedError]) -> list[Any]:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        errors.append(SeedError(name, None, None, None, M("une liste de lignes est attendue",
                                                          "the file must hold a list of rows")))
        return []
    rows = []
    for index, row in enumerate(raw, start=1):
        try:
            rows.append(schema.model_validate(row))
        except ValidationError as exc:
            for err in exc.errors():
                errors.append(
                    SeedError(name, index, _row_key(row), field_path(err["loc"]) or None, validation_text(err))
                )
    return rows


def _source_refs(value: object, path: str) -> Iterator[tuple[str, I.SourceRef]]:
    """Every SourceRef inside a record, with its field path."""
    if isinstance(value, I.SourceRef):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _source_refs(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _source_refs(item, f"{path}[{i}]")


def check_references(seed: Seed, errors: list[SeedError]) -> None:
    regions = {r.code for r in seed.regions}
    sources = {s.id for s in seed.sources}
    specialties = {s.code for s in seed.specialties}
    schemes = {s.slug for s in seed.schemes}
    offered = {(a.scheme, a.region) for a in seed.availability}

    def check(file: str, index: int, key: str, field_name: str, value: str | None, known: set[str], what: str) -> None:
        if value is not None and value not in known:
            errors.append(SeedError(file, index, key, field_name,
                                    M(f"{_UNKNOWN[what]} « {value} »", f"unknown {what} '{value}'")))

    for file, attribute, id_of in (
        ("regions", "regions", lambda r: r.code),
        ("sources", "sources", lambda r: r.id),
        ("pay_parameters", "pay_parameters", lambda r: r.code),
        ("specialties", "specialties", lambda r: r.code),
        ("schemes", "schemes", lambda r: r.slug),
        ("availability", "availability", lambda r: f"{r.scheme}/{r.region}"),
        ("pay_components", "pay_components", lambda r: r.code),
        ("contacts", "contacts", lambda r: r.id),
        ("calendar", "calendar", lambda r: r.id),
        ("quotas", "quotas", lambda r: r.id),
    ):
        rows = getattr(seed, attribute)
        counts = Counter((id_of(r), getattr(r, "valid_from", None)) for r in rows)
        for index, row in enumerate(rows, start=1):
            key = id_of(row)
            if counts[(key, getattr(row, "valid_from", None))] > 1:
                errors.append(SeedError(file, index, key, None, M("identifiant en double", "duplicate id")))
            for path, ref in _source_refs(row, ""):
                check(file, index, key, f"{path}.doc", ref.doc, sources, "source")
        if rows and isinstance(rows[0], I.Versioned):
            for message, index, key in version_overlaps(rows, id_of):
                errors.append(SeedError(file, index, key, "valid_from", message))

    # /regions/FR-HDF redirects to the one region with that ISO code: two regions may not share it.
    iso_codes = Counter(r.iso_code for r in seed.regions if r.iso_code is not None)
    for i, r in enumerate(seed.regions, 1):
        if r.iso_code is not None and iso_codes[r.iso_code] > 1:
            errors.append(SeedError("regions", i, r.code, "iso_code",
                                    M(f"code ISO 3166-2 « {r.iso_code} » en double",
                                      f"duplicate ISO 3166-2 code '{r.iso_code}'")))
    for i, s in enumerate(seed.sources, 1):
        check("sources", i, s.id, "region", s.region, regions, "region")
    for i, scheme in enumerate(seed.schemes, 1):
        for j, entry in enumerate(scheme.eligible_specialties):
            field_name = f"eligible_specialties[{j}]" + ("" if isinstance(entry, str) else ".code")
            check("schemes", i, scheme.slug, field_name, I.specialty_code(entry), specialties, "specialty")
        for j, rule in enumerate(scheme.rules):
            criterion = rule.criterion
            if isinstance(criterion, I.SpecialtyCriterion):
                for k, code in enumerate(criterion.codes):
                    check("schemes", i, scheme.slug, f"rules[{j}].criterion.codes[{k}]", code, specialties, "specialty")
            elif isinstance(criterion, I.TrainedInRegionCriterion):
                check("schemes", i, scheme.slug, f"rules[{j}].criterion.region", criterion.region, regions, "region")
        if scheme.verified is not None:
            for j, doc in enumerate(scheme.verified.sources):
                check("schemes", i, scheme.slug, f"verified.sources[{j}]", doc, sources, "source")
    for i, a in enumerate(seed.availability, 1):
        key = f"{a.scheme}/{a.region}"
        check("availability", i, key, "scheme", a.scheme, schemes, "scheme")
        check("availability", i, key, "region", a.region, regions, "region")
    for i, p in enumerate(seed.pay_components, 1):
        check("pay_components", i, p.code, "scheme", p.scheme, schemes, "scheme")
        check("pay_components", i, p.code, "region", p.region, regions, "region")
        if p.region is not None and p.scheme in schemes and (p.scheme, p.region) not in offered:
            errors.append(
                SeedError(
                    "pay_components", i, p.code, "region",
                    M(f"le dispositif « {p.scheme} » n'est pas proposé dans la région « {p.region} » "
                      "(voir availability)",
                      f"scheme '{p.scheme}' is not offered in region '{p.region}' (see availability)"),
                )
            )
    _check_pay_models(seed, errors)
    for i, c in enumerate(seed.contacts, 1):
        check("contacts", i, c.id, "region", c.region, regions, "region")
        for j, slug in enumerate(c.schemes):
            check("contacts", i, c.id, f"schemes[{j}]", slug, schemes, "scheme")
    for i, e in enumerate(seed.calendar, 1):
        check("calendar", i, e.id, "region", e.region, regions, "region")
        for j, slug in enumerate(e.schemes):
            check("calendar", i, e.id, f"schemes[{j}]", slug, schemes, "scheme")
    for i, q in enumerate(seed.quotas, 1):
        check("quotas", i, q.id, "region", q.region, regions, "region")
        check("quotas", i, q.id, "scheme", q.scheme, schemes, "scheme")


def _check_pay_models(seed: Seed, errors: list[SeedError]) -> None:
    """Every component and parameter code the simulation's pay models name must exist (renaming one fails here)."""
    components: dict[str, set[str]] = {s.slug: set() for s in seed.schemes}
    for p in seed.pay_components:
        components.setdefault(p.scheme, set()).add(p.code)
    for slug, section, code in unknown_codes(components, {p.code for p in seed.pay_parameters}):
        what = ("la composante de rémunération", "pay component") if section == "pay_components" else (
            "le paramètre", "parameter")
        errors.append(SeedError(section, None, code, None, M(
            f"{what[0]} « {code} » manque : le modèle de rémunération du dispositif « {slug} » "
            "(app/simulation/pay_models.py) y fait référence ; renommez aussi la référence dans le modèle",
            f"{what[1]} '{code}' is missing: the pay model of scheme '{slug}' (app/simulation/pay_models.py) names "
            "it; rename it in the model too")))


def version_overlaps(rows: list[Any], id_of: Any) -> Iterator[tuple[Message, int, str]]:
    """Versions of one record must follow each other: each ends before the next starts; only the first may be
    open at the start and only the last open at the end."""
    by_key: dict[str, list[tuple[int, Any]]] = {}
    for index, row in enumerate(rows, start=1):
        by_key.setdefault(id_of(row), []).append((index, row))
    for key, versions in by_key.items():
        if len(versions) < 2:
            continue
        ordered = sorted(versions, key=lambda v: v[1].valid_from or dt.date.min)
        for (_, earlier), (index, later) in pairwise(ordered):
            if later.valid_from is None or earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                yield (
                    M(f"les versions de « {key} » se chevauchent : la version du {earlier.valid_from or 'début'} doit "
                      f"finir (valid_to) avant le début de la suivante ({later.valid_from or 'début ouvert'})",
                      f"versions of '{key}' overlap: the version from {earlier.valid_from or 'the start'} must end "
                      f"(valid_to) before the next one starts ({later.valid_from or 'open start'})"),
                    index, key,
                )


def parse_seed(data: dict[str, Any], *, origin: str | None = None) -> Seed:
    """Validate an in-memory seed (the export's shape: file name -> list of rows), like `read_seed`.

    `origin` names the document for the seed command's messages (`python -m app.seed --file`)."""
    errors: list[SeedError] = []
    seed = Seed()
    if not isinstance(data, dict):
        raise SeedInvalid([SeedError(None, None, None, None, M(
            "un objet est attendu, une section par fichier du catalogue, chacune une liste de lignes",
            "expected a mapping of file names to lists of rows"))], document=origin)
    for name in data:
        if name not in FILES:
            errors.append(SeedError(None, None, None, str(name), M(f"section inconnue ; attendues : {', '.join(FILES)}",
                                                                   f"unknown section; expected {', '.join(FILES)}")))
    for name in FILES:
        if name not in data:
            # An import replaces the whole catalogue: a forgotten section would silently delete all its rows.
            errors.append(SeedError(None, None, None, name, M("section manquante (écrivez `nom: []` pour la vider)",
                                                              "missing section (write `name: []` to empty it)")))
    for name, schema in FILES.items():
        setattr(seed, name, parse_rows(name, data.get(name), schema, errors))
    check_references(seed, errors)
    if errors:
        raise SeedInvalid(errors, document=origin)
    return seed


# --- writing -------------------------------------------------------------------------------------------


@dataclass
class SyncReport:
    inserted: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)

    @property
    def changes(self) -> int:
        return sum(self.inserted.values()) + sum(self.updated.values()) + sum(self.deleted.values())

    def __str__(self) -> str:
        if not self.changes:
            return "catalogue already up to date: nothing changed"
        tables = sorted(set(self.inserted) | set(self.updated) | set(self.deleted))
        return "\n".join(
            f"{t}: {self.inserted[t]} inserted, {self.updated[t]} updated, {self.deleted[t]} deleted" for t in tables
        )


Row = TypeVar("Row", bound=SQLModel)


class _Sync:
    """Upsert rows by natural key; rows left over are deleted at the end, children first."""

    def __init__(self, session: Session, report: SyncReport) -> None:
        self.session = session
        self.report = report
        self.stale: list[tuple[str, list[SQLModel]]] = []

    def table(self, table: T.Table[Row], rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], Row]:
        return self.links(table.model, table.key, rows)

    def links(self, model: type[Row], keys: tuple[str, ...], rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], Row]:
        name = model.__tablename__
        assert isinstance(name, str)  # every table sets it (SQLModel's type also allows a function)
        existing = {tuple(getattr(o, k) for k in keys): o for o in self.session.exec(select(model)).all()}
        result: dict[tuple[Any, ...], Row] = {}
        for row in rows:
            key = tuple(row[k] for k in keys)
            obj = existing.pop(key, None)
            if obj is None:
                obj = model(**row)
                self.session.add(obj)
                self.report.inserted[name] += 1
            else:
                changed = False
                for attr, value in row.items():
                    if getattr(obj, attr) != value:
                        setattr(obj, attr, value)
                        changed = True
                self.report.updated[name] += changed
            result[key] = obj
        self.session.flush()
        self.stale.append((name, list(existing.values())))
        return result

    def delete_stale(self) -> None:
        for name, objs in reversed(self.stale):
            for obj in objs:
                self.session.delete(obj)
                self.report.deleted[name] += 1
            self.session.flush()


def search_text(scheme: I.SchemeIn, seed: Seed, region_names: dict[str, str]) -> str:
    parts = [scheme.slug, scheme.name, scheme.short_name or "", scheme.description, scheme.audience_text]
    parts += [scheme.duration.text] + [rule.text for rule in scheme.rules]
    for a in seed.availability:
        if a.scheme == scheme.slug:
            parts += [a.local_name or "", region_names[a.region], *a.notes]
    parts += [p.label for p in seed.pay_components if p.scheme == scheme.slug]
    return fold(" ".join(parts))


def _first_positions(keys: Iterable[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for key in keys:
        positions.setdefault(key, len(positions) + 1)
    return positions


def apply_seed(session: Session, seed: Seed) -> SyncReport:
    """Bring the catalogue tables to exactly the seed's content. The caller commits (or rolls back)."""
    report = SyncReport()
    sync = _Sync(session, report)
    region_names = {r.code: r.name for r in seed.regions}

    sync.table(T.REGIONS, [T.REGIONS.row(r) for r in seed.regions])
    sync.table(T.SOURCE_DOCUMENTS, [T.SOURCE_DOCUMENTS.row(s) for s in seed.sources])
    parameters = sync.table(T.PAY_PARAMETERS, [T.PAY_PARAMETERS.row(p) for p in seed.pay_parameters])
    sync.table(T.PARAMETER_VALUES, [
        T.PARAMETER_VALUES.row(v, parameter_id=parameters[(p.code,)].id) for p in seed.pay_parameters for v in p.values
    ])
    sync.table(T.SPECIALTIES, [T.SPECIALTIES.row(s) for s in seed.specialties])
    schemes = sync.table(T.SCHEMES, [
        T.SCHEMES.row(s, sort_name=fold(s.name), search_text=search_text(s, seed, region_names))
        for s in seed.schemes
    ])
    version_id = {key: obj.id for key, obj in schemes.items()}
    sync.table(T.RULES, [
        T.RULES.row(rule, scheme_id=version_id[(s.slug, s.valid_from)], position=position)
        for s in seed.schemes
        for position, rule in enumerate(s.rules, start=1)
    ])
    sync.links(*T.SPECIALTY_LINKS, [
        {"scheme_id": version_id[(s.slug, s.valid_from)]} | T.specialty_link(e)
        for s in seed.schemes
        for e in s.eligible_specialties
    ])
    sync.table(T.AVAILABILITY, [T.AVAILABILITY.row(a) for a in seed.availability])
    # Versions of one record share its place in the file (where it first appears).
    pay_position = _first_positions(p.code for p in seed.pay_components)
    sync.table(T.PAY_COMPONENTS, [T.PAY_COMPONENTS.row(p, position=pay_position[p.code]) for p in seed.pay_components])
    contact_position = _first_positions(c.id for c in seed.contacts)
    contacts = sync.table(T.CONTACTS, [T.CONTACTS.row(c, position=contact_position[c.id]) for c in seed.contacts])
    sync.links(*T.CONTACT_SCHEMES, [
        {"contact_id": contacts[(c.id, c.valid_from)].id, "scheme_slug": s} for c in seed.contacts for s in c.schemes
    ])
    events = sync.table(T.CALENDAR, [T.CALENDAR.row(e) for e in seed.calendar])
    sync.links(*T.EVENT_SCHEMES, [
        {"event_id": events[(e.id, e.valid_from)].id, "scheme_slug": s} for e in seed.calendar for s in e.schemes
    ])
    sync.table(T.QUOTAS, [T.QUOTAS.row(q) for q in seed.quotas])
    sync.delete_stale()
    if report.changes:
        version.bump(session)
    return report
