"""Real processes, real failures: a seed import killed with SIGKILL, load on several workers, PostgreSQL restarted;
one rate limit for two workers behind one Redis, and `make run`'s logs all in LOG_FORMAT.

These tests start the app with uvicorn (as `make run` does) or the seed command in subprocesses, on loopback
only, and bound every loop in time and count.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.config import PROJECT_ROOT
from app.seed.loader import load_seed
from tests.conftest import SEED_DIR
from tests.helpers import dump, url_of

# Real processes killed, loaded and restarted: minutes (`make test-quick` leaves them out).
pytestmark = pytest.mark.slow

LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", "30"))
LOAD_CLIENTS = 64


def audit_entries(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM audit_entry")).scalar_one())


# --- a seed import killed half-way -----------------------------------------------------------------------------


def grown_seed(target: Path) -> Path:
    """The real seed, with every scheme renamed and 600 more calendar events: a long, many-row import."""
    shutil.copytree(SEED_DIR, target)
    schemes = yaml.safe_load((target / "schemes.yaml").read_text(encoding="utf-8"))
    for row in schemes:
        row["name"] += " (révisé)"
    (target / "schemes.yaml").write_text(yaml.safe_dump(schemes, allow_unicode=True, sort_keys=False), encoding="utf-8")
    calendar = yaml.safe_load((target / "calendar.yaml").read_text(encoding="utf-8"))
    template = calendar[0]
    calendar += [template | {"id": f"synthetic-{i}", "label": f"Événement {i}"} for i in range(600)]
    (target / "calendar.yaml").write_text(yaml.safe_dump(calendar, allow_unicode=True, sort_keys=False),
                                          encoding="utf-8")
    return target


def test_a_seed_import_killed_at_any_moment_is_all_or_nothing(seeded_database, tmp_path: Path) -> None:
    engine = seeded_database()
    before = dump(engine)
    changed_seed = grown_seed(tmp_path / "seed")
    env = {**os.environ, "DATABASE_URL": url_of(engine), "PYTHONPATH": str(PROJECT_ROOT)}
    command = [sys.executable, "-m", "app.seed", "--seed-dir", str(changed_seed)]

    # How long a full import takes, on a scratch database, to spread the kills over it.
    scratch = seeded_database()
    started = time.monotonic()
    subprocess.run(command, env={**env, "DATABASE_URL": url_of(scratch)}, cwd=PROJECT_ROOT, check=True,
                   capture_output=True)
    full = time.monotonic() - started
    after = dump(scratch)
    assert after != before

    outcomes = Counter()
    for attempt in range(8):
        process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(full * (0.3 + 0.1 * attempt))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        state = dump(engine)
        assert state in (before, after), f"attempt {attempt}: a partial import is visible"
        outcomes["old" if state == before else "new"] += 1
        # The audit entry is written in the import's own transaction: there exactly when the import is.
        assert audit_entries(engine) == outcomes["new"], f"attempt {attempt}: audit and catalogue disagree"
        if state == after:
            load_seed(engine, SEED_DIR)  # back to the original for the next attempt
            assert dump(engine) == before
    assert outcomes["old"] >= 1, f"no kill landed before the commit ({dict(outcomes)}): the test proved nothing"
    # And the database still takes a complete import afterwards.
    subprocess.run(command, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    assert dump(engine) == after


# --- load on several workers ------------------------------------------------------------------------------------

REQUESTS = [
    ("GET", "/schemes?audience=mg&region=32", None),
    ("GET", "/schemes?q=temps%20partag%C3%A9&limit=5", None),
    ("GET", "/schemes/ccu-ah", None),
    ("GET", "/regions/28", None),
    ("GET", "/calendar?region=28&format=ics", None),
    ("POST", "/simulate", {"scheme": "atp-regional", "region": "32", "start": "2024-11-01", "months": 24,
                           "options": {"periphery_share": 50}}),
    ("GET", "/simulate?scheme=ccu-mg&region=32&start=2024-01-01&months=96&method=statutory", None),
]


async def hammer(base: str, seconds: float, clients: int) -> Counter:
    results: Counter = Counter()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=10, limits=limits) as http:

        async def client(index: int) -> None:
            i = index
            while time.monotonic() < deadline:
                method, path, body = REQUESTS[i % len(REQUESTS)]
                i += 1
                try:
                    response = await http.request(method, path, json=body)
                    results[response.status_code] += 1
                except httpx.HTTPError as exc:
                    results[type(exc).__name__] += 1

        await asyncio.gather(*(client(i) for i in range(clients)))
    return results


def _connections_held(engine: Engine) -> list | None:
    """Who holds PostgreSQL connections (application name, state, count), to explain a refused connection."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT state, left(query, 60), count(*) FROM pg_stat_activity "
                                 "WHERE backend_type = 'client backend' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 10")).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_64_clients_for_30_seconds_on_two_workers_get_no_error(engine: Engine, server_factory, new_database) -> None:
    # The server under load may use all its 80 connections: the test process keeps none idle meanwhile (a full
    # PostgreSQL run once failed to open one connection, OperationalError in the server log, and answered 503).
    new_database.release()
    held = _connections_held(engine)
    server = server_factory(url_of(engine), workers=2)
    results = asyncio.run(hammer(server.base, LOAD_SECONDS, LOAD_CLIENTS))
    total = sum(results.values())
    print(f"{total} requests in {LOAD_SECONDS:.0f} s from {LOAD_CLIENTS} clients: {dict(results)}")
    log = server.log_path.read_text(encoding="utf-8").splitlines()
    warnings = [line for line in log if '"level": "info"' not in line]
    assert set(results) == {200}, (dict(results), f"connections held before: {held}", warnings[:20])
    assert total >= LOAD_CLIENTS * 5
    assert server.stop() == 0  # and it shuts down cleanly


