"""Helpers shared by the end-to-end tests: start a real `scripts/odoo-bin`, call it over
JSON-RPC, and listen to a till's secret channel over Odoo's /websocket like the POS does."""

import contextlib
import json
import re
import socket
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import websocket
from iot_reader_box.odoo_link import websocket_url

ROOT = Path(__file__).resolve().parent.parent
NOTIFICATION = "MEMBERSHIP_CARD_READ"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout=10.0, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


@contextlib.contextmanager
def running_odoo(database, *options, startup_timeout=120):
    """Run `scripts/odoo-bin` on ``database`` (db-filtered to it) on a free HTTP port;
    yield {"url", "db", "port", "log"} once /web/login answers 200, stop it afterwards."""
    port = free_port()
    log_path = ROOT / ".odoo" / f"e2e-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                str(ROOT / "scripts" / "odoo-bin"),
                "-d",
                database,
                f"--db-filter=^{database}$",
                f"--http-port={port}",
                *options,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"Odoo exited with {proc.returncode}; see {log_path}")
                try:
                    if requests.get(f"{base}/web/login", timeout=5).status_code == 200:
                        break
                except (requests.ConnectionError, requests.Timeout):
                    pass  # not listening yet, or a prefork worker still loading the registry
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"Odoo did not answer on {base} in {startup_timeout} s; see {log_path}"
                    )
                time.sleep(0.5)
            yield {"url": base, "db": database, "port": port, "log": log_path}
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Odoo:
    """JSON-RPC as one user (the administrator unless told otherwise)."""

    def __init__(self, server, login="admin", password="admin"):
        self.url, self.db = server["url"], server["db"]
        self.password = password
        self.uid = self.rpc("common", "login", self.db, login, password)
        assert self.uid, f"{login} must log in"

    def rpc(self, service, method, *args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": list(args)},
            "id": uuid.uuid4().hex,
        }
        reply = requests.post(f"{self.url}/jsonrpc", json=payload, timeout=60).json()
        assert "error" not in reply, reply.get("error")
        return reply["result"]

    def call(self, model, method, *args, **kwargs):
        return self.rpc(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )


def web_session(server, login, password):
    """A browser-like HTTP session of ``login`` (its cookie opens /websocket as that user)."""
    session = requests.Session()
    reply = session.post(
        f"{server['url']}/web/session/authenticate",
        json={"params": {"db": server["db"], "login": login, "password": password}},
        timeout=60,
    ).json()
    assert "error" not in reply, reply.get("error")
    return session


class Subscriber:
    """Subscribes to a channel through Odoo's /websocket, like the POS does (as the user of
    ``session``, a logged-in requests session, or anonymously), and collects the
    MEMBERSHIP_CARD_READ payloads it receives."""

    def __init__(self, base_url, channel, session=None):
        cookie = "; ".join(f"{k}={v}" for k, v in (session.cookies.items() if session else []))
        self.ws = websocket.create_connection(
            websocket_url(base_url), timeout=10, cookie=cookie or None, origin=base_url
        )
        self.ws.send(
            json.dumps({"event_name": "subscribe", "data": {"channels": [channel], "last": 0}})
        )
        self.kind = NOTIFICATION
        self.payloads = []
        self.received_at = {}
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self):
        while True:
            try:
                raw = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except Exception:
                return
            if not raw:
                continue
            for notification in json.loads(raw):
                message = notification.get("message", {})
                if message.get("type") == self.kind:
                    self.received_at[message["payload"]["event_id"]] = time.monotonic()
                    self.payloads.append(message["payload"])

    def for_events(self, event_ids):
        return [p for p in self.payloads if p["event_id"] in set(event_ids)]

    def close(self):
        self.ws.close()


def new_user(admin, login, *groups, **values):
    """A user with ``groups`` (xml ids) whose password is its login."""
    group_ids = [
        admin.call("ir.model.data", "check_object_reference", *xmlid.split("."))[1]
        for xmlid in groups
    ]
    return admin.call(
        "res.users",
        "create",
        {"name": login, "login": login, "password": login, "group_ids": [(6, 0, group_ids)]}
        | values,
    )


