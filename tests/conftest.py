"""Fixtures for the end-to-end tests: a real Odoo server started on the test database."""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def odoo_server(request):
    """Start `scripts/odoo-bin` as its own process; yield its base URL and database."""
    database = request.config.getoption("--odoo-database", None) or os.environ.get("TEST_DB")
    if not database:
        pytest.fail("end-to-end tests need a database: run them through `make test`")
    port = _free_port()
    log = open(ROOT / ".odoo" / f"e2e-{port}.log", "wb")  # closed after the server stops
    proc = subprocess.Popen(
        [
            str(ROOT / "scripts" / "odoo-bin"),
            "-d",
            database,
            f"--db-filter=^{database}$",
            f"--http-port={port}",
            "--gevent-port=0",
            "--max-cron-threads=0",
            "--log-level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            pytest.fail(f"Odoo exited with {proc.returncode}; see {log.name}")
        try:
            if requests.get(f"{base}/web/login", timeout=5).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"Odoo did not answer on {base} within 120 s; see {log.name}")
        time.sleep(0.5)
    yield {"url": base, "db": database}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
