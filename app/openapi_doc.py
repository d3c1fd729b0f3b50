"""The OpenAPI document, completed with what FastAPI cannot infer: every error is an RFC 9457 problem."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.errors import Problem

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
COMMON = {
    "429": "Too many requests from this address (only when RATE_LIMIT_PER_MINUTE is set); see Retry-After.",
    "503": "The database is unavailable; see Retry-After.",
}
NO_DATABASE = {"/health"}


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
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for status, description in COMMON.items():
                if path not in NO_DATABASE or status == "429":
                    responses.setdefault(status, {"description": description})
            if "requestBody" in operation:
                responses.setdefault("400", {"description": "The body is not valid JSON."})
                responses.setdefault("413", {"description": "The body is over MAX_BODY_BYTES (1 MiB by default)."})
            for status, response in responses.items():
                if status[0] in "45":
                    response["content"] = {PROBLEM: {"schema": PROBLEM_REF}}
                    if status == "422":
                        response["description"] = "Invalid input: the problem names each field and why."
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document
