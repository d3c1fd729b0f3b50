"""API keys: created once and stored only as a hash, listed without secrets, revoked; the Bearer dependency; the CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app import errors
from app.auth import (
    Actor,
    ApiKeyError,
    DuplicateKeyName,
    WriteActor,
    create_key,
    list_keys,
    require_scope,
    revoke_key,
)
from app.config import PROJECT_ROOT
from app.migrate import upgrade

KEY_SHAPE = re.compile(r"pik_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


@pytest.fixture(scope="module")
def db(new_database: Callable[[], Engine]) -> Engine:
    """A migrated, empty database of this module's own: keys only, no catalogue."""
    engine = new_database()
    upgrade(engine)
    return engine


def unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


def stored_row(engine: Engine, name: str) -> dict[str, object]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT * FROM api_key WHERE name = :name"), {"name": name}).mappings().one())


class TestCreate:
    def test_only_the_hash_is_stored(self, db: Engine) -> None:
        name = unique("alice")
        key = create_key(db, name, ["write"])
        assert KEY_SHAPE.fullmatch(key)
        row = stored_row(db, name)
        assert row["secret_hash"] == hashlib.sha256(key.encode()).hexdigest()
        assert row["prefix"] == key[:12]
        secret = key[13:]
        for column, value in row.items():
            assert key not in str(value), column
            assert secret not in str(value), column

    def test_write_implies_read(self, db: Engine) -> None:
        name = unique("writer")
        create_key(db, name, ["write"])
        (info,) = [k for k in list_keys(db) if k.name == name]
        assert info.scopes == ("read", "write")

    def test_keys_are_all_different(self, db: Engine) -> None:
        keys = {create_key(db, unique("k"), ["read"]) for _ in range(3)}
        assert len(keys) == 3
        assert len({key[:12] for key in keys}) == 3

    def test_duplicate_name_refused_even_in_another_case(self, db: Engine) -> None:
        name = unique("bob")
        create_key(db, name, ["read"])
        for again in (name, name.upper()):
            with pytest.raises(DuplicateKeyName, match="exists already"):
                create_key(db, again, ["read"])

    def test_a_revoked_key_keeps_its_name(self, db: Engine) -> None:
        name = unique("gone")
        create_key(db, name, ["read"])
        assert revoke_key(db, name)
        with pytest.raises(DuplicateKeyName):
            create_key(db, name, ["read"])

    @pytest.mark.parametrize("scopes", [["admin"], [], ["read", "delete"], "write"])
    def test_bad_scopes_refused(self, db: Engine, scopes: list[str]) -> None:
        name = unique("scopes")
        with pytest.raises(ApiKeyError, match="scope"):
            create_key(db, name, scopes)
        assert name not in {k.name for k in list_keys(db)}

    @pytest.mark.parametrize(
        "name",
        ["", " ", " padded", "padded ", "x" * 81, "é" * 81, "semi;colon", "new\nline", "tab\there", "nul\x00",
         "ARS \u202eecnarF", "zero\u200bwidth", "bom\ufeff", "<script>"],
    )
    def test_bad_names_refused(self, db: Engine, name: str) -> None:
        with pytest.raises(ApiKeyError, match="key name"):
            create_key(db, name, ["read"])

    def test_allowed_name_characters(self, db: Engine) -> None:
        name = f"ops team.{uuid.uuid4().hex[:6]}_bot@site-1"
        create_key(db, name, ["read"])
        assert name in {k.name for k in list_keys(db)}

    def test_accents_and_spaces_are_fine(self, db: Engine) -> None:
        suffix = uuid.uuid4().hex[:6]
        for name in (f"ARS Île-de-France {suffix}", f"DMG (Université de Lille) {suffix}", f"Émile O’Neil {suffix}",
                     "ä" * 79 + suffix[0]):
            create_key(db, name, ["read"])
            assert name in {k.name for k in list_keys(db)}

    def test_names_are_compared_in_nfc_and_ignoring_case(self, db: Engine) -> None:
        suffix = uuid.uuid4().hex[:6]
        create_key(db, f"Île {suffix}", ["read"])
        for again in (f"ÎLE {suffix}", f"îLE {suffix}", f"I\u0302le {suffix}"):  # the last: I + combining circumflex
            with pytest.raises(DuplicateKeyName):
                create_key(db, again, ["read"])
        decomposed = f"E\u0301mile {suffix}"
        create_key(db, decomposed, ["read"])
        assert f"Émile {suffix}" in {k.name for k in list_keys(db)}  # stored as one character
        assert revoke_key(db, decomposed)


