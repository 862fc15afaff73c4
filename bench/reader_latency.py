"""Card read -> the till latency, on loopback, with the real daemon link.

    .venv/bin/python bench/reader_latency.py --database daemon_t [--reads 20] [--url URL]
    .venv/bin/python bench/reader_latency.py --database BENCH_DB --peak-tills 20

Starts scripts/odoo-bin on a free port (unless --url points at a running server whose
admin password is "admin"), creates a till and a reader box, opens the till's session,
pairs the box, subscribes to the session's secret reader channel over /websocket as its
user like the POS, then submits reads through OdooLink one every --interval seconds (the
per-device rate limit is 20 reads / 10 s). For each read it times:

- read -> the till's channel: the box's read until the notification reaches the till's
  websocket (the card check, the read's transaction, Odoo's bus dispatch);
- read -> member at the till: the same, plus the till turning the read into the member
  (``membership_pos_reader_lookup`` over /web/dataset/call_kw, as the POS calls it), which
  is when the cashier sees the member.

It prints p50/p95/max of both and the number of disconnects. A 10-minute soak (a tap
every 3 s, zero disconnects expected): ``--reads 200 --interval 3``.

``--peak-tills N`` runs the reads under the peak-hour load (bench/peak_hour.py's tills,
mix and production server: prefork HTTP workers and the gevent worker serving the
websockets, as deploy/odoo.conf runs them): the bench starts that server itself, builds
N tills with their cashiers, then alternates rounds of reads with the tills idle and with
the N tills syncing orders back to back (``--rounds`` of each, in ABBA order), so the
p95 with and without load come from the same run. Needs a bench/generate.py database
(members); the tills and their orders are committed there, as peak_hour.py does.

``--load N`` adds a simple synthetic load instead (no --peak-tills): N clients looking
members up by card over JSON-RPC, back to back, while the reads are timed.
"""

import argparse
import json
import os
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
GOAL_P95 = 50


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


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)] if ordered else None


class ReaderBench:
    """One till (the administrator's open session) listening to its reader channel like
    the POS, and one paired reader box sending reads through the daemon's OdooLink.

    ``url``: Odoo's HTTP port; ``ws_base``: where /websocket is served (the gevent port in
    prefork mode, else the same server)."""

    def __init__(self, url, ws_base, database):
        self.url, self.ws_base, self.db = url, ws_base, database
        login = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "common",
                "method": "login",
                "args": [database, "admin", "admin"],
            },
        }
        self.uid = requests.post(f"{url}/jsonrpc", json=login, timeout=60).json()["result"]
        config_id = self.rpc("pos.config", "create", {"name": f"Bench till {uuid.uuid4().hex[:6]}"})
        # The till: the administrator's open session, subscribed to its secret reader channel.
        self.rpc("pos.config", "open_ui", [config_id])
        self.session_id = self.rpc("pos.config", "read", [config_id], ["current_session_id"])[0][
            "current_session_id"
        ][0]
        self.channel = self.rpc("pos.session", "membership_pos_reader_channel", [self.session_id])
        self.web = requests.Session()
        self.web.post(
            f"{url}/web/session/authenticate",
            json={"params": {"db": database, "login": "admin", "password": "admin"}},
            timeout=60,
        ).raise_for_status()
        device_id = self.rpc(
            "membership.reader.device", "create", {"name": "Bench box", "pos_config_id": config_id}
        )
        action = self.rpc("membership.reader.device", "action_generate_pairing_code", [device_id])
        code = re.search(r"--pair (\S+)", action["params"]["message"]).group(1)
        self.token = pair(url, code)["token"]
        self.cards = self._member_cards(config_id)
        self.received, self.member_at, self.lookup_errors = {}, {}, []
        self.stop = threading.Event()
        self.link = None

    def rpc(self, model, method, *args):
        return rpc(self.url, self.db, self.uid, model, method, *args)

    def _member_cards(self, config_id):
        """Codes of active cards of members of the till's company (so that the till's
        lookup finds a member, as at a real counter): their chip UIDs, else their numbers
        (a box reads barcodes and QR codes too; generated shops have no chips); none:
        unknown cards are read."""
        company = self.rpc("pos.config", "read", [config_id], ["company_id"])[0]["company_id"][0]
        cards = self.rpc(
            "membership.card",
            "search_read",
            [
                ("state", "=", "active"),
                ("company_id", "=", company),
                ("partner_id.is_member", "=", True),
            ],
            ["chip_uid", "number"],
            0,
            200,
        )
        return [card["chip_uid"] or card["number"] for card in cards]

    def start(self):
        cookie = "; ".join(f"{k}={v}" for k, v in self.web.cookies.items())
        # The gevent worker loads the registry on its first websocket (slow when busy).
        self.ws = websocket.create_connection(
            websocket_url(self.ws_base), timeout=180, cookie=cookie, origin=self.ws_base
        )
        self.ws.settimeout(10)
        self.ws.send(
            json.dumps({"event_name": "subscribe", "data": {"channels": [self.channel], "last": 0}})
        )
        threading.Thread(target=self._listen, daemon=True).start()
        time.sleep(0.3)  # the subscription is served before the first read
        self.link = OdooLink(self.ws_base, self.token)
        threading.Thread(target=self.link.run, args=(self.stop,), daemon=True).start()
        if not self.link.connected.wait(10):
            raise SystemExit("the reader box could not connect")

    def _listen(self):
        while True:
            try:
                raw = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except Exception:
                return
            for notification in json.loads(raw or "[]"):
                payload = notification["message"].get("payload") or {}
                if isinstance(payload, dict) and "event_id" in payload:
                    self.received[payload["event_id"]] = time.monotonic()
                    if payload.get("read_id"):
                        threading.Thread(target=self._member, args=(payload,), daemon=True).start()

    def _member(self, payload):
        """What the POS does with a pushed read: turn it into the member, as its user."""
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "model": "pos.session",
                "method": "membership_pos_reader_lookup",
                "args": [[self.session_id], payload["read_id"]],
                "kwargs": {},
            },
        }
        reply = self.web.post(
            f"{self.url}/web/dataset/call_kw/pos.session/membership_pos_reader_lookup",
            json=body,
            timeout=60,
        ).json()
        if "error" in reply:
            self.lookup_errors.append(str(reply["error"])[:200])
            return
        self.member_at[payload["event_id"]] = time.monotonic()

    def reads(self, count, interval):
        """Send ``count`` reads; (read -> channel ms list, read -> member ms list, sent)."""
        sent = {}
        for n in range(count):
            uid = self.cards[n % len(self.cards)] if self.cards else f"0A0B{n:04X}"
            read = CardRead(uid=uid, reader="bench")
            sent[read.event_id] = time.monotonic()
            self.link.submit(read)
            time.sleep(interval)
        deadline = time.monotonic() + 5
        wanted = set(sent)
        while time.monotonic() < deadline and not (
            wanted <= set(self.received) and (not self.cards or wanted <= set(self.member_at))
        ):
            time.sleep(0.05)
        channel = [(self.received[e] - t) * 1000 for e, t in sent.items() if e in self.received]
        member = [(self.member_at[e] - t) * 1000 for e, t in sent.items() if e in self.member_at]
        return channel, member, len(sent)

    def close(self):
        self.stop.set()
        self.ws.close()


