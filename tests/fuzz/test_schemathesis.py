"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis + Hypothesis).

Every operation the document describes is called with generated inputs — valid ones and, as schemathesis
does by default, invalid ones — against the real app over a migrated, seeded database. Every answer must be
below 500 and conform to the document: status code, content type, headers and body schema.

One check is left out: `positive_data_acceptance` expects every schema-valid request to succeed, but a
well-formed id that names nothing (`specialty=xyz`, `region=99`, a scheme not offered in a region) is, by
design, a 422 problem listing the allowed values — which ids exist is data, not schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance
from hypothesis import HealthCheck, settings
from sqlalchemy.engine import Engine

from app.config import Settings
from app.main import create_app

EXAMPLES_PER_OPERATION = 120
MINIMUM_CASES = 1000
calls: dict[str, int] = {}


@pytest.fixture(scope="session")
def api_schema(engine: Engine):  # noqa: ANN201 - schemathesis' lazy schema type
    app = create_app(Settings(database_url="sqlite://"), engine=engine)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_conforms_and_never_fails(case) -> None:  # noqa: ANN001
    calls[case.operation.label] = calls.get(case.operation.label, 0) + 1
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


def test_fuzzing_covered_every_operation_with_enough_cases() -> None:
    """Runs after the fuzzing above (same module, declared later): the run really exercised the API."""
    if not calls:
        pytest.skip("the fuzzing test was not selected in this run")
    total = sum(calls.values())
    assert total >= MINIMUM_CASES, f"only {total} generated cases: {calls}"
    assert len(calls) >= 12, f"operations fuzzed: {sorted(calls)}"


# --- the maintenance operations, with a write key, on a catalogue of their own ------------------------------

WRITE_EXAMPLES = 15
write_key: dict[str, str] = {}


@pytest.fixture(scope="session")
def maintenance_schema(new_database):  # noqa: ANN001, ANN201
    """Generated changes really reach the writing code (not only the 401 of an anonymous call)."""
    from app.auth import create_key
    from app.migrate import upgrade
    from app.seed.loader import load_seed
    from tests.conftest import SEED_DIR

    own = new_database()
    upgrade(own)
    load_seed(own, SEED_DIR)
    write_key["Authorization"] = f"Bearer {create_key(own, 'fuzz', ['write'])}"
    app = create_app(Settings(database_url="sqlite://"), engine=own)
    return schemathesis.openapi.from_asgi("/openapi.json", app).include(tag="maintenance")


maintenance = schemathesis.pytest.from_fixture("maintenance_schema")


@maintenance.parametrize()
@settings(max_examples=WRITE_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_maintenance_operations_with_a_write_key_never_fail(case) -> None:  # noqa: ANN001
    case.call_and_validate(headers=write_key, excluded_checks=[positive_data_acceptance])
