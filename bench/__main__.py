"""``python -m bench [--section NAME]`` (``make bench [SECTION=NAME]``).

Prepares the benchmark database (created, migrated and seeded once; reused
while the seed's inputs are unchanged), runs each section, prints one table
and writes ``bench/results/latest.json``. A single-section run replaces that
section's figures in latest.json and keeps the others.

Sections are modules ``bench/<name>.py`` with ``run(ctx) -> list[figure]``
(``run()`` without arguments is accepted too). A section whose module does
not exist yet, or that fails, still reports: a figure with value null, met
false and a note — never a crash of the whole run.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
import time
import traceback
from datetime import datetime, timezone

from . import common

SECTIONS = ("web", "queries", "pairing", "booking", "nudges", "dashboards")

# What a section that is not written yet will measure; its feature issue adds bench/<name>.py.
PLANNED = {
    "dashboards": [
        ("dashboards.api_p95_ms", "ms", "< 50 ms",
         "issue 6: dashboard API from snapshots vs a raw SQL aggregate; bench/dashboards.py not written yet"),
        ("dashboards.full_recompute_s", "s", "< 3 s", "issue 6: full recompute; bench/dashboards.py not written yet"),
        ("dashboards.incremental_10k_s", "s", None,
         "issue 6: incremental update of 10,000 new events; bench/dashboards.py not written yet"),
    ],
}


def run_section(name: str, ctx: common.Context) -> list[dict]:
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"bench.{name}":
            raise
        return [common.missing(fig, unit, note, goal) for fig, unit, goal, note in PLANNED.get(name, [])] or [
            common.missing(f"{name}.not_built", "", f"bench/{name}.py not written yet")]
    run = module.run
    try:
        figures = run(ctx) if inspect.signature(run).parameters else run()
    except Exception as error:  # one broken section must not hide the others
        traceback.print_exc()
        return [common.missing(f"{name}.error", "", f"{type(error).__name__}: {error}")]
    bad = [f for f in figures if not common.well_formed(f)]
    if bad:
        return figures + [common.missing(f"{name}.malformed", "", f"{len(bad)} malformed figure(s)")]
    return figures


def _cell(value) -> str:
    if value is None:
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "NO"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def table(figures: list[dict]) -> str:
    head = ("figure", "value", "unit", "baseline", "ratio", "goal", "met?")
    rows = [head] + [(f["name"], _cell(f["value"]), f["unit"] or "", _cell(f["baseline"]), _cell(f["ratio"]),
                      f["goal"] or "", _cell(f["met"])) for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) if i in (0, 2, 5) else cell.rjust(w) for i, (cell, w) in
                       enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {f['name']}: {f['note']}" for f in figures if f.get("note")]
    return "\n".join(lines + (["", "notes:"] + notes if notes else []))


def write_results(path, figures: list[dict], sections: dict, only: str | None) -> dict:
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    previous = {}
    if only and path.exists():
        previous = json.loads(path.read_text())
    if only and previous:
        kept = [f for f in previous.get("figures", []) if f.get("section") != only]
        figures = sorted(kept + figures, key=lambda f: SECTIONS.index(f["section"])
                         if f.get("section") in SECTIONS else len(SECTIONS))
        sections = {**previous.get("sections", {}), **sections}
    out = {"figures": figures, "machine": common.machine(), "at": now, "sections": sections}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--section", choices=SECTIONS, help="run one section only")
    parser.add_argument("--out", default=str(common.RESULTS / "latest.json"), help="where to write the JSON")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    common.configure_environment()
    database = common.prepare_database(common.bench_database_url())
    print(f"bench: database {common.bench_database_url()} "
          f"({'reused' if database['reused'] else 'seeded in %s s' % database['seconds']})", flush=True)

    ctx = common.Context()
    figures, sections = [], {}
    for name in [args.section] if args.section else SECTIONS:
        print(f"bench: section {name} …", flush=True)
        section_started = time.perf_counter()
        found = run_section(name, ctx)
        seconds = round(time.perf_counter() - section_started, 1)
        for fig in found:
            fig["section"] = name
        figures += found
        sections[name] = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "seconds": seconds}
        print(f"bench: section {name} took {seconds} s", flush=True)

    from pathlib import Path

    write_results(Path(args.out), figures, sections, args.section)
    print()
    print(table(figures))
    print(f"\nbench: {len(figures)} figures in {time.perf_counter() - started:.0f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
