"""The benchmark: `python -m bench.run [--db sqlite|postgres|both] [--duration S] [--concurrency N] [--quick]`.

For each database it prepares a fresh catalogue (migrated, seeded), starts the service as production does
(`uvicorn app.main:app --workers 1`) and, served the same way, a bare ASGI baseline; then a load generator in a
separate process drives N concurrent keep-alive clients over loopback against each scenario for a fixed time.
It prints requests/s, p50/p99 latency, errors, the ratio to the baseline measured in the same run, peak memory of
the worker, the time from process start to first answer, and PASS/FAIL against the issue's targets. The growth
scenario then grows the catalogue to 1 000 and 10 000 schemes and shows how listing cost and the SQL plans change.
See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench import growth
from bench.databases import DEFAULT_POSTGRES_URL, Database, analyze, fresh_database, postgres_available
from bench.machine import describe, one_line
from bench.server import ROOT, UVICORN_FLAGS, Server, free_port, machine_busy_seconds, request, run_load

# --- targets of issue 12 (one worker, ratios to the baseline measured in the same run) ---------------------------

TARGET_LIST_RATIO = {"sqlite": 50.0, "postgres": 40.0}  # repeated GET /schemes with filters, % of baseline req/s
TARGET_SIM_RATIO = 25.0  # repeated POST /simulate (24 months) >= 25 %
TARGET_NEW_SIM_RATIO = 4.0  # new simulations (every body different), 24 months, 16 clients >= 4 %
TARGET_NEW_SIM_P99_MS = 25.0  # ... with a p99 under 25 ms
TARGET_SCALING = 1.0  # new simulations: 16 clients get at least the throughput of 1
TARGET_ANSWER_KIB = 25.0  # a 24-month answer < 25 KiB
TARGET_DETAIL_MS = 1.0  # a new GET /schemes/{slug} < 1 ms in-process
TARGET_CONCURRENCY = 16
TARGET_MEMORY_MB = 150.0  # peak resident memory per worker < 150 MB
TARGET_FIRST_ANSWER_S = 2.0  # first answer < 2 s after process start
TARGET_GROWTH_P50_MS = 5.0  # filtered listing p50 < 5 ms for new URLs with 10 000 schemes, PostgreSQL
MB = 1_000_000 / 1_048_576  # MiB per MB

# Distinct requests per "every request different" scenario: more than any in-process answer cache would keep, so
# each request is computed (unknown query parameters are ignored by the API but are part of any cache key).
DISTINCT = 5000
CHECK_TIMEOUT_S = 10.0
DISTINCT_CHECKS = 20

LIST_FILTERS = [
    "/schemes?audience=mg",
    "/schemes?region=28",
    "/schemes?audience=specialist&region=32&sort=-duration",
    "/schemes?category=universitaire&limit=10",
    "/schemes?q=medecine%20generale",
    "/schemes?specialty=biologie-medicale&region=11",
]
# The cohorts choosing in December 2026 start in November 2027 (and May or November 2028).
SIM_24 = {"scheme": "ccu-ah", "region": "32", "start": "2027-11-01", "months": 24}
SIM_96 = {"scheme": "ccu-mg", "region": "32", "start": "2027-11-01", "months": 96}
NEW_SIM_STARTS = ["2027-05-01", "2027-11-01", "2028-05-01", "2028-11-01"]
GROWTH_QUERIES = {
    "filtered": "/schemes?region=28&audience=mg&limit=50",
    "filtered_q": "/schemes?region=28&audience=mg&limit=50&q=rouen",  # a rare word (one synthetic scheme in 36)
    "filtered_q_common": "/schemes?region=28&audience=mg&limit=50&q=universitaire",  # a word in most texts
    "unfiltered": "/schemes?limit=50",
}


def log(message: str = "") -> None:
    print(message, flush=True)


def _get(r: str) -> dict[str, Any]:
    return {"method": "GET", "path": r}


def _post(path: str, body: Any) -> dict[str, Any]:
    return {"method": "POST", "path": path, "body": json.dumps(body, separators=(",", ":"))}


def _distinct(requests: list[dict[str, Any]], tag: str, count: int = DISTINCT) -> list[dict[str, Any]]:
    """`count` requests that differ only by an ignored query parameter, each scenario with its own `tag`."""
    out = []
    for i in range(count):
        r = dict(requests[i % len(requests)])
        r["path"] = r["path"] + ("&" if "?" in r["path"] else "?") + f"bench={tag}{i}"
        out.append(r)
    return out


NEW_SIMS = 16000  # more than 16 clients send in a scenario at ~2 000 req/s: no request is sent twice


def new_simulations(regions: list[str], tag: str, count: int = NEW_SIMS) -> list[dict[str, Any]]:
    """`count` different 24-month simulations of SIM_24's scheme, as candidates fill the simulator's form: region,
    start, gardes and astreintes a month, and the income tax vary, so each is computed. Each also has an ignored
    `bench=` parameter of its own (with the scenario's `tag`), so that no answer cache keyed on the URL could answer
    either, and no scenario reuses another's requests."""
    bodies = []
    for tax in ({"tax": "none"}, {"tax": "neutral"}, {"tax": "personal", "tax_rate": 5}):
        for gardes in range(13):
            for astreintes in range(7):
                for start in NEW_SIM_STARTS:
                    for region in regions:
                        options: dict[str, Any] = dict(tax)
                        if gardes:
                            options["gardes_per_month"] = gardes
                        if astreintes:
                            options["astreintes_per_month"] = astreintes
                        bodies.append({**SIM_24, "region": region, "start": start, "options": options})
    if len(bodies) < count:
        raise RuntimeError(f"only {len(bodies)} different simulations of {SIM_24['scheme']}: fewer than {count}")
    # Interleaved (a prime stride), so that consecutive requests differ in every field, not in the last one only.
    stride = 7919
    assert len(bodies) % stride
    picked = [bodies[(i * stride) % len(bodies)] for i in range(count)]
    return [{**_post("/simulate", body), "path": f"/simulate?bench={tag}{i}"} for i, body in enumerate(picked)]


def scenarios(port: int) -> list[dict[str, Any]]:
    """The scenarios of the issue, with ids and bodies discovered from the running service."""
    status, body = request(port, "GET", "/schemes?limit=200")
    if status != 200:
        raise RuntimeError(f"GET /schemes answered {status}: {body[:300]!r}")
    slugs = [item["slug"] for item in json.loads(body)["items"]]
    items = []
    for slug in slugs:
        status, body = request(port, "GET", f"/schemes/{quote(slug)}/simulation")
        if status == 200:
            options = json.loads(body)
            if options["regions"] and (options["max_months"] is None or options["max_months"] >= 12):
                items.append({"scheme": slug, "region": options["regions"][0]})
    compare = {"start": SIM_24["start"], "months": 12, "items": items}
    list_requests = [_get(p) for p in LIST_FILTERS]
    sim24 = [_post("/simulate", SIM_24)]
    status, body = request(port, "GET", f"/schemes/{SIM_24['scheme']}/simulation")
    if status != 200:
        raise RuntimeError(f"GET /schemes/{SIM_24['scheme']}/simulation answered {status}: {body[:300]!r}")
    regions = json.loads(body)["regions"]
    return [
        {"key": "baseline", "title": "baseline (bare ASGI, constant JSON)", "requests": [_get("/")]},
        {"key": "schemes_list", "title": f"GET /schemes with filters ({len(LIST_FILTERS)} URLs)",
         "requests": list_requests},
        {"key": "schemes_list_distinct", "title": "GET /schemes, every URL different",
         "requests": _distinct(list_requests, "a"),
         "check": _distinct(list_requests, "checka")},
        {"key": "schemes_list_distinct_1", "title": "GET /schemes, every URL different, 1 client",
         "requests": _distinct(list_requests, "b"), "check": _distinct(list_requests, "checkb"), "concurrency": 1},
        {"key": "scheme_detail", "title": f"GET /schemes/{{slug}} ({len(slugs)} slugs)",
         "requests": [_get(f"/schemes/{quote(s)}") for s in slugs]},
        {"key": "simulate_24", "title": "POST /simulate, 24 months (ccu-ah)", "requests": sim24},
        {"key": "simulate_24_new", "title": "POST /simulate, 24 months, new simulations",
         "requests": new_simulations(regions, "new"), "check": new_simulations(regions, "checknew", 40)},
        {"key": "simulate_24_new_1", "title": "POST /simulate, 24 months, new simulations, 1 client",
         "requests": new_simulations(regions, "one"), "check": new_simulations(regions, "checkone", 40),
         "concurrency": 1},
        {"key": "simulate_96", "title": "POST /simulate, 96 months (ccu-mg)", "requests": [_post("/simulate", SIM_96)]},
        {"key": "compare_all", "title": f"POST /simulate/compare, all {len(items)} schemes, 12 months",
         "requests": [_post("/simulate/compare", compare)]},
    ]


def check_requests(port: int, requests: list[dict[str, Any]]) -> str | None:
    """Every distinct request answers 200 once before any load (the distinct variants: their first few)."""
    for r in requests[:DISTINCT_CHECKS]:
        try:
            status, body = request(port, r["method"], r["path"], r.get("body"), timeout=CHECK_TIMEOUT_S)
        except OSError as exc:
            return f"{r['method']} {r['path']}: no answer within {CHECK_TIMEOUT_S:g} s ({type(exc).__name__})"
        if status != 200:
            return f"{r['method']} {r['path']} answered {status}: {body[:300].decode(errors='replace')}"
    return None


# --- one database ----------------------------------------------------------------------------------------------


def bench_database(db: Database, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    log(f"\n=== {db.label}")
    result: dict[str, Any] = {"database": db.label, "kind": db.kind, "scenarios": {}}
    load = {"concurrency": args.concurrency, "duration": args.duration, "warmup": args.warmup}

    with Server("bench.baseline:app").start(tmp) as base:
        result["baseline_first_answer_s"] = round(base.first_answer_s or 0, 3)
        log(f"baseline: first answer {base.first_answer_s:.2f} s after start; loading {args.duration:g} s…")
        result["scenarios"]["baseline"] = {"title": "baseline (bare ASGI, constant JSON)",
                                           **run_load(base.port, [_get("/")], server=base, **load)}
        result["baseline_memory"] = base.memory()
    baseline_rps = result["scenarios"]["baseline"]["rps"]

    env = {"DATABASE_URL": db.url, "LOG_LEVEL": "warning"}
    app = Server("app.main:app", env=env).start(tmp)
    memories: list[dict[str, float]] = []
    result["restarts"] = []
    try:
        result["first_answer_s"] = round(app.first_answer_s or 0, 3)
        result["memory_after_start"] = app.memory()
        log(f"service: first answer {app.first_answer_s:.2f} s after start, "
            f"{result['memory_after_start']['rss_mib']:.0f} MiB resident")
        for scenario in scenarios(app.port)[1:]:
            problem = check_requests(app.port, scenario.get("check", scenario["requests"]))
            if problem:
                log(f"  {scenario['title']}: NOT RUN, {problem}")
                result["scenarios"][scenario["key"]] = {"title": scenario["title"], "not_run": problem}
            else:
                measured = run_load(app.port, scenario["requests"], server=app,
                                    **{**load, "concurrency": scenario.get("concurrency", args.concurrency)})
                measured["ratio_pct"] = round(100 * measured["rps"] / baseline_rps, 1) if baseline_rps else None
                if measured["errors"] or not measured["requests"]:
                    measured["server_log_tail"] = app.log()[-2000:]
                    log(f"  !! {scenario['title']}: {measured['requests']} answers, {measured['errors']} errors "
                        f"{measured['error_kinds']}; server log tail:\n{measured['server_log_tail']}")
                result["scenarios"][scenario["key"]] = {"title": scenario["title"], **measured}
                log(f"  {scenario['title']}: {measured['rps']:.0f} req/s, p50 {measured['p50_ms']} ms, "
                    f"p99 {measured['p99_ms']} ms, {measured['errors']} errors")
            if not app.alive():
                # The worker no longer answers /health: say so, and restart it so the other scenarios still run.
                note = f"after '{scenario['title']}' the worker did not answer /health within 5 s: restarted"
                log(f"  !! {note}")
                result["restarts"].append(note)
                result["scenarios"][scenario["key"]]["wedged_worker"] = True
                memories.append(app.memory())
                app.kill()
                app = Server("app.main:app", env=env).start(tmp)
        memories.append(app.memory())
    finally:
        app.stop()
    result["memory"] = max(memories, key=lambda m: m["peak_rss_mib"])
    log("  in-process figures (new GET /schemes/{slug}, new simulations, answer sizes)…")
    result["in_process"] = bench_in_process(db)
    inproc = result["in_process"]
    log(f"  in-process: GET /schemes/{{slug}} p50 up to {inproc['detail_p50_ms_max']} ms; new simulation p50 "
        f"{inproc['simulate_new_p50_ms']} ms; 24-month answer {inproc['answer_kib_sim24']} KiB, largest "
        f"{inproc['answer_kib_max']} KiB ({inproc['answer_kib_max_of']})")
    result["targets"] = targets(result, args.concurrency)
    return result


def _target(name: str, measured: float | None, limit: float, *, higher_is_better: bool, unit: str,
            applies: bool = True, note: str = "") -> dict[str, Any]:
    if measured is None or not applies:
        return {"target": name, "measured": measured, "limit": limit, "unit": unit, "status": "n/a", "note": note}
    ok = measured >= limit if higher_is_better else measured < limit
    margin = (measured - limit) if higher_is_better else (limit - measured)
    return {"target": name, "measured": measured, "limit": limit, "unit": unit, "status": "PASS" if ok else "FAIL",
            "margin": round(margin, 2), "note": note}


def targets(result: dict[str, Any], concurrency: int) -> list[dict[str, Any]]:
    s = result["scenarios"]
    at16 = concurrency == TARGET_CONCURRENCY
    note16 = "" if at16 else f"measured at {concurrency} clients, target is at {TARGET_CONCURRENCY}"
    list_target = TARGET_LIST_RATIO[result["kind"]]
    out = [
        _target(f"repeated GET /schemes with filters >= {list_target:g} % of baseline",
                s.get("schemes_list", {}).get("ratio_pct"), list_target, higher_is_better=True, unit="%"),
        _target(f"repeated POST /simulate 24 m >= {TARGET_SIM_RATIO:g} % of baseline",
                s.get("simulate_24", {}).get("ratio_pct"), TARGET_SIM_RATIO, higher_is_better=True, unit="%"),
        _target(f"new simulations 24 m >= {TARGET_NEW_SIM_RATIO:g} % of baseline at {TARGET_CONCURRENCY} clients",
                s.get("simulate_24_new", {}).get("ratio_pct"), TARGET_NEW_SIM_RATIO, higher_is_better=True, unit="%",
                applies=at16, note=note16),
        _target(f"new simulations 24 m p99 < {TARGET_NEW_SIM_P99_MS:g} ms at {TARGET_CONCURRENCY} clients",
                s.get("simulate_24_new", {}).get("p99_ms"), TARGET_NEW_SIM_P99_MS, higher_is_better=False,
                unit="ms", applies=at16, note=note16),
    ]
    many, one = s.get("simulate_24_new", {}).get("rps"), s.get("simulate_24_new_1", {}).get("rps")
    out.append(_target(f"new simulations: {TARGET_CONCURRENCY} clients >= 1 client (throughput ratio)",
                       round(many / one, 2) if many and one else None, TARGET_SCALING, higher_is_better=True,
                       unit="x", applies=at16, note=note16))
    inproc = result.get("in_process", {})
    out.append(_target(f"a 24-month answer < {TARGET_ANSWER_KIB:g} KiB (largest over every scheme)",
                       inproc.get("answer_kib_max"), TARGET_ANSWER_KIB, higher_is_better=False, unit="KiB"))
    out.append(_target(f"new GET /schemes/{{slug}} < {TARGET_DETAIL_MS:g} ms in-process (p50, slowest scheme)",
                       inproc.get("detail_p50_ms_max"), TARGET_DETAIL_MS, higher_is_better=False, unit="ms"))
    peak_mb = round(result["memory"]["peak_rss_mib"] / MB, 1) if "memory" in result else None
    out.append(_target(f"peak memory per worker < {TARGET_MEMORY_MB:g} MB", peak_mb, TARGET_MEMORY_MB,
                       higher_is_better=False, unit="MB"))
    out.append(_target(f"first answer < {TARGET_FIRST_ANSWER_S:g} s after start", result.get("first_answer_s"),
                       TARGET_FIRST_ANSWER_S, higher_is_better=False, unit="s"))
    return out


# --- in-process figures ---------------------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def bench_in_process(db: Database, rounds: int = 200) -> dict[str, Any]:
    """What the issue states in-process: a new GET /schemes/{slug} (every URL different, each scheme), a new
    simulation (every body different), and the size of every scheme's 24-month answer for the cohorts of 2027."""
    os.environ["DATABASE_URL"] = db.url  # the module-level app of app.main must not open another database
    from app.config import Settings
    from app.main import create_app
    from bench.inproc import InProcess

    app = create_app(Settings(database_url=db.url, log_level="warning"), engine=db.engine)
    out: dict[str, Any] = {}
    with InProcess(app) as client:
        status, body = client.call("GET", "/schemes?limit=200")
        slugs = [item["slug"] for item in json.loads(body)["items"]]
        details = {}
        for slug in slugs:
            times = []
            for i in range(rounds + 10):
                t0 = time.perf_counter()
                status, _ = client.call("GET", f"/schemes/{quote(slug)}?bench=inproc{i}")
                if i >= 10:  # the first calls warm the catalogue's indexes and the code
                    times.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    raise RuntimeError(f"GET /schemes/{slug} answered {status}")
            details[slug] = round(_median(times), 3)
        out["detail_p50_ms"] = details
        out["detail_p50_ms_max"] = max(details.values())
        _, body = client.call("GET", f"/schemes/{SIM_24['scheme']}/simulation")
        sims = new_simulations(json.loads(body)["regions"], "inproc", rounds * 2)
        times = []
        for r in sims:
            t0 = time.perf_counter()
            status, _ = client.call("POST", r["path"], r["body"])
            times.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                raise RuntimeError(f"POST {r['path']} {r['body']} answered {status}")
        out["simulate_new_p50_ms"] = round(_median(times[20:]), 3)
        sizes = {}
        for slug in slugs:
            status, body = client.call("GET", f"/schemes/{quote(slug)}/simulation")
            if status != 200:
                continue
            options = json.loads(body)
            if not options["regions"]:
                continue
            months = min(24, options["max_months"] or 24)
            for region in options["regions"]:
                status, answer = client.call("POST", "/simulate", json.dumps(
                    {"scheme": slug, "region": region, "start": SIM_24["start"], "months": months}))
                if status == 200:
                    sizes[f"{slug} {region} ({months} months)"] = round(len(answer) / 1024, 1)
        out["answer_kib"] = sizes
        out["answer_kib_sim24"] = sizes.get(f"{SIM_24['scheme']} {SIM_24['region']} (24 months)")
        largest = max(sizes, key=lambda k: sizes[k])
        out["answer_kib_max"], out["answer_kib_max_of"] = sizes[largest], largest
    return out


# --- growth ---------------------------------------------------------------------------------------------------------


def bench_growth(db: Database, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    log(f"\n=== Growth: {db.label}")
    sizes = [growth.scheme_count(db.engine), *args.growth_sizes]
    load_1 = {"concurrency": 1, "duration": args.growth_duration, "warmup": min(args.warmup, 0.5)}
    rows = []
    for size in sizes:
        t0 = time.perf_counter()
        added = growth.grow(db.engine, size)
        analyze(db.engine)
        insert_s = time.perf_counter() - t0
        row: dict[str, Any] = {"schemes": growth.scheme_count(db.engine), "insert_s": round(insert_s, 2),
                               "added": added, "tables": growth.pg_table_sizes(db.engine)}
        env = {"DATABASE_URL": db.url, "LOG_LEVEL": "warning"}
        app = Server("app.main:app", env=env).start(tmp)
        try:
            row["first_answer_s"] = round(app.first_answer_s or 0, 3)
            row["queries"] = {}
            row["restarts"] = []
            memories = []
            for key, path in GROWTH_QUERIES.items():
                row["queries"][key] = measure_listing(app, path, f"g{size}{key}", load_1)
                if not app.alive():
                    row["restarts"].append(f"after {path} the worker did not answer /health within 5 s: restarted")
                    log(f"  !! {row['restarts'][-1]}")
                    memories.append(app.memory())
                    app.kill()
                    app = Server("app.main:app", env=env).start(tmp)
            memories.append(app.memory())
            row["memory"] = max(memories, key=lambda m: m["peak_rss_mib"])
        finally:
            app.stop()
        rows.append(row)
        q = row["queries"]
        log(f"  {row['schemes']:>6} schemes (+{added} in {insert_s:.1f} s): first answer "
            f"{row['first_answer_s']:.2f} s; "
            + "; ".join(f"{k} p50 {v.get('p50_ms')} ms" for k, v in q.items()))
    plans = explain_listing(db)
    out = {"database": db.label, "kind": db.kind, "sizes": rows, "plans": plans}
    if db.kind == "postgres" and args.try_indexes and "(database " in db.label:
        log("  trying candidate indexes on the grown catalogue (this throwaway database only)…")
        out["candidates"] = try_indexes(db, args, tmp)
    return out


def measure_listing(app: Server, path: str, tag: str, load: dict[str, Any]) -> dict[str, Any]:
    """One listing URL at one client: every request different (computed each time), then the same URL repeated."""
    problem = check_requests(app.port, [_get(path)])
    if problem:
        return {"path": path, "not_run": problem}
    _, body = request(app.port, "GET", path)
    missed = run_load(app.port, _distinct([_get(path)], tag), server=app, **load)
    repeated = run_load(app.port, [_get(path)], server=app,
                        **{**load, "duration": max(0.5, load["duration"] / 2)})
    return {
        "path": path, "total": json.loads(body)["total"],
        "p50_ms": missed["p50_ms"], "p99_ms": missed["p99_ms"], "rps": missed["rps"],
        "p50_ms_repeated": repeated["p50_ms"], "p99_ms_repeated": repeated["p99_ms"],
        "rps_repeated": repeated["rps"], "errors": missed["errors"] + repeated["errors"],
    }


def try_indexes(db: Database, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Candidate indexes on the grown catalogue (the bench's own database only): listing p50 and plans with them."""
    created = growth.add_candidate_indexes(db.engine)
    analyze(db.engine)
    load_1 = {"concurrency": 1, "duration": args.growth_duration, "warmup": min(args.warmup, 0.5)}
    queries = {}
    with Server("app.main:app", env={"DATABASE_URL": db.url, "LOG_LEVEL": "warning"}).start(tmp) as app:
        for key, path in GROWTH_QUERIES.items():
            if key != "unfiltered":
                queries[key] = measure_listing(app, path, f"idx{key}", load_1)
    return {"created": created, "queries": queries, "plans": explain_listing(db)}


def explain_listing(db: Database) -> list[dict[str, Any]]:
    """The SQL the app issues for each growth query (sent in-process), with its plan on the grown catalogue."""
    os.environ["DATABASE_URL"] = db.url  # the module-level app of app.main must not open another database
    from app.config import Settings
    from app.main import create_app
    from bench.inproc import InProcess

    out = []
    app = create_app(Settings(database_url=db.url, log_level="warning"), engine=db.engine)
    with InProcess(app) as client:
        for key, path in GROWTH_QUERIES.items():
            # Distinct URLs (an ignored parameter) so the listing is computed, not served from any answer cache.
            client.call("GET", path + "&bench=explain-warm")
            statements = growth.capture_sql(db.engine, lambda path=path: client.call("GET", path + "&bench=explain"))
            plans = growth.explain_statements(db.engine, statements)
            out.append({
                "query": key, "path": path, "statements": len(statements),
                "plans": [{"sql": p.sql, "parameters": repr(p.parameters), "plan": p.plan, "indexes": p.indexes,
                           "full_scans": p.full_scans} for p in plans],
            })
    return out


# --- output ------------------------------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".replace(",", " ")
    return f"{value:,}".replace(",", " ") if isinstance(value, int) else str(value)


def print_database(result: dict[str, Any]) -> None:
    log(f"\n--- {result['database']}")
    header = (f"{'scenario':<52} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'% base':>7} "
              f"{'srv CPU':>7} {'gen CPU':>7} {'other':>6}")
    log(header)
    log("-" * len(header))
    for s in result["scenarios"].values():
        if "not_run" in s:
            log(f"{s['title']:<52} NOT RUN: {s['not_run'][:120]}")
            continue
        ratio = "100.0" if s["title"].startswith("baseline") else _fmt(s.get("ratio_pct"))
        title = ("(wedged) " if s.get("wedged_worker") else "") + s["title"]
        log(f"{title[:52]:<52} {_fmt(float(s['rps']), 0):>9} {_fmt(s['p50_ms'], 2):>8} {_fmt(s['p99_ms'], 2):>8} "
            f"{s['errors']:>6} {ratio:>7} {_fmt(s.get('server_cpu_pct'), 0):>6}% "
            f"{_fmt(s.get('generator_cpu_pct'), 0):>6}% {_fmt(s.get('other_cpu_pct'), 0):>5}%")
    mem = result.get("memory", {})
    log(f"peak memory (VmHWM) of the worker: {_fmt(mem.get('peak_rss_mib'))} MiB "
        f"({_fmt(mem.get('peak_rss_mib', 0) / MB)} MB); after start {_fmt(result['memory_after_start']['rss_mib'])} "
        f"MiB; baseline {_fmt(result['baseline_memory']['peak_rss_mib'])} MiB")
    for note in result.get("restarts", []):
        log(f"!! {note}")
    inproc = result.get("in_process")
    if inproc:
        log(f"in-process (no HTTP, one call at a time): new GET /schemes/{{slug}} p50 "
            f"{min(inproc['detail_p50_ms'].values())}–{inproc['detail_p50_ms_max']} ms over "
            f"{len(inproc['detail_p50_ms'])} schemes; new POST /simulate 24 months p50 "
            f"{inproc['simulate_new_p50_ms']} ms; answer of {SIM_24['scheme']} {SIM_24['region']} from "
            f"{SIM_24['start']}: {inproc['answer_kib_sim24']} KiB, "
            f"largest {inproc['answer_kib_max']} KiB ({inproc['answer_kib_max_of']})")
    log(f"process start to first answer: service {result['first_answer_s']:.3f} s, baseline "
        f"{result['baseline_first_answer_s']:.3f} s")
    log("targets:")
    for t in result["targets"]:
        margin = ""
        if t["status"] in ("PASS", "FAIL"):
            margin = (f" (measured {t['measured']} {t['unit']}, limit {t['limit']:g}, "
                      f"margin {t['margin']:+g} {t['unit']})")
        log(f"  [{t['status']:>4}] {t['target']}{margin}{' – ' + t['note'] if t.get('note') else ''}")


def print_growth(result: dict[str, Any]) -> None:
    log(f"\n--- Growth: {result['database']}")
    log("one client at a time; 'new': every request a different URL (the listing is computed each time), "
        "'repeated': the same URL again")
    header = (f"{'schemes':>8} {'query':<18} {'matches':>7} {'new p50':>8} {'new p99':>8} {'rep. p50':>8} "
              f"{'rep. p99':>8}")
    log(header + f" {'first answer':>12} {'peak RSS':>9}")
    for row in result["sizes"]:
        for i, (k, q) in enumerate(row["queries"].items()):
            extra = f" {row['first_answer_s']:>11.2f}s {_fmt(row['memory']['peak_rss_mib']):>5} MiB" if i == 0 else ""
            if "not_run" in q:
                log(f"{row['schemes']:>8} {k:<18} NOT RUN: {q['not_run'][:100]}{extra}")
                continue
            log(f"{row['schemes']:>8} {k:<18} {q['total']:>7} {_fmt(q['p50_ms'], 2):>8} {_fmt(q['p99_ms'], 2):>8} "
                f"{_fmt(q['p50_ms_repeated'], 2):>8} {_fmt(q['p99_ms_repeated'], 2):>8}{extra}")
        for note in row.get("restarts", []):
            log(f"         !! {note}")
    first, last = result["sizes"][0], result["sizes"][-1]
    growth_factor = last["schemes"] / first["schemes"]
    log(f"how cost grows from {first['schemes']} to {last['schemes']} schemes (x{growth_factor:.0f}), p50 of new URLs:")
    for k, path in GROWTH_QUERIES.items():
        a, b = first["queries"].get(k, {}).get("p50_ms"), last["queries"].get(k, {}).get("p50_ms")
        if a and b:
            log(f"  {k:<18} {a:6.2f} ms -> {b:7.2f} ms  (x{b / a:.1f})  {path}")
    if result["kind"] == "postgres":
        for k, label in (("filtered", "filtered listing"), ("filtered_q", "the same with q= (rare word)"),
                         ("filtered_q_common", "the same with q= (common word)")):
            p50 = last["queries"].get(k, {}).get("p50_ms")
            if p50 is not None:
                log(f"  [{'PASS' if p50 < TARGET_GROWTH_P50_MS else 'FAIL'}] {label} p50 < {TARGET_GROWTH_P50_MS:g} ms "
                    f"with {last['schemes']} schemes on PostgreSQL: {p50:.2f} ms")
    log("\nSQL issued by the app for each listing (sent in-process, new URL), planned on the largest catalogue; "
        "full plans of the statements that read `scheme`, one line for the others (all plans are in the JSON):")
    print_plans(result["plans"])
    candidates = result.get("candidates")
    if candidates:
        log("\nCandidate indexes, tried in the bench's throwaway database only (not in the app's migrations):")
        for c in candidates["created"]:
            log(f"  {'created' if c['created'] else 'NOT created'}: {c['index']}"
                + (f" ({c['error']})" if not c["created"] else "")
                + "".join(f"\n      {st};" for st in c["statements"]))
        log(f"{'query':<18} {'p50 without':>11} {'p50 with':>9}  (new URLs, one client, {last['schemes']} schemes)")
        for k, q in candidates["queries"].items():
            before = last["queries"].get(k, {}).get("p50_ms")
            log(f"{k:<18} {_fmt(before, 2):>11} {_fmt(q.get('p50_ms'), 2):>9}")
        log("plans with the candidate indexes:")
        print_plans(candidates["plans"], full=False)


def print_plans(entries: list[dict[str, Any]], *, full: bool = True) -> None:
    for entry in entries:
        timings = [_execution_ms(p["plan"]) for p in entry["plans"]]
        total = sum(t for t in timings if t is not None) if any(t is not None for t in timings) else None
        log(f"\n# {entry['path']}: {entry['statements']} statement(s)"
            + (f", {total:.2f} ms of SQL execution in all (EXPLAIN ANALYZE)" if total is not None else ""))
        if not entry["plans"]:
            log("  no SELECT issued: the answer came from memory, no index is involved on this path")
        for p in entry["plans"]:
            sql = " ".join(p["sql"].split())
            timing = _execution_ms(p["plan"])
            log(f"  - {_short_sql(sql)}")
            log(f"    {f'{timing:.3f} ms; ' if timing is not None else ''}indexes used: "
                f"{', '.join(p['indexes']) or 'none'}; "
                f"full scans: {', '.join(p['full_scans']) or 'none'}")
            if full and re.search(r"\bFROM scheme\b", sql):
                for line in p["plan"].splitlines():
                    log(f"      {line}")


def _execution_ms(plan: str) -> float | None:
    m = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return float(m.group(1)) if m else None


def _short_sql(sql: str, limit: int = 220) -> str:
    """A statement with its long column list elided: SELECT <n columns> FROM …"""
    m = re.match(r"SELECT (.*?) FROM (.*)", sql)
    if m and len(m.group(1)) > 60:
        sql = f"SELECT <{m.group(1).count(',') + 1} columns> FROM {m.group(2)}"
    sql = re.sub(r"(%\(\w+\)s::\w+, ){3,}(%\(\w+\)s::\w+)", "…, \\2", sql)
    sql = re.sub(r"(\?, ){3,}\?", "?, …, ?", sql)
    return sql if len(sql) <= limit else sql[:limit] + "…"


# --- generator ceiling -------------------------------------------------------------------------------------------


def generator_ceiling(args: argparse.Namespace) -> dict[str, Any]:
    """The generator against a responder that does almost nothing: its own maximum rate."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.rawserver", str(port)], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        return run_load(port, [_get("/")], concurrency=args.concurrency, duration=min(args.duration, 3.0),
                        warmup=args.warmup)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def wait_for_quiet(limit_s: float, threshold_pct: float = 25.0) -> float:
    """Wait (at most limit_s) until the machine's other work keeps less than threshold_pct of a core busy."""
    deadline = time.perf_counter() + limit_s
    while True:
        before, t0 = machine_busy_seconds(), time.perf_counter()
        time.sleep(1.0)
        busy = 100 * (machine_busy_seconds() - before) / (time.perf_counter() - t0)
        if busy < threshold_pct or time.perf_counter() >= deadline:
            return round(busy, 1)


# --- main ------------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres", "both", "none"], default="both",
                   help="databases of the load scenarios (none: growth only)")
    p.add_argument("--duration", type=float, default=5.0, help="seconds measured per scenario (default 5)")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds of load before measuring (default 1)")
    p.add_argument("--concurrency", type=int, default=TARGET_CONCURRENCY, help="concurrent clients (default 16)")
    p.add_argument("--quick", action="store_true", help="short run: 1.5 s per scenario, growth to 1 000 schemes only")
    p.add_argument("--growth", choices=["postgres", "sqlite", "both", "none"], default="postgres",
                   help="databases for the growth scenario (default postgres)")
    p.add_argument("--growth-sizes", type=lambda s: [int(x) for x in s.split(",")], default=None,
                   help="catalogue sizes of the growth scenario (default 1000,10000; 1000 with --quick)")
    p.add_argument("--no-try-indexes", dest="try_indexes", action="store_false",
                   help="skip the candidate indexes tried on the grown PostgreSQL catalogue")
    p.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
                   help="PostgreSQL to create a temporary schema in (env BENCH_POSTGRES_URL)")
    p.add_argument("--wait-quiet", type=float, default=60.0,
                   help="wait up to this many seconds for other processes to leave the CPUs idle (default 60)")
    p.add_argument("--label", default="", help="a note printed and stored with the results (which code, why)")
    p.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = p.parse_args(argv)
    if args.quick:
        args.duration, args.warmup = min(args.duration, 1.5), min(args.warmup, 0.5)
    if args.growth_sizes is None:
        args.growth_sizes = [1000] if args.quick else [1000, 10000]
    args.growth_duration = min(args.duration, 2.0)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    machine = describe()
    log(f"machine: {one_line(machine)}")
    if args.label:
        log(f"label: {args.label}")
    log("software: " + ", ".join(f"{k} {v}" for k, v in machine["packages"].items() if v)
        + f"; commit {machine['git_commit']}"
        + (" + uncommitted app changes" if machine["app_uncommitted_changes"] else ""))
    log(f"server: uvicorn <app> {' '.join(UVICORN_FLAGS)}; load: {args.concurrency} keep-alive clients, "
        f"{args.warmup:g} s warm-up + {args.duration:g} s measured per scenario, generator in its own process")

    kinds = {"both": ["sqlite", "postgres"], "none": []}.get(args.db, [args.db])
    wants_postgres = "postgres" in kinds or args.growth in ("postgres", "both")
    pg_problem = postgres_available(args.postgres_url) if wants_postgres else None
    if pg_problem:
        if args.db == "postgres":
            log(f"PostgreSQL is not reachable at {args.postgres_url}: {pg_problem}")
            return 2
        log(f"!! PostgreSQL not reachable ({pg_problem}): SQLite only")
        kinds = [k for k in kinds if k != "postgres"]

    busy = wait_for_quiet(args.wait_quiet)
    log(f"CPU busy before the bench (other processes): {busy:.0f}% of one core"
        + (" – the machine is not quiet, figures will be lower than on an idle machine" if busy >= 25 else ""))
    ceiling = generator_ceiling(args)
    log(f"load generator ceiling (against a do-nothing responder): {ceiling['rps']:.0f} req/s at "
        f"{ceiling['generator_cpu_pct']:.0f}% of a core")
    report: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine,
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "uvicorn_flags": UVICORN_FLAGS, "busy_before_pct": busy, "generator_ceiling": ceiling, "databases": {},
        "growth": {},
    }
    growth_kinds = {"postgres": ["postgres"], "sqlite": ["sqlite"], "both": ["sqlite", "postgres"],
                    "none": []}[args.growth]
    growth_kinds = [k for k in growth_kinds if not (k == "postgres" and pg_problem)]
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp_name:
        tmp = Path(tmp_name)
        for kind in kinds:
            with fresh_database(kind, tmp, postgres_url=args.postgres_url) as db:
                result = bench_database(db, args, tmp)
            base = result["scenarios"]["baseline"]["rps"]
            result["baseline_vs_generator_ceiling_pct"] = round(100 * base / ceiling["rps"],
                                                                1) if ceiling["rps"] else None
            report["databases"][kind] = result
        for kind in growth_kinds:
            with fresh_database(kind, tmp, postgres_url=args.postgres_url, own_database=kind == "postgres") as db:
                report["growth"][kind] = bench_growth(db, args, tmp)

    log("\n================ results ================")
    log(f"machine: {one_line(machine)}")
    log(f"load generator ceiling: {ceiling['rps']:.0f} req/s; "
        + "; ".join(f"{k} baseline = {v['baseline_vs_generator_ceiling_pct']}% of it" for k,
                    v in report["databases"].items()))
    for result in report["databases"].values():
        print_database(result)
    for result in report["growth"].values():
        print_growth(result)
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    log(f"\nwhole bench: {report['elapsed_s']:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        log(f"written: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
