"""One error shape for the whole API: RFC 9457 problem details, as `application/problem+json`.

Every error names what was wrong in `errors[]` (`in`: path / query / body, `field`, `message`, and
`allowed` values where there is a closed list), so a client can point at the offending input.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as TimeoutError_
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.messages import Message, render
from app.messages import Message as M

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
        detail: str | Message,
        *,
        field: str | None = None,
        location: str = "query",
        allowed: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        detail = render(detail)  # in the language of the request being answered
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers
        self.errors = (
            [FieldProblem(field=field, location=location, message=detail, allowed=allowed)] if field else []
        )

    def sent_in(self, location: str, field_of: Callable[[str], str] = lambda field: field) -> ApiError:
        """The same error about a request that sent as `location` what a service reads as a body (GET /simulate:
        the body's fields as query parameters, `options.tax` as `tax`)."""
        for problem in self.errors:
            if problem.location == "body":
                problem.location, problem.field = location, field_of(problem.field)
        return self


UNEXPECTED = M("Le serveur n'a pas pu répondre à cette requête ; l'erreur est journalisée.",
               "The server could not answer this request; the error was logged.")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


async def reject_control_characters(request: Request) -> None:
    """No parameter may carry a control character: PostgreSQL refuses NUL bytes, and no id or text needs them.
    Async, so that FastAPI calls it on the event loop instead of sending every request through a worker thread."""
    for location, params in (("path", request.path_params), ("query", request.query_params)):
        for name, value in params.items():
            if isinstance(value, str) and _CONTROL.search(value):
                raise ApiError(422, M(f"Le paramètre « {name} » contient un caractère de contrôle.",
                                      f"Parameter '{name}' contains a control character."), field=name,
                               location=location)


def not_found(what: str, value: str, *, field: str, allowed: list[str] | None = None) -> ApiError:
    return ApiError(404, M(f"Aucun élément « {value} » ({what}).", f"No {what} '{value}'."), field=field,
                    location="path",
                    allowed=allowed)


def unknown_filter(what: str, value: str, *, field: str, allowed: list[str]) -> ApiError:
    return ApiError(422, M(f"Valeur inconnue « {value} » ({what}) pour le paramètre de requête « {field} ».",
                           f"Unknown {what} '{value}' for query parameter '{field}'."), field=field, allowed=allowed)


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem_response(
    request: Request, status: int, detail: str, errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None
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


def _allowed_from(error: Mapping[str, Any]) -> list[str] | None:
    expected = (error.get("ctx") or {}).get("expected")
    if not isinstance(expected, str):
        return None
    return [part.strip().strip("'") for part in expected.replace(" or ", ",").split(",") if part.strip()]


# French for pydantic's error types (its own messages are English, kept with lang=en).
_FRENCH = {
    "missing": "Champ obligatoire.",
    "extra_forbidden": "Champ inconnu.",
    "int_parsing": "Un nombre entier est attendu.",
    "int_type": "Un nombre entier est attendu.",
    "int_from_float": "Un nombre entier est attendu.",
    "float_parsing": "Un nombre est attendu.",
    "float_type": "Un nombre est attendu.",
    "decimal_parsing": "Un nombre est attendu.",
    "decimal_type": "Un nombre est attendu.",
    "finite_number": "Un nombre fini est attendu.",
    "bool_parsing": "true ou false est attendu.",
    "bool_type": "true ou false est attendu.",
    "string_type": "Une chaîne de caractères est attendue.",
    "string_unicode": "Texte Unicode invalide.",
    "dict_type": "Un objet est attendu.",
    "model_type": "Un objet est attendu.",
    "model_attributes_type": "Un objet est attendu.",
    "list_type": "Une liste est attendue.",
    "json_invalid": "JSON invalide.",
    "date_parsing": "Une date AAAA-MM-JJ est attendue.",
    "date_type": "Une date AAAA-MM-JJ est attendue.",
    "date_from_datetime_parsing": "Une date AAAA-MM-JJ est attendue.",
    "date_from_datetime_inexact": "Une date AAAA-MM-JJ est attendue.",
    "greater_than_equal": "Doit être supérieur ou égal à {ge}.",
    "greater_than": "Doit être supérieur à {gt}.",
    "less_than_equal": "Doit être inférieur ou égal à {le}.",
    "less_than": "Doit être inférieur à {lt}.",
    "literal_error": "Valeur attendue : {expected}.",
    "enum": "Valeur attendue : {expected}.",
    "string_too_long": "Au plus {max_length} caractères.",
    "string_too_short": "Au moins {min_length} caractères.",
    "string_pattern_mismatch": "Format attendu : {pattern}.",
    "too_long": "Au plus {max_length} éléments.",
    "too_short": "Au moins {min_length} éléments.",
    "decimal_max_places": "Au plus {decimal_places} décimales.",
    "decimal_max_digits": "Au plus {max_digits} chiffres.",
    "decimal_whole_digits": "Au plus {whole_digits} chiffres avant la virgule.",
    # Our own rules (app/core/text.py, app/core/values.py, app/records/schemas.py).
    "text_character": "Le texte ne doit pas contenir {character} ({name}) : les caractères de contrôle et de mise en "
                      "forme invisibles (forçages du sens d'écriture, caractères de largeur nulle…) sont refusés.",
    "float_number": "Écrivez les nombres en chaînes ('1392.50', '0.069') ou en entiers, jamais en nombres à virgule "
                    "flottante.",
    "ascii_number": "Écrivez les nombres en chiffres ASCII avec un point ('1392.50', '12'), sans espace ni exposant.",
    "iso_date": "Les dates s'écrivent AAAA-MM-JJ.",
    "date_range": "La date doit être comprise entre {earliest} et {latest}.",
    "record_rule": "{fr}",
}
_WHERE = {"query": ("paramètre de requête", "query parameter"), "body": ("champ du corps", "body field"),
          "path": ("paramètre de chemin", "path parameter"), "header": ("en-tête", "header")}
WHOLE_BODY = "body"  # the `field` of a problem with the request body as a whole (not an object, not JSON…)


def validation_text(error: Mapping[str, Any]) -> Message:
    """A pydantic error in both languages: French from the table above, English as pydantic (or our rule) says it."""
    english = error.get("msg", "invalid")
    template = _FRENCH.get(error.get("type", ""))
    if template is None:
        return M(english, english)
    try:
        french = template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return M(english, english)
    return M(french, english)


def validation_message(error: Mapping[str, Any]) -> str:
    """A pydantic error in the request's language (French by default)."""
    return render(validation_text(error))


def field_path(loc: Iterable[int | str]) -> str:
    """A field's path as a client writes it: `contacts[0].sources[1].doc` (list positions from 0)."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _validation_problems(exc: RequestValidationError) -> list[FieldProblem]:
    problems = []
    for error in exc.errors():
        raw = list(error.get("loc", ()))
        loc = [str(part) for part in raw]
        location = loc[0] if loc else "request"
        if error.get("type") == "json_invalid":
            # FastAPI puts the character position where a field name would go: the body as a whole is at fault.
            reason = (error.get("ctx") or {}).get("error", "")
            position = loc[1] if len(loc) > 1 else "?"
            message = M(f"Le corps n'est pas du JSON valide (caractère {position}) : {reason}.",
                        f"The body is not valid JSON (character {position}): {reason}.")
            problems.append(FieldProblem(field=WHOLE_BODY, location="body", message=render(message)))
            continue
        field = field_path(raw[1:]) or location
        problems.append(
            FieldProblem(field=field, location=location, message=validation_message(error),
                         allowed=_allowed_from(error))
        )
    return problems


def _where(problem: FieldProblem) -> Message:
    if problem.location == "body" and problem.field == WHOLE_BODY:
        return M("le corps de la requête", "the request body")
    fr, en = _WHERE.get(problem.location, (problem.location, problem.location))
    return M(f"{fr} « {problem.field} »", f"{en} '{problem.field}'")


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
    if "GET" in methods:
        methods.add("HEAD")  # every GET answers HEAD too (app.head)
    return sorted(methods)


def error_response(
    request: Request, status: int, detail: str, errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None
) -> Response:
    """A problem, unless the app has a page for errors at this address (the embed pages answer HTML)."""
    page = getattr(request.app.state, "error_page", None)
    answer = page(request, status, detail, errors or [], headers) if page is not None else None
    return answer if answer is not None else problem_response(request, status, detail, errors, headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request, exc.status, exc.detail, exc.errors, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problems = _validation_problems(exc)
        fr = ", ".join(_where(p).fr for p in problems)
        en = ", ".join(_where(p).en for p in problems)
        return error_response(request, 422, render(M(f"Valeur invalide pour : {fr}.", f"Invalid value for {en}.")),
                                problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 404 and detail == "Not Found":
            detail = render(M(f"Aucune ressource à {request.url.path}. Voir /docs pour les adresses disponibles.",
                              f"No resource at {request.url.path}. See /docs for the available endpoints."))
        if exc.status_code == 405:
            # Starlette names the methods of one matching route; a path served by several routes takes them all.
            allowed = _allowed_methods(request)
            headers["Allow"] = ", ".join(allowed)
            detail = render(M(f"{request.method} n'est pas permis sur {request.url.path} ; permis : "
                              f"{', '.join(allowed)}.",
                              f"{request.method} is not allowed on {request.url.path}; allowed: {', '.join(allowed)}."))
        return error_response(request, exc.status_code, detail, headers=headers or None)

    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, exc: SQLAlchemyError) -> Response:
        if not isinstance(exc, (OperationalError, InterfaceError, DisconnectionError, TimeoutError_)):
            logger.exception("database error on %s %s", request.method, request.url.path)
            return error_response(request, 500, render(UNEXPECTED))
        logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.__class__.__name__)
        return error_response(
            request, 503, render(M("La base de données est indisponible ; réessayez dans un instant.",
                                   "The database is unavailable; try again shortly.")), headers={"Retry-After": "5"}
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, render(UNEXPECTED))
