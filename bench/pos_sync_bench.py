#!/usr/bin/env python3
"""POS order sync with and without membership, against Odoo's own pos_loyalty: prints figures.

On the same products and the same members, in one run, N orders of each kind are synced
through the server calls the till makes (`pos.order.sync_from_ui`, and for pos_loyalty
also `validate_coupon_programs` before and `confirm_coupon_programs` after, with the
coupon data its front end sends):

- plain: an order without a customer, paid in cash (the baseline);
- member: the same lines for a member, with the tier's line discounts; points earned
  on the server in the sync transaction;
- wallet: the member's order paid from the membership wallet;
- pos_loyalty points: the plain lines for a customer, earning on a loyalty card of a
  "loyalty" program (three round trips, as its front end does);
- pos_loyalty eWallet: the plain lines paid by an eWallet reward line (three round trips).
The pos_loyalty customers are not members, so nothing of membership_loyalty is posted
on the peer's orders. Round trips made when a customer is picked (our member lookup,
pos_loyalty's card fetch) are not counted: only those of paying the order.

Each round trip starts with an empty ORM cache and ends with a flush (the precommit
hooks of a request), so queries per order are those of real requests; wall time is
measured in-process (no HTTP). The kinds are interleaved order by order so that load
from other processes weighs on them alike. Ratios are against plain, measured in the
same run. Everything happens in one transaction that is rolled back: the database is
left unchanged.

Needs membership_loyalty and pos_loyalty installed and bench/generate.py data (members
with tiers and an openable till), e.g. as scripts/bench.sh builds it:
    .venv/bin/python bench/pos_sync_bench.py -d DB --orders 40
Goals (issue 21, were 1.15x / +8 and 1.2x / +12 in issue 5): member earn <= 1.05x plain
and <= +4 queries; wallet spend <= 1.08x plain and <= +5 queries, in one round trip.
``--trace member`` (or ``wallet``) prints the queries one such order runs from
membership_loyalty code, with the call chain.
"""

import argparse
import statistics
import time
import uuid
from pathlib import Path

from figures import record
from query_trace import print_addon_queries, traced_queries

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("plain", "member", "wallet", "loyalty points", "loyalty eWallet")
DISCOUNT = 10.0


