"""POST /import reads any document a client sends into a 422 problem naming what is wrong, never a 500, and reads it
in a worker thread, off the event loop (app/records/document.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.auth import create_key
from app.config import Settings
from app.main import create_app
from app.records import store

JSON = {"Content-Type": "application/json"}
YAML = {"Content-Type": "application/yaml"}
DIGITS = "7" * 5000


@pytest.fixture(scope="module")
def api(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url="sqlite://"), engine=engine)) as client:
        client.headers["Authorization"] = f"Bearer {create_key(engine, f'import-{uuid.uuid4().hex[:8]}', ['write'])}"
        yield client


def refused(api: TestClient, content: str, headers: dict[str, str], lang: str = "fr") -> str:
    response = api.post("/import?dry_run=true", content=content.encode(), headers={**headers, "Accept-Language": lang})
    assert response.status_code == 422, response.text[:500]
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["errors"] == [{"field": "body", "in": "body", "message": body["detail"]}]
    return body["detail"]


class TestIntegersTooLongToRead:
    def test_json(self, api: TestClient) -> None:
        assert refused(api, f'{{"regions": {DIGITS}}}', JSON) == \
            "Un nombre entier du corps a 5000 chiffres, plus que les 4300 lisibles."
        assert refused(api, f'{{"regions": [-{DIGITS}]}}', JSON, "en") == \
            "An integer in the body has 5000 digits, more than the 4300 that can be read."

    def test_yaml(self, api: TestClient) -> None:
        assert refused(api, f"sources: []\nregions: {DIGITS}\n", YAML) == \
            "Un nombre entier du corps a 5000 chiffres, plus que les 4300 lisibles (ligne 2, colonne 10)."


class TestNestedThousandsDeep:
    @pytest.mark.parametrize("depth", [33, 900, 5000])
    def test_json(self, api: TestClient, depth: int) -> None:
        assert refused(api, '{"regions": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}", JSON) == \
            "Le corps imbrique des listes ou des objets sur plus de 32 niveaux."

    @pytest.mark.parametrize("document", [
        "regions: " + "[" * 5000 + "]" * 5000,  # flow style
        "- " * 5000 + "1\n",  # block sequences
        "".join(f"{'  ' * level}a:\n" for level in range(200)) + "  " * 200 + "b: 1\n",  # block mappings
    ], ids=["flow", "block-sequences", "block-mappings"])
    def test_yaml(self, api: TestClient, document: str) -> None:
        detail = refused(api, document, YAML)
        assert detail.startswith("Le corps imbrique des listes ou des objets sur plus de 32 niveaux (ligne "), detail

    def test_in_english(self, api: TestClient) -> None:
        assert refused(api, "[" * 5000 + "]" * 5000, JSON, "en") == (
            "The body nests lists or objects more than 32 levels deep."
        )


def test_a_value_yaml_cannot_build(api: TestClient) -> None:
    assert refused(api, "regions: []\ncalendar: [{date: 2027-02-30}]\n", YAML) == \
        "La valeur « 2027-02-30 » ne peut pas être lue (ligne 2, colonne 19)."
    assert refused(api, "regions: [\n", YAML, "en").startswith("The body is not valid YAML or JSON (line 2, column 1)")


def test_the_document_is_read_off_the_event_loop(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsing (yaml.load) and validating (the seed's reference checks) run where no event loop runs."""
    on_loop: list[tuple[str, bool]] = []

    def watched(name: str, function: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
                on_loop.append((name, True))
            except RuntimeError:
                on_loop.append((name, False))
            return function(*args, **kwargs)
        return call

    monkeypatch.setattr(yaml, "load", watched("yaml.load", yaml.load))
    monkeypatch.setattr(store, "check_references", watched("validation", store.check_references))
    exported = api.get("/export")
    assert api.post("/import?dry_run=true", content=exported.content, headers=YAML).status_code == 200
    assert on_loop == [("yaml.load", False), ("validation", False)]
