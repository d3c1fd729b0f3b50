"""`python -m app.seed`: validate `seed/*.yaml` and load it into DATABASE_URL in one transaction.

Options:
  --check        validate only; touch no database
  --if-empty     load only into an empty catalogue (what `make run` does: changes made through the API are
                 never reverted by a restart)
  --seed-dir D   read the YAML files from D (default: the repository's seed/)
  --file F       read one document in the format of `GET /export` (YAML or JSON) instead of seed files
Without --if-empty, the catalogue is replaced by the files (an import: recorded in the audit log with the
catalogue it replaced, so nothing is lost). Exit codes: 0 loaded (or valid, or left as it was), 1 invalid seed
(every problem listed on stderr), 2 database not migrated.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

import yaml
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import get_settings
from app.db import make_engine, transaction
from app.messages import Message as M
from app.migrate import pending_migrations
from app.models import Scheme
from app.records.service import import_seed
from app.records.store import Seed, SeedError, SeedInvalid, parse_seed
from app.seed.loader import read_seed


def _read(args: argparse.Namespace) -> Seed:
    if args.file is None:
        return read_seed(args.seed_dir)
    try:
        text = args.file.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SeedInvalid([SeedError(None, None, None, None, M(f"illisible : {exc}", f"cannot be read: {exc}"))],
                          document=str(args.file)) from None
    return parse_seed(data, origin=str(args.file))


def _schemes(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Scheme)).one()


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m app.seed", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="validate only; do not touch the database")
    parser.add_argument("--if-empty", action="store_true", help="load only if the catalogue holds no scheme yet")
    parser.add_argument("--seed-dir", type=Path, default=settings.seed_dir)
    parser.add_argument("--file", type=Path, help="a document exported by GET /export (YAML or JSON)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            seed = _read(args)
            print(f"seed is valid: {len(seed.schemes)} schemes, {len(seed.pay_components)} pay components, "
                  f"{len(seed.pay_parameters)} dated pay parameters")
            return 0
        engine = make_engine(settings.database_url)
        try:
            if pending := pending_migrations(engine):
                print(f"database is not migrated ({pending}): run `alembic upgrade head` first", file=sys.stderr)
                return 2
            seed = _read(args)
            if args.if_empty and (count := _schemes(engine)):
                print(f"catalogue already holds {count} scheme versions: left as it is "
                      "(run `python -m app.seed` without --if-empty to replace it with the seed files)")
                return 0
            with transaction(engine) as session:
                report, audit_id = import_seed(session, f"cli:{getpass.getuser()}", seed)
            if audit_id is not None:
                print(f"recorded in the audit log as entry {audit_id}")
        finally:
            engine.dispose()
    except SeedInvalid as exc:
        print(f"seed is invalid ({len(exc.errors)} problems); the database was not changed:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error.in_files(exc.document)}", file=sys.stderr)
        return 1
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
