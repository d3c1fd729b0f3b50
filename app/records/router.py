"""Maintenance endpoints: read a record with its ETag, create, change from a date, retire, verify; export and
import the whole catalogue; read the audit log.

No `from __future__ import annotations` here: the routes are built per kind of record, and FastAPI must see each
one's body schema as a real class, not as a string to resolve later.
"""

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from app import negotiation
from app.auth import AUTH_RESPONSES, ReadActor, WriteActor
from app.auth_first import AuthFirstRoute
from app.core import values as V
from app.core.dates import today
from app.core.vocabulary import AuditAction
from app.db import SessionDep, WriteSessionDep
from app.errors import ApiError, Problem, validation_text
from app.messages import Message as M
from app.models import AuditEntry
from app.records import schemas as I
from app.records import service
from app.records.document import read_document
from app.records.export import export_seed, seed_data, to_yaml
from app.records.service import ENTITIES, Entity
from app.records.store import FILES

# Keys are checked before bodies are read (app/auth_first.py).
router = APIRouter(route_class=AuthFirstRoute)

NO_STORE = "private, no-store"
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The record's ETag, from `GET /records/…` or the answer to your last change. Required (428 "
        "without): a change made on a stale copy is refused (412) instead of overwriting someone else's. A list "
        "(`\"a…\", \"b…\"`) passes when any of its ETags is the record's current one; the comparison is strong, so "
        "a weak `W/\"…\"` ETag never matches. `*` passes whatever the record's current version (an explicit "
        "\"overwrite whatever is there\") and fails (412) when no record has that id. Malformed: 400.",
    ),
]
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "If-Match is malformed (not `*` nor a list of quoted ETags)."},
    **AUTH_RESPONSES,
    404: {"model": Problem, "description": "No such record (and no If-Match sent)."},
    412: {"model": Problem, "description": "No ETag of If-Match is the record's current one, or no record has that id: "
          "nothing was changed."},
    422: {"model": Problem, "description": "The record is invalid, or the catalogue would be (every problem listed); "
          "nothing was changed."},
    428: {"model": Problem, "description": "If-Match is missing."},
}


class RecordDocument(BaseModel):
    entity: str = Field(examples=["pay-components"])
    key: str = Field(examples=["ccu-mg-remuneration-hospitaliere"])
    etag: str = Field(description="Send it back as `If-Match` to change the record.")
    versions: list[dict[str, Any]] = Field(
        description="Every version of the record, oldest first, in the seed's format (`valid_from`/`valid_to`: first "
        "and last day in force, inclusive; absent: open)."
    )
    audit_id: int | None = Field(default=None, description="The audit entry of the change just made.")


class RetireIn(BaseModel):
    model_config = {"extra": "forbid"}

    valid_to: V.IsoDate | None = Field(
        default=None, description="Last day the record is in force (default: today). It disappears from reads after it."
    )
    reason: str | None = Field(default=None, max_length=500, description="Why, for the audit log.")


NO_RETIRE_BODY = RetireIn()  # the default when a retire request has no body: today, no reason


class VerifyIn(BaseModel):
    model_config = {"extra": "forbid"}

    date: V.IsoDate | None = Field(default=None, description="Day of the check (default: today).")
    sources: list[V.Slug] = Field(min_length=1, description="Ids of the sources the data was checked against.")


def _answer(state: service.RecordState, *, status: int = 200, audit_id: int | None = None) -> JSONResponse:
    document = state.document() | ({"audit_id": audit_id} if audit_id is not None else {})
    headers = {"ETag": state.etag, "Cache-Control": NO_STORE}
    if status == 201:
        headers["Location"] = f"/records/{state.entity.name}/{state.key}"
    return JSONResponse(document, status_code=status, headers=headers)


def single_key(key: Annotated[str, Path(max_length=80, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                        description="The record's public id (slug, code or id).")]) -> str:
    return key


