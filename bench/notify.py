"""How long a worker takes to learn of a committed write: `python -m bench.notify [--db postgres|sqlite] [--writes N]`.

A write commits a new catalogue version (app/core/versions.bump, as every write does) on one connection; a
`VersionWatch` (app/memory/watch.py), the worker's own watcher, is polled without waiting (`quick`, what each
request does first) until it reports the version stale. Printed: the delay from the commit's return to that moment
(PostgreSQL: the NOTIFY's delivery to the listening socket; SQLite: `PRAGMA data_version` moving), and from the
commit to the new version read (`slow`, what the request then does in a thread). p50, p99 and the largest.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from app.core.versions import bump
from app.memory.watch import VersionWatch
from bench.databases import DEFAULT_POSTGRES_URL, fresh_database
from bench.machine import describe, one_line


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(kind: str, writes: int, postgres_url: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-notify-") as tmp, \
            fresh_database(kind, Path(tmp), postgres_url=postgres_url, seed=False) as db:
        watch = VersionWatch(db.engine)
        before = watch.slow()
        heard, read = [], []
        for _ in range(writes):
            with Session(db.engine) as session:
                bump(session)
                session.commit()
            committed = time.perf_counter()
            while watch.quick() is not None:  # what each request does first: no round trip, no wait
                if time.perf_counter() - committed > 5:
                    raise RuntimeError("the write was not noticed within 5 s")
            heard.append((time.perf_counter() - committed) * 1e6)
            now = watch.slow()
            read.append((time.perf_counter() - committed) * 1e6)
            if now <= before:
                raise RuntimeError(f"version {now} after a write, {before} before")
            before = now
        watch.close()
    return {"writes": writes, "heard_p50_us": _percentile(heard, 0.5), "heard_p99_us": _percentile(heard, 0.99),
            "heard_max_us": max(heard), "read_p50_us": _percentile(read, 0.5), "read_p99_us": _percentile(read, 0.99)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.notify", description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["postgres", "sqlite", "both"], default="both")
    p.add_argument("--writes", type=int, default=300)
    p.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = p.parse_args(argv)
    print(f"machine: {one_line(describe())}")
    for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        r = measure(kind, args.writes, args.postgres_url)
        print(f"{kind}: {r['writes']} writes; commit -> stale seen without a round trip: "
              f"p50 {r['heard_p50_us']:.0f} us, p99 {r['heard_p99_us']:.0f} us, max {r['heard_max_us']:.0f} us; "
              f"commit -> new version read: p50 {r['read_p50_us']:.0f} us, p99 {r['read_p99_us']:.0f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
