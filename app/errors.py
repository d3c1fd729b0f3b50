"""One error shape for the whole API: RFC 9457 problem details, as `application/problem+json`.

Every error names what was wrong in `errors[]` (`in`: path / query / body, `field`, `message`, and
`allowed` values where there is a closed list), so a client can point at the offending input.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as TimeoutError_
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

logger = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"


class FieldProblem(BaseModel):
    field: str = Field(description="Name of the offending parameter or body field.", examples=["audience"])
    location: str = Field(alias="in", description="Where it was sent: path, query, header or body.", examples=["query"])
    message: str = Field(examples=["Input should be 'mg' or 'specialist'"])
    allowed: list[str] | None = Field(default=None, description="The accepted values, when there is a closed list.")

    model_config = {"populate_by_name": True}


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(default="about:blank", examples=["about:blank"])
    title: str = Field(examples=["Unprocessable Content"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["Invalid value for query parameter 'audience'."])
    instance: str | None = Field(default=None, examples=["/schemes?audience=x"])
    errors: list[FieldProblem] = []


class ApiError(Exception):
    """An error a client caused, reported as a problem (404 unknown id, 422 invalid value…)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        field: str | None = None,
        location: str = "query",
        allowed: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers
        self.errors = (
            [FieldProblem(field=field, location=location, message=detail, allowed=allowed)] if field else []
        )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def reject_control_characters(request: Request) -> None:
    """No parameter may carry a control character: PostgreSQL refuses NUL bytes, and no id or text needs them."""
    for location, params in (("path", request.path_params), ("query", request.query_params)):
        for name, value in params.items():
            if isinstance(value, str) and _CONTROL.search(value):
                raise ApiError(422, f"Parameter '{name}' contains a control character.", field=name, location=location)


def not_found(what: str, value: str, *, field: str, allowed: list[str] | None = None) -> ApiError:
    return ApiError(404, f"No {what} '{value}'.", field=field, location="path", allowed=allowed)


def unknown_filter(what: str, value: str, *, field: str, allowed: list[str]) -> ApiError:
    return ApiError(422, f"Unknown {what} '{value}' for query parameter '{field}'.", field=field, allowed=allowed)


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    412: "Precondition Failed",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem_response(
    request: Request, status: int, detail: str, errors: list[FieldProblem] | None = None, headers: dict | None = None
) -> JSONResponse:
    body = Problem(
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        errors=errors or [],
    )
    return JSONResponse(
        body.model_dump(by_alias=True, exclude_none=True), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _allowed_from(error: dict[str, Any]) -> list[str] | None:
    expected = (error.get("ctx") or {}).get("expected")
    if not isinstance(expected, str):
        return None
    return [part.strip().strip("'") for part in expected.replace(" or ", ",").split(",") if part.strip()]


def _validation_problems(exc: RequestValidationError) -> list[FieldProblem]:
    problems = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        location = loc[0] if loc else "request"
        field = ".".join(loc[1:]) or location
        problems.append(
            FieldProblem(field=field, location=location, message=error.get("msg", "invalid"), allowed=_allowed_from(error))
        )
    return problems


def _routes(routes: list[Any]) -> Iterator[Any]:
    """Every endpoint route, looking inside included routers (FastAPI wraps them)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        elif getattr(route, "methods", None):
            yield route


def _allowed_methods(request: Request) -> list[str]:
    scope = {**request.scope, "method": "GET"}
    methods: set[str] = set()
    for route in _routes(request.app.router.routes):
        if route.matches(scope)[0] != Match.NONE:
            methods |= set(route.methods)
    return sorted(methods)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return problem_response(request, exc.status, exc.detail, exc.errors, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _validation_problems(exc)
        names = ", ".join(f"{p.location} parameter '{p.field}'" for p in problems)
        return problem_response(request, 422, f"Invalid value for {names}.", problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No resource at {request.url.path}. See /docs for the available endpoints."
        if exc.status_code == 405:
            # Starlette names the methods of one matching route; a path served by several routes takes them all.
            allowed = _allowed_methods(request)
            headers["Allow"] = ", ".join(allowed)
            detail = f"{request.method} is not allowed on {request.url.path}; allowed: {', '.join(allowed)}."
        return problem_response(request, exc.status_code, detail, headers=headers or None)

    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        if not isinstance(exc, (OperationalError, InterfaceError, DisconnectionError, TimeoutError_)):
            logger.exception("database error on %s %s", request.method, request.url.path)
            return problem_response(request, 500, "The server could not answer this request; the error was logged.")
        logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.__class__.__name__)
        return problem_response(
            request, 503, "The database is unavailable; try again shortly.", headers={"Retry-After": "5"}
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "The server could not answer this request; the error was logged.")