def offer_key(
    scheme: Annotated[str, Path(max_length=80, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", description="Scheme slug.")],
    region: Annotated[str, Path(pattern=r"^\d{2}$", description="INSEE region code.")],
) -> str:
    return f"{scheme}/{region}"


def _check_key(entity: Entity, record: Any, key: str) -> None:
    if entity.key_of(record) != key:
        field = service.key_field(entity) if entity.name != "availability" else "scheme"
        raise ApiError(422, M(f"Le corps décrit « {entity.key_of(record)} » mais l'adresse nomme « {key} ».",
                         f"The body is for '{entity.key_of(record)}' but the URL names '{key}'."), field=field,
                       location="body")


def _add_routes(entity: Entity, path: str, key_dep: Callable[..., str]) -> None:
    # The body's class, chosen per kind of record at run time: FastAPI reads it from the signatures below, mypy cannot
    # take a variable as a type (hence their `type: ignore[valid-type]`) and checks `versioned` instead.
    Schema = entity.schema
    Key = Annotated[str, Depends(key_dep)]
    tag = "maintenance"

    @router.get(f"/records/{entity.name}{path}", response_model=RecordDocument, tags=[tag],
                responses={404: {"model": Problem, "description": f"No such {entity.label}."}},
                operation_id=f"read_{entity.file}_record", summary=f"Read a {entity.label} record and its ETag")
    def read(session: SessionDep, key: Key) -> JSONResponse:
        """Every version of the record in the seed's format, with the `ETag` a change must send as `If-Match`."""
        return _answer(service.read_record(session, entity, key))

    if entity.name == "pay-parameters":
        return

    @router.post(f"/records/{entity.name}", response_model=RecordDocument, status_code=201, tags=[tag],
                 responses={**WRITE_ERRORS, 409: {"model": Problem, "description": "The record already exists."}},
                 operation_id=f"create_{entity.file}_record", summary=f"Create a {entity.label}")
    def create(
        session: WriteSessionDep, actor: WriteActor, record: Annotated[Schema, Body()]  # type: ignore[valid-type]
    ) -> JSONResponse:
        """Add a new record (the seed's schema), in force from `valid_from` (default today: `as_of` an earlier
        day does not show it; give an earlier `valid_from` to record something that was already true)."""
        versioned: I.Versioned = record  # what mypy can check: every kind but pay parameters (returned above)
        key = entity.key_of(versioned)
        starts = versioned.valid_from if "valid_from" in versioned.model_fields_set else today()
        added = service.with_validity(versioned, valid_from=starts, valid_to=versioned.valid_to)
        outcome = service.write(
            session, actor, action="create", entity=entity, key=key, if_match=None,
            change=lambda seed, before: [added], summary=f"created {entity.label} {key}", must_exist=False,
        )
        return _answer(outcome.state, status=201, audit_id=outcome.audit_id)

    @router.put(f"/records/{entity.name}{path}", response_model=RecordDocument, tags=[tag], responses=WRITE_ERRORS,
                operation_id=f"change_{entity.file}_record", summary=f"Change a {entity.label} from a date")
    def change(session: WriteSessionDep, actor: WriteActor, key: Key,
               record: Annotated[Schema, Body()],  # type: ignore[valid-type]
               if_match: IfMatch = None) -> JSONResponse:
        """The record as it is from `valid_from` on (default today). The version in force before ends the day
        before and stays readable with `as_of`; a version starting that same day is replaced (a correction)."""
        versioned: I.Versioned = record  # what mypy can check: every kind but pay parameters (returned above)
        _check_key(entity, versioned, key)

        def apply(seed: Any, before: list[Any]) -> list[Any]:
            body = versioned
            if entity.name == "schemes" and "verified" not in versioned.model_fields_set and before:
                # The last check against the sources still stands until someone verifies again.
                body = versioned.model_copy(update={"verified": before[-1].verified})
            after = service.new_version(body, before, starts=versioned.valid_from)
            service.check_versions(entity, after)
            return after

        starts = versioned.valid_from or today()
        outcome = service.write(
            session, actor, action="update", entity=entity, key=key, if_match=if_match,
            change=apply, summary=f"changed {entity.label} {key} from {starts}",
        )
        return _answer(outcome.state, audit_id=outcome.audit_id)

    @router.post(f"/records/{entity.name}{path}/retire", response_model=RecordDocument, tags=[tag],
                 responses=WRITE_ERRORS, operation_id=f"retire_{entity.file}_record",
                 summary=f"Retire a {entity.label}")
    def retire(session: WriteSessionDep, actor: WriteActor, key: Key, if_match: IfMatch = None,
               body: Annotated[RetireIn, Body()] = NO_RETIRE_BODY) -> JSONResponse:
        """End the record's validity on `valid_to` (default today). Its history stays readable with `as_of`."""
        last_day = body.valid_to or today()
        outcome = service.write(
            session, actor, action="retire", entity=entity, key=key, if_match=if_match,
            change=lambda seed, before: service.retired(before, last_day=last_day),
            summary=f"retired {entity.label} {key} after {last_day}" + (f": {body.reason}" if body.reason else ""),
        )
        return _answer(outcome.state, audit_id=outcome.audit_id)


for _entity in ENTITIES.values():
    _add_routes(_entity, "/{scheme}/{region}" if _entity.name == "availability" else "/{key}",
                offer_key if _entity.name == "availability" else single_key)

PARAMETERS = ENTITIES["pay-parameters"]
ParameterCode = Annotated[str, Depends(single_key)]


@router.post("/records/pay-parameters", response_model=RecordDocument, status_code=201, tags=["maintenance"],
             responses={**WRITE_ERRORS, 409: {"model": Problem, "description": "The parameter already exists."}},
             summary="Create a pay parameter")
def create_pay_parameter(
    session: WriteSessionDep, actor: WriteActor, record: Annotated[I.ParameterIn, Body()]
) -> JSONResponse:
    """A new dated parameter (rate, ceiling, grid value, scale) with its values and their sources."""
    outcome = service.write(
        session, actor, action="create", entity=PARAMETERS, key=record.code, if_match=None,
        change=lambda seed, before: [record], summary=f"created pay parameter {record.code}", must_exist=False,
    )
    return _answer(outcome.state, status=201, audit_id=outcome.audit_id)


@router.post("/records/pay-parameters/{key}/values", response_model=RecordDocument, tags=["maintenance"],
             responses=WRITE_ERRORS, summary="Add a dated value to a pay parameter")
def add_pay_parameter_value(session: WriteSessionDep, actor: WriteActor, key: ParameterCode,
                            value: Annotated[I.ParameterValueIn, Body()], if_match: IfMatch = None) -> JSONResponse:
    """A new value from `valid_from` (a July revaluation…): the value in force before ends the day before."""
    new_value = f"values[{10**9}]."  # the body's place in the record, known once the record is read

    def apply(seed: Any, before: list[I.ParameterIn]) -> list[I.ParameterIn]:
        nonlocal new_value
        (parameter,) = before
        values = list(parameter.values)
        new_value = f"values[{len(values)}]."
        last = values[-1]
        if value.valid_from <= last.valid_from:
            raise ApiError(422, M(f"valid_from doit suivre le début de la dernière valeur ({last.valid_from}).",
                             f"valid_from must be after the start of the latest value ({last.valid_from})."),
                           field="valid_from", location="body")
        if last.valid_to is None or last.valid_to >= value.valid_from:
            values[-1] = last.model_copy(update={"valid_to": value.valid_from - dt.timedelta(days=1)})
        return [_revalidated_parameter(parameter, [*values, value], field="valid_from")]

    outcome = service.write(
        session, actor, action="update", entity=PARAMETERS, key=key, if_match=if_match, change=apply,
        summary=f"added a value of pay parameter {key} from {value.valid_from}",
        body_field=lambda path: path.removeprefix(new_value),
    )
    return _answer(outcome.state, audit_id=outcome.audit_id)


@router.post("/records/pay-parameters/{key}/retire", response_model=RecordDocument, tags=["maintenance"],
             responses=WRITE_ERRORS, summary="End a pay parameter's latest value")
def retire_pay_parameter(session: WriteSessionDep, actor: WriteActor, key: ParameterCode, if_match: IfMatch = None,
                         body: Annotated[RetireIn, Body()] = NO_RETIRE_BODY) -> JSONResponse:
    """The latest value stops on `valid_to` (default today); simulations after it carry it forward with a note."""
    last_day = body.valid_to or today()

    def apply(seed: Any, before: list[I.ParameterIn]) -> list[I.ParameterIn]:
        (parameter,) = before
        values = list(parameter.values)
        if last_day < values[-1].valid_from:
            raise ApiError(422, M(f"valid_to précède le début de la dernière valeur ({values[-1].valid_from}).",
                             f"valid_to is before the start of the latest value ({values[-1].valid_from})."),
                           field="valid_to", location="body")
        values[-1] = values[-1].model_copy(update={"valid_to": last_day})
        return [_revalidated_parameter(parameter, values, field="valid_to")]

    outcome = service.write(
        session, actor, action="retire", entity=PARAMETERS, key=key, if_match=if_match, change=apply,
        summary=f"ended pay parameter {key} after {last_day}" + (f": {body.reason}" if body.reason else ""),
    )
    return _answer(outcome.state, audit_id=outcome.audit_id)


def _revalidated_parameter(parameter: I.ParameterIn, values: list[I.ParameterValueIn], *, field: str) -> I.ParameterIn:
    data = parameter.model_dump(by_alias=True)
    data["values"] = [v.model_dump(by_alias=True) for v in values]
    try:
        return I.ParameterIn.model_validate(data)
    except ValidationError as exc:
        # The new value itself was valid (the body was checked): what fails is its place among the others.
        raise ApiError(422, validation_text(exc.errors()[0]), field=field, location="body") from None


@router.post("/records/schemes/{key}/verify", response_model=RecordDocument, tags=["maintenance"],
             responses=WRITE_ERRORS, summary="Record that a scheme was checked against its sources")
def verify_scheme(session: WriteSessionDep, actor: WriteActor, key: Annotated[str, Depends(single_key)],
                  body: Annotated[VerifyIn, Body()], if_match: IfMatch = None) -> JSONResponse:
    """Sets `last_verified` (day, key name, sources) on the scheme's latest version; nothing else changes."""
    on = body.date or today()
    verified = I.VerifiedIn(date=on, by=actor.name, sources=body.sources)
    outcome = service.write(
        session, actor, action="verify", entity=ENTITIES["schemes"], key=key, if_match=if_match,
        change=lambda seed, before: [*before[:-1], before[-1].model_copy(update={"verified": verified})],
        summary=f"verified scheme {key} on {on} against {', '.join(body.sources)}",
        body_field=lambda path: path.removeprefix("verified."),
    )
    return _answer(outcome.state, audit_id=outcome.audit_id)


# --- export and import -------------------------------------------------------------------------------------

YAML = "application/yaml"
# One list of rows per seed file; each row is that file's record schema (app/records/schemas.py).
CATALOGUE_DOCUMENT = {
    "type": "object",
    "required": list(FILES),
    "properties": {name: {"type": ["array", "null"], "items": {"type": "object"}} for name in FILES},
}


@router.get(
    "/export",
    tags=["maintenance"],
    responses={200: {"description": "The whole catalogue, every version of every record, in the seed's format: one "
                     "section per seed file (`regions`, `sources`, … `calendar`).",
                     "content": {YAML: {"schema": CATALOGUE_DOCUMENT},
                                 "application/json": {"schema": CATALOGUE_DOCUMENT}}},
               406: {"model": Problem,
                     "description": "`Accept` allows neither YAML nor JSON (the problem lists both)."}},
    response_class=Response,
)
def export_catalogue(
    request: Request,
    session: SessionDep,
    format: Annotated[Literal["yaml", "json"] | None, Query(
        description="`yaml` (the seed's format) or `json`, whatever `Accept` says. Without it, the format `Accept` "
        "prefers (q-values honoured), YAML on a tie or without `Accept`.")] = None,
) -> Response:
    """Download the catalogue; `POST /import` (or `python -m app.seed --seed-dir`, split in files) loads it back."""
    chosen = negotiation.choose(request, (negotiation.YAML, negotiation.JSON), explicit=format)
    data = seed_data(export_seed(session))
    stamp = today().isoformat()
    if chosen is negotiation.JSON:
        return JSONResponse(data, headers={"Content-Disposition": f'attachment; filename="catalogue-{stamp}.json"',
                                           **negotiation.VARY})
    return Response(to_yaml(data), media_type=f"{YAML}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="catalogue-{stamp}.yaml"',
                             **negotiation.VARY})


class ImportReport(BaseModel):
    dry_run: bool
    changes: dict[str, dict[str, int]] = Field(description="Per table: rows inserted, updated and deleted.")
    total_changes: int
    audit_id: int | None = Field(description="The audit entry (none for a dry run or when nothing changed).")


@router.post(
    "/import",
    response_model=ImportReport,
    tags=["maintenance"],
    responses={**AUTH_RESPONSES, 413: {"model": Problem,
                                       "description": "Body over IMPORT_MAX_BYTES (8 MiB by default; use `python -m "
                                                      "app.seed --file` on the server)."},
               422: {"model": Problem, "description": "Invalid document: every problem listed; nothing was written."}},
    openapi_extra={"requestBody": {"required": True, "content": {
        YAML: {"schema": CATALOGUE_DOCUMENT}, "application/json": {"schema": CATALOGUE_DOCUMENT}}}},
)
async def import_catalogue(
    request: Request,
    session: WriteSessionDep,
    actor: WriteActor,
    dry_run: Annotated[bool, Query(description="Validate and count the changes, write nothing.")] = False,
) -> JSONResponse:
    """Replace the catalogue with a document in the export's format. It is validated completely first (schemas
    and every reference); then it is written in one transaction, all or nothing, and audited (the previous
    catalogue is kept in the audit entry)."""
    body = await request.body()  # at most IMPORT_MAX_BYTES: app/body_limit.py answers 413 past it
    # Reading a document is CPU work (about a second per 0.3 MB of YAML): in a worker thread, off the event loop.
    seed = await run_in_threadpool(read_document, body, request.headers.get("content-type", ""))
    report, audit_id = await run_in_threadpool(service.import_seed, session, actor.name, seed, dry_run=dry_run)
    changes = {
        table: {"inserted": report.inserted[table], "updated": report.updated[table], "deleted": report.deleted[table]}
        for table in sorted(set(report.inserted) | set(report.updated) | set(report.deleted))
    }
    return JSONResponse(
        ImportReport(dry_run=dry_run, changes=changes, total_changes=report.changes, audit_id=audit_id).model_dump(),
        headers={"Cache-Control": NO_STORE},
    )


# --- audit -------------------------------------------------------------------------------------------------


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str = Field(description="Name of the API key that made the change.")
    action: AuditAction
    entity: str
    key: str | None
    summary: str
    before: Any = Field(description="The record's versions before the change (for an import: see `GET /audit/{id}`).")
    after: Any = Field(description="The record's versions after the change.")
    url: str


class AuditPage(BaseModel):
    items: list[AuditOut]
    total: int
    limit: int
    offset: int


def _audit_out(entry: AuditEntry, *, full: bool) -> AuditOut:
    brief = entry.action == "import" and not full
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC)  # SQLite gives it back naive
    return AuditOut(
        id=entry.id or 0, at=at, actor=entry.actor, action=entry.action, entity=entry.entity,
        key=entry.record_key, summary=entry.summary, before=None if brief else entry.before, after=entry.after,
        url=f"/audit/{entry.id}",
    )


