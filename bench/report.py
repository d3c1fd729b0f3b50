"""Markdown tables from a results file of `python -m bench.run --json FILE`: `python -m bench.report FILE`.

For docs/benchmarks.md: the machine, each database's scenarios with their ratio to the baseline, the targets, and
the growth scenario, exactly as measured.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.machine import one_line


def _n(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".replace(",", " ")
    return f"{value:,}".replace(",", " ")


def render(report: dict[str, Any]) -> str:
    out = []
    m = report["machine"]
    label = report["config"].get("label")
    out.append(f"Run of {report['when']}" + (f" — {label}" if label else "") + f", {report['elapsed_s']:.0f} s in all.")
    out.append(f"Machine: {one_line(m)}.")
    out.append("Software: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v) + ".")
    c = report["config"]
    out.append(f"Load: {c['concurrency']} keep-alive clients, {c['warmup']:g} s warm-up + {c['duration']:g} s measured "
               f"per scenario; server `uvicorn … {' '.join(report['uvicorn_flags'])}`. Load generator ceiling: "
               f"{_n(report['generator_ceiling']['rps'], 0)} req/s; CPU busy before the run: "
               f"{report.get('busy_before_pct')} % of a core.")
    for db in report["databases"].values():
        out.append(f"\n**{db['database']}**\n")
        out.append("| scenario | req/s | p50 ms | p99 ms | errors | % of baseline | server CPU | other CPU |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for key, s in db["scenarios"].items():
            if "not_run" in s:
                out.append(f"| {s['title']} | not run: {s['not_run'][:80]} | | | | | | |")
                continue
            ratio = "100" if key == "baseline" else _n(s.get("ratio_pct"))
            wedged = " (worker wedged, restarted)" if s.get("wedged_worker") else ""
            out.append(f"| {s['title'].replace('|', '/')}{wedged} | {_n(float(s['rps']), 0)} | {_n(s['p50_ms'], 2)} | "
                       f"{_n(s['p99_ms'], 2)} | {s['errors']} | {ratio} | {_n(s.get('server_cpu_pct'), 0)} % | "
                       f"{_n(s.get('other_cpu_pct'), 0)} % |")
        mem = db["memory"]
        out.append(f"\nPeak RSS of the worker {_n(mem['peak_rss_mib'])} MiB ({_n(mem['peak_rss_mib'] * 1.048576)} MB), "
                   f"{_n(db['memory_after_start']['rss_mib'])} MiB after start (baseline "
                   f"{_n(db['baseline_memory']['peak_rss_mib'])} MiB); "
                   f"first answer {db['first_answer_s']:.2f} s after process start (baseline "
                   f"{db['baseline_first_answer_s']:.2f} s).")
        out.append("\n| target | measured | status |")
        out.append("|---|---:|---|")
        for t in db["targets"]:
            measured = "–" if t["measured"] is None else f"{t['measured']} {t['unit']}"
            margin = f" ({t['margin']:+g} {t['unit']})" if "margin" in t else ""
            out.append(f"| {t['target']} | {measured} | {t['status']}{margin} |")
    for g in report["growth"].values():
        out.append(f"\n**Growth, {g['database']}** (one client; *new*: every request a different URL; "
                   "*repeated*: the same URL again)\n")
        out.append("| schemes | query | matches | new p50 ms | new p99 ms | repeated p50 ms | first answer "
                   "| peak RSS |")
        out.append("|---:|---|---:|---:|---:|---:|---:|---:|")
        for row in g["sizes"]:
            for i, (k, q) in enumerate(row["queries"].items()):
                first = f"{row['first_answer_s']:.2f} s" if i == 0 else ""
                peak = f"{_n(row['memory']['peak_rss_mib'])} MiB" if i == 0 else ""
                if "not_run" in q:
                    out.append(f"| {row['schemes']} | {k} | not run | | | | {first} | {peak} |")
                    continue
                out.append(f"| {row['schemes']} | `{q['path']}` | {q['total']} | {_n(q['p50_ms'], 2)} | "
                           f"{_n(q['p99_ms'], 2)} | {_n(q['p50_ms_repeated'], 2)} | {first} | {peak} |")
        cand = g.get("candidates")
        if cand:
            last = g["sizes"][-1]
            out.append(f"\nWith candidate indexes ({last['schemes']} schemes, new URLs, one client):\n")
            out.append("| query | p50 without (ms) | p50 with (ms) |")
            out.append("|---|---:|---:|")
            for k, q in cand["queries"].items():
                out.append(f"| `{q.get('path', k)}` | {_n(last['queries'].get(k, {}).get('p50_ms'), 2)} | "
                           f"{_n(q.get('p50_ms'), 2)} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bench.report RESULTS.json", file=sys.stderr)
        return 2
    sys.stdout.write(render(json.loads(Path(args[0]).read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
