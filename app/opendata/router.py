"""Open-data endpoints: the change feed (JSON and Atom) and the data package (JSON descriptor and CSV files)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import select

from app.core.dates import today
from app.core.values import IsoDate
from app.db import SessionDep
from app.errors import Problem, not_found
from app.memory.watch import CatalogueDep
from app.models import CatalogueVersion
from app.opendata import atom, changes, package
from app.opendata.schemas import ChangePage

router = APIRouter()

INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Invalid parameter value (the problem says which and what is allowed)."},
}
# Clients and proxies may keep the feed, but ask again each time (304 while nothing changed): a change written is
# visible on the very next request.
REVALIDATE = {"Cache-Control": "public, max-age=0, must-revalidate"}

RegionFilter = Annotated[
    str | None,
    Query(pattern=r"^\d{2}$", description="INSEE region code: only changes about this region (a region's records, "
          "and the schemes offered there).", examples=["32"]),
]
SchemeFilter = Annotated[
    str | None, Query(max_length=80, description="Scheme slug: only changes about this scheme.", examples=["ccu-mg"])
]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Number of changes to skip.")]


@router.get("/changes", response_model=ChangePage, responses=INVALID, tags=["open data"])
def list_changes(session: SessionDep, region: RegionFilter = None, scheme: SchemeFilter = None, limit: Limit = 50,
                 offset: Offset = 0) -> JSONResponse:
    """What changed in the catalogue, newest first: created, new version from a date, retired, verified."""
    page = changes.list_changes(session, region=region, scheme=scheme, limit=limit, offset=offset)
    return JSONResponse(page.model_dump(mode="json"), headers=REVALIDATE)


@router.get(
    "/changes.atom",
    response_class=Response,
    responses={**INVALID, 200: {"description": "Atom 1.0 feed (RFC 4287), newest first.",
                                "content": {"application/atom+xml": {"schema": {"type": "string"}}}}},
    tags=["open data"],
)
def changes_atom(request: Request, session: SessionDep, region: RegionFilter = None, scheme: SchemeFilter = None,
                 limit: Limit = 50, offset: Offset = 0) -> Response:
    """The same changes as an Atom feed, for a feed reader (one entry per change, French summaries)."""
    page = changes.list_changes(session, region=region, scheme=scheme, limit=limit, offset=offset)
    stamp = session.exec(select(CatalogueVersion.changed_at)).first()
    body = atom.render(page, public_url=request.app.state.settings.public_url, query=request.url.query,
                       changed_at=stamp)
    return Response(body, media_type="application/atom+xml; charset=utf-8", headers=REVALIDATE)


AsOf = Annotated[
    IsoDate | None,
    Query(description="The catalogue as it stood on this day (YYYY-MM-DD). Default: today (in France).",
          examples=["2024-06-30"]),
]


@router.get(
    "/opendata/datapackage.json",
    responses={**INVALID, 200: {"description": "Frictionless Data Package descriptor (Table Schemas included).",
                                "content": {"application/json": {"schema": {"type": "object"}}}}},
    tags=["open data"],
)
def datapackage(session: SessionDep, as_of: AsOf = None) -> JSONResponse:
    """The catalogue as a Frictionless Data Package: one CSV per table, its schema, licence and attribution."""
    body = package.descriptor(session, as_of or today(), as_of_query=as_of is not None)
    return JSONResponse(body)


@router.get(
    "/opendata/{name}.csv",
    response_class=Response,
    responses={**INVALID,
               404: {"model": Problem, "description": "Unknown table (the problem lists the known ones)."},
               200: {"description": "The table as CSV (UTF-8, comma, one header row).",
                     "content": {"text/csv": {"schema": {"type": "string"}}}}},
    tags=["open data"],
)
def opendata_csv(
    session: SessionDep,
    cat: CatalogueDep,
    name: Annotated[str, Path(max_length=40, description="Table name: " + ", ".join(package.TABLE_NAMES) + ".",
                              examples=["schemes"])],
    as_of: AsOf = None,
) -> Response:
    """One table of the data package as CSV, described by its Table Schema in `datapackage.json`."""
    table = package.BY_NAME.get(name)
    if table is None:
        raise not_found("open data table", name, field="name", allowed=list(package.TABLE_NAMES))
    body = package.table_csv(table, package.Catalogue(session, as_of or today(), cat))
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{name}.csv"'})
