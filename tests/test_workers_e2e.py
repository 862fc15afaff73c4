"""The production recipe, end to end: Odoo in prefork mode (`--workers=2`) with its gevent
worker serving /websocket on its own port, db-filtered to the test database, as in
deploy/. Through that server a cashier syncs a member's order like the POS does, an
administrator reads a Manager-only report, and a paired reader box relays a card read
over the gevent port to the cashier's session subscribed to the till's secret channel."""

import threading

import pytest
import websocket
from e2e_support import (
    Odoo,
    Subscriber,
    card_till_shop,
    free_port,
    new_device,
    order_payload,
    running_odoo,
    wait_for,
    web_session,
)
from iot_reader_box.events import CardRead
from iot_reader_box.odoo_link import OdooLink, pair, websocket_url


@pytest.fixture(scope="module")
def workers_server(request):
    database = request.config.getoption("--odoo-database", None)
    if not database:
        pytest.fail("end-to-end tests need a database: pass --odoo-database")
    gevent_port = free_port()
    with running_odoo(
        database,
        "--workers=2",
        f"--gevent-port={gevent_port}",
        "--max-cron-threads=0",
        "--limit-time-real=120",
        "--log-level=warn",
    ) as server:
        server["websocket_url"] = f"http://127.0.0.1:{gevent_port}"
        yield server


@pytest.fixture(scope="module")
def admin(workers_server):
    return Odoo(workers_server)


@pytest.fixture(scope="module")
def shop(admin, workers_server):
    """A till, a product, a member and a cashier with the Membership Cashier level."""
    return card_till_shop(admin, workers_server, "Workers")


def _points(admin, member_id):
    moves = admin.call(
        "membership.points.move",
        "search_read",
        [("account_id.partner_id", "=", member_id)],
        ["points"],
    )
    balance = admin.call("res.partner", "read", [member_id], ["points_balance"])[0]
    return balance["points_balance"], moves


@pytest.fixture(scope="module")
def synced(shop, admin):
    """The cashier opens a session on the till and syncs one member order, like the POS."""
    cashier = shop["cashier"]
    config_id = shop["config_id"]
    cashier.call("pos.config", "open_ui", [config_id])
    config = cashier.call(
        "pos.config", "read", [config_id], ["current_session_id", "pricelist_id"]
    )[0]
    assert config["current_session_id"], "open_ui opened a session for the cashier"
    session = {
        "id": config["current_session_id"][0],
        "pricelist_id": config["pricelist_id"] and config["pricelist_id"][0],
    }
    payload = order_payload(
        session, cashier.uid, shop["product_id"], shop["member_id"], shop["card_id"]
    )
    reply = cashier.call("pos.order", "sync_from_ui", [dict(payload)])
    return {"payload": payload, "order": reply["pos.order"][0]}


def test_a_resent_order_posts_the_members_points_once(shop, admin, synced):
    assert synced["order"]["state"] == "paid"
    assert _points(admin, shop["member_id"])[0] == 30.0
    # the till did not get the reply and sends the same order again
    again = shop["cashier"].call("pos.order", "sync_from_ui", [dict(synced["payload"])])
    assert again["pos.order"][0]["id"] == synced["order"]["id"]
    balance, moves = _points(admin, shop["member_id"])
    assert balance == 30.0
    assert [move["points"] for move in moves] == [30.0]
    uuid_domain = [("uuid", "=", synced["payload"]["uuid"])]
    assert admin.call("pos.order", "search_count", uuid_domain) == 1


def test_the_manager_report_shows_the_order_to_the_admin_only(shop, admin, synced):
    order_id = synced["order"]["id"]
    rows = admin.call(
        "membership.report.sale",
        "search_read",
        [("order_id", "=", order_id)],
        ["is_member", "amount_total", "partner_id"],
    )
    assert len(rows) == 1
    assert rows[0]["is_member"] is True
    assert rows[0]["amount_total"] == 30.0
    assert rows[0]["partner_id"][0] == shop["member_id"]
    with pytest.raises(AssertionError, match="AccessError"):
        shop["cashier"].call("membership.report.sale", "search_read", [], ["id"])


def test_a_card_read_reaches_the_till_through_the_gevent_worker(
    shop, admin, workers_server, synced
):
    config_id = shop["config_id"]
    cashier = shop["cashier"]
    session_id = cashier.call("pos.config", "read", [config_id], ["current_session_id"])[0][
        "current_session_id"
    ][0]
    channel = cashier.call("pos.session", "membership_pos_reader_channel", [session_id])
    device_id, code = new_device(admin, {"id": config_id})
    token = pair(workers_server["url"], code, timeout=30)["token"]
    login = shop["login"]
    subscriber = Subscriber(
        workers_server["websocket_url"], channel, web_session(workers_server, login, login)
    )
    link = OdooLink(workers_server["websocket_url"], token)
    stop = threading.Event()
    thread = threading.Thread(target=link.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert link.connected.wait(10)
        wait_for(lambda: False, timeout=0.3)  # the subscription is served first
        read = CardRead(uid="04A21B3C5D6E81", reader="Virtual PCD 00 00")
        link.submit(read)
        got = wait_for(lambda: subscriber.for_events([read.event_id]))
        assert got, "the read never reached the till's channel"
        assert "04A21B3C5D6E81" not in str(got[0])
        assert got[0]["read_id"]
        assert got[0]["device_id"] == device_id
    finally:
        stop.set()
        thread.join(5)
        subscriber.close()


def test_the_http_workers_do_not_serve_the_websocket(workers_server):
    """Why the proxy must send /websocket to the gevent port: a prefork worker refuses it."""
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(websocket_url(workers_server["url"]), timeout=10).close()
