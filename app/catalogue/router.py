"""Catalogue endpoints (read-only JSON, plus iCalendar for the calendar)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.catalogue import ical, service, sources
from app.catalogue import schemas as S
from app.core.values import IsoDate
from app.core.vocabulary import Category, SourceKind
from app.errors import Problem
from app.memory.watch import CatalogueDep
from app.negotiation import ICS, JSON, VARY, choose

router = APIRouter()

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Unknown id (the problem lists the known ones)."},
}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Invalid parameter value (the problem says which and what is allowed)."},
}
GONE: dict[int | str, dict[str, Any]] = {
    410: {"model": Problem, "description": "The scheme named is retired: in the catalogue before that day, not on it "
          "(the problem says since when, and the `as_of` that shows it as it was)."},
}

RegionCodeQuery = Annotated[
    str | None,
    Query(pattern=r"^\d{2}$", description="INSEE region code (see `GET /regions`).", examples=["28"]),
]
AsOfQuery = Annotated[
    IsoDate | None,
    Query(
        description="Show the catalogue as it stood on this day (YYYY-MM-DD): the versions of schemes, regional "
        "offers, amounts, contacts and events in force then. Default: today (in France).",
        examples=["2024-06-30"],
    ),
]
SchemeSlugQuery = Annotated[
    str | None, Query(max_length=80, description="Scheme slug (see `GET /schemes`).", examples=["aumg"])
]


@router.get("/schemes", response_model=S.Page, responses=INVALID, tags=["schemes"])
async def list_schemes(
    cat: CatalogueDep,
    audience: Annotated[
        Literal["mg", "specialist"] | None,
        Query(
            description="`mg`: schemes open to general practitioners; `specialist`: open to other specialties "
            "(schemes whose documents do not restrict the specialty appear in both).",
            examples=["mg"],
        ),
    ] = None,
    specialty: Annotated[
        str | None,
        Query(max_length=80,
              description="Specialty code from `GET /specialties`: schemes open to it. A scheme that lists the DES "
                          "only as an unconfirmed lead (AHU) is included with `specialty_match.confirmed: false`.",
              examples=["biologie-medicale"]),
    ] = None,
    region: RegionCodeQuery = None,
    category: Annotated[Category | None, Query(description="`universitaire` or `hospitalier` (post-internat), or "
                                                           "`des`: the last year of a DES (docteur junior), not a "
                                                           "post-internat post.")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words to find in the scheme's texts, ignoring case and accents "
            "(`medecine generale` finds « médecine générale »); every word must match.",
            examples=["temps partagé"],
        ),
    ] = None,
    sort: Annotated[
        service.SchemeSort, Query(description="Order: by name, slug or initial duration; `-` for descending.")
    ] = "name",
    limit: Annotated[int, Query(ge=1, le=200, description="Page size.")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Number of schemes to skip.")] = 0,
    as_of: AsOfQuery = None,
) -> S.Page:
    """List schemes, filtered by audience, specialty, region, category and text."""
    return service.list_schemes(
        cat, audience=audience, specialty=specialty, region=region, category=category, q=q, sort=sort,
        limit=limit, offset=offset, as_of=as_of,
    )


@router.get("/schemes/{slug}", response_model=S.SchemeDetail, responses={**NOT_FOUND, **GONE}, tags=["schemes"])
async def get_scheme(
    cat: CatalogueDep,
    slug: Annotated[str, Path(description="Scheme slug.", examples=["ccu-mg"])],
    as_of: AsOfQuery = None,
) -> S.SchemeDetail:
    """Everything about one scheme: rules, duration, regions, pay, funding, contacts, calendar, sources."""
    return service.get_scheme(cat, slug=slug, as_of=as_of)


@router.get("/regions", response_model=list[S.RegionOut], tags=["regions"])
async def list_regions(cat: CatalogueDep, as_of: AsOfQuery = None) -> list[S.RegionOut]:
    """The 18 French regions by INSEE code, with the number of schemes documented in each."""
    return service.list_regions(cat, as_of=as_of)


ISO_REGION = re.compile(r"^FR-[0-9A-Z]{2,3}$", re.IGNORECASE)


@router.get(
    "/regions/{code}",
    response_model=S.RegionDetail,
    responses={
        **NOT_FOUND,
        301: {"description": "`code` is an ISO 3166-2 code (`FR-HDF`): `Location` is the region's INSEE address "
              "(`/regions/32`), query kept."},
    },
    tags=["regions"],
)
async def get_region(
    request: Request,
    cat: CatalogueDep,
    code: Annotated[str, Path(description="INSEE region code, or its ISO 3166-2 code (redirects).", examples=["32"])],
    as_of: AsOfQuery = None,
) -> S.RegionDetail | Response:
    """One region: the schemes offered there, its contacts and its calendar."""
    if ISO_REGION.match(code):
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/regions/{service.insee_code_of(cat, code)}{query}", status_code=301)
    return service.get_region(cat, code=code, as_of=as_of)


@router.get("/sources", response_model=list[S.SourceSummary], responses={**INVALID, **GONE}, tags=["sources"])
async def list_sources(
    cat: CatalogueDep,
    kind: Annotated[SourceKind | None, Query(description="Only sources of this kind.")] = None,
    region: RegionCodeQuery = None,
    scheme: SchemeSlugQuery = None,
    as_of: AsOfQuery = None,
) -> list[S.SourceSummary]:
    """Every source the catalogue rests on (documents, official texts, web pages, datasets), with its address, its
    own date, the day it was read and the records citing it. `region`: sources about the region or cited by its
    records; `scheme`: sources cited by the scheme's records."""
    return sources.list_sources(cat, kind=kind, region=region, scheme=scheme, as_of=as_of)


