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
from app.main import create_app
from app.migrate import upgrade
from app.seed import __main__ as seed_cli
from app.seed.loader import load_seed
from tests.conftest import SEED_DIR
from tests.resilience.test_resilience import dump

CONTACT = "chu-amiens-dam"
PAY = "ccu-mg-salaire-universitaire"


@pytest.fixture(scope="module")
def catalogue(new_database: Callable[[], Engine]) -> Engine:
    engine = new_database()
    upgrade(engine)
    load_seed(engine, SEED_DIR)
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
