"""Card read -> the till's POS channel latency, on loopback, with the real daemon link.

    .venv/bin/python bench/reader_latency.py --database daemon_t [--reads 20] [--url URL]

Starts scripts/odoo-bin on a free port (unless --url points at a running server whose
admin password is "admin"), creates a till and a reader box, opens the till's session,
pairs the box, subscribes to the session's secret reader channel over /websocket as its
user like the POS, then submits reads through OdooLink one
every --interval seconds (the per-device rate limit is 20 reads / 10 s) and prints
p50/p95/max of read -> notification received, card lookup included, and the number of
disconnects. A 10-minute soak (a tap every 3 s, zero disconnects expected):
``--reads 200 --interval 3``.

The goal (p95 <= 50 ms) holds with the peak-hour load test running (bench/peak_hour.py
against the same server, --url); ``--load N`` adds a simple synthetic load instead: N
clients looking members up by card over JSON-RPC, back to back, while the reads are timed.
"""

import argparse
import json
import re
import socket
import statistics
import subprocess
import threading
import time
import uuid
from pathlib import Path

import requests
import websocket
from figures import record
from iot_reader_box.events import CardRead
from iot_reader_box.odoo_link import OdooLink, pair, websocket_url

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_odoo(database):
    port = free_port()
    log = open(ROOT / ".odoo" / f"bench-{port}.log", "wb")
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
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/web/login", timeout=5).status_code == 200:
                return url, proc, log
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.5)  # not listening yet, or busy loading the registry
    proc.kill()
    raise SystemExit(f"Odoo did not start; see {log.name}")


def rpc(url, db, uid, model, method, *args):
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [db, uid, "admin", model, method, list(args)],
        },
    }
    reply = requests.post(f"{url}/jsonrpc", json=payload, timeout=60).json()
    if "error" in reply:
        raise SystemExit(reply["error"])
    return reply["result"]


def start_load(url, db, uid, session_id, clients, stop):
    """``clients`` threads calling the till's member lookup by card, back to back, until
    ``stop``; returns a one-item list counting the calls."""
    done = [0]
    if not clients:
        return done
    cards = rpc(url, db, uid, "membership.card", "search_read", [], ["number"], 0, 200)
    numbers = [card["number"] for card in cards if card["number"]] or ["000000000000"]

    def client(n):
        while not stop.is_set():
            number = numbers[(done[0] + n) % len(numbers)]
            rpc(url, db, uid, "pos.session", "membership_pos_lookup", [session_id], number)
            done[0] += 1

    for n in range(clients):
        threading.Thread(target=client, args=(n,), daemon=True).start()
    return done


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--url")
    parser.add_argument("--reads", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.55)
    parser.add_argument(
        "--load",
        type=int,
        default=0,
        help="clients looking members up by card, back to back, during the reads",
    )
    args = parser.parse_args()
    proc = log = None
    url = args.url
    if not url:
        url, proc, log = start_odoo(args.database)
    try:
        login = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "common",
                "method": "login",
                "args": [args.database, "admin", "admin"],
            },
        }
        uid = requests.post(f"{url}/jsonrpc", json=login, timeout=60).json()["result"]
        config_id = rpc(
            url,
            args.database,
            uid,
            "pos.config",
            "create",
            {"name": f"Bench till {uuid.uuid4().hex[:6]}"},
        )
        # The till: the administrator's open session, subscribed to its secret reader channel.
        rpc(url, args.database, uid, "pos.config", "open_ui", [config_id])
        session_id = rpc(
            url, args.database, uid, "pos.config", "read", [config_id], ["current_session_id"]
        )[0]["current_session_id"][0]
        channel = rpc(
            url, args.database, uid, "pos.session", "membership_pos_reader_channel", [session_id]
        )
        web = requests.Session()
        web.post(
            f"{url}/web/session/authenticate",
            json={"params": {"db": args.database, "login": "admin", "password": "admin"}},
            timeout=60,
        ).raise_for_status()
        cookie = "; ".join(f"{k}={v}" for k, v in web.cookies.items())
        device_id = rpc(
            url,
            args.database,
            uid,
            "membership.reader.device",
            "create",
            {"name": "Bench box", "pos_config_id": config_id},
        )
        action = rpc(
            url,
            args.database,
            uid,
            "membership.reader.device",
            "action_generate_pairing_code",
            [device_id],
        )
        code = re.search(r"--pair (\S+)", action["params"]["message"]).group(1)
        token = pair(url, code)["token"]

        received = {}
        ws = websocket.create_connection(websocket_url(url), timeout=10, cookie=cookie, origin=url)
        ws.send(json.dumps({"event_name": "subscribe", "data": {"channels": [channel], "last": 0}}))

        def listen():
            while True:
                try:
                    raw = ws.recv()
                except websocket.WebSocketTimeoutException:
                    continue
                except Exception:
                    return
                for notification in json.loads(raw or "[]"):
                    payload = notification["message"].get("payload") or {}
                    if isinstance(payload, dict) and "event_id" in payload:
                        received[payload["event_id"]] = time.monotonic()

        threading.Thread(target=listen, daemon=True).start()
        stop = threading.Event()
        lookups = start_load(url, args.database, uid, session_id, args.load, stop)
        time.sleep(0.3)
        link = OdooLink(url, token)
        threading.Thread(target=link.run, args=(stop,), daemon=True).start()
        link.connected.wait(10)
        sent = {}
        for n in range(args.reads):
            read = CardRead(uid=f"0A0B{n:04X}", reader="bench")
            sent[read.event_id] = time.monotonic()
            link.submit(read)
            time.sleep(args.interval)
        deadline = time.monotonic() + 5
        while len(received) < len(sent) and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        ws.close()
        if args.load:
            print(f"synthetic load: {args.load} clients, {lookups[0]} lookups during the reads")
        latencies = sorted((received[e] - sent[e]) * 1000 for e in sent if e in received)
        if not latencies:
            raise SystemExit("no read reached the till's channel")
        p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
        print(
            f"reads sent {len(sent)}, received {len(latencies)}, disconnects "
            f"{len(link.close_codes)}"
        )
        print(
            f"read -> POS channel latency ms: p50 {statistics.median(latencies):.1f} "
            f"p95 {p95:.1f} max {latencies[-1]:.1f} (goal p95 <= 50)"
        )
        under = f", {args.load} clients looking members up" if args.load else ""
        record(f"reader: card read -> POS channel, p95{under}", p95, "ms", goal=50, issue=21)
        record(
            f"reader: disconnects in {len(sent)} reads", len(link.close_codes), "", goal=0, issue=6
        )
        record("reader: reads lost", len(sent) - len(latencies), "reads", goal=0, issue=6)
    finally:
        if proc:
            proc.terminate()
            proc.wait(20)
            log.close()


if __name__ == "__main__":
    main()