@router.get("/sources/{source_id}", response_model=S.SourceDetail, responses=NOT_FOUND, tags=["sources"])
async def get_source(
    cat: CatalogueDep,
    source_id: Annotated[str, Path(description="Source id (see `GET /sources`).", examples=["hdf-mg-2023"])],
    as_of: AsOfQuery = None,
) -> S.SourceDetail:
    """One source and every fact it backs: each citing record, the part of it citing the source, the sentence
    quoted."""
    return sources.get_source(cat, source_id=source_id, as_of=as_of)


@router.get("/specialties", response_model=list[S.SpecialtyOut], tags=["specialties"])
async def list_specialties(
    cat: CatalogueDep,
    is_mg: Annotated[bool | None, Query(description="Only general practice (true) or only the others (false).")] = None,
) -> list[S.SpecialtyOut]:
    """The DES (diplômes d'études spécialisées) a doctor can filter schemes by."""
    return service.list_specialties(cat, is_mg=is_mg)


@router.get("/contacts", response_model=list[S.ContactOut], responses={**INVALID, **GONE}, tags=["contacts"])
async def list_contacts(
    cat: CatalogueDep, region: RegionCodeQuery = None, scheme: SchemeSlugQuery = None, as_of: AsOfQuery = None
) -> list[S.ContactOut]:
    """Who to write to, by region and scheme."""
    return service.list_contacts(cat, region=region, scheme=scheme, as_of=as_of)


@router.get(
    "/calendar",
    response_model=list[S.CalendarEventOut],
    responses={
        **INVALID,
        **GONE,
        200: {
            "description": "The events as JSON, or as iCalendar with `format=ics` or when `Accept` prefers "
            "`text/calendar` (q-values honoured; a tie keeps JSON).",
            "content": {ICS.media_type: {"schema": {"type": "string"},
                                         "example": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n…"}},
        },
        406: {"model": Problem, "description": "`Accept` allows neither JSON nor iCalendar (the problem lists both)."},
    },
    tags=["calendar"],
)
async def list_calendar(
    request: Request,
    response: Response,
    cat: CatalogueDep,
    region: RegionCodeQuery = None,
    scheme: SchemeSlugQuery = None,
    start: Annotated[
        IsoDate | None,
        Query(
            alias="from",
            description="Only events on or after this date (yearly events always, with their next date).",
            examples=["2024-01-01"],
        ),
    ] = None,
    format: Annotated[
        Literal["json", "ics"] | None,
        Query(description="`ics` for iCalendar, `json` for JSON, whatever `Accept` says."),
    ] = None,
    as_of: AsOfQuery = None,
) -> list[S.CalendarEventOut] | Response:
    """Application calendar: calls, deadlines, committees, start dates."""
    chosen = choose(request, (JSON, ICS), explicit=format)
    events = service.list_calendar(cat, region=region, scheme=scheme, start=start, as_of=as_of)
    if chosen is ICS:
        name = "Post-internat" + (f" – région {region}" if region else "") + (f" – {scheme}" if scheme else "")
        return Response(ical.render(events, name=name), media_type=f"{ICS.media_type}; charset=utf-8", headers=VARY)
    response.headers.update(VARY)
    return events
