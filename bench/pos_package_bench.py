#!/usr/bin/env python3
"""POS sync of an order using a prepaid package, against a plain order: prints figures.

On the same products, in one run, N orders of each kind are synced through the call the
till makes (`pos.order.sync_from_ui`), interleaved order by order:

- plain: the product lines and the service (a haircut paid at its price) without a
  customer, paid in cash (the baseline);
- member: the same lines for a member (points earned in the sync transaction);
- package: the same basket for a member, the service taken from the member's package at
  price 0: the server checks the claim and posts the use in the same transaction
  (package lock, idempotency key, counts, receipt text).

The three baskets hold the same lines, so the ratio is what using a package costs over
selling the same service plainly.

Each round trip starts with an empty ORM cache and ends with a flush, as a request does;
wall time is measured in-process. Everything happens in one transaction rolled back at
the end: the database is left unchanged. Members, products and packages are the bench's
own; the database needs membership_loyalty and a till (pos.config), e.g. as
scripts/bench.sh builds it:
    .venv/bin/python bench/pos_package_bench.py -d DB --orders 40
Goal (issue 18): an order using a package <= 1.15x a plain order.
"""

import argparse
import statistics
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from figures import record
from query_trace import print_addon_queries, traced_queries

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("plain", "member", "package")


class Bench:
    def __init__(self, env, orders, lines, warmup):
        self.env = env  # the till's user, no superuser mode
        self.su = env(su=True)  # fixtures only
        self.count = orders + warmup
        self.warmup = warmup
        self.lines = lines

    def setup(self):
        su = self.su
        company = su.company
        Product = su["product.product"]
        self.products = Product.create(
            [
                {
                    "name": f"Package bench product {i}",
                    "list_price": 4.5 + i,
                    "taxes_id": False,
                    "available_in_pos": True,
                }
                for i in range(self.lines)
            ]
        )
        self.service = Product.create(
            {
                "name": "Package bench cut",
                "type": "service",
                "list_price": 30.0,
                "taxes_id": False,
                "available_in_pos": True,
            }
        )
        package_type = su["membership.package.type"].create(
            {
                "name": "Package bench 10 cuts",
                "price": 250.0,
                "company_id": company.id,
                "line_ids": [(0, 0, {"product_id": self.service.id, "uses": 10})],
            }
        )
        self.members = su["res.partner"].create(
            [
                {"name": f"Package bench member {i}", "is_member": True, "company_id": company.id}
                for i in range(self.count)
            ]
        )
        Package = su["membership.package"]
        now = datetime.now(UTC).replace(tzinfo=None)
        self.package_lines = [
            Package._membership_sell(
                package_type, member, f"package-bench:{uuid.uuid4().hex}", 250.0, now
            ).line_ids[:1]
            for member in self.members
        ]
        config = su["pos.config"].search([("company_id", "=", company.id)], limit=1)
        if not config:
            raise SystemExit("needs a till (pos.config): run bench/generate.py first")
        self.cash_method = config.payment_method_ids.filtered("is_cash_count")[:1]
        if not config.current_session_id:
            config.with_env(self.env).open_ui()
        self.session = config.current_session_id
        self.config = config
        su.flush_all()

    def payload(self, partner=None, package_line=None):
        lines, total = [], 0.0
        for qty, product in enumerate(self.products, start=1):
            subtotal = round(qty * product.lst_price, 2)
            total += subtotal
            vals = {
                "product_id": product.id,
                "qty": qty,
                "price_unit": product.lst_price,
                "discount": 0.0,
                "price_subtotal": subtotal,
                "price_subtotal_incl": subtotal,
                "tax_ids": [],
            }
            lines.append([0, 0, vals])
        # the service: paid at its price, or taken from the member's package at price 0
        price = 0.0 if package_line else self.service.lst_price
        service = {
            "uuid": str(uuid.uuid4()),
            "product_id": self.service.id,
            "qty": 1,
            "price_unit": price,
            "discount": 0.0,
            "price_subtotal": price,
            "price_subtotal_incl": price,
            "tax_ids": [],
        }
        if package_line:
            service["membership_package_line_id"] = package_line.id
        total += price
        lines.append([0, 0, service])
        total = round(total, 2)
        return {
            "uuid": str(uuid.uuid4()),
            "name": f"Package bench {uuid.uuid4().hex[:8]}",
            "session_id": self.session.id,
            "partner_id": partner.id if partner else False,
            "user_id": self.env.uid,
            "pricelist_id": self.config.pricelist_id.id,
            "date_order": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            "amount_total": total,
            "amount_paid": total,
            "amount_tax": 0.0,
            "amount_return": 0.0,
            "state": "paid",
            "lines": lines,
            "payment_ids": [[0, 0, {"amount": total, "payment_method_id": self.cash_method.id}]],
        }

    def sync(self, order):
        """One request: fresh caches, the call, the flush of its commit."""
        env = self.env
        env.invalidate_all()
        env.cr.cache.clear()
        env["pos.order"].sync_from_ui([order])
        env.cr.flush()

    def run(self):
        cr = self.env.cr
        runners = {
            "plain": lambda i: self.payload(),
            "member": lambda i: self.payload(self.members[i]),
            "package": lambda i: self.payload(self.members[i], self.package_lines[i]),
        }
        times = {kind: [] for kind in KINDS}
        queries = {kind: [] for kind in KINDS}
        for i in range(self.count):
            for kind, build in runners.items():
                order = build(i)
                before = cr.sql_log_count
                start = time.perf_counter()
                self.sync(order)
                elapsed = (time.perf_counter() - start) * 1000
                if i >= self.warmup:
                    times[kind].append(elapsed)
                    queries[kind].append(cr.sql_log_count - before)
        return times, queries

    def check(self):
        """What the runs posted, so that a figure never hides a sync that did nothing."""
        su = self.su
        su.invalidate_all()
        orders = su["pos.order"].search([("session_id", "=", self.session.id)])
        uses = su["membership.package.move"].search_count(
            [("pos_order_id", "in", orders.ids), ("kind", "=", "use")]
        )
        held = su["pos.order"].search_count(
            [("id", "in", orders.ids), ("membership_package_review", "=", True)]
        )
        return f"orders {len(orders)}, package uses posted {uses}, orders held {held}"


