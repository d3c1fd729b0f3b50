"""If-Match on writes, as RFC 9110 §13.1.1 reads it: a list passes when any of its ETags is the record's current one
(strong comparison: a weak ETag never matches), `*` passes for a record that exists and fails (412) for one that
does not, a malformed header is a 400 naming it, and a missing one stays a 428."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import record

CONTACT = "chu-amiens-dam"

PATH = f"/records/contacts/{CONTACT}"


def put_same(api: TestClient, keys: dict[str, dict[str, str]], if_match: str | None) -> Any:
    """PUT the contact as it is: passes the precondition without changing anything."""
    _, versions = record(api, f"contacts/{CONTACT}")
    headers = {**keys["writer"], **({"If-Match": if_match} if if_match is not None else {})}
    return api.put(PATH, json=versions[-1], headers=headers)


@pytest.mark.parametrize("template", [
    '"{good}"',
    '"0000", "{good}"',  # the case
    '"{good}", "0000"',
    '"0000","{good}"',
    '  "0000" ,  "{good}"  ',
    '"0000", , "{good}",',  # empty list elements are allowed (RFC 9110 §5.6.1)
    '"a,b", "{good}"',  # a comma inside an ETag is part of it
    '*',
    ' * ',
])
def test_if_match_passes_when_any_listed_etag_is_current(
    api: TestClient, keys: dict[str, dict[str, str]], template: str
) -> None:
    etag, _ = record(api, f"contacts/{CONTACT}")
    answer = put_same(api, keys, template.replace('"{good}"', etag))
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] == etag  # nothing changed


@pytest.mark.parametrize("template", ['W/"{good}"', '"0000", W/"{good}"'])
def test_weak_etags_never_match(api: TestClient, keys: dict[str, dict[str, str]], template: str) -> None:
    etag, _ = record(api, f"contacts/{CONTACT}")
    answer = put_same(api, keys, template.replace('"{good}"', etag))
    assert answer.status_code == 412, answer.text
    assert answer.json()["errors"][0]["field"] == "If-Match"
    assert "Les ETag faibles (W/\"…\") ne correspondent jamais" in answer.json()["detail"]


def test_a_stale_etag_still_fails_and_changes_nothing(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    etag, _ = record(api, f"contacts/{CONTACT}")
    retired = api.post(f"{PATH}/retire", json={}, headers={**keys["writer"], "If-Match": f'"0000", {etag}'})
    assert retired.status_code == 200, retired.text
    again = api.post(f"{PATH}/retire", json={}, headers={**keys["writer"], "If-Match": f'"0000", {etag}'})
    assert again.status_code == 412 and retired.headers["etag"] in again.json()["detail"]
    assert "faibles" not in again.json()["detail"]


@pytest.mark.parametrize("value", [
    "",
    "abc",  # unquoted
    "{bare}",  # the right value without its quotes
    '"{bare}',
    '"0000", *',  # `*` stands alone
    '"00 00"',  # no space in an ETag
    '"0000";"1111"',
    'w/"0000"',  # the weak prefix is `W/`
])
def test_a_malformed_if_match_is_a_400_naming_the_header(
    api: TestClient, keys: dict[str, dict[str, str]], value: str
) -> None:
    etag, _ = record(api, f"contacts/{CONTACT}")
    answer = put_same(api, keys, value.replace("{bare}", etag.strip('"')))
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["errors"][0]["field"] == "If-Match" and problem["errors"][0]["in"] == "header"
    assert problem["detail"].startswith("En-tête If-Match mal formé.")
    _, versions = record(api, f"contacts/{CONTACT}")
    english = api.put(PATH, json=versions[-1], headers={**keys["writer"], "If-Match": "abc", "Accept-Language": "en"})
    assert english.json()["detail"].startswith("Malformed If-Match header.")


def test_star_on_a_record_that_does_not_exist_fails(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    _, versions = record(api, f"contacts/{CONTACT}")
    body = {**versions[-1], "id": "contact-inexistant"}
    for if_match in ("*", '"0000"'):
        headers = {**keys["writer"], "If-Match": if_match}
        answer = api.put("/records/contacts/contact-inexistant", json=body, headers=headers)
        assert answer.status_code == 412, answer.text
        assert answer.json()["errors"][0]["field"] == "If-Match"
        assert "POST /records/contacts" in answer.json()["detail"]
        retire = api.post("/records/contacts/contact-inexistant/retire", json={}, headers=headers)
        assert retire.status_code == 412, retire.text
    # Without If-Match there is nothing to compare: the record is simply not there.
    assert api.put("/records/contacts/contact-inexistant", json=body, headers=keys["writer"]).status_code == 404


def test_star_overwrites_whatever_is_there(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    first, _ = record(api, f"contacts/{CONTACT}")
    changed = api.post(f"{PATH}/retire", json={}, headers={**keys["writer"], "If-Match": first})
    assert changed.status_code == 200 and changed.headers["etag"] != first
    # A client holding the first ETag is refused; one that says "*" is not.
    assert put_same(api, keys, first).status_code == 412
    assert put_same(api, keys, "*").status_code == 200


def test_a_missing_if_match_is_still_a_428(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    answer = put_same(api, keys, None)
    assert answer.status_code == 428 and answer.json()["errors"][0]["field"] == "If-Match"
