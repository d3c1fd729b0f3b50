"""Changing the catalogue: create, update (a new dated version), retire, verify, import; each one audited.

Every change goes the same way as a seed import, so the API can never write what the seed would refuse:
the catalogue is exported to the seed's records, the change is made to those records, the whole result is
validated (schemas and every cross-reference), then `apply_seed` writes the difference with the audit entry, in
the caller's write session, which commits once (`app.db.WriteSessionDep`, `app.db.transaction`). The work
starts by bumping the catalogue version: that row lock (PostgreSQL) or write lock (SQLite) makes concurrent
writers queue, so each one checks its `If-Match` against the state left by the previous one and no update is
ever lost.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session
from werkzeug.datastructures import ETags
from werkzeug.http import parse_etags, unquote_etag

from app import db
from app.auth import Actor
from app.core import versions as version
from app.core.dates import today
from app.core.vocabulary import AuditAction
from app.errors import WHOLE_BODY, ApiError, FieldProblem, field_path, validation_text
from app.http_cache import etag_of as http_etag
from app.messages import Message, render
from app.messages import Message as M
from app.models import AuditEntry
from app.records import schemas as I
from app.records.export import export_seed, record_data, seed_data
from app.records.store import Seed, SeedError, SeedInvalid, SyncReport, apply_seed, check_references, version_overlaps


@dataclass(frozen=True)
class Entity:
    """A kind of record the API can change: its seed file, schema and public id."""

    name: str  # in URLs and the audit log
    file: str  # the seed file (and the export's section)
    schema: type[I.Record]
    key_of: Callable[[Any], str]
    label: str


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity("schemes", "schemes", I.SchemeIn, lambda r: r.slug, "scheme"),
        Entity("availability", "availability", I.AvailabilityIn, lambda r: f"{r.scheme}/{r.region}", "regional offer"),
        Entity("pay-components", "pay_components", I.PayComponentIn, lambda r: r.code, "pay component"),
        Entity("contacts", "contacts", I.ContactIn, lambda r: r.id, "contact"),
        Entity("calendar", "calendar", I.CalendarEventIn, lambda r: r.id, "calendar event"),
        Entity("pay-parameters", "pay_parameters", I.ParameterIn, lambda r: r.code, "pay parameter"),
    )
}


@dataclass
class RecordState:
    entity: Entity
    key: str
    versions: list[Any]

    @property
    def etag(self) -> str:
        return etag_of(self.entity, self.key, self.versions)

    def document(self) -> dict[str, Any]:
        return {
            "entity": self.entity.name, "key": self.key, "etag": self.etag,
            "versions": [record_data(v) for v in self.versions],
        }


def etag_of(entity: Entity, key: str, versions: list[Any]) -> str:
    """A strong validator of the record's whole history: any change to any version changes it."""
    canonical = json.dumps([entity.name, key, [record_data(v) for v in versions]], sort_keys=True, ensure_ascii=False)
    return http_etag(canonical.encode())


def _versions(seed: Seed, entity: Entity, key: str) -> list[Any]:
    return [r for r in getattr(seed, entity.file) if entity.key_of(r) == key]


def read_record(session: Session, entity: Entity, key: str) -> RecordState:
    state = RecordState(entity, key, _versions(export_seed(session, only=entity.file), entity, key))
    if not state.versions:
        raise _no_record(entity, key, None)
    return state


# --- the write transaction ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    state: RecordState
    audit_id: int | None  # None: the change changed nothing, so nothing was written or audited


# RFC 9110 §13.1.1: If-Match = "*" / #entity-tag; entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE. Empty list elements
# (`"a", , "b"`) are allowed (§5.6.1). The header is checked against this grammar first (werkzeug's parser skips what
# it cannot read, which would turn a typo into a silent 412), then read by werkzeug.
_ETAG = r'(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"'
_IF_MATCH = re.compile(rf"[ \t]*(?:\*|(?:,[ \t]*)*{_ETAG}(?:[ \t]*,(?:[ \t]*{_ETAG})?)*)[ \t]*")
IF_MATCH_SYNTAX = M('If-Match attend « * » ou une liste d\'ETag entre guillemets, séparés par des virgules : '
                    '"a1b2…", "c3d4…" (un ETag W/"…" est faible et ne correspond jamais).',
                    'If-Match takes "*" or a comma-separated list of quoted ETags: "a1b2…", "c3d4…" (a W/"…" ETag is '
                    'weak and never matches).')


def parse_if_match(value: str | None) -> ETags | None:
    """The If-Match header read as RFC 9110 says (None when absent); 400 naming the header when it is malformed."""
    if value is None:
        return None
    if _IF_MATCH.fullmatch(value) is None:
        raise ApiError(400, M("En-tête If-Match mal formé. ", "Malformed If-Match header. ") + IF_MATCH_SYNTAX,
                       field="If-Match", location="header")
    return parse_etags(value.strip(" \t"))


