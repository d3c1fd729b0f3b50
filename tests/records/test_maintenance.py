"""Keeping the catalogue current through the API (issue 5), on a catalogue of its own per test.

The scenario test walks what a maintainer does in a year; the others pin each guarantee: keys and scopes,
If-Match, history and `as_of`, audit, all-or-nothing imports, export round trip, concurrent writers.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.auth import create_key, revoke_key
from app.config import Settings
from app.core.dates import today
from app.main import create_app
from app.migrate import upgrade
from tests.helpers import dump, expand, record, url_of

RAISED = "ccu-mg-salaire-universitaire"
CONTACT = "chu-amiens-dam"
# The change the scenario records: the official gross figure of the arrêté du 21 octobre 2010 (art. 1), 1 480,90 €
# a month before 2 years, in place of the document's 1 392 € net; the date it is recorded from is the scenario's.
OFFICIAL = {
    "amount": "1480.90", "basis": "gross",
    "sources": [{"doc": "arrete-2010-10-21-ccu-mg",
                 "quote": "from 1 Jul 2023, 17 770,78 (before 2 years; 1 480,90/month)",
                 "note": "Article 1."}],
}
# Next year's start of post at Lille: the documents give it every November (« prise de fonction en novembre »).
NEXT_START = "hdf-lille-prise-de-fonction-novembre-2027"


def amounts_by_month(api: TestClient, code: str, start: str, months: int) -> dict[str, list[float]]:
    result = api.post("/simulate", json={"scheme": "ccu-mg", "region": "32", "start": start, "months": months,
                                         "method": "published"})
    assert result.status_code == 200, result.text
    months = expand(result.json())["months"]
    return {m["month"]: [c["amount"] for c in m["components"] if c["code"] == code] for m in months}


def test_a_year_of_maintenance(api: TestClient, catalogue: Engine, keys: dict[str, dict[str, str]]) -> None:
    writer = keys["writer"]
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    untouched = dump(catalogue)

    # Anonymous and read-only clients are refused, and change nothing; a read key reads the audit log.
    etag, versions = record(api, f"pay-components/{RAISED}")
    raised = {**versions[-1], **OFFICIAL, "valid_from": "2025-07-01"}
    anonymous = api.put(f"/records/pay-components/{RAISED}", json=raised, headers={"If-Match": etag})
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")
    read_only = api.put(f"/records/pay-components/{RAISED}", json=raised, headers={**keys["reader"], "If-Match": etag})
    assert read_only.status_code == 403
    assert api.get("/audit", headers=keys["reader"]).json()["total"] == 0
    assert api.get("/audit").status_code == 401
    assert dump(catalogue) == untouched

    # 1. The university pay goes up from 1 July 2025: a new dated value, the old one closed the day before.
    changed = api.put(f"/records/pay-components/{RAISED}", json=raised, headers={**writer, "If-Match": etag})
    assert changed.status_code == 200, changed.text
    history = changed.json()["versions"]
    assert [(v["amount"], v.get("valid_from"), v.get("valid_to")) for v in history] == [
        ("1392.00", None, "2025-06-30"), ("1480.90", "2025-07-01", None)
    ]
    assert changed.headers["etag"] != etag

    # A second write on the copy read before the change is stale: 412, nothing changes.
    before_stale = dump(catalogue)
    stale = api.put(f"/records/pay-components/{RAISED}", json={**raised, "basis": "net"},
                    headers={**writer, "If-Match": etag})
    assert stale.status_code == 412 and stale.json()["errors"][0]["field"] == "If-Match"
    assert dump(catalogue) == before_stale
    assert api.put(f"/records/pay-components/{RAISED}", json=raised, headers=writer).status_code == 428

    # 2. A contact's address is corrected (from today).
    etag, versions = record(api, f"contacts/{CONTACT}")
    old_email = versions[-1]["email"]
    fixed = {**versions[-1], "email": "dam.secretariat@chu-amiens.fr"}
    fixed.pop("valid_from", None)
    answer = api.put(f"/records/contacts/{CONTACT}", json=fixed, headers={**writer, "If-Match": etag})
    assert answer.status_code == 200, answer.text

    # 3. Next year's start of post is added to the calendar, with the documents' wording and sources.
    _, (yearly,) = record(api, "calendar/hdf-lille-prise-de-fonction-novembre")
    event = {**yearly, "id": NEXT_START, "label": "Subdivision de Lille : prise de fonction en novembre 2027",
             "date": "2027-11-01", "recurrence": "none"}
    created = api.post("/records/calendar", json=event, headers=writer)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/records/calendar/{NEXT_START}"
    assert api.post("/records/calendar", json=event, headers=writer).status_code == 409

    # A simulation across 1 July 2025 uses the old amount, then the new one.
    assert amounts_by_month(api, RAISED, "2025-05-01", 4) == {
        "2025-05": [1392.0], "2025-06": [1392.0], "2025-07": [1480.9], "2025-08": [1480.9]
    }

    # as_of shows the catalogue as it stood; today shows the changes.
    def pay(as_of: str) -> float:
        detail = api.get(f"/schemes/ccu-mg?as_of={as_of}").json()
        return next(c["amount"] for c in detail["pay_components"] if c["code"] == RAISED)

    assert (pay("2025-06-30"), pay("2025-07-01")) == (1392.0, 1480.9)

    def email(as_of: str | None) -> str:
        query = f"&as_of={as_of}" if as_of else ""
        return next(c["email"] for c in api.get(f"/contacts?region=32{query}").json() if c["id"] == CONTACT)

    assert (email(yesterday), email(None)) == (old_email, "dam.secretariat@chu-amiens.fr")
    deadlines = {e["id"] for e in api.get("/calendar?region=32").json()}
    assert NEXT_START in deadlines
    assert NEXT_START not in {e["id"] for e in api.get(f"/calendar?region=32&as_of={yesterday}").json()}

    # The audit log names who did what, with the record before and after.
    audit = api.get("/audit", headers=writer)
    assert audit.status_code == 200 and audit.headers["cache-control"] == "private, no-store"
    entries = audit.json()["items"]
    assert [(e["action"], e["entity"], e["key"], e["actor"]) for e in entries] == [
        ("create", "calendar", NEXT_START, "ARS Hauts-de-France"),
        ("update", "contacts", CONTACT, "ARS Hauts-de-France"),
        ("update", "pay-components", RAISED, "ARS Hauts-de-France"),
    ]
    assert entries[2]["before"][0]["amount"] == "1392.00" and entries[2]["after"][-1]["amount"] == "1480.90"
    assert entries[1]["before"][0]["email"] == old_email and entries[0]["before"] is None

    # An invalid import leaves everything as it was.
    before_import = dump(catalogue)
    document = yaml.safe_load(api.get("/export").text)
    document["pay_components"][0]["scheme"] = "no-such-scheme"
    document["contacts"][0]["email"] = "not an address"
    refused = api.post("/import", content=yaml.safe_dump(document, allow_unicode=True),
                       headers={**writer, "Content-Type": "application/yaml"})
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    # The request's own terms: the body's section, the row counted from 0 as in JSON, the field — not seed files.
    assert {"pay_components[0].scheme", "contacts[0].email"} <= fields, fields
    assert not any("seed/" in e["message"] or "row" in e["message"] for e in refused.json()["errors"])
    assert dump(catalogue) == before_import


def test_keys_are_checked_and_never_echoed(api: TestClient, catalogue: Engine, keys: dict[str, dict[str, str]],
                                           caplog: pytest.LogCaptureFixture) -> None:
    secret = keys["writer"]["Authorization"].removeprefix("Bearer ")
    assert api.get("/audit", headers=keys["writer"]).status_code == 200
    # A kept (snapshot) answer must never be replayed to a client without the key.
    assert api.get("/audit").status_code == 401
    revoke_key(catalogue, "ARS Hauts-de-France")
    assert api.get("/audit", headers=keys["writer"]).status_code == 401
    everything = caplog.text + str(api.get("/audit", headers=keys["writer"]).json())
    assert secret not in everything and secret[:20] not in everything


def test_retiring_hides_a_scheme_from_that_day_and_as_of_brings_it_back(
    api: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    etag, _ = record(api, "schemes/asr")
    day = today().isoformat()
    retired = api.post("/records/schemes/asr/retire", json={"valid_to": day, "reason": "dispositif arrêté"},
                       headers={**keys["writer"], "If-Match": etag})
    assert retired.status_code == 200, retired.text
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    assert "asr" in {s["slug"] for s in api.get("/schemes?region=28").json()["items"]}
    assert "asr" not in {s["slug"] for s in api.get(f"/schemes?region=28&as_of={tomorrow}").json()["items"]}
    gone = api.get(f"/schemes/asr?as_of={tomorrow}")
    assert gone.status_code == 410 and gone.json()["errors"][0]["field"] == "as_of"
    assert api.get("/schemes/asr?as_of=2024-01-01").status_code == 200
    etag, _ = record(api, "schemes/ccu-mg")
    assert api.post("/records/schemes/ccu-mg/retire", json={"valid_to": "2024-12-31"},
                    headers={**keys["writer"], "If-Match": etag}).status_code == 200
    late = api.post("/simulate", json={"scheme": "ccu-mg", "region": "32", "start": "2025-01-01", "months": 12})
    assert late.status_code == 410 and late.json()["errors"][0]["field"] == "start"
    assert "n'est plus proposé depuis le 01/01/2025 (date demandée par start : 01/01/2025)" in late.json()["detail"]
    earlier = {"scheme": "ccu-mg", "region": "32", "start": "2024-01-01", "months": 12}
    assert api.post("/simulate", json=earlier).status_code == 200


def test_changes_are_validated_like_the_seed(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    writer = keys["writer"]
    etag, versions = record(api, f"pay-components/{RAISED}")
    cases = [
        ({**versions[-1], "amount": float(versions[-1]["amount"])}, "amount"),  # a float is refused, as in the seed
        ({**versions[-1], "region": "94"}, "region"),  # ccu-mg is not offered in Corse (no CHU)
        ({**versions[-1], "code": "autre-code"}, "code"),  # the body must be for the record in the URL
        ({**versions[-1], "label": "Rémunération\x00"}, "label"),  # PostgreSQL refuses NUL bytes: a 422, not a 500
    ]
    for body, field in cases:
        answer = api.put(f"/records/pay-components/{RAISED}", json=body, headers={**writer, "If-Match": etag})
        assert answer.status_code == 422, (field, answer.text)
        assert [e["field"] for e in answer.json()["errors"]] == [field], (field, answer.json())
    assert record(api, f"pay-components/{RAISED}")[0] == etag  # none of them changed anything
    earlier = api.put(f"/records/pay-components/{RAISED}", json={**versions[-1], "valid_from": "2023-01-01"},
                      headers={**writer, "If-Match": etag})
    assert earlier.status_code == 200  # seed version was open-ended: a version from 2023 closes it in 2022


def test_pay_parameter_revaluation_and_scheme_verification(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    writer = keys["writer"]
    etag, (parameter,) = record(api, "pay-parameters/pmss")
    code = parameter["code"]
    last = parameter["values"][-1]
    start = (dt.date.fromisoformat(last["valid_from"]) + dt.timedelta(days=181)).isoformat()  # mid-period
    new_value = {k: v for k, v in last.items() if k not in ("valid_to",)} | {"valid_from": start}
    added = api.post(f"/records/pay-parameters/{code}/values", json=new_value, headers={**writer, "If-Match": etag})
    assert added.status_code == 200, added.text
    values = added.json()["versions"][0]["values"]
    assert values[-1]["valid_from"] == start
    assert values[-2]["valid_to"] == (dt.date.fromisoformat(start) - dt.timedelta(days=1)).isoformat()

    etag, _ = record(api, "schemes/ccu-mg")
    verified = api.post("/records/schemes/ccu-mg/verify", json={"sources": ["hdf-mg-2023"]},
                        headers={**writer, "If-Match": etag})
    assert verified.status_code == 200, verified.text
    shown = api.get("/schemes/ccu-mg").json()["last_verified"]
    assert shown == {"date": today().isoformat(), "by": "ARS Hauts-de-France", "sources": ["hdf-mg-2023"]}
    unknown = api.post("/records/schemes/ccu-mg/verify", json={"sources": ["no-such-doc"]},
                       headers={**writer, "If-Match": verified.headers["etag"]})
    assert unknown.status_code == 422


def test_every_scheme_says_when_it_was_last_verified(api: TestClient) -> None:
    for summary in api.get("/schemes").json()["items"]:
        verified = summary["last_verified"]
        assert verified is not None and verified["sources"], summary["slug"]
        cited = {s["id"] for s in api.get(summary["url"]).json()["sources"]}
        assert set(verified["sources"]) <= cited, summary["slug"]


def test_export_then_import_reproduces_the_catalogue(
    api: TestClient, catalogue: Engine, new_database: Callable[[], Engine], keys: dict[str, dict[str, str]]
) -> None:
    # Some history first, so that versions travel too.
    etag, versions = record(api, f"pay-components/{RAISED}")
    body = {**versions[-1], **OFFICIAL, "valid_from": "2025-07-01"}
    raised = api.put(f"/records/pay-components/{RAISED}", json=body, headers={**keys["writer"], "If-Match": etag})
    assert raised.status_code == 200
    exported = api.get("/export")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/yaml")

    other = new_database()
    upgrade(other)
    create_key(other, "import", ["write"])
    with TestClient(create_app(Settings(database_url="sqlite://"), engine=other)) as second:
        writer = {"Authorization": f"Bearer {create_key(other, 'importer', ['write'])}"}
        dry = second.post("/import?dry_run=true", content=exported.content, headers=writer)
        assert dry.status_code == 200 and dry.json()["total_changes"] > 0 and dry.json()["audit_id"] is None
        assert second.get("/schemes").json()["total"] == 0
        loaded = second.post("/import", content=exported.content,
                             headers={**writer, "Content-Type": "application/yaml"})
        assert loaded.status_code == 200, loaded.text
        assert second.get("/export").text == exported.text
        for path in ("/schemes", "/schemes/ccu-mg", "/schemes/ccu-mg?as_of=2025-06-30", "/contacts", "/calendar",
                     "/regions/32"):
            assert second.get(path).json() == api.get(path).json(), path
        again = second.post("/import", content=exported.content, headers=writer)
        assert again.json()["total_changes"] == 0
    # JSON export carries the same document.
    assert api.get("/export?format=json").json() == yaml.safe_load(exported.text)


def test_imports_refuse_yaml_aliases_and_non_catalogues(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    writer = keys["writer"]
    bomb = "a: &a [1, 2]\nb: [*a, *a]\n"
    assert api.post("/import", content=bomb, headers=writer).status_code == 422
    assert api.post("/import", content="- 1\n- 2\n", headers=writer).status_code == 422
    assert api.post("/import", content="regions: [", headers=writer).status_code == 422
    assert api.post("/import", content=b"\xff\xfe", headers=writer).status_code == 422
    assert api.post("/import", content="nonsense: []\n", headers=writer).json()["errors"][0]["field"] == "nonsense"


@pytest.mark.slow  # eight writers on a two-worker server
def test_concurrent_writers_lose_no_update(catalogue: Engine, server_factory: Any) -> None:
    """Eight writers each read a regional offer and add a note to it, again and again: every change accepted shows
    (a lost update would drop a note). Notes rather than amounts: no figure is invented for the test."""
    server = server_factory(url_of(catalogue), workers=2)
    writer = {"Authorization": f"Bearer {create_key(catalogue, 'concurrent', ['write'])}"}
    offer = "ccu-mg/32"
    path = f"{server.base}/records/availability/{offer}"
    start = len(httpx.get(path).json()["versions"][-1].get("notes", []))
    accepted: list[int] = []
    refused: list[int] = []
    errors: list[str] = []

    def work(writer_number: int) -> None:
        with httpx.Client(timeout=30) as client:
            for attempt in range(6):
                current = client.get(path)
                latest = current.json()["versions"][-1]
                note = f"Note de l'écriture concurrente {writer_number}.{attempt}"
                body = {**latest, "notes": [*latest.get("notes", []), note]}
                body.pop("valid_from", None)
                body.pop("valid_to", None)
                answer = client.put(path, json=body, headers={**writer, "If-Match": current.headers["etag"]})
                if answer.status_code == 200:
                    accepted.append(1)
                elif answer.status_code == 412:
                    refused.append(1)
                else:
                    errors.append(f"{answer.status_code} {answer.text[:200]}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert accepted and refused, (len(accepted), len(refused))  # there was contention, and some writes won
    final = len(httpx.get(path).json()["versions"][-1]["notes"])
    assert final - start == len(accepted)
    audit = httpx.get(f"{server.base}/audit", params={"key": offer}, headers=writer).json()
    assert audit["total"] == len(accepted)


@pytest.mark.slow  # restarts the seed command in subprocesses
def test_restarts_keep_api_changes_and_a_deliberate_reload_is_audited(
    api: TestClient, catalogue: Engine, keys: dict[str, dict[str, str]], tmp_path: Any
) -> None:
    import os
    import subprocess
    import sys

    from app.config import PROJECT_ROOT

    etag, versions = record(api, f"contacts/{CONTACT}")
    fixed = {**versions[-1], "email": "dam.secretariat@chu-amiens.fr"}
    put = api.put(f"/records/contacts/{CONTACT}", json=fixed, headers={**keys["writer"], "If-Match": etag})
    assert put.status_code == 200
    changed = dump(catalogue)
    env = {**os.environ, "DATABASE_URL": url_of(catalogue), "PYTHONPATH": str(PROJECT_ROOT)}

    def seed_command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "app.seed", *args], env=env, cwd=PROJECT_ROOT,
                              capture_output=True, text=True, check=True)

    # What `make run` does at every start: the catalogue is not empty, so it is left as it is.
    assert "left as it is" in seed_command("--if-empty").stdout
    assert dump(catalogue) == changed

    # An export re-imported from a file changes nothing.
    exported = tmp_path / "catalogue.yaml"
    exported.write_bytes(api.get("/export").content)
    assert "nothing changed" in seed_command("--file", str(exported)).stdout

    # Replacing the catalogue with seed/ on purpose reverts the change, and the audit log keeps what was there.
    out = seed_command().stdout
    assert "audit log" in out
    assert dump(catalogue) != changed
    entries = api.get("/audit?entity=catalogue", headers=keys["writer"]).json()["items"]
    assert entries[0]["action"] == "import" and entries[0]["actor"].startswith("cli:")
    full = api.get(entries[0]["url"], headers=keys["writer"]).json()
    kept = next(c for c in full["before"]["contacts"] if c["id"] == CONTACT and c.get("valid_from"))
    assert kept["email"] == "dam.secretariat@chu-amiens.fr"


def test_a_change_that_changes_nothing_writes_nothing(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    etag, versions = record(api, f"contacts/{CONTACT}")
    same = api.put(f"/records/contacts/{CONTACT}", json=versions[-1], headers={**keys["writer"], "If-Match": etag})
    assert same.status_code == 200 and same.headers["etag"] == etag and "audit_id" not in same.json()
    assert api.get("/audit", headers=keys["writer"]).json()["total"] == 0
    # A scheme changed without a new verification keeps the last one.
    etag, versions = record(api, "schemes/aumg")
    body = {k: v for k, v in versions[-1].items() if k != "verified"}
    body |= {"description": versions[-1]["description"] + " (précisé)"}
    changed = api.put("/records/schemes/aumg", json=body, headers={**keys["writer"], "If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert api.get("/schemes/aumg").json()["last_verified"]["date"] == "2026-11-22"


def catalogue_version(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT * FROM catalogue_version")).all())


def test_a_write_whose_commit_fails_is_refused_and_keeps_nothing(
    api: TestClient, catalogue: Engine, keys: dict[str, dict[str, str]]
) -> None:
    """The write session commits before the answer is sent: a commit that fails is the answer (503), never a 200
    for a change that was lost; the catalogue, its version and the audit log stay as they were."""
    etag, versions = record(api, f"contacts/{CONTACT}")
    untouched = dump(catalogue)
    version_before = catalogue_version(catalogue)

    def refuse(session: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    event.listen(Session, "before_commit", refuse)
    try:
        # Any change will do: the contact's own service name, marked (no invented address or figure).
        changed = {**versions[-1], "service": f"{versions[-1].get('service') or 'Service'} (modifié)"}
        answer = api.put(f"/records/contacts/{CONTACT}", json=changed, headers={**keys["writer"], "If-Match": etag})
    finally:
        event.remove(Session, "before_commit", refuse)
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert dump(catalogue) == untouched
    assert catalogue_version(catalogue) == version_before
    assert api.get("/audit", headers=keys["writer"]).json()["total"] == 0
    assert record(api, f"contacts/{CONTACT}")[0] == etag


def test_a_maintenance_page_on_another_origin_can_write(catalogue: Engine) -> None:
    app = create_app(Settings(database_url="sqlite://", cors_origins=["https://ars.example"]), engine=catalogue)
    with TestClient(app) as client:
        preflight = client.options(
            f"/records/contacts/{CONTACT}",
            headers={"Origin": "https://ars.example", "Access-Control-Request-Method": "PUT",
                     "Access-Control-Request-Headers": "authorization, if-match, content-type"},
        )
        assert preflight.status_code == 200
        assert "PUT" in preflight.headers["access-control-allow-methods"]
        allowed = preflight.headers["access-control-allow-headers"].lower()
        assert {"authorization", "if-match"} <= {h.strip() for h in allowed.split(",")}
        read = client.get(f"/records/contacts/{CONTACT}", headers={"Origin": "https://ars.example"})
        assert "etag" in read.headers["access-control-expose-headers"].lower()
