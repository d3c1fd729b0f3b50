"""POST/GET /simulate, /simulate/compare, /schemes/{slug}/simulation: figures, steps, explanations, errors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests.helpers import expand, problem


def simulate(client: TestClient, **body) -> dict:
    body.setdefault("region", "32")
    body.setdefault("start", "2024-11-01")
    body.setdefault("months", 24)
    # These tests read the documents' own figures: the published method (the default is now statutory).
    body.setdefault("method", "published")
    response = client.post("/simulate", json=body)
    assert response.status_code == 200, response.text
    return expand(response.json())


def published_monthly_net(client: TestClient, slug: str, region: str, *, exclude: tuple[str, ...] = ()) -> Decimal:
    """What the documents state a month pays in year 1: the sum of the scheme's monthly net pay components."""
    components = client.get(f"/schemes/{slug}").json()["pay_components"]
    return sum(
        (
            Decimal(str(c["amount"]))
            for c in components
            if c["basis"] == "net" and c["frequency"] == "monthly" and c["code"] not in exclude
            and (c["region"] is None or c["region"]["code"] == region)
            and (c["contract_years"]["first"] in (None, 1))
        ),
        Decimal("0"),
    )


def codes(month: dict) -> dict[str, dict]:
    return {c["code"]: c for c in month["components"]}


class TestDocumentedFigures:
    """The documents' monthly figures come back through the API (from the database). The engine's own cases, with
    every figure, are YAML scenarios: tests/simulation/scenarios/documents.yaml."""

    def test_ccu_ah_total_de_l_ordre_de_3883(self, client: TestClient) -> None:
        result = simulate(client, scheme="ccu-ah")
        month = result["months"][0]
        assert {c: v["amount"] for c, v in codes(month).items()} == {
            "ccu-ah-salaire-universitaire": 1392, "ccu-ah-remuneration-hospitaliere": 1480, "ccu-ah-iespe": 1010,
        }
        assert month["net"] == 3882 == float(published_monthly_net(client, "ccu-ah", "32"))
        assert abs(month["net"] - 3883) <= 1  # « un total de l'ordre de 3 883 € »
        assert any("3\u202f883,00 €" in note and "concorde" in note for note in result["notes"])
        assert all(m["net"] == 3882 for m in result["months"])

    @pytest.mark.parametrize(
        ("slug", "share", "expected"),
        [
            ("atp-regional", 50, 2668 + 850 + 800),  # PET 800 € net « pour un exercice à 50 % en périphérie »
            ("atp-regional", 0, 2668 + 850),
            ("assistant-bachelot", 20, 2668 + 850 + 360),  # PET 360 € net « pour un exercice à 20 % »
            ("assistant-bachelot", 0, 2668 + 850),
        ],
    )
    def test_assistants_with_each_prime_d_exercice_territorial(self, client, slug, share, expected) -> None:
        month = simulate(client, scheme=slug, options={"periphery_share": share})["months"][0]
        assert month["net"] == expected
        assert all(c["origin"] == "published" and c["sources"] for c in month["components"])

    @pytest.mark.parametrize("slug", ["ccu-mg", "aumg"])
    def test_university_salary_1392(self, client: TestClient, slug: str) -> None:
        month = simulate(client, scheme=slug)["months"][0]
        assert month["net"] == 1392 == float(published_monthly_net(client, slug, "32"))

    def test_chef_de_clinique_en_region_with_the_region_bonus_in_gross(self, client: TestClient) -> None:
        month = simulate(client, scheme="chef-clinique-region")["months"][0]
        lines = codes(month)
        assert lines["chef-clinique-region-salaire-universitaire"]["amount"] == 1392
        bonus = lines["chef-clinique-region-prime-region-hdf"]
        assert (bonus["amount"], bonus["basis"]) == (500, "gross")
        # The hospital half (CH) is paid by the chefs de clinique's hospital grid, gross, beside the 500 € gross bonus:
        # both go through contributions; the 1 392 € are already net.
        hospital = lines["hospitalier"]
        assert (hospital["amount"], hospital["basis"], hospital["payer"]) == (
            1554.9, "gross", "Centre hospitalier (CH)"
        )
        assert hospital["origin"] == "derived" and hospital["unconfirmed"] is True
        assert month["contributions_total"] > 0
        assert month["net"] == pytest.approx(1392 + 500 + 1554.9 - month["contributions_total"], abs=0.01)