class Bench:
    def __init__(self, env, orders, lines, warmup, sms=False):
        self.env = env  # the till's user, no superuser mode
        self.sms = sms
        self.su = env(su=True)  # fixtures only
        self.count = orders + warmup
        self.warmup = warmup
        self.lines = lines

    # ------------------------------------------------------------------ fixtures
    def setup(self):
        su = self.su
        company = su.company
        Product = su["product.product"]
        products = Product.search(
            [("name", "=like", "Generated product %"), ("available_in_pos", "=", True)],
            limit=self.lines,
            order="id",
        )
        if len(products) < self.lines:
            products |= Product.create(
                [
                    {"name": f"Sync bench product {i}", "list_price": 4.5 + i, "taxes_id": False}
                    for i in range(self.lines - len(products))
                ]
            )
        category = su["product.category"].create({"name": "Sync bench category"})
        products.write({"categ_id": category.id, "available_in_pos": True, "taxes_id": False})
        self.products = products
        if self.sms:
            # A member's paid order queues the purchase SMS, as in a shop that sends it.
            company.membership_sms_purchase = True
        tiers = su["membership.tier"].search([("company_id", "in", [company.id, False])])
        su["membership.tier.discount"].create(
            [{"tier_id": t.id, "category_id": category.id, "discount": DISCOUNT} for t in tiers]
        )
        self.members = su["res.partner"].search(
            [("is_member", "=", True), ("member_tier_id", "in", tiers.ids)],
            limit=self.count,
            order="id",
        )
        if len(self.members) < self.count:
            raise SystemExit(
                f"needs {self.count} members with a tier (bench/generate.py), "
                f"found {len(self.members)}"
            )
        config = su["pos.config"].search([("company_id", "=", company.id)], limit=1)
        journal = su["account.journal"].create(
            {"name": "Sync bench wallet", "type": "bank", "code": "SBWL", "company_id": company.id}
        )
        self.wallet_method = su["pos.payment.method"].create(
            {"name": "Sync bench wallet", "journal_id": journal.id, "membership_is_wallet": True}
        )
        config.payment_method_ids = [(4, self.wallet_method.id)]
        self.cash_method = config.payment_method_ids.filtered("is_cash_count")[:1]
        if not config.current_session_id:
            config.with_env(self.env).open_ui()
        self.session = config.current_session_id
        self.config = config
        # Every member has money in the wallet and a card of each pos_loyalty program.
        Account = su["membership.account"]
        cash_journal = self.cash_method.journal_id
        for member in self.members:
            Account._membership_get_account(member, company)._membership_wallet_topup(
                200, f"sync-bench:{uuid.uuid4().hex}", journal=cash_journal
            )
        Program = su["loyalty.program"]
        self.points_program = Program.create(
            {"name": "Sync bench points", "program_type": "loyalty", "pos_ok": True}
        )
        topup = su["product.product"].create(
            {"name": "Sync bench eWallet top-up", "type": "service", "taxes_id": False}
        )
        self.ewallet_program = Program.create(
            {
                "name": "Sync bench eWallet",
                "program_type": "ewallet",
                "pos_ok": True,
                "trigger": "auto",
                "applies_on": "future",
                "rule_ids": [
                    (0, 0, {"reward_point_mode": "money", "product_ids": [(6, 0, topup.ids)]})
                ],
                "reward_ids": [
                    (
                        0,
                        0,
                        {
                            "reward_type": "discount",
                            "discount_mode": "per_point",
                            "discount": 1,
                            "discount_applicability": "order",
                            "required_points": 1,
                            "description": "eWallet",
                        },
                    )
                ],
            }
        )
        self.ewallet_reward = self.ewallet_program.reward_ids[:1]
        # pos_loyalty's customers are not members: the peer's figures are its own alone,
        # with nothing of membership_loyalty posted on its orders.
        self.customers = su["res.partner"].create(
            [{"name": f"Sync bench customer {i}"} for i in range(self.count)]
        )
        Card = su["loyalty.card"].with_context(action_no_send_mail=True)
        self.points_cards = Card.create(
            [{"program_id": self.points_program.id, "partner_id": c.id} for c in self.customers]
        )
        self.ewallet_cards = Card.create(
            [
                {"program_id": self.ewallet_program.id, "partner_id": c.id, "points": 200}
                for c in self.customers
            ]
        )
        su.flush_all()

    # ------------------------------------------------------------------ payloads
    def payload(self, partner=None, discount=0.0, method=None):
        lines, total = [], 0.0
        for qty, product in enumerate(self.products, start=1):
            price = product.lst_price
            subtotal = round(qty * price * (1 - discount / 100), 2)
            total += subtotal
            lines.append(
                [
                    0,
                    0,
                    {
                        "product_id": product.id,
                        "qty": qty,
                        "price_unit": price,
                        "discount": discount,
                        "price_subtotal": subtotal,
                        "price_subtotal_incl": subtotal,
                        "tax_ids": [],
                    }
                    | ({"membership_discount": discount} if discount else {}),
                ]
            )
        total = round(total, 2)
        order = {
            "uuid": str(uuid.uuid4()),
            "name": f"Sync bench {uuid.uuid4().hex[:8]}",
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
            "payment_ids": [
                [0, 0, {"amount": total, "payment_method_id": (method or self.cash_method).id}]
            ],
        }
        return order, total

    # ------------------------------------------------------------------ round trips
    def call(self, func):
        """One request: fresh cache, the call, the flush and precommit hooks of its commit."""
        env = self.env
        env.invalidate_all()
        # A request's cursor starts with an empty cursor cache too (what a transaction
        # remembers there, e.g. the membership accounts it locked, ends with its commit).
        env.cr.cache.clear()
        func()
        env.cr.flush()

    def validate(self, points_changes):
        """pos_loyalty's check before the sync; a refusal would make the figures lie."""
        result = {}

        def run():
            result.update(self.env["pos.order"].validate_coupon_programs(points_changes, []))

        self.call(run)
        if not result.get("successful"):
            raise SystemExit(f"pos_loyalty refused the order: {result.get('payload')}")

    def sync(self, order):
        result = {}

        def run():
            result.update(self.env["pos.order"].sync_from_ui([order]))

        self.call(run)
        return result["pos.order"][0]["id"]

    def plain(self, i):
        self.sync(self.payload()[0])
        return 1

    def member(self, i):
        self.sync(self.payload(self.members[i], DISCOUNT)[0])
        return 1

    def wallet(self, i):
        self.sync(self.payload(self.members[i], DISCOUNT, self.wallet_method)[0])
        return 1

    def loyalty_points(self, i):
        """Earn on a loyalty card: what pos_loyalty's front end sends for a member."""
        partner, card = self.customers[i], self.points_cards[i]
        order, total = self.payload(partner)
        points = total  # "money" rule: 1 point per currency unit
        Order = self.env["pos.order"]
        self.validate({str(card.id): points})
        order_id = self.sync(order)
        coupon_data = {
            str(card.id): {
                "points": points,
                "program_id": self.points_program.id,
                "coupon_id": card.id,
                "barcode": False,
                "partner_id": partner.id,
            }
        }
        self.call(lambda: Order.browse(order_id).confirm_coupon_programs(coupon_data))
        return 3

    def loyalty_ewallet(self, i):
        """Pay with an eWallet: a reward line taking the total off, as pos_loyalty does."""
        partner, card = self.customers[i], self.ewallet_cards[i]
        order, total = self.payload(partner)
        code = uuid.uuid4().hex[:12]
        reward = self.ewallet_reward
        order["lines"].append(
            [
                0,
                0,
                {
                    "product_id": reward.discount_line_product_id.id,
                    "qty": 1,
                    "price_unit": -total,
                    "discount": 0.0,
                    "price_subtotal": -total,
                    "price_subtotal_incl": -total,
                    "tax_ids": [],
                    "is_reward_line": True,
                    "reward_id": reward.id,
                    "coupon_id": card.id,
                    "reward_identifier_code": code,
                    "points_cost": total,
                },
            ]
        )
        order.update(amount_total=0.0, amount_paid=0.0, payment_ids=[])
        Order = self.env["pos.order"]
        self.validate({str(card.id): -total})
        order_id = self.sync(order)
        coupon_data = {
            str(card.id): {
                "points": -total,
                "program_id": self.ewallet_program.id,
                "coupon_id": card.id,
                "barcode": False,
                "partner_id": partner.id,
                "expiration_date": False,
                "line_codes": [code],
            }
        }
        self.call(lambda: Order.browse(order_id).confirm_coupon_programs(coupon_data))
        return 3

    # ------------------------------------------------------------------ measure
    def run(self):
        cr = self.env.cr
        runners = dict(
            zip(
                KINDS,
                (self.plain, self.member, self.wallet, self.loyalty_points, self.loyalty_ewallet),
                strict=True,
            )
        )
        times = {kind: [] for kind in KINDS}
        queries = {kind: [] for kind in KINDS}
        trips = {}
        for i in range(self.count):
            for kind, runner in runners.items():
                before = cr.sql_log_count
                start = time.perf_counter()
                trips[kind] = runner(i)
                elapsed = (time.perf_counter() - start) * 1000
                if i >= self.warmup:
                    times[kind].append(elapsed)
                    queries[kind].append(cr.sql_log_count - before)
        return times, queries, trips

    def check(self):
        """What the runs posted, so that a figure never hides a sync that did nothing."""
        su = self.su
        su.invalidate_all()
        orders = su["pos.order"].search([("session_id", "=", self.session.id)])
        earned = su["membership.points.move"].search_count(
            [("pos_order_id", "in", orders.ids), ("kind", "=", "earn")]
        )
        spent = su["membership.wallet.move"].search_count(
            [("pos_order_id", "in", orders.ids), ("kind", "=", "spend")]
        )
        points = sum(self.points_cards.mapped("points"))
        ewallet = sum(self.ewallet_cards.mapped("points"))
        reviews = orders.filtered(
            lambda o: o.membership_discount_review or o.membership_wallet_review
        )
        return (
            f"orders {len(orders)}, membership earn moves {earned}, wallet spends {spent}, "
            f"pos_loyalty points on cards {points:.0f}, eWallet left {ewallet:.0f} "
            f"of {200 * len(self.ewallet_cards)}, orders flagged for review {len(reviews)}"
        )