def _precondition_required() -> ApiError:
    return ApiError(
        428, M("Cette modification demande un en-tête If-Match portant l'ETag de l'enregistrement (lu par GET "
               "/records/…), pour ne pas écraser une modification que vous n'avez pas vue.",
               "This change needs an If-Match header with the record's ETag (from GET /records/…), so that it "
               "cannot overwrite a change you have not seen."), field="If-Match", location="header",
    )


def _check_precondition(state_etag: str, condition: ETags | None) -> None:
    """Pass when `*` or any strong tag of the list is the record's current ETag (strong comparison: weak tags never
    match)."""
    if condition is None:
        raise _precondition_required()
    if condition.contains(unquote_etag(state_etag)[0]):
        return
    sent_weak = condition.as_set(include_weak=True) - condition.as_set()
    weak = M(" Les ETag faibles (W/\"…\") ne correspondent jamais : If-Match compare les ETag à l'identique.",
             " Weak ETags (W/\"…\") never match: If-Match uses the strong comparison.") if sent_weak else M("", "")
    raise ApiError(
        412, M(f"L'enregistrement a changé depuis votre lecture (son ETag est maintenant {state_etag}) : relisez-le, "
               "puis recommencez.",
               f"The record has changed since you read it (its ETag is now {state_etag}): read it again, then retry.")
        + weak, field="If-Match", location="header",
    )


def _no_record(entity: Entity, key: str, condition: ETags | None) -> ApiError:
    if condition is None:
        return ApiError(404, M(f"Aucun enregistrement « {key} » ({entity.label}).", f"No {entity.label} '{key}'."),
                        field="key", location="path")
    # RFC 9110 §13.1.1: If-Match (even "*") is false when there is no current representation.
    return ApiError(
        412, M(f"Aucun enregistrement « {key} » ({entity.label}) : If-Match ne peut correspondre à rien (« * » "
               "demande qu'il existe). Pour le créer : POST /records/" + entity.name + ".",
               f"No {entity.label} '{key}': If-Match cannot match (\"*\" requires that it exists). To create it: "
               f"POST /records/{entity.name}."), field="If-Match", location="header",
    )


def _check_whole(seed: Seed) -> None:
    """The whole catalogue, with the change, must pass every check the seed loader makes."""
    errors: list[SeedError] = []
    check_references(seed, errors)
    if errors:
        raise SeedInvalid(errors)


# Where a problem the seed's checks found is in the request: a body field path and the message to give there.
Placement = Callable[[SeedError], tuple[str, Message]]


def in_catalogue_body(error: SeedError) -> tuple[str, Message]:
    """For a body holding the whole catalogue (`POST /import`): `contacts[12].email`."""
    return error.body_path(), error.message


def in_record_body(entity: Entity, rows: range, body_field: Callable[[str], str]) -> Placement:
    """For a body holding one record, written as `rows` of its section: the field's path in that body
    (`schemes[0]`); a problem in another record (none is expected) names that record in its message."""

    def place(error: SeedError) -> tuple[str, Message]:
        if error.section == entity.file and error.row is not None and error.row - 1 in rows:
            return body_field(error.field) if error.field else key_field(entity), error.message
        where = M(f"{error.section} « {error.key} » : ", f"{error.section} '{error.key}': ")
        return WHOLE_BODY, where + error.message

    return place


def invalid_seed_problem(exc: SeedInvalid, place: Placement = in_catalogue_body) -> ApiError:
    error = ApiError(422, M(f"Modification refusée : {len(exc.errors)} problème(s) ; rien n'a été écrit.",
                            f"The change was refused: {len(exc.errors)} problem(s); nothing was written."))
    error.errors = []
    for problem in exc.errors[:100]:
        field, message = place(problem)
        error.errors.append(FieldProblem(field=field, location="body", message=render(message)))
    return error


def _same(path: str) -> str:
    return path