class TestPayChanges:
    def test_96_month_ccu_mg_shows_the_third_year_step(self, client: TestClient) -> None:
        result = simulate(client, scheme="ccu-mg", start="2024-01-01", months=96, method="statutory")
        university = [codes(m)["universitaire"]["amount"] for m in result["months"]]
        assert len(university) == 96
        assert set(university[:24]) == {1480.90} and set(university[24:]) == {1724.50}  # 17 770,78 / 20 694,00 a year
        assert [y["contract_year"] for y in result["years"]] == list(range(1, 9))
        assert result["years"][2]["gross"] > result["years"][1]["gross"]

    def test_published_method_falls_back_to_the_grid_where_no_figure_is_published(self, client: TestClient) -> None:
        result = simulate(client, scheme="ccu-mg", start="2024-01-01", months=36)
        origins = [next(c["origin"] for c in m["components"] if c["category"] == "salary") for m in result["months"]]
        assert set(origins[:24]) == {"published"} and set(origins[24:]) == {"statutory_fallback"}
        assert any("statutory_fallback" in note for note in result["notes"])

    def test_quarterly_redevance_in_the_month_paid_with_its_monthly_equivalent(self, client: TestClient) -> None:
        result = simulate(client, scheme="ccu-mg", start="2024-01-01", months=12, options={"cpam_contract": True})
        paid = [codes(m).get("ccu-mg-redevance-cpam") for m in result["months"]]
        assert [p["amount"] if p else 0 for p in paid] == [0, 0, 1225, 0, 0, 1225, 0, 0, 1225, 0, 0, 1225]
        assert paid[2]["smoothed_monthly"] == pytest.approx(4900 / 12, abs=0.01)
        assert sum(p["amount"] for p in paid if p) == 4900

    def test_cpam_guarantee_tops_fees_up_to_10200_a_quarter(self, client: TestClient) -> None:
        result = simulate(client, scheme="ccu-mg", start="2024-01-01", months=6,
                          options={"cpam_contract": True, "acts_per_week": 20})
        for quarter in (result["months"][0:3], result["months"][3:6]):
            fees = sum(codes(m)["honoraires"]["amount"] for m in quarter)
            complement = codes(quarter[2])["ccu-mg-complement-cpam"]["amount"]
            assert fees + complement == pytest.approx(10200, abs=0.01)

    def test_no_guarantee_at_38_acts_a_week(self, client: TestClient) -> None:
        result = simulate(client, scheme="ccu-mg", start="2024-01-01", months=3,
                          options={"cpam_contract": True, "acts_per_week": 38})
        assert all("ccu-mg-complement-cpam" not in codes(m) for m in result["months"])
        assert any("38 actes" in note for note in result["notes"])

    def test_the_38_acts_threshold_is_a_dated_sourced_parameter(self, client: TestClient) -> None:
        # « sous réserve que le praticien effectue moins de 38 actes par semaine » (hdf-mg-2023), no official text.
        result = simulate(client, scheme="ccu-mg", start="2024-01-01", months=3,
                          options={"cpam_contract": True, "acts_per_week": 20})
        assert "ccu-mg-complement-cpam" in codes(result["months"][2])
        used = {p["code"]: p for p in result["parameters"]}
        threshold = used["ccu-mg-complement-cpam-seuil-actes-semaine"]
        assert (threshold["value"], threshold["confirmed"], threshold["valid_from"]) == (38, False, "2023-11-01")
        assert any("moins de 38 actes par semaine" in source for source in threshold["sources"])
        line = codes(result["months"][2])["ccu-mg-complement-cpam"]
        assert line["parameters"] == [
            {"code": "ccu-mg-complement-cpam-seuil-actes-semaine", "valid_from": "2023-11-01"}
        ]
        assert any("non confirmée" in note and "actes par semaine" in note for note in result["notes"])
        under = simulate(client, scheme="ccu-mg", start="2024-01-01", months=3,
                         options={"cpam_contract": True, "acts_per_week": 37})
        assert not any("non dû" in note for note in under["notes"])

    def test_consultation_tariff_revaluation_on_22_december_2024_is_day_weighted(self, client: TestClient) -> None:
        result = simulate(client, scheme="ccu-mg", start="2024-11-01", months=3, options={"acts_per_week": 7})
        fees = [codes(m)["honoraires"]["amount"] for m in result["months"]]
        # 7 acts a week = 1 a day: November at 26,50 €; December 21 days at 26,50 € and 10 at 30 €; January at 30 €.
        assert fees == [30 * 26.5, 21 * 26.5 + 10 * 30, 31 * 30]
        tariff_dates = {p["valid_from"] for p in codes(result["months"][1])["honoraires"]["parameters"]}
        assert tariff_dates == {"2023-11-01", "2024-12-22"}

    def test_garde_rates_in_force(self, client: TestClient) -> None:
        month = simulate(client, scheme="asr", region="28", months=1, options={"gardes_per_month": 4})["months"][0]
        gardes = codes(month)["gardes"]
        assert gardes["amount"] == pytest.approx(4 * 422.03)  # sujétion from 1 January 2024
        assert [p["valid_from"] for p in gardes["parameters"]] == ["2024-01-01"]

    def test_pmss_of_each_year(self, client: TestClient) -> None:
        result = simulate(client, scheme="ccu-ah", method="statutory", start="2024-12-01", months=2,
                          options={"gardes_per_month": 2})
        used = {(p["code"], p["valid_from"]) for p in result["parameters"]}
        assert ("pmss", "2024-01-01") in used and ("pmss", "2025-01-01") in used
        december, january = result["months"]
        assert december["gross"] == january["gross"] and december["net_salary"] != january["net_salary"]

    @pytest.mark.parametrize("share", [40, 50, 60])
    def test_400_mg_hospital_part_prorated(self, client: TestClient, share: int) -> None:
        month = simulate(client, scheme="mg-400", region="28", options={"hospital_share": share})["months"][0]
        assert month["gross"] == pytest.approx(round(58082.42 / 12 * share / 100, 2))

    def test_statutory_gross_to_net_is_explained(self, client: TestClient) -> None:
        month = simulate(client, scheme="asr", region="28", months=1)["months"][0]
        assert month["gross"] == 2803.59 + 1010
        total = sum(c["amount"] for c in month["contributions"])
        assert month["net"] == pytest.approx(round(month["gross"] - total, 2))
        assert {c["code"] for c in month["contributions"]} == {
            "vieillesse_plafonnee", "vieillesse_deplafonnee", "ircantec_a", "ircantec_b", "csg_deductible",
            "csg_non_deductible", "crds",
        }

    def test_methods_disagreeing_is_said(self, client: TestClient) -> None:
        check = simulate(client, scheme="ccu-ah")["method_check"]
        assert check["agree"] is False and check["other_method"] == "statutory"
        assert check["difference"] == pytest.approx(check["total_net"] - check["other_total_net"], abs=0.01)
        assert "divergent" in check["detail"]

    def test_every_figure_has_a_source_or_is_an_input(self, client: TestClient) -> None:
        result = simulate(client, scheme="atp-regional", method="statutory",
                          options={"periphery_share": 50, "gardes_per_month": 2, "astreintes_per_month": 3})
        for month in result["months"]:
            for component in month["components"]:
                assert component["sources"] and component["formula"]
        for parameter in result["parameters"]:
            assert parameter["sources"], parameter["code"]

    def test_unconfirmed_values_are_flagged(self, client: TestClient) -> None:
        result = simulate(client, scheme="ccu-ah", method="statutory")
        flagged = [p for p in result["parameters"] if not p["confirmed"]]
        assert flagged and any("non confirmée" in note for note in result["notes"])

    def test_totals_average_and_years_add_up(self, client: TestClient) -> None:
        result = simulate(client, scheme="atp-regional", months=18, options={"periphery_share": 50})
        total = sum(Decimal(str(m["net"])) for m in result["months"])
        assert Decimal(str(result["totals"]["net"])) == total
        assert result["monthly_average"]["net"] == pytest.approx(float(total) / 18, abs=0.01)
        assert [y["months"] for y in result["years"]] == [12, 6]
        assert sum(Decimal(str(y["net"])) for y in result["years"]) == total

    def test_amounts_have_at_most_two_decimals(self, client: TestClient) -> None:
        result = simulate(client, scheme="ccu-mg", months=12, options={"acts_per_week": 23, "cpam_contract": True})
        for month in result["months"]:
            for key in ("net", "net_salary", "other_income"):
                assert Decimal(str(month[key])) == Decimal(str(month[key])).quantize(Decimal("0.01"))


