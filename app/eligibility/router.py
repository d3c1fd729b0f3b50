"""`POST /eligibility` and its shareable twin `GET /eligibility`: which schemes a doctor may take, and why."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.eligibility import schemas as S
from app.eligibility import service
from app.errors import ApiError, Problem
from app.memory.watch import CatalogueDep

router = APIRouter(tags=["eligibility"])
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "An unknown specialty or region (the problem lists the allowed values), a "
          "start the catalogue has no data for, or a DES obtained after the start."},
}


@router.post("/eligibility", response_model=S.EligibilityAnswer, responses=INVALID)
async def eligibility(cat: CatalogueDep, body: S.Profile) -> S.EligibilityAnswer:
    """Every scheme offered in the regions asked, with a verdict (`eligible`, `unknown`, `not_eligible`), one reason
    per rule with its sources, the next deadline and start of post, and an income estimate from the simulation."""
    return service.answer(cat, body)


@router.get("/eligibility", response_model=S.EligibilityAnswer, responses=INVALID)
async def eligibility_from_query(cat: CatalogueDep, query: Annotated[S.ProfileQuery, Query()]) -> S.EligibilityAnswer:
    """The same answer from query parameters: a link to share (`regions=32&regions=28` or `regions=32,28`)."""
    profile = S.Profile(**query.model_dump(exclude={"lang"}))
    try:
        return service.answer(cat, profile)
    except ApiError as exc:  # the service reads a body; here its fields came as query parameters
        raise exc.sent_in("query", lambda field: field.split("[")[0]) from None
