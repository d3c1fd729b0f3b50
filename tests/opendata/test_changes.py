"""The public change feed: a maintainer's write shows on the next GET, in JSON and Atom, without audit details."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.auth import create_key
from app.config import Settings
from app.main import create_app
from app.opendata.changes import french_date

ATOM = "{http://www.w3.org/2005/Atom}"
KEY_NAME = "cle-du-test-des-changements"
RAISED = "ccu-mg-salaire-universitaire"
# The official gross figure of the arrêté du 21 octobre 2010 (art. 1), as in tests/records/test_maintenance.py.
OFFICIAL = {
    "amount": "1480.90", "basis": "gross", "valid_from": "2025-07-01",
    "sources": [{"doc": "arrete-2010-10-21-ccu-mg",
                 "quote": "from 1 Jul 2023, 17 770,78 (before 2 years; 1 480,90/month)",
                 "note": "Article 1."}],
}
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture
def api(seeded_database: Callable[[], Engine]) -> Iterator[tuple[TestClient, dict[str, str]]]:
    engine = seeded_database()
    writer = {"Authorization": f"Bearer {create_key(engine, KEY_NAME, ['write'])}"}
    with TestClient(create_app(Settings(database_url="sqlite://"), engine=engine)) as client:
        yield client, writer


def _put(client: TestClient, writer: dict[str, str], path: str, change: dict[str, Any]) -> None:
    read = client.get(f"/records/{path}")
    record = {**read.json()["versions"][-1], **change}
    answer = client.put(f"/records/{path}", json=record, headers={**writer, "If-Match": read.headers["etag"]})
    assert answer.status_code == 200, answer.text


def _atom(body: bytes) -> ET.Element:
    """The feed, checked against RFC 4287's required elements (§4.1.1: id, title, updated; §4.1.2 for entries)."""
    feed = ET.fromstring(body)
    assert feed.tag == f"{ATOM}feed"
    for element in (feed, *feed.findall(f"{ATOM}entry")):
        for name in ("id", "title", "updated"):
            assert len(element.findall(f"{ATOM}{name}")) == 1, (element.tag, name)
            assert (element.findtext(f"{ATOM}{name}") or "").strip(), (element.tag, name)
    # §4.1.1: a feed without an author needs one in every entry; ours has one.
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    return feed


def test_a_maintainers_change_shows_on_the_next_request(api: tuple[TestClient, dict[str, str]]) -> None:
    client, writer = api
    empty = client.get("/changes")
    assert empty.status_code == 200 and empty.json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
    assert _atom(client.get("/changes.atom").content).findall(f"{ATOM}entry") == []

    _put(client, writer, f"pay-components/{RAISED}", OFFICIAL)
    answer = client.get("/changes")
    (change,) = answer.json()["items"]
    assert change["kind"] == "new_version" and change["entity"] == "pay-components" and change["record"] == RAISED
    assert change["effective"] == "2025-07-01"
    assert change["summary"] == (f"Rémunération de l'activité universitaire (CCU-MG) : 1{NNBSP}392{NBSP}€ net → "
                                 f"1{NNBSP}480,90{NBSP}€ brut à partir du 1er juillet 2025.")
    assert change["links"] == {"record": f"/records/pay-components/{RAISED}", "catalogue": "/schemes/ccu-mg"}
    assert [s["id"] for s in change["sources"]] == ["arrete-2010-10-21-ccu-mg"]
    assert change["schemes"] == ["ccu-mg"]
    # Public: neither the key's name nor the record bodies of the audit log.
    assert KEY_NAME not in answer.text and "actor" not in change and "before" not in change


