"""Simulation endpoints: month-by-month net income over a contract, explained."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from app.catalogue.router import GONE
from app.errors import ApiError, Problem
from app.memory import Catalogue
from app.memory.watch import CatalogueDep
from app.negotiation import CSV, JSON, VARY, Format, choose
from app.simulation import schemas as S
from app.simulation import service

router = APIRouter(tags=["simulation"])
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem,
          "description": "Contract or options the scheme does not allow (the problem says which field and why)."},
    **GONE,
}
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The simulation as JSON, or as CSV with `format=csv` (GET) or when `Accept` prefers `text/csv` "
        "(q-values honoured; a tie keeps JSON).",
        "content": {CSV.media_type: {"schema": {"type": "string"},
                                     "example": "month,contract_year,gross,…\r\n2024-11,1,…"}},
    },
    406: {"model": Problem, "description": "`Accept` allows neither JSON nor CSV (the problem lists both)."},
}


def _respond(request: S.SimulationRequest, cat: Catalogue, chosen: Format) -> Response:
    """The answer's JSON text as the service writes it (S.SimulationResult, the documented shape), or its CSV."""
    if chosen is CSV:
        result = service.simulate(cat, request)
        name = f"simulation-{result.inputs.scheme}-{result.inputs.region}-{result.inputs.start:%Y-%m}.csv"
        return Response(service.to_csv(result), media_type=f"{CSV.media_type}; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', **VARY})
    return Response(service.answer(cat, request), media_type=JSON.media_type, headers=VARY)


@router.post("/simulate", response_model=S.SimulationResult, responses={**INVALID, **CSV_RESPONSE})
async def simulate(request: Request, cat: CatalogueDep, body: S.SimulationRequest) -> Response:
    """Simulate net monthly income over a contract, month by month, with every figure explained."""
    chosen = choose(request, (JSON, CSV), parameter=None)
    return _respond(body, cat, chosen)


@router.get("/simulate", response_model=S.SimulationResult, responses={**INVALID, **CSV_RESPONSE})
async def simulate_from_query(
    request: Request, cat: CatalogueDep, query: Annotated[S.SimulationQuery, Query()]
) -> Response:
    """The same simulation from query parameters (options flattened): a shareable, cacheable link."""
    chosen = choose(request, (JSON, CSV), explicit=query.format)
    try:
        return _respond(query.to_request(), cat, chosen)
    except ApiError as exc:  # the service reads a body; here its fields came as query parameters, options flattened
        raise exc.sent_in("query", lambda field: field.removeprefix("options.")) from None


@router.post("/simulate/compare", response_model=S.CompareResult, responses=INVALID,
             description="Several schemes or options over the same start and length, side by side. One comparison "
             f"simulates at most {S.MAX_COMPARE_MONTHS} months in all (items × months: 25 items over 24 months, "
             "6 over 96…); past it, a 422 that says so.")
async def compare_simulations(cat: CatalogueDep, body: S.CompareRequest) -> S.CompareResult:
    """Several schemes or options over the same start and length, side by side (bounded: see the description)."""
    return service.compare(cat, body)


@router.get("/schemes/{slug}/simulation", response_model=S.SimulationOptionsOut,
            responses={404: {"model": Problem, "description": "Unknown scheme."}, **GONE})
async def get_simulation_options(
    cat: CatalogueDep, slug: Annotated[str, Path(description="Scheme slug.", examples=["atp-regional"])]
) -> S.SimulationOptionsOut:
    """What a scheme's simulation takes: regions, maximum length, options (ranges, defaults), dates covered."""
    return service.options(cat, slug)
