"""POST /simulate/compare bounds the work of one request: at most MAX_COMPARE_MONTHS months simulated in all."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.simulation.schemas import MAX_COMPARE_MONTHS
from tests.helpers import problem


def compare(client: TestClient, items: int, months: int, scheme: str = "ccu-ah", lang: str = "fr"):  # type: ignore[no-untyped-def]
    return client.post("/simulate/compare", headers={"Accept-Language": lang}, json={
        "start": "2027-11-01", "months": months, "items": [{"scheme": scheme, "region": "32"}] * items})


def test_the_bound_and_what_was_asked_are_in_the_422(client: TestClient) -> None:
    assert MAX_COMPARE_MONTHS == 600
    body = problem(compare(client, 7, 96, "ccu-mg"), 422, "items")
    assert body["detail"].startswith("Une comparaison simule au plus 600 mois en tout (éléments × mois) ; celle-ci en "
                                     "demande 672 (7 éléments × 96 mois).")
    english = problem(compare(client, 30, 24, lang="en"), 422, "items")["detail"]
    assert english.startswith("A comparison simulates at most 600 months in all (items × months); this one asks for "
                              "720 (30 items × 24 months).")


def test_up_to_the_bound_is_served(client: TestClient) -> None:
    served = compare(client, 25, 24)
    assert served.status_code == 200, served.text[:300]
    assert len(served.json()["items"]) == 25
    assert problem(compare(client, 26, 24), 422, "items")


def test_the_bound_is_documented(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/simulate/compare"]["post"]
    assert "at most 600 months in all (items × months" in operation["description"]