# --- PostgreSQL restarted under load ---------------------------------------------------------------------------


def _restart_command() -> list[str] | None:
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").is_dir() else []
    if not versions or not shutil.which("pg_ctlcluster") or os.geteuid() != 0:
        return None
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name, "main", "restart"]


def test_postgresql_restarted_under_load_fails_cleanly_and_recovers(engine: Engine, server_factory) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (TEST_DATABASE_URL)")
    restart = _restart_command()
    if restart is None:
        if os.environ.get("CI"):
            pytest.fail("CI must be able to restart the local PostgreSQL (pg_ctlcluster as root)")
        pytest.skip("needs pg_ctlcluster as root")
    # No answers from memory: every request must reach the database to show how outages are handled.
    server = server_factory(url_of(engine) , workers=2)

    async def scenario() -> tuple[Counter, Counter]:
        during: Counter = Counter()
        async with httpx.AsyncClient(base_url=server.base, timeout=15) as http:
            stop = asyncio.Event()

            async def load(i: int) -> None:
                while not stop.is_set():
                    # A different query each time: the snapshot cannot answer, the database must.
                    response = await http.get(f"/schemes?limit={1 + (i := i + 7) % 200}")
                    during[response.status_code] += 1
                    if response.status_code >= 500:
                        assert response.headers["content-type"].startswith("application/problem+json")
                        assert response.status_code == 503 and response.headers.get("retry-after")
                    await asyncio.sleep(0.01)

            tasks = [asyncio.create_task(load(i)) for i in range(8)]
            await asyncio.sleep(1)
            await asyncio.to_thread(subprocess.run, restart, check=True, capture_output=True, timeout=60)
            await asyncio.sleep(2)
            stop.set()
            await asyncio.gather(*tasks)
            after: Counter = Counter()
            for i in range(40):
                after[(await http.get(f"/schemes?limit={i + 1}&offset=1")).status_code] += 1
        return during, after

    during, after = asyncio.run(scenario())
    print(f"during the restart: {dict(during)}; after: {dict(after)}")
    assert set(during) <= {200, 503}, dict(during)
    assert set(after) == {200}, f"the app did not recover by itself: {dict(after)}"


# --- one rate limit for two workers behind one Redis ------------------------------------------------------------


