"""`python -m app.keys`: create, list and revoke the API keys that may change the catalogue in DATABASE_URL.

Commands:
  create --name NAME [--scope write] [--scope read]   print a new key once (default scope: write, implying read;
                                                    read alone: the audit log, without write rights)
  list                                              every key: name, prefix, scopes, created, revoked
  revoke --name NAME                                the key stops working at once
Names may hold accents and spaces ("ARS Île-de-France"), 80 characters at most.
Exit codes: 0 done, 1 refused (invalid or taken name, unknown scope, no such active key), 2 database unreachable or
not migrated (one line on stderr saying which).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from app.auth import SCOPES, ApiKeyError, KeyInfo, create_key, list_keys, revoke_key
from app.config import get_settings
from app.db import make_engine
from app.migrate import pending_migrations


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.keys", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="{create,list,revoke}")
    create = commands.add_parser("create", help="create a key and print it, once")
    create.add_argument("--name", required=True, help="who holds the key, as the audit log will name them")
    # No argparse `choices`: an unknown scope is refused by create_key, with exit code 1 like any other refusal.
    create.add_argument(
        "--scope", dest="scopes", action="append", metavar="SCOPE",
        help=f"one of {', '.join(SCOPES)}; repeatable (default: write, which implies read)",
    )
    commands.add_parser("list", help="list every key, never showing a key or its hash")
    revoke = commands.add_parser("revoke", help="revoke the active key of that name")
    revoke.add_argument("--name", required=True)
    return parser


def _when(value: dt.datetime | None) -> str:
    return "-" if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _table(keys: list[KeyInfo]) -> str:
    rows = [("NAME", "PREFIX", "SCOPES", "CREATED", "REVOKED")] + [
        (key.name, key.prefix, ",".join(key.scopes), _when(key.created_at), _when(key.revoked_at)) for key in keys
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell,
                               width in zip(row, widths, strict=True)).rstrip() for row in rows)


def _run(engine: Engine, args: argparse.Namespace) -> int:
    if args.command == "create":
        try:
            key = create_key(engine, args.name, args.scopes or ["write"])
        except ApiKeyError as exc:
            print(f"key not created: {exc}", file=sys.stderr)
            return 1
        print(key)
        print(f"API key '{args.name}' created; store it now: it will not be shown again.", file=sys.stderr)
        return 0
    if args.command == "list":
        keys = list_keys(engine)
        print(_table(keys) if keys else "no API keys yet")
        return 0
    if revoke_key(engine, args.name):
        print(f"API key '{args.name}' revoked.")
        return 0
    print(f"no active API key named '{args.name}' (unknown, or already revoked)", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        engine = make_engine(get_settings().database_url)
    except (ArgumentError, ValueError) as exc:
        print(f"DATABASE_URL is not a database URL: {exc}", file=sys.stderr)
        return 2
    try:
        if pending := pending_migrations(engine):
            print(f"database is not migrated ({pending}): run `alembic upgrade head` first", file=sys.stderr)
            return 2
        return _run(engine, args)
    except SQLAlchemyError as exc:
        # Unreachable, refused, wrong password…: the driver's first line says which, without a traceback.
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        print(f"database unreachable at {engine.url.render_as_string(hide_password=True)}: "
              f"{reason[0] if reason else exc.__class__.__name__}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