def open_till(admin, server, name):
    """A till whose session a new Membership cashier opened (as the POS does), with the
    secret channel of its card reads as the till receives it, and the cashier's sessions."""
    login = f"{name.lower().replace(' ', '_')}_{uuid.uuid4().hex[:6]}"
    new_user(admin, login, "base.group_user", "membership_loyalty.membership_loyalty_group_cashier")
    cashier = Odoo(server, login, login)
    config_id = admin.call("pos.config", "create", {"name": f"{name} {uuid.uuid4().hex[:6]}"})
    cashier.call("pos.config", "open_ui", [config_id])
    session_id = cashier.call("pos.config", "read", [config_id], ["current_session_id"])[0][
        "current_session_id"
    ][0]
    channel = cashier.call("pos.session", "membership_pos_reader_channel", [session_id])
    return {
        "id": config_id,
        "session_id": session_id,
        "channel": channel,
        "cashier": cashier,
        "web": web_session(server, login, login),
    }


def new_device(odoo, till):
    """A reader box record for ``till`` and its one-time pairing code."""
    device_id = odoo.call(
        "membership.reader.device",
        "create",
        {"name": f"E2E box {uuid.uuid4().hex[:6]}", "pos_config_id": till["id"]},
    )
    action = odoo.call("membership.reader.device", "action_generate_pairing_code", [device_id])
    code = re.search(r"--pair (\S+)", action["params"]["message"]).group(1)
    return device_id, code


def order_payload(session, user_id, product_id, member_id, payment_method_id):
    """The order a till sends to `pos.order.sync_from_ui`: 3 x 10.00, paid by card."""
    order_uuid = str(uuid.uuid4())
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "uuid": order_uuid,
        "name": f"Order {order_uuid}",
        "session_id": session["id"],
        "user_id": user_id,
        "partner_id": member_id,
        "pricelist_id": session["pricelist_id"],
        "fiscal_position_id": False,
        "date_order": now,
        "state": "paid",
        "to_invoice": False,
        "last_order_preparation_change": "{}",
        "amount_total": 30.0,
        "amount_tax": 0.0,
        "amount_paid": 30.0,
        "amount_return": 0.0,
        "lines": [
            (
                0,
                0,
                {
                    "product_id": product_id,
                    "qty": 3,
                    "price_unit": 10.0,
                    "price_subtotal": 30.0,
                    "price_subtotal_incl": 30.0,
                    "tax_ids": [(6, 0, [])],
                    "pack_lot_ids": [],
                },
            )
        ],
        "payment_ids": [
            (0, 0, {"amount": 30.0, "name": now, "payment_method_id": payment_method_id})
        ],
    }


def card_till_shop(admin, server, name):
    """A till paid by card, a 10.00 product, a member and a Membership Cashier for it."""
    tag = uuid.uuid4().hex[:8]
    login = f"{name.lower().replace(' ', '_')}_cashier_{tag}"
    new_user(admin, login, "base.group_user", "membership_loyalty.membership_loyalty_group_cashier")
    bank = admin.call("account.journal", "search", [("type", "=", "bank")], limit=1)
    assert bank, "the company has a chart of accounts with a bank journal"
    card_id = admin.call(
        "pos.payment.method", "create", {"name": f"Card {tag}", "journal_id": bank[0]}
    )
    config_id = admin.call(
        "pos.config",
        "create",
        {"name": f"{name} till {tag}", "payment_method_ids": [(6, 0, [card_id])]},
    )
    product_id = admin.call(
        "product.product",
        "create",
        {"name": f"Tea {tag}", "list_price": 10.0, "available_in_pos": True, "taxes_id": []},
    )
    member_id = admin.call("res.partner", "create", {"name": f"Member {tag}", "is_member": True})
    return {
        "config_id": config_id,
        "product_id": product_id,
        "member_id": member_id,
        "card_id": card_id,
        "cashier": Odoo(server, login, login),
        "login": login,
    }
