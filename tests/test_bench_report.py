"""The `make bench` table: figures recorded by the bench scripts, printed with honest verdicts.

No timing here: fixed figures go through bench/figures.py and bench/report.py as the
bench scripts and scripts/bench.sh use them.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def figures(tmp_path, monkeypatch):
    results = tmp_path / "results.jsonl"
    monkeypatch.setenv("BENCH_RESULTS", str(results))
    monkeypatch.syspath_prepend(str(BENCH))
    import figures as module

    return module, results


def report(results):
    return subprocess.run(
        [sys.executable, str(BENCH / "report.py"), str(results), "--preset", "quick"],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "BENCH_RESULTS": ""},
    ).stdout


def test_goals_on_values_and_on_ratios_are_judged(figures):
    module, results = figures
    met = module.record("debit time", 1.5, "ms", goal=2)
    missed = module.record(
        "member sync", 120, "ms", goal_ratio=1.15, baseline=100, baseline_label="plain"
    )
    context = module.record("throughput", 400, "moves/s")
    fewer = module.record("overdrafts", 0, "", goal=0)
    assert (met["ok"], missed["ok"], context["ok"], fewer["ok"]) == (True, False, None, True)
    assert missed["ratio"] == pytest.approx(1.2)
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert [row["figure"] for row in rows] == [
        "debit time",
        "member sync",
        "throughput",
        "overdrafts",
    ]


def test_nothing_written_without_a_results_file(figures, monkeypatch):
    module, results = figures
    monkeypatch.delenv("BENCH_RESULTS")
    module.record("alone", 1, "ms", goal=2)
    assert not results.exists()


def test_table_says_missed_and_names_the_baseline(figures):
    module, results = figures
    module.record("debit time", 1.5, "ms", goal=2)
    module.record(
        "member sync", 120, "ms", goal_ratio=1.15, baseline=100, baseline_label="plain sync"
    )
    module.record("extra queries", 27, "queries", goal=8, goal_text="<= +8")
    table = report(results)
    lines = {line.split("  ")[0]: line for line in table.splitlines() if "  " in line}
    assert lines["debit time"].rstrip().endswith("met")
    assert "1.200x" in lines["member sync"] and "MISSED" in lines["member sync"]
    assert "<= +8" in lines["extra queries"] and "MISSED" in lines["extra queries"]
    assert f"{os.cpu_count()} cores" in table and "preset quick" in table
    assert "plain sync" in table
    assert "goals: 1 met, 2 missed" in table
