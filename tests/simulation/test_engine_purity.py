"""The income engine is pure: importing it pulls in no web framework, ORM or database driver."""

from __future__ import annotations

import subprocess
import sys

from app.config import PROJECT_ROOT

PURE = [
    "app.simulation.engine", "app.simulation.contributions", "app.simulation.parameters", "app.simulation.pay_models"
]
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


def test_each_option_is_declared_once_and_everything_derives_from_it() -> None:
    import dataclasses

    from app.embed.pages import OPTION_LABELS
    from app.simulation.engine import Options
    from app.simulation.options import OPTION_NAMES
    from app.simulation.schemas import SimulationOptions

    assert tuple(f.name for f in dataclasses.fields(Options)) == OPTION_NAMES
    assert tuple(SimulationOptions.model_fields) == OPTION_NAMES
    assert set(OPTION_LABELS) <= set(OPTION_NAMES)
    assert OPTION_LABELS["periphery_share"]["fr"][0] == "Temps hors du site principal (%)"