class TestListAndRevoke:
    def test_list_shows_no_secret(self, db: Engine) -> None:
        name = unique("carol")
        key = create_key(db, name, ["read"])
        (info,) = [k for k in list_keys(db) if k.name == name]
        assert info.prefix == key[:12] and info.active
        assert set(vars(info)) == {"name", "prefix", "scopes", "created_at", "revoked_at"}
        assert key[13:] not in repr(info)
        assert stored_row(db, name)["secret_hash"] not in repr(info)

    def test_dates_are_timezone_aware(self, db: Engine) -> None:
        name = unique("dated")
        before = dt.datetime.now(dt.UTC)
        create_key(db, name, ["read"])
        revoke_key(db, name)
        (info,) = [k for k in list_keys(db) if k.name == name]
        assert info.created_at.tzinfo is not None and info.revoked_at is not None
        assert before - dt.timedelta(seconds=5) < info.created_at <= info.revoked_at < before + dt.timedelta(minutes=1)

    def test_revoke(self, db: Engine) -> None:
        name = unique("dave")
        create_key(db, name, ["write"])
        assert revoke_key(db, name) is True
        assert revoke_key(db, name) is False  # already revoked
        assert revoke_key(db, unique("nobody")) is False
        (info,) = [k for k in list_keys(db) if k.name == name]
        assert not info.active


def tiny_app(engine: Engine) -> FastAPI:
    app = FastAPI()
    app.state.engine = engine
    errors.install(app)

    @app.get("/w")
    def write_only(actor: WriteActor) -> dict[str, str]:
        return {"actor": actor.name}

    @app.get("/r")
    def read_scope(actor: Annotated[Actor, Depends(require_scope("read"))]) -> dict[str, str]:
        return {"actor": actor.name}

    return app


@pytest.fixture(scope="module")
def api(db: Engine) -> Iterator[TestClient]:
    with TestClient(tiny_app(db)) as client:
        yield client


