"""The simulation answer is written as JSON-ready Python, not through its pydantic models (app/simulation/service.py,
issue 12). The schema (S.SimulationResult, the OpenAPI document's) stays the contract: every answer must read back
as that model, and the model must write it back to the same bytes, so that no field is missing, added, reordered or
typed otherwise (a Decimal left unconverted, a date not written as ISO, a float where the schema has a string)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app import memory
from app.simulation import schemas as S
from app.simulation import service
from tests.simulation.test_month_classes import _runs

# User inputs that reach the optional parts of an answer: the income tax (neutral grid, personal rate), gardes and
# astreintes (input lines), fees and the CPAM contract (other income), and defaults that leave `missing_inputs`.
OPTION_SETS: list[dict[str, Any]] = [
    {},
    {"gardes_per_month": 4, "astreintes_per_month": 3, "tax": "neutral"},
    {"acts_per_week": 60, "cpam_contract": True, "tax": "personal", "tax_rate": "7.5"},
    {"liberal_fees_monthly": 1500, "seniority_years": 2, "hospital_share": 50, "periphery_share": 20},
]
STARTS = ["2024-11-01", "2027-11-01", "2028-11-01"]


def _accepted(cat: memory.Catalogue, slug: str, options: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """24 months or the scheme's longest contract, and the options it takes."""
    offered = service.options(cat, slug)
    names = {o.name for o in offered.options}
    return min(24, offered.max_months or 24), {k: v for k, v in options.items() if k in names}


def test_every_answer_is_what_its_schema_writes(engine: Engine) -> None:
    cat = memory.read(engine)
    checked = set()
    for slug, region, method in _runs(cat):
        for start in STARTS:
            for options in OPTION_SETS:
                months, accepted = _accepted(cat, slug, options)
                request = S.SimulationRequest(scheme=slug, region=region, start=dt.date.fromisoformat(start),
                                              months=months, method=method,  # type: ignore[arg-type]
                                              options=accepted)
                try:
                    text = service.answer(cat, request)
                except service.ApiError:
                    continue  # a start or a length the scheme refuses: the same 422 as before, tested elsewhere
                model = S.SimulationResult.model_validate_json(text)
                assert model.model_dump_json().encode() == text, (slug, region, method, start, options)
                answer = json.loads(text)
                checked.add((slug, method, bool(answer["projection"]), bool(answer["brochure"]),
                             any(m["tax"] for m in answer["months"])))
    # The comparison reached every scheme and method, with and without a tax, projection and brochure figure.
    assert {(slug, method) for slug, method, *_ in checked} == {(slug, method) for slug, _, method in _runs(cat)}
    for part in (2, 3, 4):
        assert {c[part] for c in checked} == {True, False}, part


@pytest.mark.parametrize("path", ["/simulate", "/simulate?format=csv"])
def test_the_endpoints_send_the_service_answer(client: Any, engine: Engine, path: str) -> None:
    """JSON as the service writes it; CSV from the same answer read back as the model."""
    body = {"scheme": "ccu-ah", "region": "32", "start": "2027-11-01", "months": 24,
            "options": {"gardes_per_month": 4}}
    cat = memory.read(engine)
    expected = service.answer(cat, S.SimulationRequest.model_validate(body))
    if path.endswith("csv"):
        response = client.get("/simulate", params={**{k: v for k, v in body.items() if k != "options"},
                                                   **body["options"], "format": "csv"})
        assert response.status_code == 200, response.text
        assert response.text == service.to_csv(S.SimulationResult.model_validate_json(expected))
    else:
        response = client.post(path, json=body)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert "Accept" in response.headers["vary"].split(", ")
        assert response.content == expected
