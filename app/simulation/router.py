"""Simulation endpoints: month-by-month net income over a contract, explained."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.errors import ApiError, Problem
from app.simulation import schemas as S
from app.simulation import service

router = APIRouter(tags=["simulation"])
INVALID = {422: {"model": Problem, "description": "Contract or options the scheme does not allow (the problem says which field and why)."}}
CSV = "text/csv"
CSV_RESPONSE = {
    200: {
        "description": "The simulation as JSON, or as CSV with `format=csv` or `Accept: text/csv`.",
        "content": {CSV: {"schema": {"type": "string"}, "example": "month,contract_year,gross,…\r\n2024-11,1,…"}},
    }
}


def _respond(request: Request, result: S.SimulationResult, fmt: str | None) -> S.SimulationResult | Response:
    if fmt == "csv" or (fmt is None and CSV in request.headers.get("accept", "")):
        name = f"simulation-{result.inputs.scheme}-{result.inputs.region}-{result.inputs.start:%Y-%m}.csv"
        return Response(service.to_csv(result), media_type=f"{CSV}; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return result


@router.post("/simulate", response_model=S.SimulationResult, responses={**INVALID, **CSV_RESPONSE})
def simulate(request: Request, session: SessionDep, body: S.SimulationRequest) -> S.SimulationResult | Response:
    """Simulate net monthly income over a contract, month by month, with every figure explained."""
    return _respond(request, service.simulate(session, body), None)


@router.get("/simulate", response_model=S.SimulationResult, responses={**INVALID, **CSV_RESPONSE})
def simulate_from_query(
    request: Request, session: SessionDep, query: Annotated[S.SimulationQuery, Query()]
) -> S.SimulationResult | Response:
    """The same simulation from query parameters (options flattened): a shareable, cacheable link."""
    try:
        result = service.simulate(session, query.to_request())
    except ApiError as exc:  # the service reads a body; here its fields came as query parameters, options flattened
        raise exc.sent_in("query", lambda field: field.removeprefix("options.")) from None
    response = _respond(request, result, query.format)
    return response


@router.post("/simulate/compare", response_model=S.CompareResult, responses=INVALID)
def compare_simulations(session: SessionDep, body: S.CompareRequest) -> S.CompareResult:
    """Several schemes or options over the same start and length, side by side."""
    return service.compare(session, body)


@router.get("/schemes/{slug}/simulation", response_model=S.SimulationOptionsOut,
            responses={404: {"model": Problem, "description": "Unknown scheme."}})
def get_simulation_options(
    session: SessionDep, slug: Annotated[str, Path(description="Scheme slug.", examples=["atp-regional"])]
) -> S.SimulationOptionsOut:
    """What a scheme's simulation takes: regions, maximum length, options (ranges, defaults), dates covered."""
    return service.options(session, slug)
