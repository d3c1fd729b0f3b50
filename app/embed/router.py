"""Embeddable pages for other sites (faculties, ARS, unions): server-rendered HTML, and the one-line `embed.js`.

Every page takes `lang` (fr, en) and `color` (#rgb or #rrggbb). Query values are never rejected by FastAPI's
validation (that would answer JSON to a browser): pages check them and show what is wrong, with status 422.
Pages send `Content-Security-Policy` with `frame-ancestors` from the FRAME_ANCESTORS setting; the JSON API does not.
Any other error at an /embed address (unknown address, control character, database outage, 500) is an HTML page
too (`error_page`), with the same status and headers. Absolute URLs (the guide's snippet) come from PUBLIC_URL,
never from the request's Host.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.config import PROJECT_ROOT
from app.core.dates import today
from app.embed import pages
from app.embed.colors import theme
from app.embed.i18n import pick_lang
from app.errors import FieldProblem
from app.memory.watch import CatalogueDep
from app.messages import LANG, negotiate
from app.simulation.options import OPTIONS

router = APIRouter(tags=["embed"])

SCRIPT = PROJECT_ROOT / "app" / "static" / "embed" / "embed.js"
SCRIPT_BUDGET = 4096  # bytes: embed.js is loaded by every host page; a test keeps it under this size

HTML_PAGE = {"text/html": {"schema": {"type": "string"}}}
HTML: dict[int | str, dict[str, Any]] = {
    200: {"description": "An HTML page.", "content": HTML_PAGE},
    # Pages answer their own errors in HTML; a `default` response (rather than 4xx ones, which the API documents
    # as problem+json) says so. Only a refused Host (ALLOWED_HOSTS) gets a problem+json, before any page.
    "default": {
        "description": "An HTML page saying what is wrong, in the page's language: 422 for an invalid parameter or a "
        "control character, 404 for an unknown scheme, 503 while the database is unavailable. Only a request for a "
        "host not in ALLOWED_HOSTS gets a problem+json (400).",
        "content": {**HTML_PAGE, "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    },
}
LangQuery = Annotated[str | None, Query(description="`fr` (default) or `en`.", examples=["en"])]
ColorQuery = Annotated[
    str | None,
    Query(description="The host's colour, `#rgb` or `#rrggbb` (URL-encoded `%23`); anything else: the default colour.",
          examples=["#005ea5"]),
]
RegionQuery = Annotated[str | None, Query(description="INSEE region code (see `GET /regions`).", examples=["32"])]
AudienceQuery = Annotated[
    str | None, Query(description="`mg` (general practice) or `specialist`.", examples=["mg"])
]


def _frame(lang: str | None, color: str | None) -> pages.Frame:
    frame = pages.Frame(lang=pick_lang(lang), theme=theme(color))
    # The services' messages shown on the page (errors, notes) are written in the page's language.
    LANG.set(frame.lang)
    return frame


def _csp(request: Request, frame: pages.Frame) -> str:
    ancestors = " ".join(request.app.state.settings.frame_ancestors)
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src 'self' {pages.style_hash(frame.theme.css)}; img-src 'self' data:; "
        f"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )


def _respond(request: Request, page: pages.Page, frame: pages.Frame,
             headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(
        pages.render(page, frame),
        status_code=page.status,
        headers={
            **(headers or {}),
            "Content-Security-Policy": _csp(request, frame),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "strict-origin-when-cross-origin",
            "Content-Language": frame.lang,
        },
    )


def is_embed_page(path: str) -> bool:
    return path == "/embed" or path.startswith("/embed/")


def error_page(request: Request, status: int, detail: str, problems: list[FieldProblem],
               headers: dict[str, str] | None) -> HTMLResponse | None:
    """The app's answer to an error at an /embed address (errors.error_response): an HTML page, not a problem.

    Its language: `lang` if it names one, else Accept-Language, French by default (as every message of the request
    was written in)."""
    if not is_embed_page(request.url.path):
        return None
    lang = negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
    frame = pages.Frame(lang=lang, theme=theme(request.query_params.get("color")))
    return _respond(request, pages.error_page(frame, status, detail, problems), frame, headers)


def _query(request: Request) -> dict[str, str | None]:
    # The first value of each parameter; pages read only the names they know.
    return {key: request.query_params.get(key) for key in request.query_params}


@router.get("/embed", response_class=HTMLResponse, responses=HTML)
def embed_guide(
    request: Request,
    cat: CatalogueDep,
    view: Annotated[
        str | None, Query(description="Which view the snippet embeds: `schemes`, `scheme` or `simulator`.")
    ] = None,
    scheme: Annotated[str | None, Query(description="Scheme slug, for the `scheme` and `simulator` views.")] = None,
    audience: AudienceQuery = None,
    region: RegionQuery = None,
    lang: LangQuery = None,
    color: ColorQuery = None,
) -> HTMLResponse:
    """Integration guide: configure the snippet, copy it, see a live preview, CSP advice."""
    frame = _frame(lang, color)
    settings = request.app.state.settings
    page = pages.guide_page(cat, frame, settings.public_url, _query(request), settings.frame_ancestors)
    return _respond(request, page, frame)


@router.get(
    "/embed.js",
    response_class=Response,
    responses={200: {"description": "The script to paste in a host page.",
                     "content": {"text/javascript": {"schema": {"type": "string"}}}}},
)
def embed_script() -> Response:
    """The one-line integration: inserts the iframe and keeps its height fitted to the content."""
    return Response(
        _script_bytes(),
        media_type="text/javascript; charset=utf-8",
        headers={"X-Content-Type-Options": "nosniff", "Cross-Origin-Resource-Policy": "cross-origin"},
    )


def _script_bytes(path: FilePath = SCRIPT) -> bytes:
    return path.read_bytes()


@router.get("/embed/schemes", response_class=HTMLResponse, responses=HTML)
def embed_schemes(
    request: Request,
    cat: CatalogueDep,
    audience: AudienceQuery = None,
    specialty: Annotated[str | None, Query(description="Specialty code (see `GET /specialties`).")] = None,
    region: RegionQuery = None,
    category: Annotated[str | None, Query(description="`universitaire` or `hospitalier`.")] = None,
    q: Annotated[
        str | None, Query(description="Words to find in the schemes' texts (case and accents ignored).")
    ] = None,
    lang: LangQuery = None,
    color: ColorQuery = None,
) -> HTMLResponse:
    """Scheme list, with the filters of `GET /schemes`, as cards (works without JavaScript)."""
    frame = _frame(lang, color)
    return _respond(request, pages.schemes_page(cat, frame, _query(request)), frame)


@router.get("/embed/schemes/{slug}", response_class=HTMLResponse, responses=HTML)
def embed_scheme(
    request: Request,
    cat: CatalogueDep,
    slug: Annotated[str, Path(description="Scheme slug.", examples=["ccu-ah"])],
    region: Annotated[
        str | None, Query(description="INSEE region code: only that region's contacts and dates.", examples=["32"])
    ] = None,
    lang: LangQuery = None,
    color: ColorQuery = None,
) -> HTMLResponse:
    """One scheme: pay, duration, eligibility, contacts and next deadlines (works without JavaScript)."""
    frame = _frame(lang, color)
    return _respond(request, pages.scheme_page(cat, frame, slug, _query(request), today()), frame)


@router.get("/embed/eligibility", response_class=HTMLResponse, responses=HTML)
def embed_eligibility(
    request: Request,
    cat: CatalogueDep,
    specialty: Annotated[str | None, Query(description="Specialty code (see `GET /specialties`).")] = None,
    region: RegionQuery = None,
    des_completed_on: Annotated[
        str | None, Query(description="Day the DES was or will be obtained, YYYY-MM-DD.")
    ] = None,
    thesis_defended: Annotated[str | None, Query(description="`true` (default) or `false`.")] = None,
    start: Annotated[
        str | None, Query(description="Wished start, `YYYY-MM` (default: the next 1 May or 1 November).")
    ] = None,
    ordre_registered: Annotated[str | None, Query(description="`true`, `false`, or absent (not said).")] = None,
    lang: LangQuery = None,
    color: ColorQuery = None,
) -> HTMLResponse:
    """Which posts can I apply for: a short form and the schemes grouped by verdict, with reasons, deadlines and
    income (server-rendered: works without JavaScript; pre-filled from the URL)."""
    frame = _frame(lang, color)
    return _respond(request, pages.eligibility_page(cat, frame, _query(request)), frame)


def embed_simulator(
    request: Request,
    cat: CatalogueDep,
    scheme: Annotated[str | None, Query(description="Scheme slug (default: the first scheme offered).")] = None,
    region: Annotated[str | None, Query(description="INSEE region code (default: the scheme's first region).")] = None,
    start: Annotated[str | None, Query(description="First month of the contract, `YYYY-MM` or `YYYY-MM-01`.")] = None,
    months: Annotated[str | None, Query(description="Length of the contract in months.")] = None,
    method: Annotated[str | None, Query(description="`statutory` (default: the official net) or `published`.")] = None,
    audience: Annotated[str | None, Query(description="`mg` or `specialist`: which schemes the form offers.")] = None,
    lang: LangQuery = None,
    color: ColorQuery = None,
    **options: str | None,
) -> HTMLResponse:
    """Income simulator: the form and, month by month, the net income as a table and a chart, with totals."""
    frame = _frame(lang, color)
    return _respond(request, pages.simulator_page(cat, frame, _query(request)), frame)


def _with_option_queries(endpoint: Callable[..., HTMLResponse]) -> Callable[..., HTMLResponse]:
    """The simulator's query parameters for the options, from their one declaration (app/simulation/options.py),
    listed after `audience`. The page reads them from the query itself; they are declared for the API docs."""
    signature = inspect.signature(endpoint)
    fixed = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    at = [p.name for p in fixed].index("audience") + 1
    queries = [inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                 annotation=Annotated[str | None, Query(description=o.description)]) for o in OPTIONS]
    keyword = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in fixed[at:]]
    endpoint.__signature__ = signature.replace(parameters=[*fixed[:at], *queries, *keyword])  # type: ignore[attr-defined]
    return endpoint


router.get("/embed/simulator", response_class=HTMLResponse, responses=HTML)(_with_option_queries(embed_simulator))
