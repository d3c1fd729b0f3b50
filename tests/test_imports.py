"""Imports point one way (issue 11): no two packages of `app` import each other, and `app.core` imports none."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"


def _package(path: Path) -> str:
    parts = path.relative_to(APP).parts
    return parts[0] if len(parts) > 1 else path.stem


def _imports() -> dict[str, set[str]]:
    """Which top-level parts of app each top-level part imports (`app.x.y` counts as `x`)."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in APP.rglob("*.py"):
        here = _package(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "app":
                    names = [alias.name for alias in node.names]
                elif node.module.startswith("app."):
                    names = [node.module.split(".")[1]]
            elif isinstance(node, ast.Import):
                names = [alias.name.split(".")[1] for alias in node.names if alias.name.startswith("app.")]
            found[here].update(name for name in names if name != here)
    return found


def test_no_two_packages_import_each_other() -> None:
    imports = _imports()
    mutual = {tuple(sorted((a, b))) for a, targets in imports.items() for b in targets if a in imports.get(b, set())}
    assert not mutual, f"packages importing each other: {sorted(mutual)}"


def test_core_imports_no_other_part_of_the_app() -> None:
    assert _imports()["core"] == set()


def test_the_checker_sees_imports() -> None:
    # The walk must find what is there, or the two tests above would pass on nothing.
    imports = _imports()
    assert {"core", "models"} <= imports["catalogue"] and "core" in imports["models"]
    assert "records" in imports["seed"] and "seed" not in imports["records"]  # seed/ reads YAML and calls the store


@pytest.mark.slow  # a fresh interpreter
def test_the_app_starts_without_the_libraries_only_some_answers_need() -> None:
    """Alembic (with Mako and Pygments), icalendar and feedgen (with lxml) are imported by what uses them: migrations
    and /ready, the .ics feeds, the Atom feed. A worker that starts holds about 20 MB less (issue 12: < 150 MB)."""
    code = ("import sys; import app.main; "
            "print(','.join(sorted(m for m in ('alembic', 'mako', 'pygments', 'icalendar', 'feedgen', 'lxml') "
            "if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=APP.parent, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "LOG_LEVEL": "warning"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", done.stdout
