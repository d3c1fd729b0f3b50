"""The cohorts choosing in December 2026: every point of the issue « Right for the cohorts choosing now », through HTTP.

Figures come from the seed's official values (seed/pay_parameters.yaml, each with its text) and the documents' own
figures (seed/pay_components.yaml); none is typed here that the catalogue does not hold with its source.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests.helpers import expand, problem


def answer(client: TestClient, url: str, **kwargs: object) -> dict:
    """A simulation answer read as a client reads it: each month with its lines (see tests.helpers.expand)."""
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.text
    return expand(response.json())

DONE_WHEN = "/simulate?scheme=ccu-ah&region=32&start=2027-11-01&months=24"


def parameter(client: TestClient, result: dict, code: str, valid_from: str) -> dict:
    found = [p for p in result["parameters"] if p["code"] == code and p["valid_from"] == valid_from]
    assert found, (code, valid_from, sorted({p["code"] for p in result["parameters"]}))
    return found[0]


class TestStartsToTheEndOf2028:
    @pytest.mark.parametrize(
        "start", ["2024-01-01", "2026-11-01", "2027-05-01", "2027-11-01", "2028-05-01", "2028-12-01"]
    )
    def test_every_start_of_the_window_is_simulated(self, client: TestClient, start: str) -> None:
        for path in ("/simulate?scheme=ccu-ah&region=32&months=24&start=" + start,):
            assert client.get(path).status_code == 200
        compare = client.post("/simulate/compare", json={"start": start, "months": 24, "items": [
            {"scheme": "ccu-ah", "region": "32"}, {"scheme": "asr", "region": "28"}]})
        assert compare.status_code == 200, compare.text

    def test_the_longest_contract_from_the_last_start(self, client: TestClient) -> None:
        assert client.get("/simulate?scheme=ccu-mg&region=32&start=2028-12-01&months=96").status_code == 200

    def test_projected_months_say_which_value_and_until_when(self, client: TestClient) -> None:
        result = answer(client, DONE_WHEN)
        # The PMSS is fixed for 2026 (arrêté du 22 décembre 2025): 2027 and 2028 carry it forward.
        assert all(m["projected"] for m in result["months"])
        contributions = {c["code"]: c for c in result["months"][0]["contributions"]}
        assert contributions["vieillesse_plafonnee"]["projected"] is True
        assert contributions["vieillesse_plafonnee"]["known_until"] == "2026-12-31"
        assert contributions["vieillesse_deplafonnee"]["projected"] is False  # its rate is not capped by the PMSS
        projection = result["projection"]
        assert projection["first_month"] == "2027-11" and projection["months"] == 24
        assert {(v["code"], v["known_until"]) for v in projection["values"]} == {("pmss", "2026-12-31")}
        assert parameter(client, result, "pmss", "2026-01-01")["carried_forward"] is True

    def test_months_before_the_projection_are_not_marked(self, client: TestClient) -> None:
        result = answer(client, "/simulate?scheme=ccu-ah&region=32&start=2026-05-01&months=12")
        marked = [m["month"] for m in result["months"] if m["projected"]]
        assert marked == ["2027-01", "2027-02", "2027-03", "2027-04"]
        assert result["projection"]["first_month"] == "2027-01"

    def test_coverage_reports_the_window(self, client: TestClient) -> None:
        coverage = client.get("/schemes/ccu-ah/simulation").json()["coverage"]
        assert coverage["first_start"] == "2024-01-01" and coverage["last_start"] >= "2028-12-01"
        assert coverage["known_until"] == "2026-12-31"


class TestTheOfficialNetByDefault:
    def test_done_when(self, client: TestClient) -> None:
        result = answer(client, DONE_WHEN)
        assert result["inputs"]["method"] == "statutory"
        month = result["months"][0]
        assert month["gross"] is not None and month["net"] < month["gross"]
        brochure = result["brochure"]
        # « soit un total de l'ordre de 3 883 € » (document 001), beside the official net of the same month.
        assert (brochure["amount"], brochure["basis"], brochure["approximate"]) == (3883, "net", True)
        assert brochure["official_net"] == month["net_salary"]
        assert brochure["difference"] == pytest.approx(month["net_salary"] - 3883, abs=0.01)
        assert "3\u202f883" in brochure["text"] and "net" in brochure["text"]
        university = {c["code"]: c for c in month["components"]}["universitaire"]
        assert university["brochure"]["amount"] == 1392 and "1\u202f392" in university["brochure"]["text"]
        assert university["brochure"]["difference"] == pytest.approx(university["amount"] - 1392, abs=0.01)

    def test_published_method_stays_available(self, client: TestClient) -> None:
        result = answer(client, DONE_WHEN + "&method=published")
        assert result["months"][0]["net"] == 1392 + 1480 + 1010  # the document's three net figures
        assert result["brochure"] is None and result["method_check"]["other_method"] == "statutory"

    def test_derived_values_are_never_published(self, client: TestClient) -> None:
        mg400 = answer(client, "/simulate?scheme=mg-400&region=32&start=2027-11-01&months=24&method=published")
        hospital = next(c for c in mg400["months"][0]["components"] if c["code"] == "mg-400-remuneration-hospitaliere")
        assert hospital["origin"] == "derived" and hospital["unconfirmed"] is True and hospital["derivation"]
        # Nothing a document publishes for the salary: the check says so instead of agreeing with itself.
        assert mg400["method_check"]["agree"] is None
        ccu_ah = answer(client, DONE_WHEN)["months"][0]["components"]
        hospital = next(c for c in ccu_ah if c["code"] == "hospitalier")
        assert hospital["origin"] == "derived" and "1,035" in hospital["derivation"] and hospital["unconfirmed"]
        scheme = client.get("/schemes/mg-400").json()
        component = next(c for c in scheme["pay_components"] if c["code"] == "mg-400-remuneration-hospitaliere")
        assert component["origin"] == "derived" and component["unconfirmed"] is True


class TestValuesCurrentTo2026:
    def test_pmss_2025_and_2026(self, client: TestClient) -> None:
        result = answer(client, "/simulate?scheme=asr&region=28&start=2025-01-01&months=24")
        assert Decimal(str(parameter(client, result, "pmss", "2025-01-01")["value"])) == Decimal("3925")
        pmss_2026 = parameter(client, result, "pmss", "2026-01-01")
        assert Decimal(str(pmss_2026["value"])) == Decimal("4005")
        assert any("22 décembre 2025" in s for s in pmss_2026["sources"])

    def test_taux_neutre_every_month_with_its_grid(self, client: TestClient) -> None:
        result = answer(client, "/simulate?scheme=asr&region=28&start=2025-03-01&months=24&tax=neutral")
        assert all(m["tax"] is not None for m in result["months"]) and result["totals"]["tax"] is not None
        assert parameter(client, result, "taux-neutre-mensuel", "2024-01-01")["valid_to"] == "2025-04-30"
        grid_2025 = parameter(client, result, "taux-neutre-mensuel", "2025-05-01")
        assert grid_2025["confirmed"] is False and "1,018" in grid_2025["derivation"]
        assert grid_2025["carried_forward"] is True  # past 30 April 2026: the 1 May 2026 grid was not found
        assert result["projection"]["first_month"] == "2026-05"

    def test_astreintes_temporary_increase_then_the_establishments_forfait(self, client: TestClient) -> None:
        base = "/simulate?scheme=asr&region=28&months=1&astreintes_per_month=1&start="
        july = answer(client, base + "2025-07-01")["months"][0]
        assert {c["code"]: c["amount"] for c in july["components"]}["astreintes"] == 66.78
        december = answer(client, base + "2025-12-01")
        line = {c["code"]: c for c in december["months"][0]["components"]}["astreintes"]
        assert line["amount"] == 70 and "astreinte_rate" in line["formula"]
        assert "astreinte_rate" in {m["option"] for m in december["missing_inputs"]}
        chosen = answer(client, base + "2025-12-01&astreinte_rate=150")["months"][0]
        assert {c["code"]: c["amount"] for c in chosen["components"]}["astreintes"] == 150
        problem(client.get(base + "2025-12-01&astreinte_rate=300"), 422, "astreinte_rate")  # a query parameter, as sent
        options = {o["name"]: o for o in client.get("/schemes/asr/simulation").json()["options"]}
        assert (options["astreinte_rate"]["minimum"], options["astreinte_rate"]["maximum"],
                options["astreinte_rate"]["default"]) == (70, 280, 70)

    def test_contribution_rates_2026(self, client: TestClient) -> None:
        result = answer(client, "/simulate?scheme=asr&region=28&start=2026-01-01&months=1")
        ircantec = parameter(client, result, "ircantec-tranche-a-salarie", "2026-01-01")
        assert Decimal(str(ircantec["value"])) == Decimal("0.0284") and ircantec["confirmed"] is False
        vieillesse = parameter(client, result, "vieillesse-plafonnee-salarie", "2023-01-01")
        assert any("D. 242-4" in s for s in vieillesse["sources"])

    def test_ircantec_on_the_university_part(self, client: TestClient) -> None:
        ccu_mg = answer(client, "/simulate?scheme=ccu-mg&region=32&start=2027-05-01&months=1&acts_per_week=20")
        ircantec = next(c for c in ccu_mg["months"][0]["contributions"] if c["code"] == "ircantec_a")
        assert ircantec["unconfirmed"] is True
        assert any("non confirmé" in n and "plus élevé de" in n for n in ccu_mg["notes"])
        # CCU-AH/AHU: an official page settles it (no IRCANTEC on astreintes, all the rest included).
        with_astreintes = answer(client, DONE_WHEN + "&astreintes_per_month=4")["months"][0]
        without = answer(client, DONE_WHEN)["months"][0]
        ircantec_with = {c["code"]: c for c in with_astreintes["contributions"]}["ircantec_a"]
        ircantec_without = {c["code"]: c for c in without["contributions"]}["ircantec_a"]
        assert ircantec_with["base"] == ircantec_without["base"] and ircantec_with["unconfirmed"] is False


class TestFaultsOfTheData:
    def test_chef_de_clinique_en_region_has_its_hospital_half(self, client: TestClient) -> None:
        simulated = answer(client, "/simulate?scheme=chef-clinique-region&region=32&start=2027-11-01&months=24")
        month = simulated["months"][0]
        lines = {c["code"]: c for c in month["components"]}
        assert lines["hospitalier"]["payer"] == "Centre hospitalier (CH)" and lines["hospitalier"]["amount"] > 0
        assert month["net"] > 2000  # the CH's half is no longer missing

    def test_400_mg_split_only_where_a_source_states_it(self, client: TestClient) -> None:
        hdf = {o["name"]: o for o in client.get("/schemes/mg-400/simulation").json()["options"]}
        assert (hdf["hospital_share"]["minimum"], hdf["hospital_share"]["maximum"]) == (40, 60)
        normandie = client.get("/simulate?scheme=mg-400&region=28&start=2027-11-01&months=24&hospital_share=70")
        assert normandie.status_code == 200
        assert "hospital_share" in {m["option"] for m in answer(client,
            "/simulate?scheme=mg-400&region=28&start=2027-11-01&months=24")["missing_inputs"]}
        problem(client.get("/simulate?scheme=mg-400&region=32&start=2027-11-01&months=24&hospital_share=70"), 422,
                "hospital_share")

    def test_dates_now_have_their_sources(self, client: TestClient) -> None:
        result = answer(client, "/simulate?scheme=ccu-mg&region=32&start=2024-01-01&months=1&acts_per_week=10")
        tariff = parameter(client, result, "tarif-consultation-g", "2023-11-01")
        assert tariff["valid_to"] == "2024-12-21"
        # No astreinte value dated by convention any more: the first one starts on 1 July 2023.
        asr = answer(client, "/simulate?scheme=asr&region=28&start=2024-01-01&months=1&astreintes_per_month=1")
        assert {p["valid_from"] for p in asr["parameters"] if p["code"] == "astreinte-nuit"} == {"2023-07-01"}

    def test_missing_inputs_are_named(self, client: TestClient) -> None:
        result = answer(client, "/simulate?scheme=ccu-mg&region=32&start=2027-05-01&months=24")
        missing = {m["option"]: m for m in result["missing_inputs"]}
        assert "acts_per_week" in missing and "0 €" in missing["acts_per_week"]["effect"]
        assert any(m["effect"] == n for m in result["missing_inputs"] for n in result["notes"])
        given = answer(client, "/simulate?scheme=ccu-mg&region=32&start=2027-05-01&months=24&acts_per_week=25")
        assert "acts_per_week" not in {m["option"] for m in given["missing_inputs"]}


class TestDocteurJunior:
    def test_in_the_catalogue_as_the_last_year_of_the_des(self, client: TestClient) -> None:
        scheme = client.get("/schemes/docteur-junior-mg").json()
        assert scheme["category"] == "des" and scheme["audience"] == "mg" and scheme["scope"] == "national"
        assert ("pas un poste de post-internat" in scheme["description"]
                or "non un poste de post-internat" in scheme["description"])
        assert "novembre 2027" in scheme["description"]

    def test_its_pay_as_the_texts_set_it(self, client: TestClient) -> None:
        base = "/simulate?scheme=docteur-junior-mg&region=53&start=2026-11-01&months=12"
        plain = answer(client, base)
        assert {m["option"] for m in plain["missing_inputs"]} >= {"acts_per_month", "zip_placement"}
        full = answer(client, base + "&acts_per_month=200&zip_placement=true")
        codes = [{c["code"]: c for c in m["components"]} for m in full["months"]]
        assert codes[0]["emoluments"]["amount"] == pytest.approx(27025 / 12, abs=0.01)  # arrêté du 11 février 2020
        assert codes[1]["indemnite-zip"]["amount"] == 1000
        assert codes[0]["indemnite-zip"]["amount"] < 1000  # from 2 November 2026
        assert [i for i, c in enumerate(codes) if "prime-activite" in c] == [5, 11]
        assert codes[5]["prime-activite"]["amount"] == 500
        below = answer(client, base + "&acts_per_month=199")
        assert all("prime-activite" not in {c["code"] for c in m["components"]} for m in below["months"])
        assert full["months"][0]["projected"] is True  # no revalued amount since 2020 was found


class TestHonestAboutAge:
    def test_messages_in_french_and_english(self, client: TestClient) -> None:
        french = answer(client, DONE_WHEN)
        english = answer(client, DONE_WHEN, headers={"Accept-Language": "en"})
        assert french["projection"]["text"] != english["projection"]["text"]
        assert "known until" in english["projection"]["text"] and "connue jusqu'au" in french["projection"]["text"]