def trace(bench, kind):
    """Print the queries one order of ``kind`` runs under membership_loyalty calls, with
    the addon's call chain (to find avoidable ones), and its query count."""
    builds = {
        "plain": lambda i: bench.payload(),
        "member": lambda i: bench.payload(bench.members[i]),
        "package": lambda i: bench.payload(bench.members[i], bench.package_lines[i]),
    }
    bench.sync(builds[kind](0))  # warm the registry caches
    if kind == "package":
        bench.sync(builds["member"](1))  # as in the run: the member's order came first
    order = builds[kind](1)
    with traced_queries() as log:
        bench.sync(order)
    print_addon_queries(log)
    print(f"{kind}: {len(log)} queries")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--orders", type=int, default=40, help="orders measured per kind")
    parser.add_argument("--lines", type=int, default=3, help="product lines per order")
    parser.add_argument("--warmup", type=int, default=3, help="orders per kind not measured")
    parser.add_argument(
        "--trace",
        choices=KINDS,
        help="only print where one order's queries come from in membership_loyalty",
    )
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        ["-c", str(ROOT / ".odoo/odoo.conf"), "-d", args.database], setup_logging=False
    )
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        # The admin user, not the superuser: the till's rights and record rules apply.
        env = env(user=env.ref("base.user_admin"))
        bench = Bench(env, args.orders, args.lines, args.warmup)
        try:
            bench.setup()
            if args.trace:
                trace(bench, args.trace)
                return
            times, queries = bench.run()
            print(bench.check())
        finally:
            cr.rollback()
    report(times, queries, args.orders)


def report(times, queries, orders):
    median = {kind: statistics.median(values) for kind, values in times.items()}
    per_order = {kind: statistics.mean(values) for kind, values in queries.items()}
    print(f"{orders} orders per kind, interleaved; time = median per order")
    print(f"{'kind':<10} {'ms/order':>9} {'x plain':>8} {'queries':>8} {'+queries':>9}")
    for kind in KINDS:
        print(
            f"{kind:<10} {median[kind]:9.1f} {median[kind] / median['plain']:8.2f} "
            f"{per_order[kind]:8.1f} {per_order[kind] - per_order['plain']:+9.1f}"
        )
    baseline = "plain POS order sync (no member), same run"
    record(
        "POS sync: member order using a prepaid package",
        median["package"],
        "ms/order",
        goal_ratio=1.15,
        baseline=median["plain"],
        baseline_label=baseline,
        issue=18,
    )
    record(
        "POS sync: member order using a prepaid package: queries over plain",
        per_order["package"] - per_order["plain"],
        "queries",
        issue=18,
    )


if __name__ == "__main__":
    main()