def assert_unauthorized(response, *secrets: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith('Bearer realm="post-internat"')
    body = response.json()
    assert body["title"] == "Unauthorized" and body["status"] == 401
    assert body["errors"] == [{"field": "Authorization", "in": "header", "message": body["detail"]}]
    for secret in secrets:
        assert secret not in response.text
        assert secret not in str(response.headers)


class TestRequireScope:
    def test_no_header(self, api: TestClient) -> None:
        response = api.get("/w")
        assert_unauthorized(response)
        assert response.headers["www-authenticate"] == 'Bearer realm="post-internat"'
        assert "Authorization: Bearer" in response.json()["detail"]

    def test_unknown_key(self, api: TestClient) -> None:
        response = api.get("/w", headers={"Authorization": "Bearer nonsense"})
        assert_unauthorized(response, "nonsense")
        assert 'error="invalid_token"' in response.headers["www-authenticate"]

    def test_well_formed_but_unknown_key(self, api: TestClient) -> None:
        fake = "pik_0123abcd_" + "A" * 43
        assert_unauthorized(api.get("/w", headers={"Authorization": f"Bearer {fake}"}), fake, "AAAAAAAA")

    @pytest.mark.parametrize("header", ["Basic xxx", "Bearer", "Bearer ", "Token abc", "bearer"])
    def test_wrong_scheme_or_empty(self, api: TestClient, header: str) -> None:
        assert_unauthorized(api.get("/w", headers={"Authorization": header}))

    def test_key_without_scheme_is_not_echoed(self, api: TestClient, db: Engine) -> None:
        key = create_key(db, unique("noscheme"), ["write"])
        # The whole key is what FastAPI would parse as the "scheme": it must not come back.
        assert_unauthorized(api.get("/w", headers={"Authorization": key}), key, key[13:])
        assert_unauthorized(api.get("/w", headers={"Authorization": f"Basic {key}"}), key, key[13:])

    def test_revoked_key(self, api: TestClient, db: Engine) -> None:
        name = unique("revoked")
        key = create_key(db, name, ["write"])
        assert api.get("/w", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        revoke_key(db, name)
        response = api.get("/w", headers={"Authorization": f"Bearer {key}"})
        assert_unauthorized(response, key, key[13:])
        assert "révoquée" in response.json()["detail"]
        # The answer says the key is revoked, never whose key it was (that stays in the log).
        assert name not in response.text

    def test_read_only_key_is_forbidden(self, api: TestClient, db: Engine) -> None:
        name = unique("reader")
        key = create_key(db, name, ["read"])
        response = api.get("/w", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["title"] == "Forbidden"
        assert body["detail"] == "Cette clé d'API n'a pas la portée « write »." and name not in body["detail"]
        assert body["errors"][0]["field"] == "Authorization" and body["errors"][0]["in"] == "header"
        assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
        assert key[13:] not in response.text
        # The same key is enough where only `read` is required.
        assert api.get("/r", headers={"Authorization": f"Bearer {key}"}).json() == {"actor": name}

    def test_write_key(self, api: TestClient, db: Engine) -> None:
        name = unique("writer")
        key = create_key(db, name, ["write"])
        response = api.get("/w", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200
        assert response.json() == {"actor": name}
        # Either case of the scheme name is accepted (RFC 9110: the scheme is case-insensitive).
        assert api.get("/w", headers={"Authorization": f"bearer {key}"}).status_code == 200

    def test_the_key_never_reaches_the_logs(
        self, api: TestClient, db: Engine, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        revoked_name, reader_name, writer_name = unique("log-revoked"), unique("log-reader"), unique("log-writer")
        never_created = f"pik_{uuid.uuid4().hex[:8]}_{uuid.uuid4().hex}{uuid.uuid4().hex}"
        keys = [create_key(db, revoked_name, ["write"]), create_key(db, reader_name, ["read"]),
                create_key(db, writer_name, ["write"]), never_created]
        revoke_key(db, revoked_name)
        for key in keys:
            for header in (f"Bearer {key}", key, f"Basic {key}"):
                api.get("/w", headers={"Authorization": header})
        assert caplog.records, "expected the refusals to be logged"
        logged = "\n".join(f"{record.getMessage()} {record.args!r} {vars(record)!r}" for record in caplog.records)
        for key in keys:
            assert key[13:] not in logged
        assert revoked_name in logged and reader_name in logged

    def test_openapi_documents_the_bearer_scheme(self, api: TestClient) -> None:
        schema = api.get("/openapi.json").json()
        (scheme,) = schema["components"]["securitySchemes"].values()
        assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
        assert schema["paths"]["/w"]["get"]["security"] == [{"ApiKey": []}]

    def test_unknown_scope_is_a_programming_error(self) -> None:
        with pytest.raises(ValueError):
            require_scope("admin")


def cli(engine: Engine, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run([sys.executable, "-m", "app.keys", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.slow  # the key command in subprocesses
class TestCli:
    def test_create_list_revoke(self, db: Engine) -> None:
        name = unique("cli user")
        created = cli(db, "create", "--name", name)
        assert created.returncode == 0, created.stderr
        key = created.stdout.strip()
        assert KEY_SHAPE.fullmatch(key)
        assert "will not be shown again" in created.stderr and key not in created.stderr
        assert len(created.stderr.strip().splitlines()) == 1
        assert stored_row(db, name)["secret_hash"] == hashlib.sha256(key.encode()).hexdigest()

        listed = cli(db, "list")
        assert listed.returncode == 0, listed.stderr
        (line,) = [line for line in listed.stdout.splitlines() if name in line]
        assert key[:12] in line and "read,write" in line and line.rstrip().endswith("-")
        assert key[13:] not in listed.stdout
        assert stored_row(db, name)["secret_hash"] not in listed.stdout
        assert listed.stdout.splitlines()[0].split() == ["NAME", "PREFIX", "SCOPES", "CREATED", "REVOKED"]

        revoked = cli(db, "revoke", "--name", name)
        assert revoked.returncode == 0, revoked.stderr
        (line,) = [line for line in cli(db, "list").stdout.splitlines() if name in line]
        assert line.rstrip().endswith("UTC") and line.count("UTC") == 2
        again = cli(db, "revoke", "--name", name)
        assert again.returncode == 1 and "no active API key" in again.stderr

    def test_create_with_accents_and_spaces(self, db: Engine) -> None:
        name = f"ARS Île-de-France {uuid.uuid4().hex[:6]}"
        created = cli(db, "create", "--name", name)
        assert created.returncode == 0, created.stderr
        assert KEY_SHAPE.fullmatch(created.stdout.strip())
        (line,) = [line for line in cli(db, "list").stdout.splitlines() if name in line]
        assert "read,write" in line
        assert cli(db, "revoke", "--name", name).returncode == 0

    @pytest.mark.parametrize("args", [("list",), ("create", "--name", "ARS Île-de-France"), ("revoke", "--name", "x")])
    def test_an_unreachable_database_is_one_line_not_a_traceback(self, args: tuple[str, ...]) -> None:
        # A port nothing listens on (a closed PostgreSQL port), with a password that must not be printed.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{port}/test",
               "PYTHONPATH": str(PROJECT_ROOT)}
        result = subprocess.run([sys.executable, "-m", "app.keys", *args], env=env, cwd=PROJECT_ROOT,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, result.stderr
        assert result.stdout == ""
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"database unreachable at postgresql+psycopg://postgres:***@127.0.0.1:{port}/test: ")
        assert "Traceback" not in result.stderr and "s3cret" not in result.stderr

    def test_create_read_only(self, db: Engine) -> None:
        name = unique("cli-reader")
        assert cli(db, "create", "--name", name, "--scope", "read").returncode == 0
        (info,) = [k for k in list_keys(db) if k.name == name]
        assert info.scopes == ("read",)

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("--name", "bad;name"), "key name"),
            (("--name", "ok-name", "--scope", "admin"), "Unknown scope 'admin'"),
        ],
    )
    def test_create_refusals(self, db: Engine, args: tuple[str, ...], message: str) -> None:
        result = cli(db, "create", *args)
        assert result.returncode == 1
        assert result.stdout == "" and message in result.stderr

    def test_create_duplicate(self, db: Engine) -> None:
        name = unique("cli-dup")
        assert cli(db, "create", "--name", name).returncode == 0
        result = cli(db, "create", "--name", name)
        assert result.returncode == 1 and result.stdout == "" and "exists already" in result.stderr

    def test_refuses_an_unmigrated_database(self, new_database: Callable[[], Engine]) -> None:
        fresh = new_database()
        for args in (("list",), ("create", "--name", "early"), ("revoke", "--name", "early")):
            result = cli(fresh, *args)
            assert result.returncode == 2, result.stderr
            assert "not migrated" in result.stderr and result.stdout == ""
