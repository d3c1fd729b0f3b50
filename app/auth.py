"""API keys: who may change the catalogue. Reading the catalogue is public; reading the audit log (who changed what,
each record's history of changes) needs a `read` key; changing the catalogue a `write` key, which implies `read`.

A key reads `pik_ab12cd34_<43 url-safe characters>`: `pik_ab12cd34`, its prefix, identifies it in listings; the
rest is 256 random bits. Only a SHA-256 of the whole key is stored: the key itself is shown once, at creation.
Clients send it as `Authorization: Bearer <key>`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.errors import ApiError, Problem
from app.messages import Message as M
from app.models import ApiKey

logger = logging.getLogger("app.auth")

SCOPES = ("read", "write")
IMPLIED = {"write": ("read",)}
KEY_PREFIX = "pik_"
REALM = "post-internat"

NAME_MAX = 80
# Punctuation a name may hold besides letters (accents included), digits and spaces: "ARS Île-de-France",
# "DMG (Lille)", "o'neil@univ-lille.fr".
_NAME_PUNCTUATION = set(" .,_@-–—'’&()/")
# What create_key makes: "pik_", 8 hex characters, "_", a url-safe secret. Anything else is refused unhashed.
_KEY = re.compile(r"pik_[0-9a-f]{8}_[A-Za-z0-9_-]{32,128}")


class ApiKeyError(ValueError):
    """A key that cannot be created as asked: invalid name, unknown or no scope."""


class DuplicateKeyName(ApiKeyError):
    """A key of that name exists already (revoked keys keep their name: the audit log refers to it)."""


@dataclass(frozen=True)
class KeyInfo:
    """A key as listed: never its secret nor its hash."""

    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class Actor:
    """Who sent an authenticated request: the key's name (as the audit log records it) and its scopes."""

    name: str
    scopes: tuple[str, ...]


def hash_key(key: str) -> str:
    # Plain SHA-256, no salt and no slow KDF: a key is 256 random bits, not a password a person chose, so no
    # dictionary or brute force can reach it and a slow hash would protect nothing more. A fast, unsalted hash
    # is also what lets a request find its key with one indexed lookup instead of trying every stored key.
    # Comparing hashes in SQL leaks nothing useful through timing: knowing a hash's first bytes gives no key.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite gives back naive datetimes (stored as UTC); PostgreSQL gives them in the session's time zone.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _valid_name(name: str) -> str:
    """The name in NFC (an « Î » typed as I + accent is the same name), or ApiKeyError."""
    if isinstance(name, str):
        name = unicodedata.normalize("NFC", name)
    if (
        not isinstance(name, str)
        or not 1 <= len(name) <= NAME_MAX
        or name.strip() != name
        or not all(ch in _NAME_PUNCTUATION or unicodedata.category(ch)[0] in "LMN" for ch in name)
    ):
        raise ApiKeyError(
            f"A key name is 1 to {NAME_MAX} characters: letters (accented or not), digits, spaces and "
            f"{' '.join(sorted(_NAME_PUNCTUATION - {' '}))}, not starting or ending with a space."
        )
    return name


def _valid_scopes(scopes: Sequence[str]) -> tuple[str, ...]:
    if isinstance(scopes, str) or not scopes:
        raise ApiKeyError(f"Give a key at least one scope, as a list among: {', '.join(SCOPES)}.")
    unknown = sorted({scope for scope in scopes if scope not in SCOPES})
    if unknown:
        raise ApiKeyError(f"Unknown scope {', '.join(map(repr, unknown))}; allowed: {', '.join(SCOPES)}.")
    granted = set(scopes)
    for scope in scopes:
        granted.update(IMPLIED.get(scope, ()))
    return tuple(scope for scope in SCOPES if scope in granted)


def create_key(engine: Engine, name: str, scopes: Sequence[str] = ("write",)) -> str:
    """Create a key and return it: the only time it is ever seen (only its hash is stored)."""
    name = _valid_name(name)
    granted = _valid_scopes(scopes)
    prefix = KEY_PREFIX + secrets.token_hex(4)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    duplicate = f"An API key named '{name}' exists already (a revoked key keeps its name); choose another name."
    with Session(engine) as session:
        # Case-insensitive, so that "Alice" and "alice" (or "Île" and "île") never both appear in the audit log.
        # Compared here, not in SQL: SQLite's lower() changes ASCII letters only. Keys are a handful.
        taken = {existing.casefold() for existing in session.exec(select(ApiKey.name)).all()}
        if name.casefold() in taken:
            raise DuplicateKeyName(duplicate)
        session.add(
            ApiKey(name=name, prefix=prefix, secret_hash=hash_key(key), scopes=list(granted), created_at=_now())
        )
        try:
            session.commit()
        except IntegrityError:  # created concurrently under the same name
            raise DuplicateKeyName(duplicate) from None
    logger.info("API key %r created (%s) with scopes %s", name, prefix, ", ".join(granted))
    return key


