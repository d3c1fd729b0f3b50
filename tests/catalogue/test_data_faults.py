"""Faults found in a review of the data, checked through the HTTP API (the issue « revue des données »).

1. AHU: only the DES a text places in the biological disciplines is a plain match; the DES that are only leads
   are listed as unconfirmed, in the scheme and in `GET /schemes?specialty=`.
2. Douleur / soins palliatifs: the 12 months are a funding period, not a statutory maximum; Normandie's ranking
   and selection rules are not this scheme's.
3. 400 MG: the 40–60 % split is stated by the Hauts-de-France document only.
4. AUMG: the regions only named by the PACA note are `mentioned`, not `documented`.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

UNCONFIRMED_NOTE = "Aucun texte lu ne classe ce DES parmi les disciplines biologiques, mixtes ou pharmaceutiques"
AHU_LEADS = {
    "anatomie-et-cytologie-pathologiques", "medecine-nucleaire", "genetique-medicale", "hematologie", "sante-publique",
    "medecine-legale-et-expertises-medicales", "medecine-et-sante-au-travail", "radiologie-et-imagerie-medicale",
    "maladies-infectieuses-et-tropicales",
}


def _get(client: TestClient, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


# --- 1. AHU ----------------------------------------------------------------------------------------------


class TestAhuDisciplines:
    def test_biologie_medicale_is_the_only_confirmed_des_and_cites_the_des_list(self, client: TestClient) -> None:
        scheme = _get(client, "/schemes/ahu")
        (bio,) = scheme["eligible_specialties"]
        assert (bio["code"], bio["confirmed"]) == ("biologie-medicale", True)
        assert "arrete-2017-04-12-des" in {c["doc"] for c in bio["eligibility_sources"]}

    def test_the_leads_are_listed_as_unconfirmed_with_the_note(self, client: TestClient) -> None:
        scheme = _get(client, "/schemes/ahu")
        unconfirmed = {s["code"]: s for s in scheme["specialties_unconfirmed"]}
        assert set(unconfirmed) == AHU_LEADS
        for entry in unconfirmed.values():
            assert entry["confirmed"] is False
            assert UNCONFIRMED_NOTE in entry["note"]
            assert "decret-2021-1645" in {c["doc"] for c in entry["eligibility_sources"]}

    def test_the_decree_is_a_source_with_its_sentence_on_ahu(self, client: TestClient) -> None:
        scheme = _get(client, "/schemes/ahu")
        decree = {s["id"]: s for s in scheme["sources"]}["decret-2021-1645"]
        assert decree["kind"] == "official_text"
        assert decree["read_on"] == "2026-12-01"
        assert decree["url"].startswith("https://juriblio.fr/decrets/decret-no-2021-1645-du-13-decembre-2021/")
        rule = next(r for r in scheme["rules"] if r["kind"] == "eligibility")
        quotes = {c["quote"] for c in rule["sources"] if c["doc"] == "decret-2021-1645"}
        assert any(
            "disciplines médicales biologiques et mixtes et dans les disciplines pharmaceutiques" in q for q in quotes
        )

    def test_audience_text_no_longer_claims_an_unsourced_restriction(self, client: TestClient) -> None:
        text = _get(client, "/schemes/ahu")["audience_text"]
        assert "seule la biologie médicale" not in text

    @pytest.mark.parametrize("code", sorted(AHU_LEADS))
    def test_filtering_by_a_lead_marks_the_match_unconfirmed(self, client: TestClient, code: str) -> None:
        items = {i["slug"]: i for i in _get(client, f"/schemes?specialty={code}&limit=200")["items"]}
        match = items["ahu"]["specialty_match"]
        assert (match["specialty"], match["confirmed"]) == (code, False)
        assert UNCONFIRMED_NOTE in match["note"]
        assert items["ccu-ah"]["specialty_match"]["confirmed"] is True  # CCU-AH stays for the clinical disciplines

    def test_biologie_medicale_is_a_plain_match(self, client: TestClient) -> None:
        items = {i["slug"]: i for i in _get(client, "/schemes?specialty=biologie-medicale&limit=200")["items"]}
        match = items["ahu"]["specialty_match"]
        assert (match["specialty"], match["confirmed"]) == ("biologie-medicale", True)
        assert UNCONFIRMED_NOTE not in (match["note"] or "")

    def test_a_des_that_is_not_a_lead_does_not_get_ahu(self, client: TestClient) -> None:
        items = {i["slug"] for i in _get(client, "/schemes?specialty=pediatrie&limit=200")["items"]}
        assert "ahu" not in items and "ccu-ah" in items

    def test_no_specialty_filter_no_match(self, client: TestClient) -> None:
        items = _get(client, "/schemes?limit=200")["items"]
        assert all(i["specialty_match"] is None for i in items)


# --- 2. Douleur / soins palliatifs -----------------------------------------------------------------------

DOULEUR = "assistant-douleur-soins-palliatifs"


class TestDouleurSoinsPalliatifs:
    def test_duration_says_the_post_is_funded_one_year_at_a_time(self, client: TestClient) -> None:
        duration = _get(client, f"/schemes/{DOULEUR}")["duration"]
        assert "un an à la fois" in duration["text"]
        assert "financ" in (duration["max_condition"] or "")

    def test_too_many_months_says_it_is_funded_one_year_at_a_time(self, client: TestClient) -> None:
        response = client.get(f"/simulate?scheme={DOULEUR}&region=28&start=2024-11-01&months=13")
        assert response.status_code == 422, response.text
        (error,) = [e for e in response.json()["errors"] if e["field"] == "months"]
        assert "un an à la fois" in error["message"]

    def test_no_normandie_ranking_or_selection_rule(self, client: TestClient) -> None:
        rules = _get(client, f"/schemes/{DOULEUR}")["rules"]
        assert not [r for r in rules if r["kind"] in {"selection", "recruitment"}]
        assert not [
            r for r in rules if "classées par ordre de priorité" in " ".join(c.get("quote") or "" for c in r["sources"])
        ]

    def test_a_sourced_note_says_applications_also_go_to_the_ars(self, client: TestClient) -> None:
        rules = _get(client, f"/schemes/{DOULEUR}")["rules"]
        notes = [r for r in rules if r["kind"] == "note" and "ARS" in r["text"] and "visibilité" in r["text"]]
        assert len(notes) == 1
        assert any(
            c["doc"] == "normandie-2024" and "destinataires de ces candidatures" in c["quote"]
            for c in notes[0]["sources"]
        )

    def test_no_commission_or_decision_event_for_this_scheme(self, client: TestClient) -> None:
        kinds = {e["kind"] for e in client.get(f"/calendar?scheme={DOULEUR}").json()}
        assert not kinds & {"committee", "decision", "start_of_post"}


# --- 3. 400 MG -------------------------------------------------------------------------------------------


class TestMg400WorkSplit:
    def test_split_is_stated_for_hauts_de_france_only(self, client: TestClient) -> None:
        split = _get(client, "/schemes/mg-400")["work_split"]
        assert split["regions"] == ["32"]
        assert {c["doc"] for c in split["sources"]} == {"hdf-mg-2023"}

    def test_normandie_texts_do_not_claim_the_split(self, client: TestClient) -> None:
        scheme = _get(client, "/schemes/mg-400")
        (normandie,) = [a for a in scheme["availability"] if a["region"]["code"] == "28"]
        assert not any("50/50" in n or "60/40" in n or "40 %" in n for n in normandie["notes"])
        for rule in scheme["rules"]:
            if "60/40" in rule["text"] or "50/50" in rule["text"] or "60 %" in rule["text"]:
                assert {c["doc"] for c in rule["sources"]} == {"hdf-mg-2023"}
                assert "Hauts-de-France" in rule["text"]
        if "50/50" in scheme["description"]:
            assert "en Hauts-de-France" in scheme["description"]


# --- 4. AUMG ---------------------------------------------------------------------------------------------


class TestAumgEvidence:
    def test_regions_only_named_by_the_paca_note_are_mentioned(self, client: TestClient) -> None:
        offers = {a["region"]["code"]: a for a in _get(client, "/schemes/aumg")["availability"]}
        for code in ("44", "76", "28"):
            assert offers[code]["evidence"] == "mentioned", code
            assert any("sans le décrire" in n for n in offers[code]["notes"]), code
        for code in ("11", "32", "93"):
            assert offers[code]["evidence"] == "documented", code


def test_simulating_400_mg_in_normandie_says_the_split_comes_from_another_region(client: TestClient) -> None:
    body = _get(client, "/simulate?scheme=mg-400&region=28&start=2024-11-01&months=1")
    assert any("vient d'une autre région (32)" in str(note) for note in body["notes"])
    body = _get(client, "/simulate?scheme=mg-400&region=32&start=2024-11-01&months=1")
    assert not any("autre région" in str(note) for note in body["notes"])


def test_embedded_pages_show_unconfirmed_des_apart(client: TestClient) -> None:
    card = client.get("/embed/schemes?specialty=hematologie").text
    assert "DES non confirmé" in card
    assert "DES non confirmé" not in client.get("/embed/schemes?specialty=biologie-medicale").text
    page = client.get("/embed/schemes/ahu").text
    assert "Spécialités non confirmées" in page and UNCONFIRMED_NOTE in page
