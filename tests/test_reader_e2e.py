"""End to end: a real Odoo server, the real daemon link over a real websocket, and a
websocket subscriber of the till's secret channel, logged in as the user of the till's
open session, standing in for the POS; anyone else listening hears nothing."""

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import websocket
from e2e_support import Odoo, Subscriber, new_user, open_till, web_session
from e2e_support import new_device as _new_device
from e2e_support import wait_for as _wait_for
from iot_reader_box.events import CardRead, Debouncer
from iot_reader_box.odoo_link import OdooLink, pair, websocket_url
from iot_reader_box.serial_frames import SerialReader


@pytest.fixture(scope="module")
def odoo(odoo_server):
    return Odoo(odoo_server)


@pytest.fixture(scope="module")
def till(odoo, odoo_server):
    return open_till(odoo, odoo_server, "E2E reader till")


@pytest.fixture
def paired(odoo, till, odoo_server):
    device_id, code = _new_device(odoo, till)
    token = pair(odoo_server["url"], code, timeout=30)["token"]
    return device_id, token


@pytest.fixture
def subscriber(odoo_server, till):
    sub = Subscriber(odoo_server["url"], till["channel"], till["web"])
    time.sleep(0.3)  # the subscription is served before the first read is sent
    yield sub
    sub.close()


@pytest.fixture
def link_factory(odoo_server):
    started = []

    def start(token, **options):
        link = OdooLink(odoo_server["url"], token, **options)
        stop = threading.Event()
        thread = threading.Thread(target=link.run, args=(stop,), daemon=True)
        thread.start()
        started.append((stop, thread))
        return link

    yield start
    for stop, thread in started:
        stop.set()
        thread.join(5)


