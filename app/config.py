"""Settings, read once from the environment (and an optional `.env` file)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
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
    db_max_overflow: int = Field(default=30, ge=0, le=500, description="Extra connections a worker may open under load.")
    db_pool_timeout: float = Field(default=10, gt=0, le=120, description="Seconds to wait for a connection before a 503.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "info"
    # NoDecode: the environment value is split by the validator below, not parsed as JSON first.
    cors_origins: Annotated[list[str], NoDecode] = Field(default=["*"], description="Origins allowed to call the JSON API.")
    seed_dir: Path = PROJECT_ROOT / "seed"
    cache_max_age: int = Field(default=300, ge=0, description="Seconds clients and proxies may reuse a GET answer.")
    frame_ancestors: Annotated[list[str], NoDecode] = Field(
        default=["*"], description="Sites allowed to frame the /embed pages (CSP frame-ancestors sources)."
    )
    snapshot_entries: int = Field(default=2048, ge=0, description="Answers kept in memory per worker (0: none).")
    snapshot_max_bytes: int = Field(default=16 << 20, ge=0, description="Bytes of answers kept in memory per worker.")
    # The real catalogue exports to about 0.3 MB (JSON or YAML): 8 MiB leaves it room to grow 25-fold, while a YAML
    # document that size already takes some 30 s of CPU to read. Larger ones: `python -m app.seed --file`.
    max_body_bytes: int = Field(default=1 << 20, ge=1024, description="Largest request body, in bytes (413 past it).")
    import_max_bytes: int = Field(default=8 << 20, ge=1024, description="Largest body of POST /import, in bytes.")
    log_format: Literal["json", "text"] = "json"
    rate_limit_per_minute: int = Field(default=0, ge=0, description="Requests a minute per client address and worker (0: off).")
    rate_limit_burst: int | None = Field(default=None, ge=1, description="Requests allowed at once (default: a tenth of a minute's).")

    @field_validator("cors_origins", "frame_ancestors", mode="before")
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
                raise ValueError(f"not a CSP source expression: {source!r} (e.g. https://site.fr, https://*.site.fr, 'self', *)")
        return value or ["'none'"]

    @field_validator("database_url")
    @classmethod
    def _driver(cls, value: str) -> str:
        # psycopg 3 is the PostgreSQL driver we ship; accept the usual short forms.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
