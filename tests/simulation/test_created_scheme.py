"""A scheme created through the API (issue 11): it simulates by its published amounts, or a 422 says what it lacks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.auth import create_key
from app.config import Settings
from app.core.dates import today
from app.main import create_app
from app.simulation.engine import add_months
from tests.helpers import expand, problem

SLUG = "assistant-essai-api"


@pytest.fixture
def api(seeded_database: Callable[[], Engine]) -> Iterator[TestClient]:
    engine = seeded_database()
    app = create_app(Settings(database_url="sqlite://"), engine=engine)
    writer = {"Authorization": f"Bearer {create_key(engine, 'ARS Hauts-de-France', ['write'])}"}
    with TestClient(app, headers=writer) as client:
        yield client


def latest(api: TestClient, path: str) -> dict[str, Any]:
    answer = api.get(f"/records/{path}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["versions"][-1])


def create(api: TestClient, entity: str, body: dict[str, Any]) -> None:
    answer = api.post(f"/records/{entity}", json=body)
    assert answer.status_code == 201, answer.text


def simulate(api: TestClient, method: str) -> Any:
    # Records created through the API are in force from today: the contract starts next month.
    start = add_months(today(), 1)
    return api.post("/simulate", json={"scheme": SLUG, "region": "32", "start": start.isoformat(), "months": 3,
                                       "method": method})


def new_scheme(api: TestClient) -> None:
    # A copy of the bachelot assistant's record under a new slug, offered where the original is.
    scheme = latest(api, "schemes/assistant-bachelot") | {"slug": SLUG, "name": "Assistant (essai de l'API)"}
    create(api, "schemes", {k: v for k, v in scheme.items() if k not in ("valid_to",)})
    availability = latest(api, "availability/assistant-bachelot/32") | {"scheme": SLUG}
    create(api, "availability", availability)


def test_without_pay_components_a_422_says_what_is_missing(api: TestClient) -> None:
    new_scheme(api)
    answer = simulate(api, "published")
    error = problem(answer, 422, "scheme")
    assert "ni modèle de rémunération ni composante de rémunération" in error["detail"]
    assert "POST /records/pay-components" in error["detail"]


def test_with_a_published_amount_it_simulates_and_statutory_says_why_not(api: TestClient) -> None:
    new_scheme(api)
    component = latest(api, "pay-components/assistant-bachelot-traitement-base") | {
        "code": f"{SLUG}-traitement-base", "scheme": SLUG}
    create(api, "pay-components", component)
    answer = simulate(api, "published")
    assert answer.status_code == 200, answer.text
    body = expand(answer.json())
    amounts = [[(c["code"], c["amount"]) for c in m["components"]] for m in body["months"]]
    assert amounts == [[(f"{SLUG}-traitement-base", float(component["amount"]))]] * 3
    assert any("pas de modèle de rémunération statutaire" in note for note in body["notes"])
    assert "ne peut pas être calculée" in body["method_check"]["detail"]

    statutory = simulate(api, "statutory")
    error = problem(statutory, 422, "method")
    assert "a besoin d'un modèle de rémunération" in error["detail"] and "method=published" in error["detail"]
    options = api.get(f"/schemes/{SLUG}/simulation")
    assert options.status_code == 200, options.text
    assert options.json()["methods"] == ["published"]
