"""The OpenAPI document, completed with what FastAPI cannot infer: every error is an RFC 9457 problem."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.errors import Problem
from app.hosts import PROBES
from app.observability import EXEMPT
from app.simulation import example

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
COMMON = {
    "429": "Too many requests from this address (only when RATE_LIMIT_PER_MINUTE is set); see Retry-After. Every "
           "limited answer carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset.",
    "503": "The database is unavailable; see Retry-After.",
}
NO_DATABASE = {"/health"}
_SECONDS = {"type": "integer", "minimum": 0}
TOO_MANY = {"$ref": "#/components/responses/TooManyRequests"}  # one definition, referred to by every limited path
RATE_LIMIT_HEADERS = {
    "Retry-After": {"description": "Seconds to wait before the next request is accepted.", "schema": _SECONDS},
    "RateLimit-Limit": {"description": "Requests allowed in the window.", "schema": _SECONDS},
    "RateLimit-Remaining": {"description": "Requests left in the window.", "schema": _SECONDS},
    "RateLimit-Reset": {"description": "Seconds until the window frees a request.", "schema": _SECONDS},
}
REFUSED_HOST = "The Host header names a host outside ALLOWED_HOSTS."


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    document["components"]["responses"] = {"TooManyRequests": {
        "description": COMMON["429"], "headers": RATE_LIMIT_HEADERS, "content": {PROBLEM: {"schema": PROBLEM_REF}},
    }}
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            if not path.startswith(EXEMPT):
                responses.setdefault("429", TOO_MANY)
            if path not in NO_DATABASE:
                responses.setdefault("503", {"description": COMMON["503"]})
            if "requestBody" in operation:
                responses.setdefault("400", {"description": "The body is not valid JSON."})
                responses.setdefault("413", {"description": "The body is over MAX_BODY_BYTES (1 MiB by default)."})
            if path not in PROBES:
                bad = responses.setdefault("400", {"description": ""})
                bad["description"] = " ".join(filter(None, [bad["description"], REFUSED_HOST]))
            for status, response in responses.items():
                if status[0] in "45" and response is not TOO_MANY:
                    response["content"] = {PROBLEM: {"schema": PROBLEM_REF}}
                    if status == "422":
                        response["description"] = "Invalid input: the problem names each field and why."
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    _simulation_example(document)
    return document


def _simulation_example(document: dict[str, Any]) -> None:
    """A real answer as the example of POST /simulate (app/simulation/example.py), set after the document is
    encoded: FastAPI's encoding drops null values, which are part of the answer's shape."""
    answer = example.answer()
    operation = document.get("paths", {}).get("/simulate", {}).get("post")
    if answer and operation:
        content = operation["responses"]["200"].setdefault("content", {})
        content.setdefault("application/json", {})["example"] = answer
