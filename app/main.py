"""The ASGI application: `app.main:app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import anyio.from_thread
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from app import __version__, docs, errors, openapi_doc
from app.body_limit import BodyLimit
from app.catalogue.router import router as catalogue_router
from app.catalogue.schemas import Health, Readiness
from app.config import PROJECT_ROOT, Settings, get_settings
from app.db import make_engine
from app.eligibility.router import router as eligibility_router
from app.embed.router import error_page as embed_error_page
from app.embed.router import router as embed_router
from app.fast_path import FastPath
from app.head import Head
from app.hosts import TrustedHosts
from app.http_cache import HttpCache
from app.language import Language
from app.memory.watch import Catalogues
from app.messages import Message as M
from app.migrate import pending_migrations
from app.observability import ClientLimits, RateLimit, RequestContext, configure_logging
from app.opendata.router import router as opendata_router
from app.records.router import router as records_router
from app.simulation.fast_route import SimulateRoute
from app.simulation.router import router as simulation_router
from app.snapshot import Snapshot

DESCRIPTION = """
The reference API for French post-internship schemes (*dispositifs de post-internat*): chef de clinique,
assistant spécialiste, AUMG, 400 MG… Which schemes exist for a specialty and a region, who to write to,
when to apply, and what they pay — every figure with its source document.

* Labels and data are in French, as the sources write them.
* Amounts are JSON numbers in euros with two decimals; `basis` says whether they are gross (`gross`) or net (`net`).
* Errors are [RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) problem details: `errors[]` names the
  offending field and, where there is a closed list, the allowed values.
"""

TAGS = [
    {"name": "schemes", "description": "Post-internship schemes, their rules and pay."},
    {"name": "regions", "description": "Regions by INSEE code and what is offered there."},
    {"name": "specialties", "description": "DES list, to filter schemes by specialty."},
    {"name": "contacts", "description": "Who to write to."},
    {"name": "calendar", "description": "When to apply: JSON or iCalendar."},
    {"name": "sources", "description": "Every document, official text and web page the catalogue cites, and the facts "
     "each backs."},
    {"name": "simulation", "description": "Net monthly income over a contract, month by month, explained."},
    {"name": "eligibility", "description": "Which schemes a doctor's profile may take, with reasons, deadlines and "
     "income."},
    {"name": "embed",
     "description": "HTML pages and a script for embedding the schemes and the simulator in other sites."},
    {"name": "open data", "description": "The catalogue as a Frictionless Data Package of CSV files (Licence Ouverte "
     "2.0), and the feed of its changes (JSON and Atom)."},
    {"name": "service", "description": "Service status."},
]


def _operation_id(route: APIRoute) -> str:
    # Stable operation ids: the endpoint function's name (list_schemes, get_scheme…).
    return route.name


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)
    owns_engine = engine is None
    engine = engine or make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_engine:
            engine.dispose()

    app = FastAPI(
        title="Post-internat API",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=_operation_id,
        lifespan=lifespan,
        dependencies=[Depends(errors.reject_control_characters)],
        # No OpenTelemetry here: without this, FastAPI asks the global providers on every request whether one is
        # set (a few microseconds each time, a fifth of a repeated answer's cost).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.catalogues = catalogues = Catalogues(engine)
    app.state.error_page = embed_error_page  # errors at /embed addresses are HTML pages (errors.error_response)
    # Starlette runs the last added middleware first. From the outside in: CORS (per-origin headers, so it must
    # stay outside anything replayed from memory), HTTP validators (ETag/304), then the in-memory snapshot.
    # Innermost: POST /simulate answered without FastAPI's routing when it has nothing to decide (with the fast
    # path on), then the language every message of the answer is written in.
    if settings.fast_path:
        app.add_middleware(SimulateRoute, catalogues=catalogues)
    app.add_middleware(Language)
    if settings.snapshot_entries:
        app.add_middleware(
            Snapshot, catalogues=catalogues, max_entries=settings.snapshot_entries,
            max_bytes=settings.snapshot_max_bytes,
        )
    app.add_middleware(HttpCache, max_age=settings.cache_max_age)
    # Inside CORS, so that a browser on another origin can read a 429 and the RateLimit headers.
    limits = None
    if settings.rate_limit_per_minute:
        limits = ClientLimits(per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst,
                              storage=settings.rate_limit_storage, prefix=settings.rate_limit_key_prefix)
        app.add_middleware(RateLimit, limits=limits)
    # Bodies are bounded outside the snapshot, which reads simulation bodies whole.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, import_max_bytes=settings.import_max_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "POST", "PUT", "OPTIONS"],
        allow_headers=["*"],
        # A maintainers' page on another origin must read the ETag it sends back as If-Match.
        expose_headers=["ETag", "Location", "X-Request-ID", "Retry-After", "WWW-Authenticate",
                        "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"],
        max_age=3600,
    )
    # Outside every cache: a refused Host is never answered from, nor kept in, memory.
    app.add_middleware(TrustedHosts, allowed_hosts=settings.allowed_hosts, public_url=settings.public_url)
    app.add_middleware(Head)  # HEAD goes in as GET (caches and 304 included); its body is dropped on the way out
    if settings.snapshot_entries and settings.fast_path and not settings.rate_limit_per_minute:
        # Kept GET answers, sent from in front of the layers above that would only pass them through.
        app.add_middleware(FastPath)
    app.add_middleware(RequestContext)
    errors.install(app)
    app.include_router(catalogue_router)
    app.include_router(simulation_router)
    app.include_router(eligibility_router)
    app.include_router(embed_router)
    app.include_router(records_router)
    app.include_router(opendata_router)

    @app.get("/health", response_model=Health, tags=["service"])
    def health() -> Health:
        """The process is up (no database access: for liveness probes)."""
        return Health(status="ok", version=__version__)

    @app.get("/ready", response_model=Readiness, tags=["service"], response_model_exclude_none=True,
             responses={503: {"model": errors.Problem, "description": "Database unreachable or not migrated."}})
    def ready() -> Readiness:
        """The database answers and its schema is at the latest migration (for readiness probes).

        With rate limiting on, `rate_limit` says whether its storage answers; when it does not, requests are served
        without limits, so the service stays ready."""
        try:
            pending = pending_migrations(engine)
        except SQLAlchemyError as exc:
            raise errors.ApiError(503, M(f"La base de données ne répond pas ({exc.__class__.__name__}).",
                                       f"The database does not answer ({exc.__class__.__name__}).")) from None
        if pending:
            raise errors.ApiError(503, M(f"Le schéma de la base n'est pas à jour : {pending}.",
                                       f"The database schema is not up to date: {pending}."))
        rate_limit: Literal["ok", "unavailable"] | None = (
            None if limits is None else "ok" if anyio.from_thread.run(limits.check) else "unavailable"
        )
        return Readiness(status="ready", database="ok", migrations="head", rate_limit=rate_limit)

    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "app" / "static"), name="static")
    docs.install(app)
    openapi_doc.install(app)
    return app


app = create_app()
