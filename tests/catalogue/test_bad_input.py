"""No input produces a 500: every parameter of every endpoint, fed hostile values, gets a 2xx or a 4xx problem."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

NASTY = [
    "\x00", "a\x00b", "\x1b[31m", "'; DROP TABLE scheme; --", "%", "_", "\\", "*", "..", "../../etc/passwd",
    "😀", "Ω≈ç√", "é" * 300, "x" * 5000, " ", "-1", "0", "99999999999999999999", "1e309", "NaN", "null", "[]", "{}",
    "2024-02-30", "0000-00-00", "true", "Île-de-France", "\u200b", "\ud7ff", "<script>alert(1)</script>",
]
QUERY_PARAMS = {
    "/schemes": ["audience", "specialty", "region", "category", "q", "sort", "limit", "offset"],
    "/specialties": ["is_mg"],
    "/contacts": ["region", "scheme"],
    "/calendar": ["region", "scheme", "from", "format"],
}
PATHS = ["/schemes/{}", "/regions/{}", "/schemes/{}/simulation"]
SIMULATION_BASE = {"scheme": "atp-regional", "region": "32", "start": "2024-11-01", "months": "24"}
SIMULATION_PARAMS = [*SIMULATION_BASE, "method", "format", "periphery_share", "gardes_per_month", "tax", "tax_rate",
                     "acts_per_week", "hospital_share"]


def assert_clean(response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == response.status_code and body["detail"]


@pytest.mark.parametrize("value", NASTY)
def test_query_parameters(client: TestClient, value: str) -> None:
    for path, names in QUERY_PARAMS.items():
        for name in names:
            assert_clean(client.get(f"{path}?{name}={quote(value, safe='')}"))


@pytest.mark.parametrize("value", NASTY)
def test_simulation_query_parameters(client: TestClient, value: str) -> None:
    for name in SIMULATION_PARAMS:
        params = SIMULATION_BASE | {name: value}
        assert_clean(client.get("/simulate?" + "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())))


@pytest.mark.parametrize("value", [*NASTY, -1, 10**30, None, [], {}, True, 0.1])
def test_simulation_bodies(client: TestClient, value: object) -> None:
    base = {"scheme": "atp-regional", "region": "32", "start": "2024-11-01", "months": 24}
    for name in (*base, "method"):
        assert_clean(client.post("/simulate", json=base | {name: value}))
    for option in ("periphery_share", "gardes_per_month", "tax", "tax_rate", "seniority_years", "region_bonus"):
        assert_clean(client.post("/simulate", json=base | {"options": {option: value}}))
    compare = {"start": "2024-11-01", "months": 12, "items": [{"scheme": value, "region": "32"}]}
    assert_clean(client.post("/simulate/compare", json=compare))


@pytest.mark.parametrize("number", ["1e309", "-1e309", "NaN", "Infinity", "1e-400", "24.5", "9" * 400])
def test_simulation_numbers_json_cannot_hold(client: TestClient, number: str) -> None:
    for field in ('"months": ' + number, '"options": {"gardes_per_month": ' + number + "}"):
        months = ', "months": 12' if "options" in field else ""
        body = '{"scheme": "asr", "region": "28", "start": "2024-11-01", ' + field + months + "}"
        assert_clean(client.post("/simulate", content=body.encode(), headers={"Content-Type": "application/json"}))


@pytest.mark.parametrize("value", NASTY)
def test_path_parameters(client: TestClient, value: str) -> None:
    for template in PATHS:
        response = client.get(template.format(quote(value, safe="")))
        assert_clean(response)
        if "\x00" not in value and "\x1b" not in value:
            assert response.status_code == 404, (template, value, response.status_code)


def test_control_characters_are_named(client: TestClient) -> None:
    body = client.get("/schemes?q=a%00b").json()
    assert body["status"] == 422 and body["errors"][0]["field"] == "q"


def test_repeated_and_unknown_parameters(client: TestClient) -> None:
    assert_clean(client.get("/schemes?region=28&region=32"))
    assert client.get("/schemes?colour=blue").status_code == 200


class TestDatesAtTheEdges:
    """A date near the end of the calendar (yearly events are projected one year on) is a 422, never a 500."""

    @pytest.mark.parametrize(
        "path",
        [
            "/calendar?from=9999-12-01",
            "/calendar?from=9999-12-31&format=ics",
            "/calendar?from=0001-01-01",
            "/schemes?as_of=9999-12-31",
            "/simulate?scheme=ccu-ah&region=32&start=9999-12-01&months=1",
        ],
    )
    def test_out_of_range_dates_are_422_naming_the_field(self, client: TestClient, path: str) -> None:
        response = client.get(path)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        field = path.split("?")[1].split("&")[0].split("=")[0] if "simulate" not in path else "start"
        assert field in {e["field"] for e in response.json()["errors"]}
        assert "2999-12-31" in response.json()["errors"][0]["message"]

    def test_the_last_accepted_day_answers(self, client: TestClient) -> None:
        assert client.get("/calendar?from=2999-12-31").status_code == 200
        assert client.get("/calendar?from=2999-12-31&format=ics").status_code == 200