def write(
    session: Session,
    actor: Actor,
    *,
    action: AuditAction,
    entity: Entity,
    key: str,
    if_match: str | None,
    change: Callable[[Seed, list[Any]], list[Any]],
    summary: str,
    must_exist: bool = True,
    body_field: Callable[[str], str] = _same,
) -> Outcome:
    """One change in the write session: lock, check If-Match, change the records, validate, write, audit.
    The session's owner commits (`app.db.WriteSessionDep`); any error here leaves nothing written.

    `body_field` turns a field path of the record into the request body's, when the body is not the record."""
    place: Placement = in_catalogue_body
    condition = parse_if_match(if_match) if must_exist else None
    version.bump(session)  # first statement: queue behind any other writer
    seed = export_seed(session)
    before = _versions(seed, entity, key)
    if must_exist:
        if not before:
            raise _no_record(entity, key, condition)
        _check_precondition(etag_of(entity, key, before), condition)
    elif before:
        raise ApiError(
            409, M(f"« {key} » ({entity.label}) existe déjà : modifiez-le avec PUT (et If-Match).",
                   f"A {entity.label} '{key}' already exists: change it with PUT (and If-Match)."),
            field=key_field(entity), location="body",
        )
    try:
        after = change(seed, before)
        if after == before:
            return Outcome(RecordState(entity, key, before), None)  # nothing to keep: the version bump is undone
        rows = getattr(seed, entity.file)
        kept = [r for r in rows if entity.key_of(r) != key]
        insert_at = next((i for i, r in enumerate(rows) if entity.key_of(r) == key), len(kept))
        setattr(seed, entity.file, kept[:insert_at] + after + kept[insert_at:])
        place = in_record_body(entity, range(insert_at, insert_at + len(after)), body_field)
        _check_whole(seed)
        apply_seed(session, seed)
    except SeedInvalid as exc:
        raise invalid_seed_problem(exc, place) from None
    entry = AuditEntry(
        at=dt.datetime.now(dt.UTC), actor=actor.name, action=action, entity=entity.name, record_key=key,
        summary=summary, before=[record_data(v) for v in before] or None,
        after=[record_data(v) for v in after] or None,
    )
    session.add(entry)
    session.flush()
    db.changed(session)
    return Outcome(RecordState(entity, key, after), entry.id)


def key_field(entity: Entity) -> str:
    return {"schemes": "slug", "pay-components": "code", "pay-parameters": "code"}.get(entity.name, "id")


# --- the changes -------------------------------------------------------------------------------------------


def new_version(record: Any, before: list[Any], *, starts: dt.date | None) -> list[Any]:
    """The record's history with `record` in force from `starts` (default today): the version in force then ends
    the day before; a version that starts that same day is replaced (a correction)."""
    day = starts or today()
    if not before:
        return [record]
    last = before[-1]
    if _content(record) == _content(last) and last.valid_to is None and record.valid_to is None:
        return before  # nothing new: no empty version, no audit entry
    if last.valid_from is not None and day < last.valid_from:
        raise ApiError(
            422, M(f"valid_from {day} précède le début de la dernière version ({last.valid_from}) : une modification "
                   "ne peut commencer qu'à cette date ou après.",
                   f"valid_from {day} is before the start of the latest version ({last.valid_from}): a change can "
                   "only start on or after it."), field="valid_from", location="body",
        )
    added = with_validity(record, valid_from=day, valid_to=record.valid_to)
    if last.valid_from == day:
        return [*before[:-1], added]
    ended = last if last.valid_to is not None and last.valid_to < day else with_validity(
        last, valid_from=last.valid_from, valid_to=day - dt.timedelta(days=1)
    )
    return [*before[:-1], ended, added]


def _content(record: Any) -> dict[str, Any]:
    return {k: v for k, v in record_data(record).items() if k not in ("valid_from", "valid_to")}


def retired(before: list[Any], *, last_day: dt.date | None) -> list[Any]:
    day = last_day or today()
    last = before[-1]
    if last.valid_from is not None and day < last.valid_from:
        raise ApiError(
            422, M(f"valid_to {day} précède le début de la dernière version ({last.valid_from}).",
                   f"valid_to {day} is before the start of the latest version ({last.valid_from})."),
            field="valid_to", location="body",
        )
    return [*before[:-1], with_validity(last, valid_from=last.valid_from, valid_to=day)]


def with_validity(record: Any, *, valid_from: dt.date | None, valid_to: dt.date | None) -> Any:
    """The record with other dates, validated again by its schema (a copy alone would skip the checks)."""
    data = {**record.model_dump(by_alias=True), "valid_from": valid_from, "valid_to": valid_to}
    try:
        return type(record).model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ApiError(422, validation_text(first), field=field_path(first["loc"]) or "valid_to",
                       location="body") from None


def check_versions(entity: Entity, versions: list[Any]) -> None:
    problems = list(version_overlaps(versions, entity.key_of))
    if problems:
        message, _, _ = problems[0]
        raise ApiError(422, message, field="valid_from", location="body")


def import_seed(session: Session, actor: str, seed: Seed, *, dry_run: bool = False) -> tuple[SyncReport, int | None]:
    """Replace the catalogue with a validated seed in the write session, audited with the catalogue it replaced.
    The session's owner commits (`WriteSessionDep`, `app.db.transaction`); a dry run marks nothing to keep."""
    version.bump(session)
    before = seed_data(export_seed(session))
    report = apply_seed(session, seed)
    if dry_run or not report.changes:
        return report, None
    entry = AuditEntry(
        at=dt.datetime.now(dt.UTC), actor=actor, action="import", entity="catalogue", record_key=None,
        summary=f"imported the catalogue: {report.changes} rows changed", before=before,
        after={"changes": {t: [report.inserted[t], report.updated[t], report.deleted[t]]
                           for t in sorted(set(report.inserted) | set(report.updated) | set(report.deleted))}},
    )
    session.add(entry)
    session.flush()
    db.changed(session)
    return report, entry.id
