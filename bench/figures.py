"""Figures for the one table `make bench` ends with (bench/report.py prints it).

Each bench script calls ``record(...)`` for the figures an issue sets a goal on (or that
are a baseline's ratio). When the environment variable BENCH_RESULTS names a file, one
JSON line per figure is appended to it; otherwise nothing is written, so each script
still runs alone and prints its own details.

A goal is a bound on the figure's value (``goal=2, unit="ms"``: value <= 2 ms) or on its
ratio to the baseline measured in the same run (``goal_ratio=1.15``). Figures with
neither are context (a baseline, a count) and are printed without a verdict.
"""

import json
import os


def ratio(value, baseline):
    """value / baseline, or None when there is no usable baseline."""
    if baseline in (None, 0) or value is None:
        return None
    return value / baseline


def record(
    figure,
    value,
    unit,
    goal=None,
    goal_ratio=None,
    baseline=None,
    baseline_label=None,
    goal_text=None,
    higher_is_better=False,
    issue=None,
):
    """Append one figure to $BENCH_RESULTS (when set) and return its row as a dict.

    ``goal`` bounds ``value`` (an upper bound, or a lower one when
    ``higher_is_better``); ``goal_ratio`` bounds value / baseline. ``ok`` is True / False
    when there is a goal, None otherwise.
    """
    value = None if value is None else float(value)
    rate = ratio(value, baseline)
    ok = None
    if value is not None and goal is not None:
        ok = value >= goal if higher_is_better else value <= goal
    if goal_ratio is not None and rate is not None:
        ok = (ok is not False) and rate <= goal_ratio
    if goal_text is None:
        parts = []
        if goal is not None:
            parts.append(f"{'>=' if higher_is_better else '<='} {goal:g} {unit}".strip())
        if goal_ratio is not None:
            parts.append(f"<= {goal_ratio:g}x")
        goal_text = ", ".join(parts)
    row = {
        "figure": figure,
        "value": value,
        "unit": unit,
        "goal": goal_text,
        "baseline_value": None if baseline is None else float(baseline),
        "baseline": baseline_label,
        "ratio": rate,
        "ok": ok,
        "issue": issue,
    }
    path = os.environ.get("BENCH_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as results:
            results.write(json.dumps(row) + "\n")
    return row
