#!/usr/bin/env python3
"""Print the one table of a `make bench` run from the figures its scripts recorded.

    .venv/bin/python bench/report.py RESULTS.jsonl [--preset quick|full|huge] [--database DB]

RESULTS.jsonl holds one JSON object per line, appended by bench/figures.py ``record``
(scripts/bench.sh points BENCH_RESULTS at it). Columns: figure, value and unit, the goal
from the issues, the baseline measured in the same run, the ratio value / baseline, and
whether the goal is met. Nothing here measures: it only formats, and it says "MISSED"
as plainly as "met".
"""

import argparse
import json
import os
import platform
from datetime import UTC, datetime

WIDTH = 120
FIGURE = 59


def number(value):
    if value is None:
        return "-"
    if value == int(value) and abs(value) < 1e9:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def verdict(ok):
    return {True: "met", False: "MISSED", None: "-"}[ok]


def odoo_version():
    try:
        from odoo import release

        return release.version
    except ImportError:
        return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument(
        "--preset",
        default=os.environ.get("BENCH_PRESET", "quick"),
        choices=("demo", "quick", "full", "huge"),  # bench/generate.py's presets
    )
    parser.add_argument("--database", default="")
    parser.add_argument("--elapsed", type=float, help="seconds the whole run took")
    args = parser.parse_args()

    rows = []
    with open(args.results, encoding="utf-8") as results:
        for line in results:
            line = line.strip()
            if line:
                rows.append(json.loads(line))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print()
    print("=" * WIDTH)
    print(
        f"make bench: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC | {os.cpu_count()} cores "
        f"({platform.machine()}, load {load:.1f}) | preset {args.preset} | "
        f"Odoo {odoo_version()} | database {args.database or '?'}"
        + (f" | run {args.elapsed / 60:.1f} min" if args.elapsed else "")
    )
    print("=" * WIDTH)
    header = (
        f"{'figure':<{FIGURE}} {'value':>9} {'unit':<8} {'goal':<14} {'baseline':>9} "
        f"{'ratio':>8} {'':<6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        rate = row.get("ratio")
        print(
            f"{row['figure'][:FIGURE]:<{FIGURE}} {number(row['value']):>9} "
            f"{row['unit'][:8]:<8} {(row.get('goal') or '-')[:14]:<14} "
            f"{number(row.get('baseline_value')):>9} "
            f"{(f'{rate:.3f}x' if rate is not None else '-'):>8} {verdict(row.get('ok')):<6}"
        )
    print("-" * len(header))
    labels = {}
    for row in rows:
        if row.get("baseline"):
            labels.setdefault((row["baseline"], row["baseline_value"]), row["unit"])
    if labels:
        print("baselines, measured in the same run (ratio = value / baseline):")
        for (label, value), unit in labels.items():
            print(f"  {number(value):>9} {unit:<8} {label}")
    judged = [row for row in rows if row.get("ok") is not None]
    missed = [row["figure"] for row in judged if not row["ok"]]
    print(f"goals: {len(judged) - len(missed)} met, {len(missed)} missed")
    for figure in missed:
        print(f"  MISSED: {figure}")


if __name__ == "__main__":
    main()