class TestCategories:
    """Each published component's category is declared by its pay model, not guessed from its code."""

    def test_published_components_have_their_declared_category(self, client: TestClient) -> None:
        chef = codes(simulate(client, scheme="chef-clinique-region", months=1)["months"][0])
        assert chef["chef-clinique-region-prime-region-hdf"]["category"] == "bonus"
        assert chef["chef-clinique-region-salaire-universitaire"]["category"] == "salary"
        bachelot = codes(simulate(client, scheme="assistant-bachelot", months=1,
                                  options={"periphery_share": 50})["months"][0])
        assert bachelot["assistant-bachelot-iespe"]["category"] == "allowance"
        assert bachelot["assistant-bachelot-traitement-base"]["category"] == "salary"
        cpam = codes(simulate(client, scheme="ccu-mg", start="2024-01-01", months=3,
                              options={"cpam_contract": True})["months"][2])
        assert cpam["ccu-mg-redevance-cpam"]["category"] == "cpam"


class TestTax:
    def test_neutral_rate_of_the_2024_grid(self, client: TestClient) -> None:
        month = simulate(client, scheme="asr", region="28", months=1, options={"tax": "neutral"})["months"][0]
        tax = month["tax"]
        assert tax["rate"] == 0.099  # 3 052–3 476 € band of the 2024 grid
        assert tax["amount"] == pytest.approx(round(tax["base"] * 0.099, 2))
        assert tax["net_after_tax"] == pytest.approx(month["net"] - tax["amount"], abs=0.01)

    def test_personal_rate(self, client: TestClient) -> None:
        result = simulate(client, scheme="asr", region="28", months=3, options={"tax": "personal", "tax_rate": 7.5})
        assert all(m["tax"]["amount"] == pytest.approx(round(m["tax"]["base"] * 0.075, 2)) for m in result["months"])
        totals = result["totals"]
        assert totals["net_after_tax"] == pytest.approx(totals["net"] - totals["tax"], abs=0.01)

    def test_every_month_has_its_tax_the_last_grid_carried_forward(self, client: TestClient) -> None:
        # 2024 grid to 30 April 2025, the 1 May 2025 grid to 30 April 2026, then carried forward (2026 grid not found).
        result = simulate(client, scheme="asr", region="28", start="2025-04-01", months=14, options={"tax": "neutral"})
        assert all(m["tax"] is not None for m in result["months"]) and result["totals"]["tax"] is not None
        grids = {p["valid_from"] for p in result["parameters"] if p["code"] == "taux-neutre-mensuel"}
        assert grids == {"2024-01-01", "2025-05-01"}
        projected = [m["month"] for m in result["months"] if m["projected"]]
        assert projected[0] == "2026-05"  # the 1 May 2026 grid was not found: the 2025 grid is carried
        assert "taux-neutre-mensuel" in {v["code"] for v in result["projection"]["values"]}


