"""Settings, read once from the environment (and an optional `.env` file)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, HttpUrl, TypeAdapter, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_HOST_PATTERN = re.compile(r"^(?:\*|(?:\*\.)?[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])$")
_HTTP_URL = TypeAdapter(HttpUrl)
_CSP_SOURCE = re.compile(r"^(?:\*|'self'|'none'|[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*://)?[A-Za-z0-9*][A-Za-z0-9.*-]*(?::(?:\d+|\*))?(?:/[^\s;,']*)?)$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'data' / 'catalogue.db'}",
        description="SQLAlchemy URL. SQLite file by default; postgresql+psycopg://… for PostgreSQL.",
    )
    # Every request runs in one of 40 worker threads (AnyIO's default): with as many connections, a request
    # thread never waits for one. Lower DB_MAX_OVERFLOW if PostgreSQL's max_connections is tight.
    db_pool_size: int = Field(default=10, ge=1, le=200, description="Connections kept open per worker.")
    db_max_overflow: int = Field(default=30, ge=0, le=500,
                                 description="Extra connections a worker may open under load.")
    db_pool_timeout: float = Field(default=10, gt=0, le=120,
                                   description="Seconds to wait for a connection before a 503.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = Field(
        default="",
        description="The address browsers reach the service at; absolute URLs are built from it (default: "
                    "http://HOST:PORT)."
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Host header values answered (default: PUBLIC_URL's host, 127.0.0.1, localhost; * for any)."
    )
    log_level: str = "info"
    # NoDecode: the environment value is split by the validator below, not parsed as JSON first.
    cors_origins: Annotated[list[str], NoDecode] = Field(default=["*"],
                                                         description="Origins allowed to call the JSON API.")
    seed_dir: Path = PROJECT_ROOT / "seed"
    cache_max_age: int = Field(default=300, ge=0, description="Seconds clients and proxies may reuse a GET answer.")
    frame_ancestors: Annotated[list[str], NoDecode] = Field(
        default=["*"], description="Sites allowed to frame the /embed pages (CSP frame-ancestors sources)."
    )
    snapshot_entries: int = Field(default=2048, ge=0, description="Answers kept in memory per worker (0: none).")
    snapshot_max_bytes: int = Field(default=16 << 20, ge=0, description="Bytes of answers kept in memory per worker.")
    fast_path: bool = Field(default=True, description="Send kept GET answers and kept simulations (POST /simulate, "
                            "/simulate/compare) from in front of the middlewares that would only pass them through "
                            "(app/fast_path.py), and answer plain POST /simulate "
                            "requests without FastAPI's routing (app/simulation/fast_route.py); off: the whole stack "
                            "every time.")
    log_format: Literal["json", "text"] = "json"
    rate_limit_per_minute: int = Field(default=0, ge=0, description="Requests a minute per client address (0: off).")
    rate_limit_burst: int | None = Field(default=None, ge=1,
                                         description="Requests a second per client address, on top (default: none).")
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where requests are counted: memory:// (per worker) or redis://host:port/db (shared)."
    )
    rate_limit_key_prefix: str = Field(
        default="post-internat", pattern=r"^[A-Za-z0-9._:-]{1,64}$",
        description="Prefix of the counters' keys in the storage."
    )
    # The real catalogue exports to about 0.3 MB (JSON or YAML): 8 MiB leaves it room to grow 25-fold, while a YAML
    # document that size already takes some 30 s of CPU to read. Larger ones: `python -m app.seed --file`.
    max_body_bytes: int = Field(default=1 << 20, ge=1024, description="Largest request body, in bytes (413 past it).")
    import_max_bytes: int = Field(default=8 << 20, ge=1024, description="Largest body of POST /import, in bytes.")

    @field_validator("cors_origins", "frame_ancestors", "allowed_hosts", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # Accept "https://a.fr,https://b.fr" as well as a JSON list.
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("frame_ancestors")
    @classmethod
    def _csp_sources(cls, value: list[str]) -> list[str]:
        # Each entry becomes part of a Content-Security-Policy header: refuse anything that could end the directive.
        for source in value:
            if not _CSP_SOURCE.fullmatch(source):
                raise ValueError(f"not a CSP source expression: {source!r} (e.g. https://site.fr, https://*.site.fr, "
                                 "'self', *)")
        return value or ["'none'"]

    @field_validator("rate_limit_storage")
    @classmethod
    def _limits_storage(cls, value: str) -> str:
        # The async storages of the `limits` library, under the scheme a user writes (redis://) or its own (async+redis://).
        scheme, sep, rest = value.partition("://")
        scheme = scheme.lower().removeprefix("async+")
        if not sep or scheme not in ("memory", "redis", "rediss", "redis+unix"):
            raise ValueError(f"unknown rate-limit storage {scheme!r}: memory://, redis://host:6379/0, rediss://… or "
                             "redis+unix://…")
        return f"async+{scheme}://{rest}"

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        return _origin(value) if value else value

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        hosts = [host.lower() for host in value]
        for host in hosts:
            if not _HOST_PATTERN.fullmatch(host):
                raise ValueError(f"not a host name: {host!r} (e.g. api.example.fr, *.example.fr, 127.0.0.1, [::1], *; "
                                 "no scheme, port or path)")
        return hosts

    @model_validator(mode="after")
    def _public_defaults(self) -> Settings:
        # The address the service is reached at defaults to where `make run` listens (a wildcard address is not one
        # a browser can use: the loopback stands for it); the hosts answered default to that address's host.
        if not self.public_url:
            host = "127.0.0.1" if self.host in ("", "0.0.0.0", "::") else self.host
            self.public_url = _origin(f"http://{f'[{host}]' if ':' in host else host}:{self.port}")
        if not self.allowed_hosts:
            self.allowed_hosts = list(dict.fromkeys([public_host(self.public_url), "127.0.0.1", "localhost"]))
        return self

    @field_validator("database_url")
    @classmethod
    def _driver(cls, value: str) -> str:
        # psycopg 3 is the PostgreSQL driver we ship; accept the usual short forms.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value


def _origin(value: str) -> str:
    """`scheme://host[:port]` of a public address, checked, without a trailing slash."""
    try:
        url = _HTTP_URL.validate_python(value)
    except ValidationError as exc:
        raise ValueError(f"PUBLIC_URL must be an http:// or https:// address: {value!r}") from exc
    if url.query is not None or url.fragment is not None or url.username is not None or url.password is not None:
        raise ValueError(f"PUBLIC_URL takes no query, fragment or user: {value!r}")
    if url.path not in (None, "", "/"):
        # The pages link to /static/…, /embed/… from the root: the service must be served at the root of its host.
        raise ValueError(f"PUBLIC_URL must be the root of a host (no path): {value!r}")
    return str(url).rstrip("/")


def public_host(public_url: str) -> str:
    """The host of a public address, as a Host header names it (IPv6 in brackets, no port)."""
    host = _HTTP_URL.validate_python(public_url).host
    assert host is not None  # an http(s) URL always has one
    return host


@lru_cache
def get_settings() -> Settings:
    return Settings()