@router.get("/audit", response_model=AuditPage, tags=["maintenance"], responses=AUTH_RESPONSES)
def list_audit(
    session: SessionDep,
    actor: ReadActor,
    entity: Annotated[str | None, Query(max_length=30,
                                        description="`schemes`, `pay-components`, … or `catalogue`.")] = None,
    key: Annotated[str | None, Query(max_length=200, description="A record's id.")] = None,
    since: Annotated[V.IsoDate | None, Query(description="Changes on or after this day (UTC).")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Number of entries to skip.")] = 0,
) -> JSONResponse:
    """Who changed what and when, newest first, with each record before and after: with `entity` and `key`, one
    record's history of changes. Needs a `read` key (a `write` key holds `read` too)."""
    conditions: list[ColumnElement[bool]] = []
    if entity is not None:
        conditions.append(col(AuditEntry.entity) == entity)
    if key is not None:
        conditions.append(col(AuditEntry.record_key) == key)
    if since is not None:
        conditions.append(col(AuditEntry.at) >= dt.datetime.combine(since, dt.time(), dt.UTC))
    total = session.exec(select(func.count()).select_from(AuditEntry).where(*conditions)).one()
    entries = session.exec(
        select(AuditEntry).where(*conditions).order_by(col(AuditEntry.id).desc()).offset(offset).limit(limit)
    ).all()
    page = AuditPage(items=[_audit_out(e, full=False) for e in entries], total=total, limit=limit, offset=offset)
    return JSONResponse(page.model_dump(mode="json"), headers={"Cache-Control": NO_STORE})


@router.get("/audit/{audit_id}", response_model=AuditOut, tags=["maintenance"],
            responses={**AUTH_RESPONSES, 404: {"model": Problem, "description": "No such entry."}})
def get_audit(session: SessionDep, actor: ReadActor,
              audit_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="Id of the entry.")]) -> JSONResponse:
    """One audit entry in full (for an import, the whole catalogue as it was before). Needs a `read` key."""
    entry = session.get(AuditEntry, audit_id)
    if entry is None:
        raise ApiError(404, M(f"Aucune entrée du journal d'audit {audit_id}.", f"No audit entry {audit_id}."),
                       field="audit_id", location="path")
    return JSONResponse(_audit_out(entry, full=True).model_dump(mode="json"), headers={"Cache-Control": NO_STORE})