def trace(bench, kind):
    """Print the queries one order of ``kind`` runs from membership_loyalty code, with the
    addon's call chain (to find avoidable ones); the rest are Odoo's own."""
    runner = getattr(bench, kind.replace(" ", "_"))
    runner(0)  # warm the registry caches
    with traced_queries() as log:
        runner(1)
    end = time.perf_counter()
    ours = print_addon_queries(log)
    print(f"{kind}: {len(log)} queries, {ours} of them under membership_loyalty calls")
    # The member's account is locked by its first UPDATE or FOR UPDATE until the commit
    # (here: the end of the request's flush).
    locks = [
        (index, at)
        for index, (_where, code, at) in enumerate(log)
        if "UPDATE membership_account" in code
        or ("FROM membership_account" in code and "FOR UPDATE" in code)
    ]
    if locks:
        first, at = locks[0]
        print(
            f"account lock held for {len(log) - first} queries, {(end - at) * 1000:.1f} ms "
            "(from the lock to the end of the request)"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--orders", type=int, default=40, help="orders measured per kind")
    parser.add_argument("--lines", type=int, default=3, help="product lines per order")
    parser.add_argument("--warmup", type=int, default=3, help="orders per kind not measured")
    parser.add_argument(
        "--trace",
        choices=["member", "wallet"],
        help="only print where one order's queries come from in membership_loyalty",
    )
    parser.add_argument(
        "--sms", action="store_true", help="the company sends the purchase SMS to members"
    )
    args = parser.parse_args()

    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        ["-c", str(ROOT / ".odoo/odoo.conf"), "-d", args.database], setup_logging=False
    )
    registry = Registry(args.database)
    if "pos_loyalty" not in registry._init_modules:
        raise SystemExit("pos_loyalty is not installed in this database (scripts/bench.sh does)")
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        # The admin user, not the superuser: the till's rights and record rules apply.
        env = env(user=env.ref("base.user_admin"))
        bench = Bench(env, args.orders, args.lines, args.warmup, sms=args.sms)
        try:
            bench.setup()
            if args.trace:
                trace(bench, args.trace)
                return
            times, queries, trips = bench.run()
            print(bench.check())
        finally:
            cr.rollback()
    report(times, queries, trips, args.orders)


