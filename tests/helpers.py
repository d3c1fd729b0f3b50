"""Helpers shared by test modules (fixtures live in the conftest files): reading problems and records, dumping a
catalogue, ports and servers in subprocesses, the app's middleware layers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.config import PROJECT_ROOT
from app.models import metadata


def problem(response, status: int, field: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert field in {e["field"] for e in body["errors"]}, body
    return body


def record(api: TestClient, path: str) -> tuple[str, list[dict[str, Any]]]:
    answer = api.get(f"/records/{path}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] == answer.json()["etag"]
    return answer.headers["etag"], answer.json()["versions"]


def layer(app: Any, cls: type) -> Any:
    """The middleware instance of `cls` in a started app (middleware_stack is built on the first request)."""
    current = app.middleware_stack
    while current is not None and not isinstance(current, cls):
        current = getattr(current, "app", None)
    assert current is not None, cls
    return current


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """The catalogue's content, without internal ids (PostgreSQL sequences never hand the same id out twice)."""
    with engine.connect() as conn:
        out = {}
        for table in metadata.sorted_tables:
            if table.name in ("catalogue_version", "audit_entry", "api_key"):
                continue
            columns = [c.name for c in table.columns if c.name != "id" and not c.name.endswith("_id")]
            rows = conn.execute(text(f"SELECT {', '.join(columns) or 'COUNT(*)'} FROM {table.name}"))
            out[table.name] = sorted(tuple(map(str, row)) for row in rows)
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn serving app.main:app in a subprocess (`command(port)` to start it otherwise), stdout and stderr in
    `log`."""

    def __init__(self, database_url: str, workers: int, log: Path, *, env: dict[str, str] | None = None,
                 command: Callable[[int], list[str]] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "warning", "PYTHONPATH": str(PROJECT_ROOT),
               **(env or {})}
        self.log_path = log
        self.log = log.open("w")
        self.process = subprocess.Popen(
            command(self.port) if command else
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers), "--no-access-log", "--timeout-graceful-shutdown", "5"],
            cwd=PROJECT_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not become ready; see {log}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)  # graceful: finish what is in flight, then exit
        try:
            return self.process.wait(timeout=20)
        finally:
            self.log.close()


def expand(answer: dict[str, Any]) -> dict[str, Any]:
    """A simulation answer with what it lists once put back where it is used, as a client would read it: each month
    with its `components` and `contributions` (each line merged with its definition, `code` its component's), and
    every `sources` list as the citations' sentences. Every id must resolve: a dangling reference fails here."""
    documents = {d["id"]: d for d in answer["documents"]}

    def sentence(source: dict[str, Any]) -> str:
        if source["document"] is None:
            return source["quote"]
        doc = documents[source["document"]]
        where = f" ({doc['file']})" if doc["file"] else ""
        return doc["title"] + where + (f" : « {source['quote']} »" if source["quote"] else "")

    texts = {s["id"]: sentence(s) for s in answer["sources"]}

    def cited(item: dict[str, Any]) -> dict[str, Any]:
        return {**item, "sources": [texts[i] for i in item["sources"]]}

    definitions = {c["id"]: c for c in answer["components"]}
    contributions = {c["code"]: c for c in answer["contributions"]}
    component_lines = {line["id"]: line for line in answer["component_lines"]}
    contribution_lines = {line["id"]: line for line in answer["contribution_lines"]}
    breakdowns = {b["id"]: b for b in answer["breakdowns"]}
    months = []
    for month in answer["months"]:
        detail = breakdowns[month["breakdown"]]
        assert month["month"] in detail["months"]
        lines = []
        for i in detail["components"]:
            line = component_lines[i]
            definition = {k: v for k, v in definitions[line["component"]].items() if k != "id"}
            brochure = cited(line["brochure"]) if line["brochure"] else None
            lines.append({**definition, **cited(line), "brochure": brochure})
        deductions = [{**contributions[contribution_lines[i]["contribution"]], **contribution_lines[i]}
                      for i in detail["contributions"]]
        months.append({**month, "components": lines, "contributions": deductions})
    out = {**answer, "months": months, "parameters": [cited(p) for p in answer["parameters"]],
           "missing_inputs": [cited(m) for m in answer["missing_inputs"]]}
    if answer.get("brochure"):
        out["brochure"] = cited(answer["brochure"])
    return out