def summary(label, channel, member, sent):
    def fmt(values):
        if not values:
            return "-"
        return f"p50 {statistics.median(values):.1f} p95 {p95(values):.1f} max {max(values):.1f}"

    print(f"{label}: {len(channel)}/{sent} reads reached the till")
    print(f"  read -> till's channel ms: {fmt(channel)} (goal p95 <= {GOAL_P95})")
    print(f"  read -> member at the till ms: {fmt(member)}")


def peak_hour_load(database, tills_count, workers):
    """The peak-hour bench's tills, cashiers and production server (bench/peak_hour.py),
    started; (server, tills), the tills given the values peak_hour.main gives them."""
    import peak_hour

    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    conf = os.environ.get("ODOO_RC") or str(ROOT / ".odoo/odoo.conf")
    config.parse_config(["-c", conf, "-d", database], setup_logging=False)
    registry = Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        shop = peak_hour.Shop(env, tills_count, 3, 21)
        shop.build()
        shared = shop.shared(hot_share=0.25)
        till_data = shop.till_data
        cr.commit()
    server = peak_hour.Server(database, conf, workers)
    server.start()
    try:
        tills = [peak_hour.Till(server, database, data, shared, 21) for data in till_data]
        peak_hour.warm_up(tills, int(server.options.get("workers", 1)))
    except BaseException:
        server.stop()
        raise
    return server, tills