def report(times, queries, trips, orders):
    median = {kind: statistics.median(values) for kind, values in times.items()}
    per_order = {kind: statistics.mean(values) for kind, values in queries.items()}
    print(f"{orders} orders per kind, interleaved; time = median per order (all its round trips)")
    print(
        f"{'kind':<18} {'ms/order':>9} {'p90 ms':>8} {'x plain':>8} {'queries':>8} "
        f"{'+queries':>9} {'round trips':>12}"
    )
    for kind in KINDS:
        p90 = sorted(times[kind])[int(len(times[kind]) * 0.9) - 1]
        print(
            f"{kind:<18} {median[kind]:9.1f} {p90:8.1f} {median[kind] / median['plain']:8.2f} "
            f"{per_order[kind]:8.1f} {per_order[kind] - per_order['plain']:+9.1f} "
            f"{trips[kind]:>12}"
        )
    plain_t, plain_q = median["plain"], per_order["plain"]
    baseline = "plain POS order sync (no member), same run"
    goals = {
        "member": ("member, earn + tier discount", 1.05, 4),
        "wallet": ("member, paid from the wallet", 1.08, 5),
        "loyalty points": ("pos_loyalty points (peer)", None, None),
        "loyalty eWallet": ("pos_loyalty eWallet (peer)", None, None),
    }
    record("POS sync: plain order, no member (baseline)", plain_t, "ms/order", issue=5)
    record("POS sync: plain order, no member: queries", plain_q, "queries", issue=5)
    for kind, (label, goal_ratio, goal_extra) in goals.items():
        issue = 21 if goal_extra is not None else 5
        record(
            f"POS sync: {label}",
            median[kind],
            "ms/order",
            goal_ratio=goal_ratio,
            baseline=plain_t,
            baseline_label=baseline,
            issue=issue,
        )
        record(
            f"POS sync: {label}: queries over plain",
            per_order[kind] - plain_q,
            "queries",
            goal=goal_extra,
            goal_text=f"<= +{goal_extra}" if goal_extra is not None else None,
            issue=issue,
        )
        record(
            f"POS sync: {label}: round trips",
            trips[kind],
            "trips",
            goal=1 if goal_extra is not None else None,
            goal_text="1" if goal_extra is not None else None,
            issue=5,
        )
    for ours, peer, label in (
        ("member", "loyalty points", "member earn vs pos_loyalty points"),
        ("wallet", "loyalty eWallet", "wallet payment vs pos_loyalty eWallet"),
    ):
        record(
            f"POS sync: {label}",
            median[ours],
            "ms/order",
            baseline=median[peer],
            baseline_label=f"pos_loyalty {peer.split()[1]} order, its 3 round trips, same lines",
            issue=5,
        )


if __name__ == "__main__":
    main()
