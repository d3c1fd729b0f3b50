"""Every region (issue 13): what is offered there, each offer saying whether a regional source describes it or only
the national texts set it, and the national notes' quotas of posts."""

from __future__ import annotations

import yaml
from fastapi.testclient import TestClient

from tests.conftest import SEED_DIR


def _seed(name: str) -> list[dict]:
    return yaml.safe_load((SEED_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def test_a_filtered_list_says_how_each_offer_is_known_in_the_region(client: TestClient) -> None:
    details: dict[str, dict] = {}
    seen = set()
    for region in client.get("/regions").json():
        listed = client.get("/schemes", params={"region": region["code"], "limit": 200}).json()["items"]
        for item in listed:
            detail = details.setdefault(item["slug"], client.get(item["url"]).json())
            (offer,) = [a for a in detail["availability"] if a["region"]["code"] == region["code"]]
            assert item["region_evidence"] == offer["evidence"], (region["code"], item["slug"])
            seen.add(item["region_evidence"])
        in_detail = client.get(f"/regions/{region['code']}").json()["schemes"]
        assert [s["region_evidence"] for s in in_detail] == [s["region_evidence"] for s in listed]
    assert {"documented", "national_text"} <= seen
    assert all(s["region_evidence"] is None for s in client.get("/schemes").json()["items"])


def test_every_region_lists_schemes_and_the_national_ones_are_marked(client: TestClient) -> None:
    national = {(a["scheme"], a["region"]) for a in _seed("availability") if a.get("evidence") == "national_text"}
    for region in client.get("/regions").json():
        listed = client.get("/schemes", params={"region": region["code"], "limit": 200}).json()["items"]
        assert listed, region["name"]
        for item in listed:
            assert (item["region_evidence"] == "national_text") == ((item["slug"], region["code"]) in national)


def test_quotas_are_served_by_region_each_figure_in_the_sentence_it_cites(client: TestClient) -> None:
    quotas = _seed("quotas")
    assert quotas
    for quota in quotas:
        # A count of posts is written in the sentence the quota cites (« 44 postes », « 15 chacun pour la Guyane »).
        assert any(f"{quota['posts']} " in s["quote"] for s in quota["sources"]), quota["id"]
        served = client.get(f"/regions/{quota['region']}").json()["quotas"]
        (same,) = [q for q in served if q["id"] == quota["id"]]
        assert (same["posts"], same["period_start"], same["period_end"]) == (
            quota["posts"], quota["period_start"], quota["period_end"])
        assert {c["quote"] for c in same["sources"]} == {s["quote"] for s in quota["sources"]}
    hdf = client.get("/regions/32").json()["quotas"]
    assert [(q["scheme"], q["posts"]) for q in hdf] == [("assistant-bachelot", 44)]
    assert client.get("/regions/53").json()["quotas"] == []


def test_regions_without_a_chu_say_so_and_list_no_chu_post(client: TestClient) -> None:
    for code in ("03", "06", "94"):
        region = client.get(f"/regions/{code}").json()
        assert region["notes"] and "CHU" in region["notes"][0], region["name"]
        assert not {"ccu-ah", "ahu"} & {s["slug"] for s in region["schemes"]}, region["name"]
        assert len(region["sources"]) > 2  # the two code lists, and the page(s) saying there is no CHU
    for code in ("01", "02", "04", "11", "53", "84"):
        slugs = {s["slug"]: s["region_evidence"] for s in client.get(f"/regions/{code}").json()["schemes"]}
        assert slugs["ccu-ah"] == slugs["ahu"] == "national_text", code