def run_peak(args):
    """Reads with the tills idle and with the peak-hour load, ``args.rounds`` of each in
    ABBA order; records both p95 and their ratio."""
    import peak_hour

    started = time.perf_counter()
    server, tills = peak_hour_load(args.database, args.peak_tills, args.workers)
    print(
        f"peak-hour server (prefork, {server.options.get('workers')} workers + gevent) and "
        f"{len(tills)} tills ready in {time.perf_counter() - started:.0f} s"
    )
    results = {"idle": ([], []), "load": ([], [])}
    sent_total = dict.fromkeys(results, 0)
    orders = 0
    try:
        bench = ReaderBench(server.url, f"http://127.0.0.1:{server.gevent_port}", args.database)
        bench.start()
        bench.reads(3, args.interval)  # warm: the gevent worker's registry and cursors
        phases = []
        for round_no in range(args.rounds):
            phases += ["idle", "load"] if round_no % 2 == 0 else ["load", "idle"]
        for number, phase in enumerate(phases):
            loader = None
            loads = []
            if phase == "load":
                duration = args.reads * args.interval + 3.0
                loader = threading.Thread(
                    target=lambda out, *a: out.append(peak_hour.run_phase(*a)),
                    args=(loads, tills, "membership", number, duration, 0),
                )
                loader.start()
                time.sleep(1.5)  # the tills are all sending before the first read
            channel, member, sent = bench.reads(args.reads, args.interval)
            if loader:
                loader.join()
                orders += loads[0][1]
            results[phase][0].extend(channel)
            results[phase][1].extend(member)
            sent_total[phase] += sent
            print(
                f"  {phase:<5} round: p95 channel {p95(channel) or 0:.1f} ms, member "
                f"{p95(member) or 0:.1f} ms, load {os.getloadavg()[0]:.1f}"
            )
        bench.close()
    finally:
        server.stop()
    print(
        f"{args.peak_tills} tills synced {orders} orders during the loaded rounds "
        f"(load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    if bench.lookup_errors:
        print(f"member lookups refused: {len(bench.lookup_errors)}, e.g. {bench.lookup_errors[0]}")
    for phase, (channel, member) in results.items():
        summary(
            f"{'with' if phase == 'load' else 'without'} the peak-hour load",
            channel,
            member,
            sent_total[phase],
        )
    idle, loaded = results["idle"], results["load"]
    if not loaded[0] or not idle[0]:
        raise SystemExit("no read reached the till's channel")
    tag = f"peak hour running ({args.peak_tills} tills)"
    baseline = "same reads, tills idle, same run"
    record("reader: card read -> POS channel, p95, tills idle", p95(idle[0]), "ms")
    record(
        f"reader: card read -> POS channel, p95, {tag}",
        p95(loaded[0]),
        "ms",
        goal=GOAL_P95,
        baseline=p95(idle[0]),
        baseline_label=baseline,
        issue=21,
    )
    if loaded[1] and idle[1]:
        record(
            f"reader: card read -> member at the till, p95, {tag}",
            p95(loaded[1]),
            "ms",
            baseline=p95(idle[1]),
            baseline_label=baseline,
            issue=21,
        )
    lost = sum(sent_total.values()) - len(idle[0]) - len(loaded[0])
    record("reader: reads lost", lost, "reads", goal=0, issue=6)
    record(
        "reader: disconnects under the peak-hour load",
        len(bench.link.close_codes),
        "",
        goal=0,
        issue=6,
    )


def run_plain(args):
    """Reads against one server (threaded, or --url), with the optional synthetic load."""
    proc = log = None
    url = args.url
    if not url:
        url, proc, log = start_odoo(args.database)
    try:
        bench = ReaderBench(url, url, args.database)
        lookups = start_load(url, args.database, bench.uid, bench.session_id, args.load, bench.stop)
        bench.start()
        channel, member, sent = bench.reads(args.reads, args.interval)
        bench.close()
        if args.load:
            print(f"synthetic load: {args.load} clients, {lookups[0]} lookups during the reads")
        if not channel:
            raise SystemExit("no read reached the till's channel")
        print(f"disconnects {len(bench.link.close_codes)}")
        summary("reads", channel, member, sent)
        under = f", {args.load} clients looking members up" if args.load else ""
        record(
            f"reader: card read -> POS channel, p95{under}", p95(channel), "ms", goal=GOAL_P95,
            issue=21,
        )  # fmt: skip
        if member:
            record(f"reader: card read -> member at the till, p95{under}", p95(member), "ms")
        record(
            f"reader: disconnects in {sent} reads", len(bench.link.close_codes), "", goal=0, issue=6
        )
        record("reader: reads lost", sent - len(channel), "reads", goal=0, issue=6)
    finally:
        if proc:
            proc.terminate()
            proc.wait(20)
            log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", "-d", required=True)
    parser.add_argument("--url")
    parser.add_argument("--reads", type=int, default=20, help="reads per round")
    parser.add_argument("--interval", type=float, default=0.55)
    parser.add_argument(
        "--load",
        type=int,
        default=0,
        help="clients looking members up by card, back to back, during the reads",
    )
    parser.add_argument(
        "--peak-tills",
        type=int,
        default=0,
        help="run the reads beside the peak-hour load test with this many tills",
    )
    parser.add_argument("--rounds", type=int, default=1, help="rounds of each (--peak-tills)")
    parser.add_argument("--workers", type=int, help="HTTP workers (--peak-tills; else deploy's)")
    args = parser.parse_args()
    if args.peak_tills:
        run_peak(args)
    else:
        run_plain(args)


if __name__ == "__main__":
    main()
