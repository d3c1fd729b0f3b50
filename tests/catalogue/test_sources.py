"""`GET /sources` and `GET /sources/{id}` (issue 13): every source the catalogue rests on, and the facts each backs,
read back from the records that cite them."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi.testclient import TestClient

from tests.conftest import SEED_DIR
from tests.helpers import problem


def _seed(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((SEED_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def test_every_source_of_the_seed_is_listed_with_its_dates(client: TestClient) -> None:
    listed = {s["id"]: s for s in client.get("/sources").json()}
    seed = {s["id"]: s for s in _seed("sources")}
    assert list(listed) == sorted(seed)
    for key, source in seed.items():
        served = listed[key]
        assert served["kind"] == source["kind"] and served["title"] == source["title"]
        assert served["url"] == source.get("url")
        assert served["read_on"] == (str(source["read_on"]) if source.get("read_on") else None)
        assert served["published_on"] == (str(source["published_on"]) if source.get("published_on") else None)
        assert served["facts"] >= len(served["cited_by"])
    # Every web page says when it was read: a page changes, the quote is of that day's page.
    assert all(s["read_on"] for s in listed.values() if s["kind"] == "web_page")


def test_a_document_backs_the_figures_its_scheme_serves(client: TestClient) -> None:
    source = client.get("/sources/hdf-mg-2023").json()
    assert {"type": "scheme", "id": "ccu-mg", "label": client.get("/schemes/ccu-mg").json()["name"],
            "path": "/schemes/ccu-mg"} in source["cited_by"]
    scheme = client.get("/schemes/ccu-mg").json()
    served_quotes = {c["quote"] for p in scheme["pay_components"] for c in p["sources"] if c["doc"] == "hdf-mg-2023"}
    backed = {f["quote"] for f in source["facts"] if f["record"]["type"] == "pay_component"
              and f["record"]["path"] == "/schemes/ccu-mg"}
    assert served_quotes and served_quotes <= backed


def test_every_quote_a_source_backs_is_served_by_the_record_citing_it(client: TestClient) -> None:
    pages: dict[str, Any] = {}
    checked = 0
    for summary in client.get("/sources").json():
        detail = client.get(f"/sources/{summary['id']}").json()
        assert len(detail["facts"]) == summary["facts"]
        for fact in detail["facts"]:
            path = fact["record"]["path"]
            if not path.startswith(("/schemes/", "/regions/")) or not fact["quote"]:
                continue
            if fact["record"]["type"] == "scheme" and fact["field"] == "sources":
                continue  # a scheme's own citations: its detail lists their sources, only /sources/{id} the quotes
            body = pages.setdefault(path, client.get(path).json())
            assert _cites(body, summary["id"], fact["quote"]), (summary["id"], path, fact["quote"])
            checked += 1
    assert checked > 100


def _cites(value: Any, doc: str, quote: str) -> bool:
    if isinstance(value, dict):
        if value.get("doc") == doc and value.get("quote") == quote:
            return True
        return any(_cites(v, doc, quote) for v in value.values())
    if isinstance(value, list):
        return any(_cites(v, doc, quote) for v in value)
    return False


def test_filters_by_kind_region_and_scheme(client: TestClient) -> None:
    web_pages = client.get("/sources", params={"kind": "web_page"}).json()
    assert web_pages and all(s["kind"] == "web_page" for s in web_pages)
    normandie = {s["id"] for s in client.get("/sources", params={"region": "28"}).json()}
    assert {"normandie-2022", "normandie-2024"} <= normandie and "hdf-mg-2023" not in normandie
    aumg = {s["id"] for s in client.get("/sources", params={"scheme": "aumg"}).json()}
    assert "paca-aumg-2019" in aumg and "normandie-2024" in normandie


def test_unknown_values_are_clear_problems_in_both_languages(client: TestClient) -> None:
    missing = problem(client.get("/sources/no-such-source"), 404, "id")
    assert "hdf-mg-2023" in missing["errors"][0]["allowed"]
    english = client.get("/sources/no-such-source", headers={"Accept-Language": "en"}).json()
    assert english["detail"] != missing["detail"] and "source" in english["detail"]
    problem(client.get("/sources", params={"kind": "brochure"}), 422, "kind")
    problem(client.get("/sources", params={"region": "99"}), 422, "region")
    problem(client.get("/sources", params={"scheme": "nope"}), 422, "scheme")


def test_sources_are_cached_like_the_catalogue(client: TestClient) -> None:
    first = client.get("/sources")
    assert first.headers.get("etag")
    again = client.get("/sources", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
