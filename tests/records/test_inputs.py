"""What a text, a number and an error look like through the API (the hostile trial's findings).

- Text fields have a maximum length per kind, refuse control and invisible format characters (bidirectional
  overrides first: they make a name display other than it reads) and are stored in NFC; numbers written as strings
  are ASCII digits. Every refusal is a 422 naming the field, and writes nothing.
- Errors speak of the request: `in: query` for what came as a query parameter, the body's own field path for a
  write (never a seed file and row, never "body parameter 'body'"), in French or English.
- A `read` key reads the audit log — every record's history of changes — and writes nothing.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.auth import create_key
from app.config import Settings
from app.core.text import NAME_MAX
from app.main import create_app
from app.seed import __main__ as seed_cli
from tests.conftest import SEED_DIR
from tests.helpers import dump

CONTACT = "chu-amiens-dam"
PAY = "ccu-mg-salaire-universitaire"


@pytest.fixture(scope="module")
def catalogue(seeded_database: Callable[[], Engine]) -> Engine:
    engine = seeded_database()
    return engine


@pytest.fixture(scope="module")
def api(catalogue: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url="sqlite://"), engine=catalogue)) as client:
        yield client


@pytest.fixture(scope="module")
def writer(catalogue: Engine) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(catalogue, 'ARS Île-de-France', ['write'])}"}


def current(api: TestClient, path: str) -> tuple[str, dict[str, Any]]:
    answer = api.get(f"/records/{path}")
    assert answer.status_code == 200, answer.text
    return answer.headers["etag"], answer.json()["versions"][-1]


def refused(api: TestClient, catalogue: Engine, method: str, path: str, body: Any, headers: dict[str, str],
            **extra: Any) -> dict[str, Any]:
    """The answer to a change that must be refused with a 422 and leave the catalogue as it was."""
    before = dump(catalogue)
    answer = api.request(method, path, json=body, headers=headers, **extra)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert dump(catalogue) == before
    return answer.json()


# --- text rules ---------------------------------------------------------------------------------------------


def test_a_megabyte_organisation_is_refused_naming_the_field_and_the_limit(
    api: TestClient, catalogue: Engine, writer: dict[str, str]
) -> None:
    etag, contact = current(api, f"contacts/{CONTACT}")
    huge = {**contact, "organisation": "x" * 1_000_000}  # the body stays under 1 MiB
    for method, path, body in (("PUT", f"/records/contacts/{CONTACT}", huge),
                               ("POST", "/records/contacts", {**huge, "id": "nouveau-contact"})):
        problem = refused(api, catalogue, method, path, body, {**writer, "If-Match": etag})
        (error,) = problem["errors"]
        assert (error["field"], error["in"]) == ("organisation", "body")
        assert error["message"] == f"Au plus {NAME_MAX} caractères."
    english = refused(api, catalogue, "PUT", f"/records/contacts/{CONTACT}", huge,
                      {**writer, "If-Match": etag, "Accept-Language": "en"})
    assert english["errors"][0]["message"] == f"String should have at most {NAME_MAX} characters"
    # Every kind of text has its limit, quotes the most generous: the longest the seed holds fits with room.
    schema = api.get("/openapi.json").json()["components"]["schemas"]
    assert schema["ContactIn"]["properties"]["organisation"]["maxLength"] == NAME_MAX
    assert schema["SourceRef"]["properties"]["quote"]["anyOf"][0]["maxLength"] >= 10 * 431


@pytest.mark.parametrize("character", ["\u202e", "\u202a", "\u202d", "\u2066", "\u2069", "\u200b", "\ufeff", "\x00"])
def test_bidirectional_overrides_and_invisible_characters_are_refused(
    api: TestClient, catalogue: Engine, writer: dict[str, str], character: str
) -> None:
    etag, contact = current(api, f"contacts/{CONTACT}")
    body = {**contact, "organisation": f"CHU d'Amiens{character}sneiam"}
    (error,) = refused(api, catalogue, "PUT", f"/records/contacts/{CONTACT}", body, {**writer, "If-Match": etag})[
        "errors"]
    assert error["field"] == "organisation" and f"U+{ord(character):04X}" in error["message"]
    assert "caractères de contrôle et de mise en forme invisibles" in error["message"]
    # Deep in a record too: a source's quote, a rule's free-form data.
    etag, scheme = current(api, "schemes/ccu-mg")
    quoted = {**scheme, "sources": [{**scheme["sources"][0], "quote": f"abc{character}"}, *scheme["sources"][1:]]}
    (error,) = refused(api, catalogue, "PUT", "/records/schemes/ccu-mg", quoted, {**writer, "If-Match": etag})[
        "errors"]
    assert error["field"] == "sources[0].quote"
    rule = {**scheme["rules"][0], "data": {"note": f"abc{character}"}}
    (error,) = refused(api, catalogue, "PUT", "/records/schemes/ccu-mg", {**scheme, "rules": [rule]},
                       {**writer, "If-Match": etag})["errors"]
    assert error["field"] == "rules[0].data"


def test_texts_are_stored_in_nfc_and_visible_spaces_stay(api: TestClient, writer: dict[str, str]) -> None:
    etag, contact = current(api, f"contacts/{CONTACT}")
    typed = "Direction des Affaires me\u0301dicales\u202f: secre\u0301tariat"  # e + combining acute, narrow nbsp
    changed = api.put(f"/records/contacts/{CONTACT}", json={**contact, "service": typed},
                      headers={**writer, "If-Match": etag})
    assert changed.status_code == 200, changed.text
    stored = changed.json()["versions"][-1]["service"]
    assert stored == unicodedata.normalize("NFC", typed) and "médicales\u202f: secrétariat" in stored


@pytest.mark.parametrize("amount", ["\uff11\uff12", "١٢", "1e3", " 12", "1_000", "12,50"])
def test_numbers_in_strings_are_ascii_digits(
    api: TestClient, catalogue: Engine, writer: dict[str, str], amount: str
) -> None:
    etag, pay = current(api, f"pay-components/{PAY}")
    (error,) = refused(api, catalogue, "PUT", f"/records/pay-components/{PAY}", {**pay, "amount": amount},
                       {**writer, "If-Match": etag})["errors"]
    assert (error["field"], error["in"]) == ("amount", "body")
    assert error["message"].startswith("Écrivez les nombres en chiffres ASCII")


# --- errors speak of the request ----------------------------------------------------------------------------

SIMULATE = "/simulate?scheme=ccu-ah&region=32&start=2027-11-01&months=24"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("scheme=nope&region=32&start=2027-11-01&months=24", "scheme"),  # checked by the service, not the schema
        ("scheme=chef-clinique-region&region=11&start=2027-11-01&months=24", "region"),  # not offered there
        ("scheme=ccu-ah&region=32&start=2027-11-01&months=24&tax_rate=5", "tax_rate"),  # an option, flattened
        ("scheme=ccu-ah&region=32&start=2027-11-01&months=abc", "months"),  # the schema
        ("scheme=ccu-ah&region=32&start=2027-11-01&months=24&extra=1", "extra"),
        # full-width digits
        ("scheme=ccu-mg&region=32&start=2027-11-01&months=24&acts_per_week=\uff11\uff12", "acts_per_week"),
    ],
)
def test_simulate_query_errors_are_in_the_query(api: TestClient, query: str, field: str) -> None:
    answer = api.get(f"/simulate?{query}")
    assert answer.status_code == 422, answer.text
    assert [(e["field"], e["in"]) for e in answer.json()["errors"]] == [(field, "query")]


def test_every_get_route_reports_query_errors_in_the_query(api: TestClient) -> None:
    """Every query parameter of every GET operation, given a value no schema accepts."""
    paths = api.get("/openapi.json").json()["paths"]
    checked = 0
    for path, operations in paths.items():
        parameters = [p for p in operations.get("get", {}).get("parameters", []) if p["in"] == "query"]
        if "{" in path or not parameters:
            continue
        for parameter in parameters:
            answer = api.get(path, params={parameter["name"]: "\u00a0" * 300 + "\x7f"},
                             headers={"Accept": "application/json"})
            if answer.status_code != 422 or answer.headers["content-type"] != "application/problem+json":
                continue  # a free filter that accepts any text (the embed pages answer in HTML)
            assert {e["in"] for e in answer.json()["errors"]} == {"query"}, (path, parameter["name"], answer.text)
            checked += 1
    assert checked >= 10


def test_write_errors_name_the_body_field_not_a_seed_file(
    api: TestClient, catalogue: Engine, writer: dict[str, str]
) -> None:
    etag, contact = current(api, f"contacts/{CONTACT}")
    body = {**contact, "schemes": [contact["schemes"][0], "chef-de-gare"]}
    problem = refused(api, catalogue, "PUT", f"/records/contacts/{CONTACT}", body, {**writer, "If-Match": etag})
    assert problem["errors"] == [
        {"field": "schemes[1]", "in": "body", "message": "dispositif inconnu « chef-de-gare »"}]
    english = refused(api, catalogue, "PUT", f"/records/contacts/{CONTACT}", body,
                      {**writer, "If-Match": etag, "Accept-Language": "en"})
    assert english["errors"][0]["message"] == "unknown scheme 'chef-de-gare'"
    assert english["detail"] == "The change was refused: 1 problem(s); nothing was written."
    # A creation, and a field pydantic checks deep in the body: the same path format.
    new = {**contact, "id": "nouveau-contact", "sources": [{"doc": "no-such-document"}]}
    problem = refused(api, catalogue, "POST", "/records/contacts", new, writer)
    assert [e["field"] for e in problem["errors"]] == ["sources[0].doc"]
    new["sources"] = [{"doc": "Pas Un Id"}]
    problem = refused(api, catalogue, "POST", "/records/contacts", new, writer)
    assert [e["field"] for e in problem["errors"]] == ["sources[0].doc"]
    for answer in (problem, english):
        for error in answer["errors"]:
            assert "seed/" not in error["message"] and "row" not in error["message"], error


def test_bodies_that_are_not_a_record_speak_of_the_request_body(
    api: TestClient, catalogue: Engine, writer: dict[str, str]
) -> None:
    etag, _ = current(api, f"contacts/{CONTACT}")
    headers = {**writer, "If-Match": etag, "Accept-Language": "en"}
    not_an_object = refused(api, catalogue, "PUT", f"/records/contacts/{CONTACT}", [1, 2], headers)
    assert not_an_object["detail"] == "Invalid value for the request body."
    assert not_an_object["errors"] == [
        {"field": "body", "in": "body",
         "message": "Input should be a valid dictionary or object to extract fields from"}]
    french = refused(api, catalogue, "PUT", f"/records/contacts/{CONTACT}", [1, 2], {**writer, "If-Match": etag})
    assert french["detail"] == "Valeur invalide pour : le corps de la requête."
    before = dump(catalogue)
    broken = api.put(f"/records/contacts/{CONTACT}", content=b'{"id": ',
                     headers={**headers, "Content-Type": "application/json"})
    assert broken.status_code == 422 and dump(catalogue) == before
    (error,) = broken.json()["errors"]
    assert error["field"] == "body" and error["message"].startswith("The body is not valid JSON (character 7)")
    assert "body parameter" not in broken.text and "body parameter" not in str(not_an_object)


def test_errors_in_a_body_that_is_not_the_record_name_the_body_field(
    api: TestClient, catalogue: Engine, writer: dict[str, str]
) -> None:
    etag, _ = current(api, "schemes/ccu-mg")
    verify = refused(api, catalogue, "POST", "/records/schemes/ccu-mg/verify", {"sources": ["hdf-mg-2023", "rumeur"]},
                     {**writer, "If-Match": etag})
    assert [e["field"] for e in verify["errors"]] == ["sources[1]"]
    etag, parameter = current(api, "pay-parameters/pmss")
    value = {**parameter["values"][-1], "valid_from": "2999-01-01", "sources": [{"doc": "rumeur"}]}
    value.pop("valid_to", None)
    added = refused(api, catalogue, "POST", "/records/pay-parameters/pmss/values", value, {**writer, "If-Match": etag})
    assert [e["field"] for e in added["errors"]] == ["sources[0].doc"]


def test_the_seed_command_still_names_files_and_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Seed files: file and row (test_loader.py checks more); one exported document: the document, section and row.
    document = {name: yaml.safe_load((SEED_DIR / f"{name}.yaml").read_text(encoding="utf-8")) for name in (
        "regions", "sources", "pay_parameters", "specialties", "schemes", "availability", "pay_components",
        "contacts", "calendar")}
    document["contacts"][0]["schemes"] = ["chef-de-gare"]
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert seed_cli.main(["--check", "--file", str(path)]) == 1
    err = capsys.readouterr().err
    first = document["contacts"][0]["id"]
    assert f"{path}: section 'contacts': row 1 ({first}): field 'schemes[0]': unknown scheme 'chef-de-gare'" in err


# --- the read scope -----------------------------------------------------------------------------------------


def test_a_read_key_reads_the_audit_log_and_cannot_write(
    api: TestClient, catalogue: Engine, writer: dict[str, str]
) -> None:
    reader = {"Authorization": f"Bearer {create_key(catalogue, 'Lecture seule — DMG Lille', ['read'])}"}
    etag, contact = current(api, f"contacts/{CONTACT}")
    changed = api.put(f"/records/contacts/{CONTACT}", headers={**writer, "If-Match": etag},
                      json={**contact, "service": f"{contact['service']} (secrétariat)"})
    assert changed.status_code == 200, changed.text
    audit_id = changed.json()["audit_id"]

    history = api.get(f"/audit?entity=contacts&key={CONTACT}", headers=reader)
    assert history.status_code == 200, history.text
    assert audit_id in [e["id"] for e in history.json()["items"]]
    entry = api.get(f"/audit/{audit_id}", headers=reader)
    assert entry.status_code == 200 and entry.json()["actor"] == "ARS Île-de-France"
    assert entry.headers["cache-control"] == "private, no-store"
    assert api.get("/audit").status_code == 401

    etag = changed.headers["etag"]
    before = dump(catalogue)
    for method, path, body in (("PUT", f"/records/contacts/{CONTACT}", contact),
                               ("POST", f"/records/contacts/{CONTACT}/retire", {})):
        answer = api.request(method, path, json=body, headers={**reader, "If-Match": etag})
        assert answer.status_code == 403 and 'scope="write"' in answer.headers["www-authenticate"]
    assert api.post("/import?dry_run=true", json={}, headers=reader).status_code == 403
    assert dump(catalogue) == before
    # OpenAPI says which scope each operation needs.
    described = api.get("/openapi.json").json()["paths"]["/audit"]["get"]["description"]
    assert "`read`" in described


# --- what the schemathesis run with keys found ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"headline": 0}, "headline"),  # the schema says boolean: 0 is not false
        ({"year_from": "1"}, "year_from"),  # the schema says integer
        ({"year_from": True}, "year_from"),
        ({"valid_from": 0}, "valid_from"),  # not a Unix timestamp: dates are YYYY-MM-DD
        ({"valid_from": "2024-01-01T00:00:00"}, "valid_from"),
        ({"valid_from": "0001-01-01"}, "valid_from"),  # the day before would not exist
    ],
)
def test_record_fields_take_the_type_the_schema_says(
    api: TestClient, catalogue: Engine, writer: dict[str, str], change: dict[str, Any], field: str
) -> None:
    etag, pay = current(api, f"pay-components/{PAY}")
    (error,) = refused(api, catalogue, "PUT", f"/records/pay-components/{PAY}", {**pay, **change},
                       {**writer, "If-Match": etag})["errors"]
    assert error["field"] == field


def test_a_lone_surrogate_is_refused_not_a_server_error(
    api: TestClient, catalogue: Engine, writer: dict[str, str]
) -> None:
    # JSON may escape half a UTF-16 pair; neither database can store it.
    etag, contact = current(api, f"contacts/{CONTACT}")
    before = dump(catalogue)
    body = json.dumps({**contact, "organisation": "CHU"}).replace('"CHU"', '"CHU \\ud800"')
    answer = api.put(f"/records/contacts/{CONTACT}", content=body.encode(),
                     headers={**writer, "If-Match": etag, "Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == [{"field": "organisation", "in": "body", "message": "Texte Unicode invalide."}]
    assert dump(catalogue) == before