class TestNormalizedAnswer:
    """What repeats is listed once and referred to by id: every id resolves (tests.helpers.expand), every entry
    listed is used, and a month's detail, a line or a citation shared by several places is not repeated."""

    @pytest.mark.parametrize("body", [
        {"scheme": "ccu-ah", "start": "2027-11-01", "method": "statutory"},
        {"scheme": "atp-regional", "method": "statutory", "options": {"periphery_share": 50, "gardes_per_month": 2}},
        {"scheme": "ccu-mg", "months": 96, "options": {"acts_per_week": 30, "cpam_contract": True, "tax": "neutral"}},
    ])
    def test_every_entry_is_listed_once_and_used(self, client: TestClient, body: dict) -> None:
        body = {"region": "32", "start": "2024-11-01", "months": 24, **body}
        answer = client.post("/simulate", json=body).json()
        expand(answer)  # every reference resolves
        for key, id_key in (("breakdowns", "id"), ("component_lines", "id"), ("contribution_lines", "id"),
                            ("components", "id"), ("contributions", "code"), ("sources", "id"),
                            ("documents", "id")):
            ids = [item[id_key] for item in answer[key]]
            assert len(ids) == len(set(ids)), key
        # Each breakdown is the detail of the months that point at it, and no two are the same.
        assert sorted(m for b in answer["breakdowns"] for m in b["months"]) == sorted(m["month"]
                                                                                     for m in answer["months"])
        for breakdown in answer["breakdowns"]:
            assert {m["breakdown"] for m in answer["months"] if m["month"] in breakdown["months"]} == {breakdown["id"]}
        details = [(tuple(b["components"]), tuple(b["contributions"])) for b in answer["breakdowns"]]
        assert len(details) == len(set(details))
        # No line is listed twice (its fields but its id), and every line, definition and citation is used.
        for key in ("component_lines", "contribution_lines"):
            contents = [repr(sorted((k, repr(v)) for k, v in line.items() if k != "id")) for line in answer[key]]
            assert len(contents) == len(set(contents)), key
        used_lines = {i for b in answer["breakdowns"] for i in (*b["components"], *b["contributions"])}
        assert used_lines == {line["id"] for line in (*answer["component_lines"], *answer["contribution_lines"])}
        assert {line["component"] for line in answer["component_lines"]} == {c["id"] for c in answer["components"]}
        assert ({line["contribution"] for line in answer["contribution_lines"]}
                == {c["code"] for c in answer["contributions"]})
        cited = [*(s for line in answer["component_lines"] for s in line["sources"]),
                 *(s for line in answer["component_lines"] if line["brochure"] for s in line["brochure"]["sources"]),
                 *(s for p in answer["parameters"] for s in p["sources"]),
                 *(s for m in answer["missing_inputs"] for s in m["sources"]),
                 *((answer["brochure"] or {}).get("sources") or [])]
        assert set(cited) == {s["id"] for s in answer["sources"]}
        assert ({s["document"] for s in answer["sources"] if s["document"]}
                == {d["id"] for d in answer["documents"]})

    def test_identical_months_share_one_breakdown(self, client: TestClient) -> None:
        # The same grids and rates all along (nothing changes between November 2027 and October 2029).
        answer = client.post("/simulate", json={"scheme": "ccu-ah", "region": "32", "start": "2027-11-01",
                                                "months": 24}).json()
        assert len(answer["breakdowns"]) == 1 and len(answer["breakdowns"][0]["months"]) == 24

    def test_the_openapi_example_is_the_live_answer(self, client: TestClient) -> None:
        from app.simulation import example

        documented = client.get("/openapi.json").json()["paths"]["/simulate"]["post"]["responses"]["200"]
        shown = documented["content"]["application/json"]["example"]
        live = client.post("/simulate", json=example.REQUEST).json()
        assert shown == live, "the catalogue changed: run `python -m app.openapi --example`"


