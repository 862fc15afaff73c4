#!/usr/bin/env python3
"""Member SMS benchmark: prints figures, asserts nothing about speed.

1. Queue the birthday batch: N members (birthdays spread over the year, plus a share born
   today), then time the birthday scheduled action that finds and queues today's SMS.
2. Send M queued SMS to a local HTTP gateway (a real server on 127.0.0.1) with W
   concurrent workers, each on its own cursor, the way the cron sends (row lock with
   SKIP LOCKED, commit after each SMS); checks nothing was sent twice.

The database must have membership_loyalty installed, e.g.:
    scripts/odoo-bin -d sms_bench -i membership_loyalty --without-demo --stop-after-init
    .venv/bin/python bench/sms_bench.py -d sms_bench --members 100000 --send 10000
The bench's rows are removed at the end.
"""

import argparse
import threading
import time
from collections import Counter
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

from figures import record

ROOT = Path(__file__).resolve().parent.parent
TAG = "SMS Bench"
ALLOW_PRIVATE_PARAM = "membership_loyalty.sms_gateway_allow_private"


class Gateway(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        ref = dict(parse_qsl(body)).get("ref")
        with self.server.lock:
            self.server.refs[ref] += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, format, *args):
        return


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", default="sms_bench")
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument(
        "--born-today",
        type=float,
        default=0.01,
        help="share of the members born today (default 1%%)",
    )
    parser.add_argument("--send", type=int, default=500, help="queued SMS to send")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        ["-c", str(ROOT / ".odoo/odoo.conf"), "-d", args.database], setup_logging=False
    )
    registry = Registry(args.database)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    server.daemon_threads = True
    server.refs = Counter()
    server.lock = threading.Lock()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/send"

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        cleanup(env)
        company.write(
            {
                "membership_sms_welcome": False,
                "membership_sms_birthday": True,
                "membership_sms_quiet_start": 0.0,
                "membership_sms_quiet_end": 0.0,
            }
        )
        env["membership.sms.gateway"].search([("company_id", "=", company.id)]).active = False
        # The local gateway is on loopback: allowed for the bench's duration.
        params = env["ir.config_parameter"]
        allow_private = params.get_param(ALLOW_PRIVATE_PARAM)
        params.set_param(ALLOW_PRIVATE_PARAM, "1")
        gateway = env["membership.sms.gateway"].create(
            {"name": TAG, "url": url, "success_pattern": "^OK", "timeout": 5.0}
        )
        today = date.today()
        t0 = time.perf_counter()
        # Bench data straight in SQL (an ORM create of 100k partners would dominate).
        every = max(1, round(1 / args.born_today)) if args.born_today else 0
        cr.execute(
            """
            INSERT INTO res_partner (name, complete_name, active, is_member, type,
                                     member_birthdate, phone, phone_sanitized, tz, company_id,
                                     autopost_bills, create_date, write_date)
            SELECT %(tag)s || ' ' || i, %(tag)s || ' ' || i, TRUE, TRUE, 'contact',
                   CASE WHEN %(every)s > 0 AND i %% %(every)s = 0
                        THEN %(today)s::date - INTERVAL '30 years'
                        ELSE DATE '1980-01-01' + (i %% 365) END,
                   '+3247' || LPAD(i::text, 7, '0'), '+3247' || LPAD(i::text, 7, '0'),
                   'UTC', %(company)s, 'ask', NOW(), NOW()
              FROM generate_series(1, %(n)s) AS i
            """,
            {"tag": TAG, "every": every, "today": today, "company": company.id, "n": args.members},
        )
        cr.commit()
        print(
            f"members created (SQL):          {args.members:>8}  {time.perf_counter() - t0:7.2f} s"
        )

        t0 = time.perf_counter()
        queued = env["membership.sms"]._membership_cron_birthday()
        took = time.perf_counter() - t0
        print(
            f"birthday batch queued:          {len(queued):>8}  {took:7.2f} s"
            f"  (for {args.members} members)"
        )
        record(f"SMS: birthday batch for {args.members:,} members", took, "s", goal=30, issue=7)
        t0 = time.perf_counter()
        again = env["membership.sms"]._membership_cron_birthday()
        print(f"birthday re-run queued:         {len(again):>8}  {time.perf_counter() - t0:7.2f} s")
        queued.write({"state": "cancelled"})  # keep the send test to its own count
        cr.commit()

        partners = env["res.partner"].search([("name", "=like", f"{TAG} %")], limit=args.send)
        t0 = time.perf_counter()
        env["membership.sms"]._membership_queue(
            partners, "campaign", body="Bench {{ object.name }}", campaign_name=TAG
        )
        cr.commit()
        print(
            f"campaign SMS queued:            {len(partners):>8}  {time.perf_counter() - t0:7.2f} s"
        )

    def worker():
        with registry.cursor() as wcr:
            wenv = api.Environment(wcr, SUPERUSER_ID, {})
            wenv["membership.sms"]._membership_cron_send(batch_size=100, commit=True)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - t0
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        sent = env["membership.sms"].search_count(
            [("campaign_name", "=", TAG), ("state", "=", "sent")]
        )
        requests_seen = sum(server.refs.values())
        duplicates = sum(1 for n in server.refs.values() if n > 1)
        print(
            f"SMS sent to the local gateway:  {sent:>8}  {took:7.2f} s"
            f"  ({sent / took if took else 0:.0f}/s, {args.workers} workers)"
        )
        print(f"gateway requests: {requests_seen}, keys sent twice: {duplicates}")
        record(
            f"SMS: {sent:,} sent to a local gateway", sent / took if took else 0, "SMS/s", issue=7
        )
        record("SMS: keys sent twice", duplicates, "SMS", goal=0, issue=7)
        gateway = env["membership.sms.gateway"].browse(gateway.id)
        cleanup(env)
        # This cursor's environment: the one ``params`` came from is closed by now.
        env["ir.config_parameter"].set_param(ALLOW_PRIVATE_PARAM, allow_private or False)
        cr.commit()
    server.shutdown()


def cleanup(env):
    """Remove the bench's rows (superuser: the outbox refuses deletes from users)."""
    partner_ids = (
        env["res.partner"]
        .with_context(active_test=False)
        .search([("name", "=like", f"{TAG} %")])
        .ids
    )
    env.cr.execute(
        "DELETE FROM membership_sms WHERE partner_id = ANY(%s) OR campaign_name = %s",
        [partner_ids, TAG],
    )
    env.cr.execute("DELETE FROM res_partner WHERE id = ANY(%s)", [partner_ids])
    env.cr.execute("DELETE FROM membership_sms_gateway WHERE name->>'en_US' = %s", [TAG])
    env.invalidate_all()


if __name__ == "__main__":
    main()
