"""Keys before bodies (app/auth_first.py): a write without a valid key is refused before its body is read, with
the same 401/403 problems and WWW-Authenticate headers as any other route that needs a key."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.auth import WriteActor, create_key
from app.auth_first import AuthFirstRoute, key_checks
from app.config import Settings
from app.errors import _routes
from app.main import create_app
from tests.streaming import send_streamed

JSON = {"Content-Type": "application/json"}
BODY = 512 << 10  # under the body limit: only the key check can spare reading it
WRITES = [
    ("POST", "/records/schemes"),
    ("PUT", "/records/pay-components/ccu-mg-salaire-universitaire"),
    ("POST", "/records/contacts/chu-amiens-dam/retire"),
    ("POST", "/records/pay-parameters"),
    ("POST", "/records/pay-parameters/pmss/values"),
    ("POST", "/records/schemes/ccu-mg/verify"),
]


@pytest.fixture(scope="module")
def app(engine: Engine) -> Any:
    app = create_app(Settings(database_url="sqlite://"), engine=engine)

    # A route without a body that needs a write key, checked the ordinary way (a FastAPI dependency): the reference
    # answer. (GET /audit needs only a read key since the read scope has a use.)
    @app.get("/test-write-probe")
    def write_probe(actor: WriteActor) -> dict[str, str]:
        return {"name": actor.name}

    return app


@pytest.fixture(scope="module")
def keys(engine: Engine) -> dict[str, dict[str, str]]:
    def key(scopes: list[str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {create_key(engine, f'first-{uuid.uuid4().hex[:8]}', scopes)}"}

    return {"writer": key(["write"]), "reader": key(["read"]), "unknown": {"Authorization": "Bearer nonsense"},
            "none": {}}


def without_instance(response: Any) -> tuple[int, dict[str, Any], str, str]:
    body = {name: value for name, value in response.json().items() if name != "instance"}
    return response.status_code, body, response.headers["www-authenticate"], response.headers["content-type"]


@pytest.mark.parametrize("method, path", WRITES)
@pytest.mark.parametrize("who, status", [("none", 401), ("unknown", 401), ("reader", 403)])
def test_refused_before_the_body_is_read(app: Any, keys: dict[str, dict[str, str]], method: str, path: str,
                                         who: str, status: int) -> None:
    streamed = send_streamed(app, method, path, total=BODY, headers={**JSON, **keys[who]})
    assert streamed.response.status_code == status, streamed.response.text
    assert streamed.pulled == 0, f"{streamed.pulled} bytes of the body were read before the {status}"
    # The very answer a route without a body gives, where the same check runs as an ordinary dependency.
    reference = send_streamed(app, "GET", "/test-write-probe", total=0, headers=keys[who]).response
    assert without_instance(streamed.response) == without_instance(reference)


def test_the_problems_are_those_of_the_key_check(app: Any, keys: dict[str, dict[str, str]]) -> None:
    anonymous = send_streamed(app, "POST", "/records/schemes", total=BODY, headers=JSON).response
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="post-internat"'
    body = anonymous.json()
    assert body["title"] == "Unauthorized" and body["errors"] == [
        {"field": "Authorization", "in": "header", "message": body["detail"]}]
    forbidden = send_streamed(app, "POST", "/records/schemes", total=BODY, headers={**JSON, **keys["reader"]}).response
    assert forbidden.json()["detail"] == "Cette clé d'API n'a pas la portée « write »."
    assert forbidden.headers["www-authenticate"] == (
        'Bearer realm="post-internat", error="insufficient_scope", scope="write"'
    )


def test_a_write_key_gets_its_body_read(app: Any, keys: dict[str, dict[str, str]]) -> None:
    streamed = send_streamed(app, "POST", "/records/schemes", total=BODY, headers={**JSON, **keys["writer"]})
    assert streamed.pulled == BODY
    assert streamed.response.status_code == 422  # spaces only: not a JSON document


def test_every_route_with_a_body_that_needs_a_key_checks_it_first(app: Any) -> None:
    keyed = [route for route in _routes(app.router.routes)
             if getattr(route, "body_field", None) is not None and key_checks(route)]
    assert len(keyed) >= len(WRITES)
    assert [route.path for route in keyed if not isinstance(route, AuthFirstRoute)] == []
