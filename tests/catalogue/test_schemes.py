"""GET /schemes and GET /schemes/{slug}."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import problem

ALL_SLUGS = {
    "ccu-mg", "chef-clinique-region", "aumg", "mg-400", "ccu-ah", "ahu", "atp-regional", "assistant-bachelot",
    "assistant-ambulatoire", "asr", "astp-ville-hopital", "assistant-mixte-ville-hopital",
    "assistant-douleur-soins-palliatifs", "docteur-junior-mg", "asp-ars-idf",
}
OPEN_TO_ALL = {
    "chef-clinique-region", "asr", "astp-ville-hopital", "assistant-mixte-ville-hopital",
    "assistant-douleur-soins-palliatifs", "asp-ars-idf",
}
# The docteur junior year is the last year of the general-practice DES, listed nationally (not a post-internat post).
DES_YEAR = {"docteur-junior-mg"}
MG_ONLY = {"ccu-mg", "aumg", "mg-400"} | DES_YEAR
SPECIALIST_ONLY = {"ccu-ah", "atp-regional", "assistant-bachelot", "assistant-ambulatoire"}


def slugs(client: TestClient, query: str = "") -> set[str]:
    response = client.get(f"/schemes?limit=200&{query}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return {item["slug"] for item in body["items"]}


class TestListSchemes:
    def test_lists_every_scheme_with_the_contract_slugs(self, client: TestClient) -> None:
        assert slugs(client) == ALL_SLUGS

    def test_page_shape(self, client: TestClient) -> None:
        body = client.get("/schemes?limit=5&offset=2").json()
        assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (15, 5, 2, 5)
        item = body["items"][0]
        for key in ("slug", "name", "category", "audience", "regions", "duration", "headline_pay", "url"):
            assert key in item

    def test_pages_cover_everything_once(self, client: TestClient) -> None:
        seen = []
        for offset in range(0, len(ALL_SLUGS), 4):
            seen += [i["slug"] for i in client.get(f"/schemes?limit=4&offset={offset}").json()["items"]]
        assert sorted(seen) == sorted(ALL_SLUGS)

    def test_audience_mg(self, client: TestClient) -> None:
        assert slugs(client, "audience=mg") == MG_ONLY | OPEN_TO_ALL

    def test_audience_specialist(self, client: TestClient) -> None:
        assert slugs(client, "audience=specialist") == SPECIALIST_ONLY | OPEN_TO_ALL | {"ahu"}

    def test_region_normandie(self, client: TestClient) -> None:
        assert slugs(client, "region=28") == {
            "aumg", "mg-400", "asr", "astp-ville-hopital", "assistant-mixte-ville-hopital",
            "assistant-douleur-soins-palliatifs", "docteur-junior-mg", "ccu-ah", "ahu", "assistant-bachelot", "ccu-mg",
        }

    def test_region_hauts_de_france_mg(self, client: TestClient) -> None:
        assert slugs(client, "audience=mg&region=32") == {"ccu-mg", "chef-clinique-region", "aumg", "mg-400"} | DES_YEAR

    def test_region_without_known_scheme_is_empty_not_an_error(self, client: TestClient) -> None:
        body = client.get("/schemes?region=94&category=universitaire").json()
        page = {k: v for k, v in body.items() if k not in ("as_of", "facets")}
        assert page == {"items": [], "total": 0, "limit": 50, "offset": 0}

    def test_national_des_year_is_listed_in_every_region_as_national_text(self, client: TestClient) -> None:
        # Corse: the DES year and the national shared assistants, no CHU post (no CHU there).
        assert slugs(client, "region=94") == DES_YEAR | {"assistant-bachelot"}
        detail = client.get("/schemes/docteur-junior-mg").json()
        assert detail["category"] == "des" and len(detail["availability"]) == 18
        assert {a["evidence"] for a in detail["availability"]} == {"national_text"}

    def test_specialty_general_practice(self, client: TestClient) -> None:
        assert slugs(client, "specialty=medecine-generale") == slugs(client, "audience=mg")

    def test_specialty_listed_discipline_sees_ahu(self, client: TestClient) -> None:
        biology = slugs(client, "specialty=biologie-medicale")
        cardiology = slugs(client, "specialty=medecine-cardiovasculaire")
        assert "ahu" in biology and "ahu" not in cardiology
        assert biology - {"ahu"} == cardiology == SPECIALIST_ONLY | OPEN_TO_ALL

    def test_category(self, client: TestClient) -> None:
        assert slugs(client, "category=universitaire") == {"ccu-mg", "chef-clinique-region", "aumg", "ccu-ah", "ahu"}

    @pytest.mark.parametrize("q", ["MÉDECINE GÉNÉRALE", "Médecine   générale", "médecine-générale"])
    def test_text_search_ignores_case_and_accents(self, client: TestClient, q: str) -> None:
        plain = slugs(client, "q=medecine generale")
        assert "ccu-mg" in plain and plain < ALL_SLUGS
        assert slugs(client, f"q={q}") == plain

    def test_text_search_finds_accented_words_without_accents(self, client: TestClient) -> None:
        assert "assistant-douleur-soins-palliatifs" in slugs(client, "q=palliatifs fin de vie")
        assert slugs(client, "q=ile de france") == slugs(client, "q=Île-de-France") != set()

    def test_text_search_every_word_must_match(self, client: TestClient) -> None:
        assert slugs(client, "q=bachelot") == {"assistant-bachelot"}
        assert slugs(client, "q=bachelot douleur") == set()

    def test_text_search_treats_like_wildcards_literally(self, client: TestClient) -> None:
        # Unescaped, "m%g" would be a LIKE pattern matching nearly every text.
        assert slugs(client, "q=m%25g") == set()

    def test_blank_query_is_no_filter(self, client: TestClient) -> None:
        assert slugs(client, "q=") == slugs(client, "q=%20-%20") == ALL_SLUGS

    def test_sort_by_name_and_descending(self, client: TestClient) -> None:
        names = [i["name"] for i in client.get("/schemes?limit=200&sort=name").json()["items"]]
        reverse = [i["name"] for i in client.get("/schemes?limit=200&sort=-name").json()["items"]]
        assert reverse == names[::-1]

    def test_sort_by_duration_puts_unknown_last(self, client: TestClient) -> None:
        items = client.get("/schemes?limit=200&sort=duration").json()["items"]
        months = [i["duration"]["initial_months"] for i in items]
        known = [m for m in months if m is not None]
        assert known == sorted(known) and months[: len(known)] == known
        assert items[0]["slug"] == "assistant-douleur-soins-palliatifs"

    def test_headline_pay_published_total(self, client: TestClient) -> None:
        item = next(i for i in client.get("/schemes?q=ccu-ah").json()["items"] if i["slug"] == "ccu-ah")
        assert item["headline_pay"]["amount"] == 3883
        assert item["headline_pay"]["approximate"] is True
        assert item["headline_pay"]["method"] == "published_total"

    def test_headline_pay_sum_of_components(self, client: TestClient) -> None:
        items = client.get("/schemes?region=32&limit=200").json()["items"]
        item = next(i for i in items if i["slug"] == "atp-regional")
        headline = item["headline_pay"]
        assert (headline["amount"], headline["basis"], headline["method"]) == (3518, "net", "sum_of_components")
        assert headline["components"] == ["atp-regional-traitement-base", "atp-regional-iespe"]
        # By the one euro formatter (app.core.money), as the change feed and the pages write amounts: narrow no-break
        # space between thousands, no-break space before the euro sign, cents only when there are.
        assert headline["text"].startswith("3\u202f518\u00a0€ net par mois (Traitement de base 2\u202f668\u00a0€ + ")

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("audience=generaliste", "audience"),
            ("category=prive", "category"),
            ("region=2A", "region"),
            ("limit=0", "limit"),
            ("limit=1000", "limit"),
            ("offset=-1", "offset"),
            ("sort=price", "sort"),
        ],
    )
    def test_invalid_values_are_422_naming_the_field(self, client: TestClient, query: str, field: str) -> None:
        problem(client.get(f"/schemes?{query}"), 422, field)

    def test_invalid_enum_lists_allowed_values(self, client: TestClient) -> None:
        body = problem(client.get("/schemes?audience=x"), 422, "audience")
        assert body["errors"][0]["allowed"] == ["mg", "specialist"]

    def test_unknown_region_code_is_422_listing_codes(self, client: TestClient) -> None:
        body = problem(client.get("/schemes?region=99"), 422, "region")
        assert len(body["errors"][0]["allowed"]) == 18 and "28" in body["errors"][0]["allowed"]

    def test_unknown_specialty_is_422_listing_codes(self, client: TestClient) -> None:
        body = problem(client.get("/schemes?specialty=astrologie"), 422, "specialty")
        assert "medecine-generale" in body["errors"][0]["allowed"]


class TestGetScheme:
    def test_unknown_slug_is_404_problem(self, client: TestClient) -> None:
        body = problem(client.get("/schemes/chef-de-gare"), 404, "slug")
        assert "ccu-mg" in body["errors"][0]["allowed"]

    @pytest.mark.parametrize("slug", sorted(ALL_SLUGS))
    def test_every_scheme_is_complete_and_sourced(self, client: TestClient, slug: str) -> None:
        response = client.get(f"/schemes/{slug}")
        assert response.status_code == 200
        scheme = response.json()
        assert scheme["slug"] == slug and scheme["description"] and scheme["audience_text"]
        assert scheme["regions"], "every scheme is documented in at least one region"
        assert scheme["duration"]["sources"] and scheme["rules"]
        cited = {s["id"] for s in scheme["sources"]}
        for block in ("rules", "availability", "pay_components", "published_totals", "funding", "contacts", "calendar"):
            for item in scheme[block]:
                assert item["sources"], f"{block} item without source: {item}"
                assert {c["doc"] for c in item["sources"]} <= cited

    def test_ccu_mg_duration_rules(self, client: TestClient) -> None:
        duration = client.get("/schemes/ccu-mg").json()["duration"]
        assert (duration["initial_months"], duration["renewals"], duration["renewal_months"]) == (24, 2, 12)
        assert (duration["standard_max_months"], duration["max_months"]) == (48, 96)
        assert "CNU" in duration["max_condition"]

    def test_chef_clinique_region_cannot_be_extended(self, client: TestClient) -> None:
        duration = client.get("/schemes/chef-clinique-region").json()["duration"]
        assert (duration["initial_months"], duration["max_months"], duration["extendable"]) == (24, 24, False)

    def test_ccu_ah_pay_components_with_sources(self, client: TestClient) -> None:
        scheme = client.get("/schemes/ccu-ah").json()
        pay = {c["code"]: c for c in scheme["pay_components"]}
        university = pay["ccu-ah-salaire-universitaire"]
        assert (university["amount"], university["basis"], university["frequency"]) == (1392, "net", "monthly")
        assert university["contract_years"] == {"first": 1, "last": 2}
        assert university["sources"][0]["file"] == "001_12458cd984a7783c.txt"
        assert "1 392 €" in university["sources"][0]["quote"]
        assert pay["ccu-ah-remuneration-hospitaliere"]["amount"] == 1480
        assert pay["ccu-ah-iespe"]["amount"] == 1010
        assert [t["amount"] for t in scheme["published_totals"]] == [3883]

    def test_funding_is_kept_apart_from_pay(self, client: TestClient) -> None:
        scheme = client.get("/schemes/aumg").json()
        assert {c["amount"] for c in scheme["pay_components"]} == {1392}
        funding = {c["region"]["code"]: c for c in scheme["funding"]}
        assert set(funding) == {"11", "32", "93"}
        assert all(c["amount"] == 2000 and c["recipient"] != "médecin" for c in funding.values())

    def test_ccu_mg_cpam_amounts(self, client: TestClient) -> None:
        pay = {c["code"]: c for c in client.get("/schemes/ccu-mg").json()["pay_components"]}
        fee = pay["ccu-mg-redevance-cpam"]
        assert (fee["amount"], fee["frequency"], fee["payment_frequency"], fee["payer"]) == (
            4900, "yearly", "quarterly", "CPAM"
        )
        top_up = pay["ccu-mg-complement-cpam"]
        assert (top_up["amount"], top_up["basis"], top_up["calculation"]) == (10200, "gross", "top_up_to")
        assert any("38" in condition for condition in top_up["conditions"])

    def test_ahu_lists_its_disciplines(self, client: TestClient) -> None:
        scheme = client.get("/schemes/ahu").json()
        assert scheme["audience"] == "disciplines"
        assert [s["code"] for s in scheme["eligible_specialties"]] == ["biologie-medicale"]
        assert all(s["confirmed"] is False for s in scheme["specialties_unconfirmed"])

    def test_work_split_of_400_mg(self, client: TestClient) -> None:
        split = client.get("/schemes/mg-400").json()["work_split"]
        assert (split["default_pct"], split["min_pct"], split["max_pct"]) == (50, 40, 60)

    def test_scheme_lists_contacts_and_calendar(self, client: TestClient) -> None:
        scheme = client.get("/schemes/asr").json()
        assert "sandrine.beaulieu@ars.sante.fr" in {c["email"] for c in scheme["contacts"]}
        assert "2024-02-16" in {e["date"] for e in scheme["calendar"]}
