"""Rate limiting through the ASGI app, counted in memory and in the real Redis: RateLimit headers, 429 problems in
the client's language, probes left alone, one count for every app sharing a Redis, and Redis going away.

Two real uvicorn workers behind one Redis: tests/resilience/test_resilience.py.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from app import observability
from app.config import Settings
from app.main import create_app
from tests.helpers import free_port

HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset")


def limited_settings(
    storage: str, *, per_minute: int = 3, burst: int | None = None, prefix: str | None = None
) -> Settings:
    return Settings(database_url="sqlite://", rate_limit_per_minute=per_minute, rate_limit_burst=burst,
                    rate_limit_storage=storage, rate_limit_key_prefix=prefix or f"test-{uuid.uuid4().hex}")


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    return "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")


@pytest.fixture
def limited(engine: Engine, storage: str) -> Callable[..., TestClient]:
    """Apps limited to a few requests a minute, each on counters of its own unless given the same prefix."""
    opened: list[TestClient] = []

    def make(**options: object) -> TestClient:
        client = TestClient(create_app(limited_settings(storage, **options), engine=engine))  # type: ignore[arg-type]
        opened.append(client.__enter__())
        return client

    yield make  # type: ignore[misc]
    for client in opened:
        client.__exit__(None, None, None)


class TestHeadersAnd429:
    def test_every_answer_counts_down_then_429_with_retry_after(self, limited) -> None:
        client = limited(per_minute=3)
        answers = [client.get("/regions") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["ratelimit-limit"] for a in answers] == ["3"] * 4
        assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
        assert all(0 < int(a.headers["ratelimit-reset"]) <= 60 for a in answers)
        assert all("retry-after" not in a.headers for a in answers[:3])
        refused = answers[3]
        assert refused.headers["retry-after"] == refused.headers["ratelimit-reset"]
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert (problem["status"], problem["title"], problem["instance"]) == (429, "Too Many Requests", "/regions")
        assert problem["detail"] == ("Trop de requêtes depuis cette adresse : "
                                     f"réessayez dans {refused.headers['retry-after']} s.")
        assert refused.headers["content-language"] == "fr" and "Accept-Language" in refused.headers["vary"]

    def test_the_429_speaks_the_clients_language(self, limited) -> None:
        client = limited(per_minute=1)
        client.get("/schemes")
        english = client.get("/schemes?region=28", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
        assert english.status_code == 429 and english.headers["content-language"] == "en"
        problem = english.json()
        assert problem["detail"].startswith("Too many requests from this address; try again in ")
        assert problem["instance"] == "/schemes?region=28"
        assert client.get("/schemes?lang=en").json()["detail"].startswith("Too many requests")

    def test_every_method_and_answer_counts_even_errors_and_304s(self, limited) -> None:
        client = limited(per_minute=3)
        etag = client.get("/regions/28").headers["etag"]
        assert client.get("/regions/28", headers={"If-None-Match": etag}).status_code == 304
        assert client.get("/schemes/nope").status_code == 404
        assert client.post("/simulate", json={}).status_code == 429

    def test_probes_are_never_limited_nor_counted(self, limited) -> None:
        client = limited(per_minute=1)
        assert client.get("/regions").status_code == 200
        for path in ("/health", "/ready"):
            for _ in range(3):
                probe = client.get(path)
                assert probe.status_code == 200 and not set(HEADERS) & set(probe.headers)
        assert client.get("/ready").json()["rate_limit"] == "ok"
        assert client.get("/regions").status_code == 429

    def test_a_browser_on_another_origin_can_read_the_headers_and_the_429(self, limited) -> None:
        client = limited(per_minute=1)
        origin = {"Origin": "https://www.univ-lille.fr"}
        first, refused = client.get("/regions", headers=origin), client.get("/regions", headers=origin)
        assert refused.status_code == 429 and refused.headers["access-control-allow-origin"] == "*"
        exposed = {h.strip().lower() for h in first.headers["access-control-expose-headers"].split(",")}
        assert {*HEADERS, "retry-after"} <= exposed
        preflight = client.options("/simulate", headers={**origin, "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 200  # preflights are answered by CORS, before any counting

    def test_the_burst_is_a_second_shorter_limit(self, limited) -> None:
        client = limited(per_minute=4, burst=2)
        client.get("/health")
        started = time.monotonic()
        answers = [client.get("/regions") for _ in range(3)]
        if time.monotonic() - started >= 1:
            pytest.skip("the machine is too slow to send three requests within a second")
        assert [a.status_code for a in answers] == [200, 200, 429]
        # The headers describe the limit closest to exhaustion: the second's.
        assert [a.headers["ratelimit-limit"] for a in answers] == ["2", "2", "2"]
        assert answers[2].headers["retry-after"] == "1"
        time.sleep(1.1)
        again = client.get("/regions")
        # One left of each: the headers name the limit that resets last, the minute's; the refusal cost none of it.
        assert again.status_code == 200
        assert (again.headers["ratelimit-limit"], again.headers["ratelimit-remaining"]) == ("4", "1")


def test_apps_sharing_redis_count_a_client_once_in_memory_each_counts_alone(limited, storage: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    first, second = limited(per_minute=2, prefix=prefix), limited(per_minute=2, prefix=prefix)
    assert first.get("/regions").status_code == second.get("/regions").status_code == 200
    shared = not storage.startswith("memory")
    assert second.get("/regions").status_code == (429 if shared else 200)
    assert first.get("/regions").status_code == 429 if shared else 200


def test_off_by_default(client: TestClient) -> None:
    answers = [client.get("/regions") for _ in range(50)]
    assert {a.status_code for a in answers} == {200}
    assert not set(HEADERS) & set(answers[-1].headers)
    assert "rate_limit" not in client.get("/ready").json()


# --- Redis unreachable --------------------------------------------------------------------------------------------


@pytest.fixture
def redis_port() -> Iterator[tuple[int, Callable[[], None]]]:
    """A real port nothing listens on, and a way to start a redis-server there later."""
    port, started = free_port(), []

    def start() -> None:
        if not shutil.which("redis-server"):
            if os.environ.get("CI"):
                pytest.fail("CI needs redis-server (.ci/run installs it)")
            pytest.skip("needs redis-server")
        started.append(subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        deadline = time.monotonic() + 10
        ping = ["redis-cli", "-p", str(port), "ping"]
        while subprocess.run(ping, capture_output=True, text=True).stdout.strip() != "PONG":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)

    yield port, start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow  # a fault: a Redis server stopped and started
def test_redis_unreachable_fails_open_logs_once_and_limits_again_when_it_is_back(
    engine: Engine, redis_port, caplog: pytest.LogCaptureFixture
) -> None:
    port, start_redis = redis_port
    settings = limited_settings(f"redis://127.0.0.1:{port}/0", per_minute=2)
    limited_app = create_app(settings, engine=engine)
    logging.getLogger().addHandler(caplog.handler)  # create_app set the root handlers anew
    with caplog.at_level(logging.INFO, logger="app.rate_limit"), TestClient(limited_app) as app:
        started = time.monotonic()
        answers = [app.get("/regions") for _ in range(5)]
        assert time.monotonic() - started < 5, "an unreachable Redis must not make requests wait"
        assert {a.status_code for a in answers} == {200}  # public reads go on, without limits
        assert not set(HEADERS) & set(answers[0].headers)
        warnings = [r for r in caplog.records if r.name == "app.rate_limit"]
        assert len(warnings) == 1
        assert warnings[0].levelno == logging.WARNING and "unreachable" in warnings[0].getMessage()
        line = json.loads(observability.JsonFormatter().format(warnings[0]))
        assert line["level"] == "warning" and line["logger"] == "app.rate_limit"
        ready = app.get("/ready")
        assert ready.status_code == 200 and ready.json()["rate_limit"] == "unavailable"

        start_redis()
        time.sleep(observability.RETRY_STORAGE_SECONDS + 0.2)
        statuses = [app.get("/regions").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert app.get("/ready").json()["rate_limit"] == "ok"
        assert "answers again" in [r for r in caplog.records if r.name == "app.rate_limit"][-1].getMessage()


class TestSettings:
    @pytest.mark.parametrize(("written", "used"), [
        ("memory://", "async+memory://"),
        ("redis://127.0.0.1:6379/2", "async+redis://127.0.0.1:6379/2"),
        ("rediss://:secret@cache.example:6380/0", "async+rediss://:secret@cache.example:6380/0"),
        ("async+redis://127.0.0.1:6379", "async+redis://127.0.0.1:6379"),
        ("REDIS://127.0.0.1", "async+redis://127.0.0.1"),
    ])
    def test_the_plain_scheme_a_user_writes_is_accepted(self, written: str, used: str) -> None:
        assert Settings(rate_limit_storage=written).rate_limit_storage == used

    @pytest.mark.parametrize("written", ["memcached://127.0.0.1:11211", "127.0.0.1:6379", "mongodb://db"])
    def test_other_storages_are_refused_at_start(self, written: str) -> None:
        with pytest.raises(ValidationError, match="unknown rate-limit storage"):
            Settings(rate_limit_storage=written)

    def test_the_key_prefix_is_a_plain_token(self) -> None:
        with pytest.raises(ValidationError):
            Settings(rate_limit_key_prefix="a b")
