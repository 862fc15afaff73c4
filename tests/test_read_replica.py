"""A real read replica: a second PostgreSQL cluster streaming from the first
(`scripts/replica.sh`, pg_basebackup + hot standby), and Odoo started with the replica options
as deploy/README.md describes. The manager's reports and the dashboard's charts read through
the web client's grouped reads (`formatted_read_group`, `formatted_read_grouping_sets`), which
Odoo serves from the replica; the tills' order syncs write to the primary. A replica that lags
still answers, with what it has replayed; a replica that is down leaves the reports working,
served by the primary."""

import os
import subprocess
import uuid

import psycopg2
import pytest
from e2e_support import (
    ROOT,
    Odoo,
    card_till_shop,
    new_user,
    order_payload,
    running_odoo,
    wait_for,
    web_session,
)

SOCKET_DIR = "/var/run/postgresql"
REPLICA_PORT = int(os.environ.get("REPLICA_PORT", "5433"))
REPLICA_SCRIPT = str(ROOT / "scripts" / "replica.sh")


def _replica_script(action):
    subprocess.run(
        [REPLICA_SCRIPT, action],
        check=True,
        env=dict(os.environ, REPLICA_PORT=str(REPLICA_PORT)),
        stdout=subprocess.DEVNULL,
    )


def _sql(port, query):
    connection = psycopg2.connect(host=SOCKET_DIR, port=port, dbname="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
            return cursor.fetchone()[0] if cursor.description else None
    finally:
        connection.close()


def _primary_port():
    return int(_sql(None, "SHOW port"))


def _caught_up():
    """Wait until the replica has replayed everything the primary has written so far."""
    target = _sql(_primary_port(), "SELECT pg_current_wal_lsn()")
    query = f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
    assert wait_for(lambda: _sql(REPLICA_PORT, query), timeout=30), "the replica caught up"


@pytest.fixture(scope="module")
def replica():
    _replica_script("start")
    try:
        assert _sql(REPLICA_PORT, "SELECT pg_is_in_recovery()") is True
        yield REPLICA_PORT
    finally:
        _replica_script("stop")


@pytest.fixture(scope="module")
def replica_server(replica, request):
    database = request.config.getoption("--odoo-database", None) or os.environ.get("TEST_DB")
    if not database:
        pytest.fail("end-to-end tests need a database: run them through `make test`")
    with running_odoo(
        database,
        f"--db_replica_host={SOCKET_DIR}",
        f"--db_replica_port={replica}",
        "--max-cron-threads=0",
        "--log-level=warn",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def shop(replica_server):
    """A till with a cashier, a member and a manager; everything committed and replayed."""
    admin = Odoo(replica_server)
    till = card_till_shop(admin, replica_server, "Replica")
    manager_login = f"replica_manager_{uuid.uuid4().hex[:8]}"
    new_user(
        admin,
        manager_login,
        "base.group_user",
        "membership_loyalty.membership_loyalty_group_manager",
    )
    config_id, cashier = till["config_id"], till["cashier"]
    product_id, member_id, method_id = till["product_id"], till["member_id"], till["card_id"]
    cashier.call("pos.config", "open_ui", [config_id])
    config = cashier.call(
        "pos.config", "read", [config_id], ["current_session_id", "pricelist_id"]
    )[0]
    session = {
        "id": config["current_session_id"][0],
        "pricelist_id": config["pricelist_id"] and config["pricelist_id"][0],
    }

    def sell():
        """The till syncs a member's 30.00 order through the web client's route, as the POS."""
        payload = order_payload(session, cashier.uid, product_id, member_id, method_id)
        reply = call_kw(replica_server["url"], till_web, "pos.order", "sync_from_ui", [[payload]])
        assert reply["pos.order"][0]["state"] == "paid"

    till_web = web_session(replica_server, till["login"], till["login"])
    manager_web = web_session(replica_server, manager_login, manager_login)
    _caught_up()  # the users and the till exist on the replica too
    return {
        "admin": admin,
        "manager_web": manager_web,
        "config_id": config_id,
        "member_id": member_id,
        "sell": sell,
        "server": replica_server,
    }


def call_kw(url, web, model, method, args, kwargs=None):
    """What the web client sends to /web/dataset/call_kw, in ``web``'s browser session."""
    reply = web.post(
        f"{url}/web/dataset/call_kw/{model}/{method}",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        },
        timeout=60,
    ).json()
    assert "error" not in reply, reply.get("error")
    return reply["result"]


def _report(shop):
    """The figures the manager's sales graph and the dashboard's charts ask for."""
    url, web = shop["server"]["url"], shop["manager_web"]
    domain = [("config_id", "=", shop["config_id"])]
    groups = call_kw(
        url,
        web,
        "membership.report.sale",
        "formatted_read_group",
        [domain],
        {"groupby": [], "aggregates": ["amount_total:sum", "__count"]},
    )
    grouping_sets = call_kw(
        url,
        web,
        "membership.report.sale",
        "formatted_read_grouping_sets",
        [domain, [["customer_type"]]],
        {"aggregates": ["member_amount_total:sum"]},
    )
    member_sales = sum(row["member_amount_total:sum"] or 0.0 for row in grouping_sets[0])
    return groups[0]["__count"], groups[0]["amount_total:sum"] or 0.0, member_sales


def _primary_report(shop):
    """The same figures read by the administrator over /jsonrpc, which Odoo serves from the
    primary whatever the method."""
    rows = shop["admin"].call(
        "membership.report.sale",
        "search_read",
        [("config_id", "=", shop["config_id"])],
        ["amount_total"],
    )
    return len(rows), sum(row["amount_total"] for row in rows)


def test_reports_read_the_replica_while_tills_write_to_the_primary(shop):
    shop["sell"]()
    _caught_up()
    assert _report(shop) == (1, 30.0, 30.0)

    _sql(REPLICA_PORT, "SELECT pg_wal_replay_pause()")
    try:
        shop["sell"]()  # the till's write is not held up by the paused replica
        assert _primary_report(shop) == (2, 60.0)
        # the replica has not replayed the second sale: the manager's figures come from it,
        # lagging but answered without an error
        assert _report(shop) == (1, 30.0, 30.0)
    finally:
        _sql(REPLICA_PORT, "SELECT pg_wal_replay_resume()")
    _caught_up()
    assert _report(shop) == (2, 60.0, 60.0)


def test_a_replica_that_is_down_leaves_the_reports_to_the_primary(shop):
    _caught_up()
    before = _primary_report(shop)
    _replica_script("stop")
    shop["sell"]()
    count, total = before[0] + 1, before[1] + 30.0
    assert _primary_report(shop) == (count, total)
    # Odoo falls back to the primary: current figures, no error for the manager
    assert _report(shop) == (count, total, total)
    log = shop["server"]["log"].read_text(errors="replace")
    assert "falling back to read-write cursor" in log