class TestLinksAndExports:
    def test_get_gives_the_same_result_as_post(self, client: TestClient) -> None:
        body = simulate(client, scheme="atp-regional", method="statutory",
                        options={"periphery_share": 50, "gardes_per_month": 2})
        response = client.get("/simulate?scheme=atp-regional&region=32&start=2024-11-01&months=24"
                              "&periphery_share=50&gardes_per_month=2")
        assert response.status_code == 200 and expand(response.json()) == body

    def test_csv_export(self, client: TestClient) -> None:
        for response in (
            client.get("/simulate?scheme=ccu-ah&region=32&start=2024-11-01&months=24&method=published&format=csv"),
            client.post("/simulate", json={"scheme": "ccu-ah", "region": "32", "start": "2024-11-01", "months": 24,
                                           "method": "published"}, headers={"Accept": "text/csv"}),
        ):
            assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
            rows = response.text.strip().split("\r\n")
            assert rows[0].startswith("month,contract_year,projected,gross,contributions,net_salary,other_income,net")
            assert len(rows) == 25 and rows[1].startswith("2024-11,1,false,,,3882.00,0.00,3882.00")
        statutory = client.get(
            "/simulate?scheme=ccu-ah&region=32&start=2026-11-01&months=3&format=csv"
        ).text.split("\r\n")
        assert [row[:14] for row in statutory[1:4]] == ["2026-11,1,fals", "2026-12,1,fals", "2027-01,1,true"]

    def test_compare_side_by_side(self, client: TestClient) -> None:
        response = client.post("/simulate/compare", json={"start": "2024-11-01", "months": 12, "items": [
            {"scheme": "ccu-ah", "region": "32", "method": "published"},
            {"scheme": "atp-regional", "region": "32", "options": {"periphery_share": 50}, "label": "ATP 50 %",
             "method": "published"},
            {"scheme": "ccu-ah", "region": "32"},
        ]})
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["months"]) == 12 and [i["label"] for i in body["items"]][1] == "ATP 50 %"
        assert body["items"][0]["net_by_month"][0] == 3882 and body["items"][1]["net_by_month"][0] == 4318
        assert body["items"][2]["totals"]["net"] < body["items"][0]["totals"]["net"]

    def test_compare_names_the_bad_item(self, client: TestClient) -> None:
        response = client.post("/simulate/compare", json={"start": "2024-11-01", "months": 24, "items": [
            {"scheme": "ccu-ah", "region": "32"}, {"scheme": "assistant-douleur-soins-palliatifs", "region": "28"},
        ]})
        assert problem(response, 422, "items[1].months")

    def test_options_are_discoverable(self, client: TestClient) -> None:
        body = client.get("/schemes/mg-400/simulation").json()
        options = {o["name"]: o for o in body["options"]}
        assert options["hospital_share"] | {"description": ""} == {
            "name": "hospital_share", "type": "integer", "default": 50, "minimum": 40, "maximum": 60, "description": ""}
        assert body["max_months"] == 24 and body["regions"] == ["28", "32", "75"]
        coverage = body["coverage"]
        # PMSS 2026 is the newest value (1 January 2026): starts to 36 months later; the PMSS is known to 2026.
        assert (coverage["first_start"], coverage["last_start"], coverage["known_until"]) == (
            "2024-01-01", "2029-01-01", "2026-12-31")
        assert "projected" in coverage["text"]
        assert "periphery_share" not in options
        atp = {o["name"]: o for o in client.get("/schemes/atp-regional/simulation").json()["options"]}
        assert atp["periphery_share"]["default"] == 50 and "region_bonus" in atp

    def test_unknown_scheme_options_404(self, client: TestClient) -> None:
        problem(client.get("/schemes/nope/simulation"), 404, "slug")


