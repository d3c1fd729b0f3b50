"""The data package: valid for the `frictionless` library, CSV as data.gouv.fr asks, the JSON API's figures, keys
join."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from frictionless import validate
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.embed.i18n import date_label
from app.opendata.package import TABLE_NAMES, write_package

AS_OF = "2024-06-30"


def _rows(client: TestClient, name: str, query: str = "") -> list[dict[str, str]]:
    answer = client.get(f"/opendata/{name}.csv{query}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8"), newline="")))


def _download(client: TestClient, folder: Path, query: str = "") -> dict:
    """The served package, saved as a publisher would put it on data.gouv.fr."""
    descriptor = client.get(f"/opendata/datapackage.json{query}").json()
    for resource in descriptor["resources"]:
        answer = client.get(f"/opendata/{resource['path']}")
        assert answer.status_code == 200, resource["path"]
        resource["path"] = f"{resource['name']}.csv"
        (folder / resource["path"]).write_bytes(answer.content)
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    return descriptor


@pytest.mark.parametrize("query", ["", f"?as_of={AS_OF}"])
def test_the_served_package_is_valid_for_frictionless(client: TestClient, tmp_path: Path, query: str) -> None:
    descriptor = _download(client, tmp_path, query)
    assert [r["name"] for r in descriptor["resources"]] == list(TABLE_NAMES)
    report = validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # frictionless validated every row of every table, foreign keys included
    assert {task.name for task in report.tasks} == set(TABLE_NAMES)
    assert all(task.stats["rows"] > 0 for task in report.tasks)


def test_frictionless_sees_a_broken_key(client: TestClient, tmp_path: Path) -> None:
    """The validation above can fail: a region code that no region has is a foreign-key error."""
    _download(client, tmp_path)
    path = tmp_path / "contacts.csv"
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    lines[1] = re.sub(r",(\d\d),", ",99,", lines[1], count=1)
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    report = validate(tmp_path / "datapackage.json")
    assert not report.valid
    assert ["foreign-key"] in report.flatten(["type"])


def test_the_cli_writes_the_same_package(engine: Engine, client: TestClient, tmp_path: Path) -> None:
    with Session(engine) as session:
        written = write_package(session, tmp_path)
    assert {p.name for p in written} == {"datapackage.json", *(f"{n}.csv" for n in TABLE_NAMES)}
    for name in TABLE_NAMES:
        assert (tmp_path / f"{name}.csv").read_bytes() == client.get(f"/opendata/{name}.csv").content, name
    assert validate(tmp_path / "datapackage.json").valid


def test_csv_follows_the_data_gouv_rules(client: TestClient) -> None:
    descriptor = client.get("/opendata/datapackage.json").json()
    for resource in descriptor["resources"]:
        body = client.get(f"/opendata/{resource['path']}").content
        text = body.decode("utf-8")  # UTF-8, no byte-order mark
        assert not text.startswith("\ufeff")
        header = next(csv.reader(io.StringIO(text)))
        assert header == [f["name"] for f in resource["schema"]["fields"]]
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in header), header
        types = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
        for row in csv.DictReader(io.StringIO(text)):
            for name, value in row.items():
                if value == "":
                    continue  # unknown
                if types[name] == "date":
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), (resource["name"], name, value)
                if types[name] == "number":
                    assert re.fullmatch(r"-?\d+(\.\d+)?", value), (resource["name"], name, value)
                if name == "region" or (resource["name"] == "regions" and name == "code"):
                    assert re.fullmatch(r"\d\d", value), (resource["name"], name, value)
    regions = _rows(client, "regions")
    assert regions[0]["code"] == "01" and regions[1]["code"] == "02"  # strings, never 1 or 2


def test_licence_and_attribution(client: TestClient) -> None:
    descriptor = client.get("/opendata/datapackage.json").json()
    assert descriptor["licenses"][0]["name"] == "etalab-2.0"
    assert all(r["licenses"][0]["name"] == "etalab-2.0" for r in descriptor["resources"])
    assert f"mis à jour le {descriptor['version']}" in descriptor["attribution"]
    assert "Licence Ouverte" in descriptor["attribution"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", descriptor["version"])
    assert any(s["title"].startswith("ISO 3166-2:FR") for s in descriptor["sources"])
    descriptions = [f["description"] for r in descriptor["resources"] for f in r["schema"]["fields"]]
    assert all(descriptions) and "Code INSEE de la région (deux chiffres, voir regions.csv)." in descriptions


@pytest.mark.parametrize("query", ["", f"?as_of={AS_OF}"])
def test_csv_figures_are_the_json_apis(client: TestClient, query: str) -> None:
    schemes = client.get(f"/schemes{query}{'&' if query else '?'}limit=200").json()["items"]
    details = {s["slug"]: client.get(f"/schemes/{s['slug']}{query}").json() for s in schemes}
    assert [r["slug"] for r in _rows(client, "schemes", query)] == [s["slug"] for s in schemes]

    def amounts(items: list[dict]) -> dict[str, tuple]:
        return {p["code"]: (Decimal(str(p["amount"])).quantize(Decimal("0.01")), p["basis"], p["frequency"],
                            p["valid_from"], p["scheme"]) for p in items}

    for table, parts in (("pay_components", ("pay_components", "published_totals")), ("funding", ("funding",))):
        from_json = amounts([p for d in details.values() for part in parts for p in d[part]])
        from_csv = {r["code"]: (Decimal(r["amount"]), r["basis"], r["frequency"], r["valid_from"] or None, r["scheme"])
                    for r in _rows(client, table, query)}
        assert from_csv == from_json and from_csv, table
    regions = {r["code"]: (r["iso_code"], r["name"], int(r["scheme_count"])) for r in _rows(client, "regions", query)}
    served = client.get(f"/regions{query}").json()
    assert regions == {r["code"]: (r["iso_code"], r["name"], r["scheme_count"]) for r in served}
    events = {r["id"]: (r["date"], r["next_date"], r["status"]) for r in _rows(client, "calendar", query)}
    assert events == {e["id"]: (e["date"], e["next_date"], e["status"]) for e in client.get(f"/calendar{query}").json()}
    contacts = {r["id"]: r["email"] or None for r in _rows(client, "contacts", query)}
    assert contacts == {c["id"]: c["email"] for c in client.get(f"/contacts{query}").json()}
    offers = {(r["scheme"], r["region"]) for r in _rows(client, "availability", query)}
    assert offers == {(slug, a["region"]["code"]) for slug, d in details.items() for a in d["availability"]}


def test_the_files_join_on_their_keys(client: TestClient) -> None:
    descriptor = client.get("/opendata/datapackage.json").json()
    tables = {r["name"]: _rows(client, r["name"]) for r in descriptor["resources"]}
    checked = 0
    for resource in descriptor["resources"]:
        schema = resource["schema"]
        keys = [tuple(row[f] for f in schema["primaryKey"]) for row in tables[resource["name"]]]
        assert len(keys) == len(set(keys)), resource["name"]
        for fk in schema.get("foreignKeys", []):
            target = {tuple(row[f] for f in fk["reference"]["fields"]) for row in tables[fk["reference"]["resource"]]}
            for row in tables[resource["name"]]:
                value = tuple(row[f] for f in fk["fields"])
                if all(value):
                    assert value in target, (resource["name"], fk, value)
                    checked += 1
    assert checked > 200
    # Every source a pay figure cites is in sources.csv.
    sources = {row["id"] for row in tables["sources"]}
    assert {doc for row in tables["pay_components"] for doc in row["sources"].split()} <= sources


@pytest.mark.parametrize(("path", "status", "field"), [
    ("/opendata/nothing.csv", 404, "name"),
    ("/opendata/schemes.csv?as_of=2024-02-30", 422, "as_of"),
    ("/opendata/datapackage.json?as_of=demain", 422, "as_of"),
])
def test_bad_input_is_a_problem(client: TestClient, path: str, status: int, field: str) -> None:
    french = client.get(path)
    assert french.status_code == status and french.json()["errors"][0]["field"] == field
    english = client.get(path, headers={"Accept-Language": "en"})
    assert english.json()["errors"][0]["message"] != french.json()["errors"][0]["message"]
    if status == 404:
        assert "schemes" in french.json()["errors"][0]["allowed"]


@pytest.mark.parametrize("path", ["/embed/schemes", "/embed/schemes/ccu-mg", "/embed/simulator", "/embed",
                                  "/embed/schemes/nothing"])
def test_embed_pages_carry_the_attribution(client: TestClient, path: str) -> None:
    """Licence Ouverte's attribution on every embedded page: the licence, the source and the date of last update."""
    version = client.get("/opendata/datapackage.json").json()["version"]
    day = date_label(dt.date.fromisoformat(version), "fr")
    page = client.get(path).text
    assert f"Licence Ouverte 2.0 (etalab-2.0) — Post-internat API, catalogue mis à jour le {day}." in page
    assert 'href="/opendata/datapackage.json"' in page
    english = client.get(path + ("&" if "?" in path else "?") + "lang=en").text
    assert "catalogue updated on" in english