def log_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_two_workers_behind_one_redis_enforce_one_limit(engine: Engine, server_factory, redis_url: str) -> None:
    limit = 20
    server = server_factory(url_of(engine), workers=2, env={
        "RATE_LIMIT_PER_MINUTE": str(limit), "RATE_LIMIT_STORAGE": redis_url,
        "RATE_LIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}", "LOG_LEVEL": "info", "LOG_FORMAT": "json",
    }, command=lambda port: [
        sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
        "--log-config", "app/log_config.json", "--no-access-log", "--timeout-graceful-shutdown", "5"])

    async def requests(count: int) -> Counter:
        # A connection of its own for each request: the kernel hands the connections to either worker.
        limits = httpx.Limits(max_connections=20, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=server.base, timeout=10, limits=limits) as http:
            answers = await asyncio.gather(
                *(http.get("/regions", headers={"Connection": "close"}) for _ in range(count))
            )
        return Counter(answer.status_code for answer in answers)

    # The server answers /ready as soon as one worker does: wait for the other (slow to start on a busy machine).
    deadline = time.monotonic() + 60
    while len({line["pid"] for line in map(json.loads, log_lines(server.log_path))
               if line["message"] == "Application startup complete."}) < 2:
        assert time.monotonic() < deadline, "the second worker did not start"
        time.sleep(0.2)
    statuses = asyncio.run(requests(3 * limit))
    workers: set[int] = set()
    for _ in range(10):  # 429s from here on: sent until both workers have been seen answering
        lines = [json.loads(line) for line in log_lines(server.log_path)]
        workers = {line["pid"] for line in lines if line.get("message") == "request" and line.get("path") == "/regions"}
        if len(workers) == 2:
            break
        time.sleep(0.2)
        statuses += asyncio.run(requests(limit))
    assert len(workers) == 2, f"one worker answered every request: {workers}"
    assert statuses[200] == limit, dict(statuses)  # each worker alone would have let `limit` through
    assert set(statuses) == {200, 429}, dict(statuses)
    assert server.stop() == 0
    # Through app/log_config.json, the parent process's lines are JSON too.
    lines = [json.loads(line) for line in log_lines(server.log_path)]
    assert any(line["message"].startswith("Started parent process") for line in lines)


# --- `make run`: every line in LOG_FORMAT --------------------------------------------------------------------------

TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+ ")


def make_run_command(port: int) -> list[str]:
    """The command `make run` serves with, after its install, migrate and seed steps (done here by the fixtures)."""
    if not shutil.which("make"):
        pytest.skip("needs make")
    dry_run = subprocess.run(["make", "-s", "-n", "-o", "seed", "run", f"VENV={sys.prefix}", f"PORT={port}"],
                             cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    assert "uvicorn" in dry_run, dry_run
    return ["bash", "-c", "exec " + dry_run.strip()]


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_make_run_writes_every_line_in_log_format(engine: Engine, server_factory, log_format: str) -> None:
    server = server_factory(url_of(engine), env={"LOG_FORMAT": log_format, "LOG_LEVEL": "info"},
                            command=make_run_command)
    paths = ["/regions", "/schemes/nope", "/simulate?scheme=nope"]
    for path in paths:
        httpx.get(server.base + path, timeout=10)
    # A single uvicorn process shuts down gracefully, then ends by the SIGTERM it received.
    assert server.stop() in (0, -signal.SIGTERM)
    lines = log_lines(server.log_path)
    assert "Finished server process" in lines[-1]
    if log_format == "json":
        records = [json.loads(line) for line in lines]  # every line, uvicorn's own included
        assert {"uvicorn.error", "app.access"} <= {record["logger"] for record in records}
        requests = [record for record in records if record["message"] == "request" and record["path"] != "/ready"]
        assert [record["path"] for record in requests] == [path.split("?")[0] for path in paths]
        assert all(isinstance(record["pid"], int) for record in records)
    else:
        assert all(TEXT_LINE.match(line) for line in lines), [line for line in lines if not TEXT_LINE.match(line)]
        assert any(" uvicorn.error Started server process" in line for line in lines)
    assert not [line for line in lines if '"GET /regions HTTP/1.1"' in line], "uvicorn's own access log is on"
