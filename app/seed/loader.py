"""The seed files (`seed/*.yaml`): read and checked (`read_seed`), then loaded through the record store (`load_seed`).

Validation and writing are the store's (`app.records.store`); this module only reads YAML files and says which file,
row and field a problem is in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import Engine

from app.db import changed, transaction
from app.messages import Message as M
from app.records import schemas as I
from app.records.store import (
    FILES,
    Seed,
    SeedError,
    SeedInvalid,
    SyncReport,
    apply_seed,
    check_references,
    parse_rows,
)


def _parse_file(path: Path, schema: type[I.Record], errors: list[SeedError]) -> list[Any]:
    name = path.stem
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        errors.append(SeedError(name, None, None, None, M("le fichier manque", "file is missing")))
        return []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = M(f" (ligne {mark.line + 1}, colonne {mark.column + 1})",
                  f" (line {mark.line + 1}, column {mark.column + 1})") if mark else M("", "")
        problem = getattr(exc, "problem", exc)
        errors.append(SeedError(name, None, None, None,
                                M("YAML invalide", "not valid YAML") + where + f": {problem}"))
        return []
    return parse_rows(name, raw, schema, errors)


def read_seed(seed_dir: Path) -> Seed:
    """Parse and validate every seed file; raise SeedInvalid listing every problem found."""
    errors: list[SeedError] = []
    seed = Seed()
    for name, schema in FILES.items():
        setattr(seed, name, _parse_file(seed_dir / f"{name}.yaml", schema, errors))
    check_references(seed, errors)
    if errors:
        raise SeedInvalid(errors)
    return seed


def load_seed(engine: Engine, seed_dir: Path) -> SyncReport:
    """Validate the whole seed, then write it in one transaction (all or nothing)."""
    seed = read_seed(seed_dir)
    with transaction(engine) as session:
        report = apply_seed(session, seed)
        changed(session)
    return report
