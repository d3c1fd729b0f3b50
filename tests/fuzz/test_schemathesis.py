"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis + Hypothesis).

Every operation the document describes is called with generated inputs — valid ones and, as schemathesis
does by default, invalid ones — against the real app over a migrated, seeded database. Every answer must be
below 500 and conform to the document: status code, content type, headers and body schema.

The maintenance operations run a second time on a throwaway seeded catalogue of their own, with keys (`write` for
the changes, `read` for the audit log) and most valid cases aimed at records that exist with their ETag, so that
generated changes pass authentication and preconditions and are validated, written and audited.

One check is left out: `positive_data_acceptance` expects every schema-valid request to succeed, but a
well-formed id that names nothing (`specialty=xyz`, `region=99`, a scheme not offered in a region) is, by
design, a 422 problem listing the allowed values — which ids exist is data, not schema.
"""

from __future__ import annotations

import zlib
from collections import Counter

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy.engine import Engine

from app.config import Settings
from app.main import create_app

# Fuzzing: minutes of generated requests (`make test-quick` leaves it out).
pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 120
MINIMUM_CASES = 1000
calls: dict[str, int] = {}


@pytest.fixture(scope="session")
def api_schema(engine: Engine):  # no annotation: schemathesis' lazy schema type
    app = create_app(Settings(database_url="sqlite://"), engine=engine)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_conforms_and_never_fails(case) -> None:
    calls[case.operation.label] = calls.get(case.operation.label, 0) + 1
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


def test_fuzzing_covered_every_operation_with_enough_cases() -> None:
    """Runs after the fuzzing above (same module, declared later): the run really exercised the API."""
    if not calls:
        pytest.skip("the fuzzing test was not selected in this run")
    total = sum(calls.values())
    assert total >= MINIMUM_CASES, f"only {total} generated cases: {calls}"
    assert len(calls) >= 12, f"operations fuzzed: {sorted(calls)}"


# --- the maintenance operations, with keys, on a catalogue of their own ------------------------------------

WRITE_EXAMPLES = 15
keys: dict[str, dict[str, str]] = {}
records: dict[str, list[str]] = {}  # entity -> the ids the seed holds (operations are aimed at them)
maintenance_calls: Counter[tuple[str, int]] = Counter()


@pytest.fixture(scope="session")
def maintenance_app(seeded_database):
    """Generated changes really reach the writing code (not only the 401 of an anonymous call): a throwaway
    catalogue, migrated and seeded, a `write` key for the changes and a `read` key for the audit log."""
    from app.auth import create_key
    from app.records.service import ENTITIES

    own = seeded_database()
    keys["write"] = {"Authorization": f"Bearer {create_key(own, 'fuzz écriture', ['write'])}"}
    keys["read"] = {"Authorization": f"Bearer {create_key(own, 'fuzz lecture', ['read'])}"}
    app = create_app(Settings(database_url="sqlite://"), engine=own)
    exported = TestClient(app).get("/export?format=json").json()
    for entity in ENTITIES.values():
        rows = [entity.schema.model_validate(row) for row in exported[entity.file]]
        records[entity.name] = sorted({entity.key_of(row) for row in rows})
    return app


@pytest.fixture(scope="session")
def maintenance_schema(maintenance_app):
    return schemathesis.openapi.from_asgi("/openapi.json", maintenance_app)


# The filter goes on the lazy schema: one set on the fixture's schema is not applied (every operation ran here).
maintenance = schemathesis.pytest.from_fixture("maintenance_schema").include(tag="maintenance")
KEY_FIELDS = {"schemes": "slug", "pay-components": "code", "pay-parameters": "code"}
# Fields that name other records (or hold records that cite sources): a generated value names nothing that exists.
REFERENCES = {"scheme", "region", "schemes", "sources", "eligible_specialties", "verified", "slug", "code", "id"}


def _overlay(base: dict, generated: object) -> dict:
    """A record that exists with the generated values of its own plain fields (texts, numbers, dates, choices, lists
    of texts): what a maintainer's change looks like, with the fuzzer's texts and values, and references that hold."""
    if not isinstance(generated, dict):
        return base
    plain = {k: v for k, v in generated.items() if k not in REFERENCES
             and not isinstance(v, dict) and not (isinstance(v, list) and any(isinstance(x, dict | list) for x in v))}
    return {**base, **plain}


def aim(case, app) -> None:
    """Two valid generated cases in three are pointed at what exists: a record of the seed and its current ETag, the
    body made of that record with the generated plain fields (a creation: another record's, under the generated id).
    They then pass the 404/412/428 and the reference checks and reach the catalogue-wide checks and the database.
    Imports stay dry runs (validated and written in a transaction rolled back), so the catalogue stays seeded."""
    if case.meta is None or case.meta.generation.mode.is_negative:
        return
    if case.path == "/import":
        case.query = {**(case.query or {}), "dry_run": "true"}
        return
    parts = case.path.split("/")
    seed = zlib.crc32(repr((case.path, case.path_parameters, case.body)).encode())
    if seed % 3 == 0:
        return
    if case.path == "/audit/{audit_id}":
        case.path_parameters = {"audit_id": 1 + seed % 20}
        return
    if len(parts) < 3 or parts[1] != "records" or not records.get(parts[2]):
        return
    entity, ids = parts[2], records[parts[2]]
    client = TestClient(app)
    key = ids[seed % len(ids)]
    latest = client.get(f"/records/{entity}/{key}")
    if latest.status_code != 200:
        return
    record = latest.json()["versions"][-1]
    if len(parts) == 3:  # POST /records/<kind>: a new record, under the generated id
        if isinstance(case.body, dict):
            ids_in_body = {k: case.body[k] for k in ("scheme", "region") if entity == "availability" and k in case.body}
            ids_in_body |= {KEY_FIELDS.get(entity, "id"): case.body.get(KEY_FIELDS.get(entity, "id"))}
            case.body = _overlay(record, case.body) | {k: v for k, v in ids_in_body.items() if v is not None}
        return
    if entity == "availability":
        case.path_parameters = dict(zip(("scheme", "region"), key.split("/"), strict=True))
    else:
        case.path_parameters = {"key": key}
    if case.method == "GET":
        return
    case.headers = {**(case.headers or {}), "If-Match": latest.headers["etag"]}
    if case.method == "PUT":  # the body is the record: the one in the URL, with the generated plain fields
        case.body = _overlay(record, case.body)
    elif parts[-1] == "values":  # a dated value: the latest one's sources, the generated dates and value
        case.body = _overlay(record["values"][-1], case.body)


@maintenance.parametrize()
@settings(max_examples=WRITE_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_maintenance_operations_with_keys_never_fail(case, maintenance_app) -> None:
    aim(case, maintenance_app)
    # The audit log with the `read` key it needs; everything else with the `write` key — except when the headers
    # were generated invalid on purpose (a missing or malformed Authorization must stay so, and get its 401).
    key = keys["read"] if case.path.startswith("/audit") else keys["write"]
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
        key = {}
    response = case.call_and_validate(headers=key, excluded_checks=[positive_data_acceptance])
    maintenance_calls[(case.operation.label, response.status_code)] += 1


def test_maintenance_fuzzing_reached_the_writing_code() -> None:
    """Runs after the fuzzing above: changes were accepted (200/201), not only refused before being tried."""
    if not maintenance_calls:
        pytest.skip("the maintenance fuzzing test was not selected in this run")
    fuzzed = {operation for operation, _ in maintenance_calls}
    maintenance_only = ("GET /records", "POST /records", "PUT /records", "GET /audit", "GET /export", "POST /import")
    assert all(o.startswith(maintenance_only) for o in fuzzed), sorted(fuzzed)  # the others are fuzzed above
    accepted = {operation for (operation, status) in maintenance_calls if status in (200, 201)}
    written = {operation for operation in accepted if not operation.startswith("GET")}
    assert len(written) >= 8, sorted(maintenance_calls.items())
    assert {"GET /audit", "GET /audit/{audit_id}"} <= accepted, sorted(maintenance_calls.items())
