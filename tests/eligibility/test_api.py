"""Real profiles through `POST /eligibility` and `GET /eligibility`: verdicts, reasons with their sources, deadlines,
income as the simulation computes it, and clear 422s.

Dates are relative to today (in France), as a doctor asks (tests/eligibility/profiles.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from app.simulation.engine import add_months
from tests.eligibility.profiles import CARDIO, GP, LAST_MONTH, START, TODAY


def ask(client: TestClient, profile: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = client.post("/eligibility", json=profile, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def by_slug(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["scheme"]["slug"]: s for s in answer["schemes"]}


def reason(scheme: dict[str, Any], criterion: str) -> dict[str, Any]:
    (found,) = [r for r in scheme["reasons"] if r["criterion"] == criterion]
    return found


def test_a_gp_who_finished_last_month_may_take_ccu_mg_aumg_and_400_mg_but_not_ccu_ah(client: TestClient) -> None:
    schemes = by_slug(ask(client, GP))
    for slug in ("ccu-mg", "aumg", "mg-400"):
        assert schemes[slug]["verdict"] == "eligible", (slug, schemes[slug]["reasons"])
    assert schemes["ccu-ah"]["verdict"] == "not_eligible"
    assert reason(schemes["ccu-ah"], "audience")["met"] is False
    thesis = reason(schemes["ccu-mg"], "thesis")
    assert thesis["met"] is True
    assert any(s["quote"] == "Pour être recrutés, les CCU-MG doivent également avoir soutenu leur thèse."
               for s in thesis["sources"])


def test_the_same_gp_five_years_after_the_des_is_past_the_three_year_rule(client: TestClient) -> None:
    later = {**GP, "des_completed_on": add_months(LAST_MONTH, -60).isoformat()}
    ccu = by_slug(ask(client, later))["ccu-mg"]
    assert ccu["verdict"] == "not_eligible"
    rule = reason(ccu, "years_after")
    assert rule["met"] is False
    assert any("dans un délai de trois années suivant l'obtention de leur DES de médecine générale" in s["quote"]
               for s in rule["sources"])
    assert ccu["regions"][0]["income"] is None, "no income estimate for an excluded scheme"


def test_a_cardiologist_may_take_ccu_ah_or_is_told_what_to_check_and_not_ccu_mg(client: TestClient) -> None:
    schemes = by_slug(ask(client, CARDIO))
    assert schemes["ccu-ah"]["verdict"] in ("eligible", "unknown")
    assert reason(schemes["ccu-ah"], "audience")["met"] is True
    assert schemes["ccu-mg"]["verdict"] == "not_eligible"
    assert schemes["mg-400"]["verdict"] == "not_eligible"


def test_without_a_thesis_the_schemes_that_require_it_are_excluded(client: TestClient) -> None:
    schemes = by_slug(ask(client, {**GP, "thesis_defended": False}))
    for slug in ("ccu-mg", "mg-400"):
        assert schemes[slug]["verdict"] == "not_eligible"
        assert reason(schemes[slug], "thesis")["met"] is False


def test_every_reason_cites_its_source_with_the_sentence_or_a_note(client: TestClient) -> None:
    for profile in (GP, CARDIO, {**GP, "regions": ["28", "32", "93"], "thesis_defended": False}):
        for scheme in ask(client, profile)["schemes"]:
            for r in scheme["reasons"] + [r for region in scheme["regions"] for r in region["reasons"]]:
                assert r["sources"], (scheme["scheme"]["slug"], r["criterion"])
                assert all(s["quote"] or s["note"] for s in r["sources"]), (scheme["scheme"]["slug"], r)


def test_eligible_first_then_unknown_then_not_eligible_by_soonest_deadline(client: TestClient) -> None:
    answer = ask(client, {**CARDIO, "regions": ["28", "32"]})
    order = {"eligible": 0, "unknown": 1, "not_eligible": 2}
    keys = [(order[s["verdict"]], s["next_deadline"] is None, s["next_deadline"] or "") for s in answer["schemes"]]
    assert keys == sorted(keys)
    assert answer["counts"] == {v: sum(s["verdict"] == v for s in answer["schemes"]) for v in order}
    assert len({s["verdict"] for s in answer["schemes"]}) >= 2


def test_the_income_is_the_simulation_behind_its_link(client: TestClient) -> None:
    ccu = by_slug(ask(client, GP))["ccu-mg"]
    (region,) = ccu["regions"]
    income = region["income"]
    assert income["start"] == START.isoformat()
    simulation = client.get(income["simulation"])
    assert simulation.status_code == 200, simulation.text
    result = simulation.json()
    assert result["inputs"]["method"] == "statutory"
    assert income["months"] == len(result["months"])
    assert income["first_month_net"] == result["months"][0]["net"]
    assert income["contract_total_net"] == result["totals"]["net"]
    assert income["monthly_average_net"] == result["monthly_average"]["net"]
    assert {m["option"] for m in income["missing_inputs"]} == {m["option"] for m in result["missing_inputs"]}


def test_a_start_in_the_middle_of_a_month_is_simulated_from_the_next_first(client: TestClient) -> None:
    answer = ask(client, {**GP, "start": (START + dt.timedelta(days=9)).isoformat()})
    income = by_slug(answer)["ccu-mg"]["regions"][0]["income"]
    assert income["start"] == add_months(START, 1).isoformat()
    assert any("premier jour du mois suivant" in note for note in answer["notes"])


def test_deadlines_and_starts_of_post_come_from_the_calendar(client: TestClient) -> None:
    answer = ask(client, {**CARDIO, "regions": ["28", "32"]})
    calendar = client.get("/calendar", params={"from": TODAY.isoformat()}).json()
    events = {e["id"]: e for e in calendar}
    seen = 0
    for scheme in answer["schemes"]:
        for region in scheme["regions"]:
            for key, kind in (("next_deadline", "application_deadline"), ("start_of_post", "start_of_post")):
                event = region[key]
                if event is None:
                    continue
                seen += 1
                assert event["kind"] == kind and event["region"]["code"] == region["region"]["code"]
                assert scheme["scheme"]["slug"] in event["schemes"]
                assert event["id"] in events
                assert event["status"] in ("announced", "expected")
    assert seen, "the calendar gives at least one start of post in these regions"


def test_get_gives_the_same_answer_as_post_with_regions_repeated_or_comma_separated(client: TestClient) -> None:
    profile = {**CARDIO, "regions": ["32", "28"]}
    posted = ask(client, profile)
    query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in profile.items() if k != "regions"}
    repeated = client.get("/eligibility?" + urlencode({**query, "regions": ["32", "28"]}, doseq=True))
    comma = client.get("/eligibility", params={**query, "regions": "32,28"})
    assert repeated.status_code == comma.status_code == 200, repeated.text
    assert repeated.json() == comma.json() == posted


def test_english_on_request(client: TestClient) -> None:
    ccu = by_slug(ask(client, GP, **{"Accept-Language": "en"}))["ccu-mg"]
    assert reason(ccu, "thesis")["explanation"] == "Thesis defended."
    assert reason(ccu, "thesis")["rule"] == "Avoir soutenu sa thèse."  # the rule stays as the sources write it


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"specialty": "cardiologie"}, "specialty", "Spécialité inconnue"),
        ({"regions": ["32", "99"]}, "regions[1]", "Région inconnue"),
        ({"internship_region": "99"}, "internship_region", "Région inconnue"),
        ({"des_completed_on": add_months(START, 6).isoformat()}, "des_completed_on", "après le début souhaité"),
        ({"start": "2012-11-01", "des_completed_on": "2012-10-31"}, "start", "Pas de données"),
        ({"start": "2099-11-01"}, "start", "Pas de données"),
        ({"regions": []}, "regions", ""),
        ({"thesis_defended": "peut-être"}, "thesis_defended", ""),
        ({"start": "2027-02-30"}, "start", ""),
    ],
)
def test_bad_profiles_get_a_422_naming_the_field(client: TestClient, change: dict, field: str, words: str) -> None:
    response = client.post("/eligibility", json={**GP, **change})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert [e["field"] for e in problem["errors"]] == [field]
    assert words in problem["detail"]
    if field in ("specialty", "regions[1]"):
        assert problem["errors"][0]["allowed"] and ("medecine-generale" in problem["errors"][0]["allowed"]
                                                    or "32" in problem["errors"][0]["allowed"])


def test_a_bad_query_names_the_query_parameter(client: TestClient) -> None:
    query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in GP.items() if k != "regions"}
    response = client.get("/eligibility", params={**query, "regions": "32,99"})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["in"] == "query" and error["field"] == "regions"
    missing = client.get("/eligibility", params={"specialty": "medecine-generale"})
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} >= {"regions", "des_completed_on", "start"}


def test_the_schemes_rules_show_what_they_test(client: TestClient) -> None:
    rules = client.get("/schemes/ccu-mg").json()["rules"]
    tests = [r["criterion"] for r in rules if r["kind"] == "eligibility"]
    assert {"test": "years_after", "since": "des", "years": 3} in tests