def test_kinds_filters_and_pages(api: tuple[TestClient, dict[str, str]]) -> None:
    client, writer = api
    _put(client, writer, f"pay-components/{RAISED}", OFFICIAL)
    _put(client, writer, "contacts/chu-amiens-dam", {"email": "dam.secretariat@chu-amiens.fr"})
    read = client.get("/records/schemes/aumg")
    retired = client.post("/records/schemes/aumg/retire", json={"valid_to": "2030-12-31"},
                          headers={**writer, "If-Match": read.headers["etag"]})
    assert retired.status_code == 200, retired.text

    items = client.get("/changes").json()["items"]
    assert [(c["kind"], c["record"]) for c in items] == [
        ("retired", "aumg"), ("new_version", "chu-amiens-dam"), ("new_version", RAISED)
    ]
    assert [c["id"] for c in items] == sorted((c["id"] for c in items), reverse=True)
    assert items[0]["summary"] == "Dispositif « aumg » retiré : en vigueur jusqu'au 31 décembre 2030 inclus."
    assert items[1]["regions"] == ["32"] and items[1]["links"]["catalogue"] == "/contacts?region=32"
    assert "email" in items[1]["summary"]

    def records(query: str) -> list[str]:
        answer = client.get(f"/changes?{query}")
        assert answer.status_code == 200, answer.text
        return [c["record"] for c in answer.json()["items"]]

    # The Amiens contact is for ccu-mg, aumg and others: it shows under each of them, not under asr.
    assert records("scheme=ccu-mg") == ["chu-amiens-dam", RAISED]
    assert records("scheme=aumg") == ["aumg", "chu-amiens-dam"]  # retired, still followable
    assert records("scheme=asr") == []
    assert "chu-amiens-dam" in records("region=32") and "chu-amiens-dam" not in records("region=28")
    assert records("limit=1&offset=1") == ["chu-amiens-dam"]
    page = client.get("/changes?limit=1").json()
    assert (page["total"], page["limit"], len(page["items"])) == (3, 1, 1)

    feed = _atom(client.get("/changes.atom").content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [c["summary"] for c in items]
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 3
    assert feed.findtext(f"{ATOM}updated") == entries[0].findtext(f"{ATOM}updated")
    assert len(_atom(client.get("/changes.atom?scheme=ccu-mg").content).findall(f"{ATOM}entry")) == 2


def test_the_feed_is_cacheable_and_revalidated(api: tuple[TestClient, dict[str, str]]) -> None:
    client, writer = api
    for path in ("/changes", "/changes.atom"):
        first = client.get(path)
        etag = first.headers["etag"]
        assert "must-revalidate" in first.headers["cache-control"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/changes.atom").headers["content-type"].startswith("application/atom+xml")
    etag = client.get("/changes").headers["etag"]
    _put(client, writer, f"pay-components/{RAISED}", OFFICIAL)
    again = client.get("/changes", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.json()["total"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [("region=xx", "region"), ("region=99", "region"), ("scheme=nope", "scheme"), ("limit=0", "limit"),
     ("offset=-1", "offset")],
)
def test_bad_filters_are_problems_naming_the_field(
    api: tuple[TestClient, dict[str, str]], query: str, field: str
) -> None:
    client, _ = api
    for path in ("/changes", "/changes.atom"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code == 422, (path, query, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["field"] == field
    english = client.get(f"/changes?{query}", headers={"Accept-Language": "en"}).json()
    french = client.get(f"/changes?{query}").json()
    assert english["errors"][0]["message"] != french["errors"][0]["message"]


def test_verifications_new_values_and_creations_are_told(api: tuple[TestClient, dict[str, str]]) -> None:
    client, writer = api
    read = client.get("/records/schemes/ccu-mg")
    verified = client.post("/records/schemes/ccu-mg/verify", json={"date": "2026-11-22", "sources": ["hdf-mg-2023"]},
                           headers={**writer, "If-Match": read.headers["etag"]})
    assert verified.status_code == 200, verified.text
    # The seed's latest PMSS value, recorded again from 1 July 2026: a test of the feed, not a revaluation.
    read = client.get("/records/pay-parameters/pmss")
    last = read.json()["versions"][0]["values"][-1]
    value = {k: v for k, v in last.items() if k != "valid_to"} | {"valid_from": "2026-07-01"}
    added = client.post("/records/pay-parameters/pmss/values", json=value,
                        headers={**writer, "If-Match": read.headers["etag"]})
    assert added.status_code == 200, added.text
    yearly = client.get("/records/calendar/hdf-lille-prise-de-fonction-novembre").json()["versions"][-1]
    event = {**yearly, "id": "hdf-lille-prise-de-fonction-novembre-2027", "date": "2027-11-01", "recurrence": "none",
             "label": "Subdivision de Lille : prise de fonction en novembre 2027"}
    assert client.post("/records/calendar", json=event, headers=writer).status_code == 201

    created, parameter, verification = client.get("/changes").json()["items"]
    assert (verification["kind"], verification["effective"]) == ("verified", "2026-11-22")
    assert verification["summary"] == "Dispositif « ccu-mg » vérifié sur ses sources le 22 novembre 2026 (hdf-mg-2023)."
    assert KEY_NAME not in str(verification)  # the scheme records the key's name as `verified.by`: not told here
    assert parameter["kind"] == "new_version" and parameter["effective"] == "2026-07-01"
    assert parameter["summary"] == (f"Paramètre de paie « pmss » : nouvelle valeur {last['value']} "
                                    "à partir du 1er juillet 2026.")
    assert parameter["links"] == {"record": "/records/pay-parameters/pmss", "catalogue": None}
    assert created["kind"] == "created" and created["regions"] == ["32"]
    starts = dt.date.fromisoformat(created["effective"])
    assert created["summary"] == ("Événement du calendrier « hdf-lille-prise-de-fonction-novembre-2027 » "
                                  f"ajouté à partir du {french_date(starts)}.")
    assert created["links"]["catalogue"] == "/calendar?region=32"
