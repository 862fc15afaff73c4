"""The peak-hour bench counts lock replays, retries exhausted and recycled workers from the
server's log: its patterns must match the lines Odoo 19 really writes (the format strings
are taken from Odoo's own source, so a changed message fails here instead of silently
counting nothing), and its server runs deploy/odoo.conf's prefork options."""

import inspect
import re
import sys
from pathlib import Path

import pytest

from odoo.service import model as service_model
from odoo.service import server as service_server

ROOT = Path(__file__).resolve().parent.parent
HEADER = "2026-11-30 14:09:28,682 17736 INFO shop {logger}: "


@pytest.fixture
def peak(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    monkeypatch.delitem(sys.modules, "peak_hour", raising=False)
    import peak_hour

    return peak_hour


def odoo_format(module, start):
    """The first format string of a logging call in Odoo's ``module`` starting with
    ``start``."""
    source = inspect.getsource(module)
    match = re.search(r"""_logger\.\w+\((["'])(""" + re.escape(start) + r".*?)\1", source)
    assert match, f"{start!r} is no longer logged by {module.__name__}"
    return match.group(2)


def test_replays_and_exhausted_retries_are_counted_by_error(peak, tmp_path):
    replay = odoo_format(service_model, "%s, %s tries left")
    exhausted = odoo_format(service_model, "%s, maximum number of tries")
    memory = odoo_format(service_server, "Worker (%d) virtual memory limit")
    model = HEADER.format(logger="odoo.service.model")
    lines = [
        model + replay % ("SERIALIZATION_FAILURE", 4, 0.1615),
        model + replay % ("SERIALIZATION_FAILURE", 3, 1.5),
        model + replay % ("LOCK_NOT_AVAILABLE", 4, 0.2),
        model + exhausted % "SERIALIZATION_FAILURE",
        HEADER.format(logger="odoo.service.server") + memory % (19097, 700000000),
        HEADER.format(logger="odoo.sql_db") + "bad query: SELECT 1 FOR UPDATE NOWAIT",
    ]
    log = tmp_path / "odoo.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    server = peak.Server.__new__(peak.Server)
    server.log_path = log
    replays, gave_up, recycled = server.scan(0, log.stat().st_size)
    assert replays == {"SERIALIZATION_FAILURE": 2, "LOCK_NOT_AVAILABLE": 1}
    assert gave_up == {"SERIALIZATION_FAILURE": 1}
    assert recycled == 1
    # only what lies between the offsets of a phase
    second = len("\n".join(lines[:2])) + 1
    assert server.scan(second, log.stat().st_size)[0] == {"LOCK_NOT_AVAILABLE": 1}


def test_the_bench_server_runs_the_production_prefork_options(peak):
    options = peak.recipe_options()
    assert int(options["workers"]) > 0, "prefork, hence the gevent worker too"
    assert set(options) == set(peak.RECIPE) & set(options)
    assert {"workers", "db_maxconn", "limit_time_real"} <= set(options)


def test_percentiles_of_sync_times(peak):
    times = list(range(1, 101))
    assert peak.percentile(times, 0.5) == 51
    assert peak.percentile(times, 0.95) == 95
    assert peak.percentile(times, 0.99) == 99
    assert peak.percentile([], 0.95) is None