def revoke_key(engine: Engine, name: str) -> bool:
    """Revoke the active key of that name at once; False if there is none (unknown, or already revoked)."""
    name = unicodedata.normalize("NFC", name)
    with engine.begin() as connection:
        result = connection.execute(
            update(ApiKey)
            .where(col(ApiKey.name) == name, col(ApiKey.revoked_at).is_(None))
            .values(revoked_at=_now())
        )
    revoked = result.rowcount == 1
    if revoked:
        logger.info("API key %r revoked", name)
    return revoked


def list_keys(engine: Engine) -> list[KeyInfo]:
    """Every key, active or revoked, oldest first: names, prefixes, scopes and dates, never a secret or hash."""
    # sqlmodel's select() is typed for at most 4 columns (SQLAlchemy's own runs the same query with 5).
    query = select(  # type: ignore[call-overload]
        ApiKey.name, ApiKey.prefix, ApiKey.scopes, ApiKey.created_at, ApiKey.revoked_at
    ).order_by(
        col(ApiKey.created_at), col(ApiKey.name)
    )
    with Session(engine) as session:
        rows = session.exec(query).all()
    return [
        KeyInfo(
            name=name,
            prefix=prefix,
            scopes=tuple(scopes or ()),
            created_at=_utc(created_at),
            revoked_at=_utc(revoked_at) if revoked_at is not None else None,
        )
        for name, prefix, scopes, created_at, revoked_at in rows
    ]


bearer = HTTPBearer(
    auto_error=False,  # a missing or malformed header gets our 401 problem below, not FastAPI's default answer
    scheme_name="ApiKey",
    bearerFormat="pik_…",
    description=(
        "An API key, sent as `Authorization: Bearer pik_…`. Reading the catalogue needs none; reading the audit log "
        "(`GET /audit`, `GET /audit/{id}`) needs a key with the `read` scope; changing the catalogue a key with the "
        "`write` scope, which implies `read`. Maintainers create keys with `python -m app.keys`."
    ),
)

# For the `responses=` of routes that take an Actor, so OpenAPI lists the answers a client may get.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No API key, or an unknown or revoked one."},
    403: {"model": Problem, "description": "The API key lacks the scope this operation needs."},
}


def _challenge(error: str | None = None, scope: str | None = None) -> dict[str, str]:
    # RFC 6750 §3: no error code when no credentials came; invalid_token / insufficient_scope otherwise.
    value = f'Bearer realm="{REALM}"'
    if error:
        value += f', error="{error}"'
    if scope:
        value += f', scope="{scope}"'
    return {"WWW-Authenticate": value}


def _unauthorized(detail: M, error: str | None = None) -> ApiError:
    # The detail never repeats what was presented: a key sent by mistake must not travel back or into logs.
    return ApiError(401, detail, field="Authorization", location="header", headers=_challenge(error))


def _find(engine: Engine, key: str) -> tuple[str, list[str], dt.datetime | None] | None:
    query = select(ApiKey.name, ApiKey.scopes, ApiKey.revoked_at).where(ApiKey.secret_hash == hash_key(key))
    with Session(engine) as session:
        row = session.exec(query).first()
    return None if row is None else (row[0], list(row[1] or ()), row[2])


def require_scope(scope: str) -> Callable[..., Actor]:
    """A dependency that lets a request through only with an active API key holding `scope`; gives its Actor."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; allowed: {', '.join(SCOPES)}")

    # A plain def: FastAPI runs it in the thread pool, so the lookup never blocks the event loop. Its session
    # is its own and closed before returning, never held for the rest of the request.
    def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Actor:
        if credentials is None:
            if "authorization" in request.headers:
                raise _unauthorized(M("L'en-tête Authorization doit porter une clé d'API sous la forme "
                                      "« Bearer <clé> ».",
                                      "The Authorization header must carry an API key as 'Bearer <key>'."))
            raise _unauthorized(M(f"Cette opération demande une clé d'API de portée « {scope} », envoyée sous la forme "
                                  "« Authorization: Bearer <clé> ».",
                                  f"This operation needs an API key with the '{scope}' scope, sent as "
                                  "'Authorization: Bearer <key>'."))
        key = credentials.credentials
        found = _find(request.app.state.engine, key) if _KEY.fullmatch(key) else None
        if found is None:
            logger.warning("request refused: unknown API key")
            raise _unauthorized(M("Cette clé d'API est inconnue.", "This API key is not known."), "invalid_token")
        name, scopes, revoked_at = found
        if revoked_at is not None:
            logger.warning("request refused: API key %r is revoked", name)
            # The owner's name stays in the log: an answer to whoever holds the key must not say whose it was.
            raise _unauthorized(M("Cette clé d'API a été révoquée.", "This API key has been revoked."), "invalid_token")
        if scope not in scopes:
            logger.warning("request refused: API key %r lacks the %r scope", name, scope)
            raise ApiError(
                403,
                M(f"Cette clé d'API n'a pas la portée « {scope} ».",
                  f"This API key does not have the '{scope}' scope."),
                field="Authorization",
                location="header",
                headers=_challenge("insufficient_scope", scope),
            )
        return Actor(name=name, scopes=tuple(scopes))

    dependency.__name__ = f"require_{scope}_scope"
    return dependency


WriteActor = Annotated[Actor, Depends(require_scope("write"))]
ReadActor = Annotated[Actor, Depends(require_scope("read"))]  # a `write` key holds `read` too
