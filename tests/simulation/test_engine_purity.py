"""The income engine is pure: importing it pulls in no web framework, ORM or database driver."""

from __future__ import annotations

import subprocess
import sys

from app.config import PROJECT_ROOT

PURE = ["app.simulation.engine", "app.simulation.contributions", "app.simulation.parameters", "app.simulation.pay_models"]
FORBIDDEN = ("fastapi", "starlette", "sqlmodel", "sqlalchemy", "psycopg", "sqlite3", "httpx")


def test_engine_imports_no_framework_sql_or_io() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in PURE)
        + f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"the engine imports {out.stdout.strip()}"
