"""`python -m app.seed`: validate `seed/*.yaml` and load it into DATABASE_URL in one transaction.

Options:
  --check        validate only; touch no database
  --seed-dir D   read the YAML files from D (default: the repository's seed/)
Exit codes: 0 loaded (or valid), 1 invalid seed (every problem listed on stderr), 2 database not migrated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.config import get_settings
from app.db import make_engine
from app.migrate import pending_migrations
from app.seed.loader import SeedInvalid, load_seed, read_seed


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m app.seed", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="validate only; do not touch the database")
    parser.add_argument("--seed-dir", type=Path, default=settings.seed_dir)
    args = parser.parse_args(argv)
    try:
        if args.check:
            seed = read_seed(args.seed_dir)
            print(f"seed is valid: {len(seed.schemes)} schemes, {len(seed.pay_components)} pay components, "
                  f"{len(seed.pay_parameters)} dated pay parameters")
            return 0
        engine = make_engine(settings.database_url)
        try:
            if pending := pending_migrations(engine):
                print(f"database is not migrated ({pending}): run `alembic upgrade head` first", file=sys.stderr)
                return 2
            report = load_seed(engine, args.seed_dir)
        finally:
            engine.dispose()
    except SeedInvalid as exc:
        print(f"seed is invalid ({len(exc.errors)} problems); the database was not changed:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
