"""GET /regions, /regions/{code}, /specialties, /contacts, /calendar, /health."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import problem


class TestRegions:
    def test_all_eighteen_regions_with_insee_codes(self, client: TestClient) -> None:
        regions = {r["code"]: r for r in client.get("/regions").json()}
        assert len(regions) == 18
        assert regions["11"]["name"] == "Île-de-France"
        assert regions["93"]["name"] == "Provence-Alpes-Côte d'Azur"
        # National statutes are listed wherever they apply: the docteur junior year and the shared assistants in every
        # region, the CCU-AH, AHU and CCU-MG posts where there is a CHU (not in Corse). Normandie: 7 documented + 4.
        assert [regions[code]["scheme_count"] for code in ("28", "32", "94")] == [11, 10, 2]

    def test_region_detail(self, client: TestClient) -> None:
        region = client.get("/regions/28").json()
        assert region["name"] == "Normandie"
        assert len(region["schemes"]) == 11
        assert {c["id"] for c in region["contacts"]} == {"ars-normandie-post-internat"}
        assert "2024-02-16" in {e["date"] for e in region["calendar"]}

    def test_unknown_region_is_404_listing_codes(self, client: TestClient) -> None:
        body = problem(client.get("/regions/99"), 404, "code")
        assert "32" in body["errors"][0]["allowed"]


class TestSpecialties:
    def test_des_list_with_general_practice(self, client: TestClient) -> None:
        specialties = client.get("/specialties").json()
        assert len(specialties) >= 40
        mg = [s for s in specialties if s["is_mg"]]
        assert [(s["code"], s["name"]) for s in mg] == [("medecine-generale", "Médecine générale")]
        assert all(s["sources"] for s in specialties)

    def test_filter_is_mg(self, client: TestClient) -> None:
        assert [s["code"] for s in client.get("/specialties?is_mg=true").json()] == ["medecine-generale"]
        assert problem(client.get("/specialties?is_mg=peut-etre"), 422, "is_mg")


class TestContacts:
    def test_filters(self, client: TestClient) -> None:
        everyone = client.get("/contacts").json()
        normandy = client.get("/contacts?region=28").json()
        aumg = client.get("/contacts?scheme=aumg").json()
        assert len(everyone) == 7 and len(normandy) == 1
        assert normandy[0]["person_name"] == "Sandrine BEAULIEU"
        assert all("aumg" in c["schemes"] for c in aumg)
        assert "dmg-medecine@univ-lille.fr" in {c["email"] for c in aumg}
        assert client.get("/contacts?region=28&scheme=ccu-ah").json() == []

    def test_unknown_scheme_is_422(self, client: TestClient) -> None:
        assert "aumg" in problem(client.get("/contacts?scheme=nope"), 422, "scheme")["errors"][0]["allowed"]


class TestCalendar:
    def test_normandy_2024_calendar(self, client: TestClient) -> None:
        events = client.get("/calendar?region=28").json()
        by_kind = {e["kind"]: e for e in events}
        assert by_kind["application_deadline"]["date"] == "2024-02-16"
        assert by_kind["committee"]["precision"] == "approximate"
        starts = sorted(e["date"] for e in events if e["kind"] == "start_of_post")
        assert starts == ["2024-11-01", "2025-05-01"]

    def test_from_keeps_later_events_and_recurring_ones_with_next_date(self, client: TestClient) -> None:
        events = client.get("/calendar?from=2026-01-01").json()
        assert all(e["date"] >= "2026-01-01" or e["recurrence"] == "yearly" for e in events)
        aumg_start = next(e for e in events if e["id"] == "paca-aumg-2019-prise-de-fonction")
        assert aumg_start["next_date"] == "2026-11-01"
        assert [e["next_date"] for e in events] == sorted(e["next_date"] for e in events)

    def test_scheme_filter(self, client: TestClient) -> None:
        events = client.get("/calendar?scheme=aumg").json()
        assert events and all("aumg" in e["schemes"] for e in events)

    def test_icalendar(self, client: TestClient) -> None:
        for response in (
            client.get("/calendar?region=28&format=ics"),
            client.get("/calendar?region=28", headers={"Accept": "text/calendar"}),
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/calendar")
            body = response.text
            assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
            assert body.count("BEGIN:VEVENT") == len(client.get("/calendar?region=28").json())
            assert "DTSTART;VALUE=DATE:20240216" in body
            assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))

    def test_icalendar_recurring_event(self, client: TestClient) -> None:
        body = client.get("/calendar?scheme=aumg&region=93&format=ics").text
        assert "RRULE:FREQ=YEARLY" in body and "DTSTART;VALUE=DATE:20191101" in body

    @pytest.mark.parametrize(
        ("query", "field"), [("from=2024-13-01", "from"), ("format=pdf", "format"), ("region=xx", "region")]
    )
    def test_invalid(self, client: TestClient, query: str, field: str) -> None:
        problem(client.get(f"/calendar?{query}"), 422, field)


class TestService:
    def test_health(self, client: TestClient) -> None:
        response = client.get("/health")
        assert response.status_code == 200 and response.json()["status"] == "ok"

    def test_unknown_path_is_a_problem(self, client: TestClient) -> None:
        response = client.get("/nowhere")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")

    def test_wrong_method_is_a_problem(self, client: TestClient) -> None:
        response = client.post("/schemes")
        assert response.status_code == 405 and response.json()["status"] == 405

    def test_cors_allows_any_origin_to_read(self, client: TestClient) -> None:
        response = client.get("/schemes", headers={"Origin": "https://faculte.example"})
        assert response.headers["access-control-allow-origin"] == "*"


class TestHttpCaching:
    def test_etag_and_cache_control_then_304(self, client: TestClient) -> None:
        first = client.get("/schemes?region=28")
        etag = first.headers["etag"]
        assert etag.startswith('"') and "max-age" in first.headers["cache-control"]
        again = client.get("/schemes?region=28", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        other = client.get("/schemes?region=32", headers={"If-None-Match": etag})
        assert other.status_code == 200 and other.headers["etag"] != etag

    def test_weak_and_listed_validators_match(self, client: TestClient) -> None:
        etag = client.get("/regions").headers["etag"]
        assert client.get("/regions", headers={"If-None-Match": f'"nope", W/{etag}'}).status_code == 304

    def test_errors_and_posts_are_not_cached(self, client: TestClient) -> None:
        assert "etag" not in client.get("/schemes/nope").headers
        response = client.post(
            "/simulate", json={"scheme": "ccu-ah", "region": "32", "start": "2024-11-01", "months": 1}
        )
        assert response.status_code == 200 and "etag" not in response.headers

    def test_representations_get_their_own_validator(self, client: TestClient) -> None:
        as_json = client.get("/calendar?region=28")
        as_ics = client.get("/calendar?region=28", headers={"Accept": "text/calendar"})
        assert as_json.headers["etag"] != as_ics.headers["etag"] and "Accept" in as_ics.headers["vary"]


class TestFuzzFindings:
    """Found by the schemathesis run; kept as plain regression tests."""

    @pytest.mark.parametrize("value", ["0", "1700000000", "2024-1-1", "20240101"])
    def test_dates_are_only_yyyy_mm_dd(self, client: TestClient, value: str) -> None:
        problem(client.get(f"/calendar?from={value}"), 422, "from")

    def test_405_lists_every_method_of_the_path(self, client: TestClient) -> None:
        response = client.request("OPTIONS", "/simulate")
        assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD, POST"
        assert client.delete("/schemes").headers["allow"] == "GET, HEAD"