def test_pairing_through_the_cli_stores_the_token_and_a_code_works_once(
    odoo, till, odoo_server, tmp_path
):
    _device_id, code = _new_device(odoo, till)
    token_file = tmp_path / "token"
    env = {
        **os.environ,
        "IOT_READER_BOX_ODOO_URL": odoo_server["url"],
        "IOT_READER_BOX_ODOO_TOKEN_FILE": str(token_file),
    }
    script = str(Path(sys.executable).with_name("iot-reader-box"))
    first = subprocess.run(
        [script, "--pair", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert first.returncode == 0, first.stderr
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
    assert len(token_file.read_text().strip()) >= 40
    again = subprocess.run(
        [script, "--pair", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 1
    assert "pairing refused" in again.stderr


def test_a_read_reaches_the_tills_channel(paired, subscriber, link_factory, odoo):
    device_id, token = paired
    link = link_factory(token)
    assert link.connected.wait(10)
    read = CardRead(uid="04A21B3C5D6E80", reader="Virtual PCD 00 00")
    link.submit(read)
    got = _wait_for(lambda: subscriber.for_events([read.event_id]))
    assert got, "the read never reached the till's channel"
    payload = got[0]
    assert "04A21B3C5D6E80" not in json.dumps(payload)
    assert payload["read_id"]
    assert payload["device_id"] == device_id
    assert payload["status"] == "unknown"
    last_seen = odoo.call("membership.reader.device", "read", [device_id], ["last_seen"])[0]
    assert last_seen["last_seen"]


def test_the_whole_daemon_relays_a_serial_tag(paired, subscriber, odoo_server, tmp_path):
    device_id, token = paired
    (tmp_path / "token").write_text(token)
    master, slave = os.openpty()
    env = {
        **os.environ,
        "IOT_READER_BOX_ODOO_URL": odoo_server["url"],
        "IOT_READER_BOX_ODOO_TOKEN_FILE": str(tmp_path / "token"),
        "IOT_READER_BOX_PCSC_ENABLED": "no",
        "IOT_READER_BOX_SERIAL_PORTS": f"{os.ttyname(slave)}:em4100:9600",
        "IOT_READER_BOX_DAEMON_SUPERVISOR_PERIOD_SECONDS": "0.2",
    }
    script = str(Path(sys.executable).with_name("iot-reader-box"))
    log = open(tmp_path / "daemon.log", "w+")
    proc = subprocess.Popen([script, "--log-level", "DEBUG"], env=env, stdout=log, stderr=log)
    try:
        assert _wait_for(lambda: "connected to" in (tmp_path / "daemon.log").read_text(), 15)
        assert _wait_for(lambda: "reading em4100" in (tmp_path / "daemon.log").read_text(), 15)
        frame = b"\x02" + b"1A007B9C3D" + b"C0" + b"\x03"  # 1A^00^7B^9C^3D = C0
        for _ in range(4):  # a tag held on the antenna repeats its frame
            os.write(master, frame)
            time.sleep(0.2)
        got = _wait_for(lambda: [p for p in subscriber.payloads if p["device_id"] == device_id])
        assert got, (tmp_path / "daemon.log").read_text()
        time.sleep(0.5)
        assert len([p for p in subscriber.payloads if p["device_id"] == device_id]) == 1
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
        os.close(master)
        os.close(slave)
    assert proc.returncode == 0


def test_revoked_token_is_refused(paired, subscriber, link_factory, odoo):
    device_id, token = paired
    odoo.call("membership.reader.device", "action_revoke", [device_id])
    link = link_factory(token)
    read = CardRead(uid="04A21B3C5D6E80", reader="Virtual PCD 00 00")
    link.submit(read)
    assert _wait_for(lambda: 1008 in link.close_codes), link.close_codes
    time.sleep(0.5)
    assert subscriber.for_events([read.event_id]) == []


def test_forged_token_is_refused_and_logged_without_the_token(
    subscriber, link_factory, odoo_server, till
):
    forged = uuid.uuid4().hex + uuid.uuid4().hex
    link = link_factory(forged)
    read = CardRead(uid="04A21B3C5D6E80", reader="Virtual PCD 00 00")
    link.submit(read)
    assert _wait_for(lambda: 1008 in link.close_codes), link.close_codes
    time.sleep(0.5)
    assert subscriber.for_events([read.event_id]) == []
    port = odoo_server["url"].rsplit(":", 1)[1]
    server_log = (Path(__file__).resolve().parent.parent / ".odoo" / f"e2e-{port}.log").read_text()
    assert "card reader websocket from 127.0.0.1 refused" in server_log
    assert forged not in server_log
    assert till["channel"] not in server_log


def _issued_member(odoo, label, uid=None, **card_type_values):
    """(partner id, card number) of a new member whose card (with chip ``uid``, of a new
    card type with ``card_type_values``) was issued."""
    tag = uuid.uuid4().hex[:6]
    partner_id = odoo.call(
        "res.partner", "create", {"name": f"{label} Member {tag}", "is_member": True}
    )
    card_type_id = odoo.call(
        "membership.card.type", "create", {"name": f"E2E {label} {tag}", **card_type_values}
    )
    # A card becomes active only by being issued (the Issue wizard).
    wizard_id = odoo.call(
        "membership.card.issue.wizard",
        "create",
        {"chip_uid": uid, "partner_id": partner_id, "card_type_id": card_type_id},
    )
    odoo.call("membership.card.issue.wizard", "action_issue", [wizard_id])
    card = odoo.call(
        "membership.card", "search_read", [("partner_id", "=", partner_id)], ["number", "state"]
    )
    assert [c["state"] for c in card] == ["active"]
    return partner_id, card[0]["number"]


@pytest.fixture(scope="module")
def member_card(odoo):
    """A member with an active chip card."""
    uid = f"04{uuid.uuid4().hex[:12].upper()}"
    partner_id, number = _issued_member(odoo, "Chip", uid)
    return {"partner_id": partner_id, "uid": uid, "number": number}


def test_only_the_tills_session_hears_its_reads_and_gets_the_member_once(
    odoo, odoo_server, till, paired, subscriber, link_factory, member_card
):
    """Whoever learns the till's channel name (and the till's old public access token)
    hears nothing: anonymous, portal, the cashier of another till and another company's
    cashier. The till hears the read without the chip UID, and turns it into the member."""
    tag = uuid.uuid4().hex[:6]
    portal = f"reader_portal_{tag}"
    new_user(odoo, portal, "base.group_portal")
    other_company = odoo.call("res.company", "create", {"name": f"Other shop {tag}"})
    foreign = f"reader_foreign_{tag}"
    new_user(
        odoo,
        foreign,
        "base.group_user",
        "membership_loyalty.membership_loyalty_group_cashier",
        company_id=other_company,
        company_ids=[(6, 0, [other_company])],
    )
    other_till = open_till(odoo, odoo_server, "E2E other till")
    access_token = odoo.call("pos.config", "read", [till["id"]], ["access_token"])[0]
    url = odoo_server["url"]
    eavesdroppers = {
        "anonymous": Subscriber(url, till["channel"]),
        "anonymous on the access token": Subscriber(url, access_token["access_token"]),
        "portal": Subscriber(url, till["channel"], web_session(odoo_server, portal, portal)),
        "other till": Subscriber(url, till["channel"], other_till["web"]),
        "other company": Subscriber(
            url, till["channel"], web_session(odoo_server, foreign, foreign)
        ),
    }
    try:
        time.sleep(0.3)  # the subscriptions are served before the read is sent
        link = link_factory(paired[1])
        assert link.connected.wait(10)
        read = CardRead(uid=member_card["uid"], reader="Virtual PCD 00 00")
        link.submit(read)
        got = _wait_for(lambda: subscriber.for_events([read.event_id]))
        assert got, "the read never reached the till's session"
        time.sleep(0.5)
        for who, listener in eavesdroppers.items():
            assert listener.payloads == [], who
    finally:
        for listener in eavesdroppers.values():
            listener.close()
    payload = got[0]
    assert payload["status"] == "ok"
    text = json.dumps(payload)
    for secret in (member_card["uid"], member_card["number"], "Chip Member", "partner"):
        assert secret not in text
    with pytest.raises(AssertionError, match="unknown, used or expired"):
        other_till["cashier"].call(
            "pos.session",
            "membership_pos_reader_lookup",
            [other_till["session_id"]],
            payload["read_id"],
        )
    found = till["cashier"].call(
        "pos.session", "membership_pos_reader_lookup", [till["session_id"]], payload["read_id"]
    )
    assert found["status"] == "ok"
    assert found["member"]["partner_id"] == member_card["partner_id"]
    with pytest.raises(AssertionError, match="unknown, used or expired"):
        till["cashier"].call(
            "pos.session", "membership_pos_reader_lookup", [till["session_id"]], payload["read_id"]
        )


def test_other_users_cannot_get_the_tills_channel(odoo_server, till):
    other_till = open_till(Odoo(odoo_server), odoo_server, "E2E third till")
    with pytest.raises(AssertionError, match="AccessError"):
        other_till["cashier"].call(
            "pos.session", "membership_pos_reader_channel", [till["session_id"]]
        )
    with pytest.raises(AssertionError, match="AccessError"):
        other_till["cashier"].call(
            "pos.session", "read", [till["session_id"]], ["membership_reader_channel"]
        )


def test_duplicate_event_id_is_pushed_once(paired, subscriber, link_factory):
    _device_id, token = paired
    link = link_factory(token)
    assert link.connected.wait(10)
    read = CardRead(uid="0A0B0C0D", reader="Virtual PCD 00 00")
    link.submit(read)
    assert _wait_for(lambda: subscriber.for_events([read.event_id]))
    link.submit(read)  # e.g. re-sent after a reconnect
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(subscriber.for_events([read.event_id])) == 1


def test_a_burst_of_taps_keeps_the_connection(paired, subscriber, link_factory):
    _device_id, token = paired
    link = link_factory(token)
    assert link.connected.wait(10)
    reads = [CardRead(uid=f"0A0B0C{n:02X}", reader="Virtual PCD 00 00") for n in range(15)]
    for read in reads:  # 15 taps in ~0.75 s: unpaced, 16 frames would exceed Odoo's 10 / 2 s
        link.submit(read)
        time.sleep(0.05)
    ids = [read.event_id for read in reads]
    assert _wait_for(lambda: len(subscriber.for_events(ids)) == 15, 15)
    time.sleep(0.5)
    assert link.close_codes == []
    assert link.connections == 1


def test_unpaced_frames_do_get_closed_by_odoo(odoo_server):
    """The limit the daemon paces for is real: 12 frames at once are closed with 1013."""
    ws = websocket.create_connection(websocket_url(odoo_server["url"]), timeout=10)
    try:
        for _ in range(12):
            ws.send(json.dumps({"event_name": "e2e_noop", "data": {}}))
        codes = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not codes:
            opcode, frame = ws.recv_data_frame(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                codes.append(int.from_bytes(frame.data[:2], "big"))
    except websocket.WebSocketConnectionClosedException:
        pass
    finally:
        ws.close()
    assert codes == [1013]


class CuttableProxy:
    """A TCP relay to Odoo whose connections the test can cut, like a flaky shop network."""

    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets = []
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _addr = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.accepted += 1
            self.sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.sockets = []

    def close(self):
        self.server.close()
        self.cut()


def test_link_reconnects_after_the_network_drops(paired, subscriber, odoo_server):
    _device_id, token = paired
    proxy = CuttableProxy(int(odoo_server["url"].rsplit(":", 1)[1]))
    link = OdooLink(f"http://127.0.0.1:{proxy.port}", token, timeout=2)
    stop = threading.Event()
    thread = threading.Thread(target=link.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert link.connected.wait(10)
        proxy.cut()
        assert _wait_for(lambda: not link.connected.is_set(), 5)
        read = CardRead(uid="0A0B0C0E", reader="Virtual PCD 00 00")
        link.submit(read)  # tapped while the network is down
        assert _wait_for(lambda: subscriber.for_events([read.event_id]), 15), "not re-sent"
        assert link.connections == 2
        assert proxy.accepted == 2
    finally:
        stop.set()
        thread.join(5)
        proxy.close()


def _swipes_for(member, track3_member, uid):
    """Real-world frames of two cards, as their readers send them over a serial line: the
    protocol of the port, the bytes, and the member the till gets (None: the box relays
    the read, no card is found; False: the box drops the frame and logs why). The second
    card's type keeps the number on track 3, its track 2 carrying the shop's code."""
    data = bytes.fromhex(uid)
    checksum = 0
    for byte in data:
        checksum ^= byte
    partner_id, number = member[0], member[1].encode()
    track3_partner_id, track3_number = track3_member[0], track3_member[1].encode()
    return [
        ("magstripe", b";" + number + b"?\r", partner_id),  # track 2, number only
        ("magstripe", b";" + number + b"=?\r", partner_id),
        ("magstripe", b"%B" + number + b"^MEMBER/E2E^?\r", partner_id),  # track 1, no expiry
        ("magstripe", b"%B" + number + b"^MEMBER/E2E^?;" + number + b"?\r\n", partner_id),
        ("magstripe", b"+" + number + b"?\r", partner_id),  # track 3
        ("magstripe", b"%E?;E?\r", False),  # unreadable: dropped by the box
        ("magstripe", b";6280019999?+" + track3_number + b"?\r", track3_partner_id),
        ("magstripe", b";" + track3_number + b"?\r", None),  # not where its card type reads
        ("em4100", b"\x02" + uid.encode() + f"{checksum:02X}".encode() + b"\x03", partner_id),
        ("em4100", b"\x02" + uid.encode() + b"00\x03", False),  # bad checksum
    ]


def test_serial_card_frames_reach_the_till_as_the_member(
    odoo, till, paired, subscriber, link_factory, tmp_path
):
    """Each frame goes over a pty into the box's serial reader, over the websocket to Odoo,
    and the till turns the pushed read into the member; bad frames never leave the box."""
    uid = f"1A{uuid.uuid4().hex[:8].upper()}"
    member = _issued_member(odoo, "Stripe", uid)
    track3_member = _issued_member(odoo, "Track 3", stripe_track="3")
    swipes = _swipes_for(member, track3_member, uid)
    device_id, token = paired
    link = link_factory(token)
    assert link.connected.wait(10)
    log = tmp_path / "box.log"
    handler, box_logger = logging.FileHandler(log), logging.getLogger("iot_reader_box")
    level = box_logger.level
    box_logger.setLevel(logging.INFO)
    box_logger.addHandler(handler)
    ports, stop = {}, threading.Event()
    try:
        for protocol in ("magstripe", "em4100"):
            master, slave = os.openpty()
            reader = SerialReader(link.submit, os.ttyname(slave), protocol, 9600, Debouncer(0))
            thread = threading.Thread(target=reader.run, args=(stop,), daemon=True)
            thread.start()
            ports[protocol] = (master, slave, thread)
        assert _wait_for(lambda: log.read_text().count("reading") == 2)
        for protocol, frame, expected in swipes:
            before = len([p for p in subscriber.payloads if p["device_id"] == device_id])
            os.write(ports[protocol][0], frame)
            if expected is False:
                assert _wait_for(lambda: "frame dropped" in log.read_text()), frame
                log.write_text("")
                continue
            got = _wait_for(
                lambda b=before: [p for p in subscriber.payloads if p["device_id"] == device_id][b:]
            )
            assert got and got[0]["status"] == ("ok" if expected else "unknown"), (frame, got)
            found = till["cashier"].call(
                "pos.session",
                "membership_pos_reader_lookup",
                [till["session_id"]],
                got[0]["read_id"],
            )
            assert found.get("member", {}).get("partner_id") == expected, (frame, found)
        time.sleep(0.3)
        relayed = len([frame for _p, frame, expected in swipes if expected is not False])
        assert len([p for p in subscriber.payloads if p["device_id"] == device_id]) == relayed
    finally:
        stop.set()
        box_logger.removeHandler(handler)
        box_logger.setLevel(level)
        for master, slave, thread in ports.values():
            thread.join(2)  # the reader closes its port before the pty goes
            os.close(master)
            os.close(slave)
