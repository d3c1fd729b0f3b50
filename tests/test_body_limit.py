"""Request bodies are bounded at the edge (app/body_limit.py): 413 problems before the body is read when its
declared length is over the limit, as soon as the count passes it otherwise; never more than the limit held."""

from __future__ import annotations

import json
import select
import socket
import time
import uuid
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.auth import create_key
from app.config import Settings
from app.main import create_app
from tests.helpers import url_of
from tests.streaming import CHUNK, send_streamed

LIMIT = 1 << 20
SIMULATION = {"scheme": "ccu-ah", "region": "32", "start": "2027-11-01", "months": 12}
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def app(engine: Engine) -> Any:
    return create_app(Settings(database_url="sqlite://"), engine=engine)


@pytest.fixture(scope="module")
def writer(engine: Engine) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(engine, f'bodies-{uuid.uuid4().hex[:8]}', ['write'])}"}


def padded(document: dict[str, Any], size: int) -> bytes:
    """The document as JSON, followed by spaces up to `size` bytes (still the same JSON)."""
    text = json.dumps(document).encode()
    return text + b" " * (size - len(text))


def assert_too_large(response: Any, route: str, size: str = "1 Mio") -> dict[str, Any]:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Content Too Large" and body["status"] == 413
    assert body["detail"].startswith(f"Le corps de la requête dépasse la limite de {size} pour {route}."), body
    assert body["errors"] == [{"field": "body", "in": "body", "message": body["detail"]}]
    assert response.headers["content-language"] == "fr" and response.headers["x-request-id"]
    return body


class TestDeclaredLength:
    def test_over_the_limit_is_refused_before_anything_is_read(self, app: Any) -> None:
        streamed = send_streamed(app, "POST", "/simulate", total=2 * LIMIT,
                                 headers={**JSON, "Content-Length": str(2 * LIMIT)})
        assert_too_large(streamed.response, "POST /simulate")
        assert streamed.pulled == 0

    def test_in_the_language_asked(self, app: Any) -> None:
        headers = {**JSON, "Content-Length": str(LIMIT + CHUNK), "Accept-Language": "en"}
        response = send_streamed(app, "POST", "/simulate/compare", total=LIMIT + CHUNK, headers=headers).response
        assert response.status_code == 413 and response.headers["content-language"] == "en"
        assert response.json()["detail"] == "The request body is over the limit of 1 MiB for POST /simulate/compare."

    def test_up_to_the_limit_is_served(self, app: Any) -> None:
        exactly = padded(SIMULATION, LIMIT)
        streamed = send_streamed(app, "POST", "/simulate", total=LIMIT, first=exactly[:CHUNK], chunk=exactly[CHUNK:],
                                 headers={**JSON, "Content-Length": str(LIMIT)})
        assert streamed.response.status_code == 200, streamed.response.text
        one_more = padded(SIMULATION, LIMIT + 1)
        refused = send_streamed(app, "POST", "/simulate", total=LIMIT + 1, chunk=one_more,
                                headers={**JSON, "Content-Length": str(LIMIT + 1)})
        assert_too_large(refused.response, "POST /simulate")

    def test_imports_have_their_own_larger_limit(self, app: Any, writer: dict[str, str]) -> None:
        # 2 MiB: over the limit of every other route, well under the import's (8 MiB): read, and found invalid.
        document = padded({"nonsense": []}, 2 * LIMIT)
        read = send_streamed(app, "POST", "/import?dry_run=true", total=len(document), chunk=document,
                             headers={**writer, **JSON, "Content-Length": str(len(document))})
        assert read.response.status_code == 422 and read.response.json()["errors"][0]["field"] == "nonsense"
        too_big = 8 * LIMIT + 1
        refused = send_streamed(app, "POST", "/import?dry_run=true", total=too_big,
                                headers={**writer, **JSON, "Content-Length": str(too_big)})
        body = assert_too_large(refused.response, "POST /import", "8 Mio")
        assert "python -m app.seed --file" in body["detail"] and refused.pulled == 0


class TestChunked:
    """No declared length: the body is counted as the app reads it, whoever reads it."""

    @pytest.mark.parametrize("path, keyed", [
        ("/simulate", False),  # read whole by the snapshot middleware
        ("/simulate/compare", False),
        ("/records/pay-components", True),  # read by FastAPI, once the key is checked
    ])
    def test_cut_at_the_limit_while_the_app_reads(
        self, app: Any, writer: dict[str, str], path: str, keyed: bool
    ) -> None:
        streamed = send_streamed(app, "POST", path, total=4 * LIMIT, headers={**JSON, **(writer if keyed else {})})
        assert_too_large(streamed.response, f"POST {path}")
        assert streamed.pulled <= LIMIT + CHUNK  # the chunk that passed the limit was refused, nothing after it

    def test_an_import_is_cut_at_its_own_limit(self, engine: Engine, writer: dict[str, str]) -> None:
        small = create_app(Settings(database_url="sqlite://", import_max_bytes=256 << 10), engine=engine)
        streamed = send_streamed(small, "POST", "/import", total=4 * LIMIT,
                                 headers={**writer, "Content-Type": "application/yaml"})
        assert_too_large(streamed.response, "POST /import", "256 Kio")
        assert streamed.pulled <= (256 << 10) + CHUNK

    def test_the_limit_is_a_setting(self, engine: Engine) -> None:
        tight = create_app(Settings(database_url="sqlite://", max_body_bytes=4096), engine=engine)
        streamed = send_streamed(tight, "POST", "/simulate", total=8192, chunk=b" " * 1024, headers=JSON)
        assert_too_large(streamed.response, "POST /simulate", "4 Kio")
        assert streamed.pulled <= 4096 + 1024


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


@pytest.mark.slow  # a real uvicorn server
def test_a_real_server_answers_413_while_the_client_still_sends(engine: Engine, server_factory: Any) -> None:
    """uvicorn, one worker, a client streaming a 64 MiB chunked body that reads the socket after every chunk: the
    413 comes while the client is still sending, the worker does not grow by the body, and once the client ends
    its body the same connection serves the next request."""
    server = server_factory(url_of(engine), workers=1)
    before = rss_kib(server.process.pid)
    total, sent, answer = 64 << 20, 0, b""
    chunk = b"%x\r\n" % CHUNK + b" " * CHUNK + b"\r\n"
    deadline = time.monotonic() + 60
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(b"POST /simulate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n")
        while sent < total and b"\r\n\r\n" not in answer and time.monotonic() < deadline:
            connection.sendall(chunk)
            sent += CHUNK
            if select.select([connection], [], [], 0.002)[0]:
                answer += connection.recv(65536)
        answered_after = sent
        while b'"errors"' not in answer and time.monotonic() < deadline:
            answer += connection.recv(65536)
        assert answer.startswith(b"HTTP/1.1 413 "), answer[:300]
        assert answered_after < total // 2, f"answered only after {answered_after} bytes of {total}"
        assert rss_kib(server.process.pid) - before < 24 << 10, "the worker grew by the body it should not keep"
        assert "1 Mio" in json.loads(answer.split(b"\r\n\r\n", 1)[1])["detail"]
        # The body ends: the connection is in step and serves the next request.
        connection.sendall(b"0\r\n\r\nGET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        following = b""
        while b'"status":"ok"' not in following and time.monotonic() < deadline:
            received = connection.recv(65536)
            if not received:
                break
            following += received
        assert following.startswith(b"HTTP/1.1 200 "), following[:300]
