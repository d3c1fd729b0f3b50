"""The records tests' catalogue: a database of its own per test (they write), its app and its keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.auth import create_key
from app.config import Settings
from app.main import create_app


@pytest.fixture
def catalogue(seeded_database: Callable[[], Engine]) -> Engine:
    return seeded_database()


@pytest.fixture
def api(catalogue: Engine) -> Iterator[TestClient]:
    app = create_app(Settings(database_url="sqlite://"), engine=catalogue)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def keys(catalogue: Engine) -> dict[str, dict[str, str]]:
    return {
        "writer": {"Authorization": f"Bearer {create_key(catalogue, 'ARS Hauts-de-France', ['write'])}"},
        "reader": {"Authorization": f"Bearer {create_key(catalogue, 'lecture seule', ['read'])}"},
    }
