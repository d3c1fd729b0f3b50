"""`python -m app.opendata FOLDER [--as-of YYYY-MM-DD]`: write the data package (datapackage.json and the CSVs)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from sqlmodel import Session

from app.config import get_settings
from app.db import make_engine
from app.opendata.package import write_package


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m app.opendata", description=__doc__)
    parser.add_argument("folder", type=Path, help="where to write datapackage.json and the CSV files")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                        help="the catalogue as it stood on this day (default: today, in France)")
    args = parser.parse_args()
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            written = write_package(session, args.folder, day=args.as_of)
    finally:
        engine.dispose()
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
