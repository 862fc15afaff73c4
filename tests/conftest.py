"""Fixtures for the end-to-end tests: a real Odoo server started on the test database."""

import os

import pytest
from e2e_support import running_odoo


@pytest.fixture(scope="session")
def odoo_server(request):
    """Start `scripts/odoo-bin` as its own process; yield its base URL and database."""
    database = request.config.getoption("--odoo-database", None) or os.environ.get("TEST_DB")
    if not database:
        pytest.fail("end-to-end tests need a database: run them through `make test`")
    with running_odoo(
        database, "--gevent-port=0", "--max-cron-threads=0", "--log-level=warn"
    ) as server:
        yield server