class TestErrors:
    @pytest.mark.parametrize(
        ("body", "field", "words"),
        [
            ({"scheme": "chef-clinique-region", "months": 25}, "months", "24 months at most"),
            ({"scheme": "ccu-mg", "months": 97}, "months", "96 months at most"),
            ({"scheme": "assistant-douleur-soins-palliatifs", "region": "28", "months": 13}, "months",
             "12 months at most"),
            ({"scheme": "asr", "region": "32"}, "region", "documented in: 28"),
            ({"scheme": "ccu-ah", "start": "2022-11-01"}, "start", "from 2024-01-01 to 2029-01-01"),
            ({"scheme": "ccu-ah", "start": "2029-02-01"}, "start", "from 2024-01-01 to 2029-01-01"),
            ({"scheme": "ccu-ah", "start": "2024-11-15"}, "start", "first day of a month"),
            ({"scheme": "ccu-ah", "options": {"acts_per_week": 10}}, "options.acts_per_week", "does not apply"),
            ({"scheme": "mg-400", "region": "32", "options": {"hospital_share": 70}}, "options.hospital_share",
             "between 40 and 60"),
            ({"scheme": "ccu-mg", "options": {"tax": "personal"}}, "options.tax_rate", "needs tax_rate"),
            ({"scheme": "ccu-mg", "options": {"acts_per_week": 10, "liberal_fees_monthly": 100}},
             "options.liberal_fees_monthly", "not both"),
            ({"scheme": "chef-de-gare"}, "scheme", "Unknown scheme"),
        ],
    )
    def test_clear_422(self, client: TestClient, body: dict, field: str, words: str) -> None:
        payload = {"region": "32", "start": "2024-11-01", "months": 24} | body
        english = problem(client.post("/simulate", json=payload, headers={"Accept-Language": "en"}), 422, field)
        assert words in english["detail"], english["detail"]
        # French by default, with the same field named, and the same with lang=fr on an English Accept-Language.
        french = problem(client.post("/simulate", json=payload), 422, field)
        assert french["detail"] != english["detail"]
        forced = client.post("/simulate?lang=fr", json=payload, headers={"Accept-Language": "en;q=1"})
        assert forced.json()["detail"] == french["detail"]

    def test_messages_follow_accept_language_q_values(self, client: TestClient) -> None:
        payload = {"scheme": "ccu-ah", "region": "32", "start": "2024-11-15", "months": 24}
        prefers_french = client.post("/simulate", json=payload, headers={"Accept-Language": "en;q=0.3, fr;q=0.9"})
        assert "premier jour d'un mois" in prefers_french.json()["detail"]
        assert prefers_french.headers["content-language"] == "fr"
        assert "Accept-Language" in prefers_french.headers["vary"]
        prefers_english = client.post("/simulate", json=payload, headers={"Accept-Language": "de, en-GB;q=0.8"})
        assert "first day of a month" in prefers_english.json()["detail"]

    def test_notes_and_method_check_in_both_languages(self, client: TestClient) -> None:
        query = "/simulate?scheme=ccu-ah&region=32&start=2027-11-01&months=24"
        french, english = client.get(query).json(), client.get(query + "&lang=en").json()
        assert "La méthode published" in french["method_check"]["detail"]
        assert "The published method" in english["method_check"]["detail"]
        assert french["brochure"]["text"].startswith("La brochure annonce")
        assert english["brochure"]["text"].startswith("The brochure announces")
        assert any("la dernière valeur connue est reprise" in n for n in french["notes"])
        assert any("carried forward" in n for n in english["notes"])
        assert english["months"] == french["months"] or all(
            e["net"] == f["net"] for e, f in zip(english["months"], french["months"], strict=True))

    def test_request_validation_errors_in_french_by_default(self, client: TestClient) -> None:
        payload = {"scheme": "ccu-ah", "region": "32", "start": "2024-11-01", "months": 0}
        french = problem(client.post("/simulate", json=payload), 422, "months")
        assert french["errors"][0]["message"] == "Doit être supérieur ou égal à 1."
        english = problem(client.post("/simulate", json=payload, headers={"Accept-Language": "en"}), 422, "months")
        assert english["errors"][0]["message"] == "Input should be greater than or equal to 1"

    def test_maximum_length_cites_its_source(self, client: TestClient) -> None:
        body = {"scheme": "ccu-mg", "region": "32", "start": "2024-11-01", "months": 100}
        found = problem(client.post("/simulate", json=body), 422, "months")
        assert "CNU" in found["detail"] and "000_1d8328fa8c568d58.txt" in found["detail"]

    def test_region_error_lists_where_offered(self, client: TestClient) -> None:
        body = {"scheme": "aumg", "region": "53", "start": "2024-11-01", "months": 24}
        found = problem(client.post("/simulate", json=body), 422, "region")
        assert found["errors"][0]["allowed"] == ["11", "28", "32", "44", "76", "93"]

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"region": "32", "start": "2024-11-01", "months": 24}, "scheme"),
            ({"scheme": "ccu-ah", "region": "32", "start": "2024-11-01", "months": 0}, "months"),
            ({"scheme": "ccu-ah", "region": "32", "start": "demain", "months": 24}, "start"),
            ({"scheme": "ccu-ah", "region": "32", "start": "2024-11-01", "months": 24, "options": {"colour": 1}},
             "options.colour"),
            ({"scheme": "ccu-ah", "region": "32", "start": "2024-11-01", "months": 24, "method": "magic"}, "method"),
        ],
    )
    def test_malformed_bodies(self, client: TestClient, payload: dict, field: str) -> None:
        problem(client.post("/simulate", json=payload), 422, field)

    def test_not_json(self, client: TestClient) -> None:
        response = client.post("/simulate", content=b"{not json", headers={"Content-Type": "application/json"})
        assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")


class TestFuzzFindings:
    @pytest.mark.parametrize("start", [0, 1730419200, "1730419200", "2024-11-1"])
    def test_start_is_a_yyyy_mm_dd_date(self, client: TestClient, start: object) -> None:
        payload = {"scheme": "ccu-ah", "region": "32", "start": start, "months": 1}
        problem(client.post("/simulate", json=payload), 422, "start")
        problem(client.get(f"/simulate?scheme=ccu-ah&region=32&months=1&start={start}"), 422, "start")

    def test_unparseable_json_is_a_documented_problem(self, client: TestClient) -> None:
        response = client.post("/simulate/compare", content=b"\xff\x00garbage",
                               headers={"Content-Type": "application/json"})
        assert response.status_code in (400, 422) and response.json()["status"] == response.status_code
        documented = client.get("/openapi.json").json()["paths"]["/simulate/compare"]["post"]["responses"]
        assert str(response.status_code) in documented
