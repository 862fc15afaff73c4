#!/usr/bin/env python3
"""Data generator: fills a membership_loyalty database with realistic volumes.

Creates members (regions, E.164 phones, birthdates, genders), cards in every state,
tiers, two years of paid POS orders with lines (Pareto spend per member, a December
peak, churners who stop buying, refunds as negative orders), points and wallet moves
for a share of members (account balances equal to the sums of their moves) and the
members' stored activity figures. The bulk is written with set-based SQL
(INSERT ... SELECT generate_series / unnest) in batches of members, after the few
configuration records (products, till, closed session, tiers, card type) are created
through the ORM. Everything is committed at the end, in one transaction.

    scripts/odoo-bin -d gen_t -i membership_loyalty --without-demo --stop-after-init
    .venv/bin/python bench/generate.py --database gen_t --preset quick

Presets: quick = 5,000 members (~50k order lines), full = 100,000 members (~1M lines).
Goal: the full preset in <= 10 minutes on 2 cores.
"""

import argparse
import random
import time
from pathlib import Path

from figures import record

ROOT = Path(__file__).resolve().parent.parent

PRESETS = {"quick": 5_000, "full": 100_000}
BATCH = 10_000  # members per batch of orders
ORDERS_PER_MEMBER = 3.0  # mean over all members; Pareto-shaped per member
ANONYMOUS_SHARE = 0.25  # orders without a member
REFUND_SHARE = 0.03
CHURN_SHARE = 0.2
POINTS_SHARE = 0.3  # members with a points account
WALLET_SHARE = 0.1  # members with a wallet
# Card states of the members' current card; each "replaced" card also gets an active successor.
CARD_STATES = [
    ("active", 0.80),
    ("draft", 0.04),
    ("expired", 0.04),
    ("lost", 0.03),
    ("blocked", 0.03),
    ("replaced", 0.04),
    ("returned", 0.02),
]
AREA_CODES = [201, 202, 206, 212, 303, 305, 312, 404, 415, 503, 602, 617, 702, 713, 818]


def luhn_digit(digits):
    from odoo.addons.membership_loyalty.models.membership_card import luhn_check_digit

    return luhn_check_digit(digits)


class Generator:
    def __init__(self, env, members, seed=42):
        self.env = env
        self.cr = env.cr
        self.members = members
        self.company = env.company
        self.rng = random.Random(seed)
        self.seed = seed
        self.counts = {}

    # ------------------------------------------------------------------ helpers
    def sql(self, query, *args):
        from odoo.tools import SQL

        self.cr.execute(SQL(query, *args))
        return self.cr.rowcount

    def insert(self, table, columns, source, *args):
        """INSERT INTO table (columns) SELECT expressions <source>, after checking that every
        NOT NULL column without a default is filled (booleans and numbers get FALSE / 0)."""
        from odoo.tools import SQL

        self.cr.execute(
            """SELECT column_name, data_type FROM information_schema.columns
                WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL""",
            (table,),
        )
        columns = dict(columns)
        for name, data_type in self.cr.fetchall():
            if name in columns:
                continue
            if data_type == "boolean":
                columns[name] = "FALSE"
            elif data_type in ("integer", "numeric", "double precision", "bigint"):
                columns[name] = "0"
            else:
                raise RuntimeError(f"{table}.{name} ({data_type}) is NOT NULL: fill it")
        for audit in ("create_uid", "write_uid"):
            columns.setdefault(audit, str(self.env.uid))
        for audit in ("create_date", "write_date"):
            columns.setdefault(audit, "NOW() AT TIME ZONE 'UTC'")
        query = SQL(
            "INSERT INTO %s (%s) SELECT %s %s",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(name) for name in columns),
            SQL(", ").join(SQL(value) for value in columns.values()),
            SQL(source, *args),
        )
        self.cr.execute(query)
        self.counts[table] = self.counts.get(table, 0) + self.cr.rowcount
        return self.cr.rowcount

    def reserve(self, code, count):
        """Take ``count`` numbers from the ir.sequence ``code`` so later ORM numbers follow."""
        sequence = self.env["ir.sequence"].search(
            [("code", "=", code), ("company_id", "in", [self.company.id, False])], limit=1
        )
        prefix, suffix = sequence._get_prefix_suffix()
        start = sequence.number_next_actual
        sequence.write({"number_next": start + count})
        return [
            f"{prefix}{str(number).zfill(sequence.padding)}{suffix}"
            for number in range(start, start + count)
        ]

    # ------------------------------------------------------------------ configuration
    def configure(self):
        env = self.env
        self.country = env.ref("base.us")
        self.states = env["res.country.state"].search([("country_id", "=", self.country.id)])
        self.products = env["product.product"].create(
            [
                {
                    "name": f"Generated product {i:02d}",
                    "list_price": round(0.5 + (i * 7.3) % 24, 2),
                    "available_in_pos": True,
                    "taxes_id": [(5, 0, 0)],
                }
                for i in range(30)
            ]
        )
        self.config = env["pos.config"].create({"name": "Generated till"})
        self.session = env["pos.session"].create({"config_id": self.config.id, "user_id": env.uid})
        # A closed session with real start and stop times (the POS reads the last closing).
        from odoo import fields

        now = fields.Datetime.now()
        self.session.write({"state": "closed", "start_at": now, "stop_at": now})
        self.card_type = env["membership.card.type"].create(
            {"name": "Generated standard card", "company_id": self.company.id}
        )
        tiers = env["membership.tier"].search([("company_id", "in", [self.company.id, False])])
        if not tiers:
            tiers = env["membership.tier"].create(
                [
                    {"name": "Bronze", "sequence": 1, "threshold": 0},
                    {"name": "Silver", "sequence": 2, "threshold": 300, "earn_multiplier": 1.25},
                    {"name": "Gold", "sequence": 3, "threshold": 1200, "earn_multiplier": 1.5},
                ]
            )
        self.tiers = tiers.filtered(lambda t: t.qualification == "spend")
        env.flush_all()
        self.sql("SELECT setseed(%s)", (self.seed % 1000) / 1000.0)

    # ------------------------------------------------------------------ members and cards
    def create_members(self):
        from odoo.tools import SQL

        count = self.members
        numbers = self.reserve("membership.member", count)
        phones = [
            f"+1{self.rng.choice(AREA_CODES)}{self.rng.randint(200, 999)}"
            f"{self.rng.randint(0, 9999):04d}"
            for _ in range(count)
        ]
        self.sql(
            "CREATE TEMP TABLE gen_member (idx int PRIMARY KEY, partner_id int) ON COMMIT DROP"
        )
        # Stored computed fields (birth month, age band, region) are written here too, the
        # way their compute methods would set them.
        age = "age(x.birth)"
        self.insert(
            "res_partner",
            {
                "name": "'Member ' || x.g",
                "complete_name": "'Member ' || x.g",
                "active": "TRUE",
                "type": "'contact'",
                "is_company": "FALSE",
                "company_id": str(self.company.id),
                "lang": "'en_US'",
                "is_member": "TRUE",
                "member_number": SQL("(%s::text[])[x.g]", numbers),
                "member_since": "(CURRENT_DATE - (random() * 1800)::int)",
                "member_birthdate": "x.birth",
                "member_birth_month": "EXTRACT(MONTH FROM x.birth)",
                "member_age_band": f"""CASE WHEN {age} >= interval '65 years' THEN '65_plus'
                                            WHEN {age} >= interval '55 years' THEN '55_64'
                                            WHEN {age} >= interval '45 years' THEN '45_54'
                                            WHEN {age} >= interval '35 years' THEN '35_44'
                                            WHEN {age} >= interval '25 years' THEN '25_34'
                                            WHEN {age} >= interval '18 years' THEN '18_24'
                                            ELSE 'under_18' END""",
                "member_gender": "CASE WHEN x.r < 0.49 THEN 'female' WHEN x.r < 0.97 THEN 'male'"
                " ELSE 'other' END",
                "country_id": str(self.country.id),
                "state_id": "s.id",
                "member_region": "s.name",
                "phone": SQL("(%s::text[])[x.g]", phones),
                "phone_sanitized": SQL("(%s::text[])[x.g]", phones),
                "email": "'member' || x.g || '@example.com'",
                "autopost_bills": "'ask'",
            },
            """FROM (SELECT g, random() AS r,
                            (%s::int[])[1 + (g * 7919) %% %s] AS state_id,
                            CURRENT_DATE - (6600 + random() * 21900)::int AS birth
                       FROM generate_series(1, %s) g) x
               JOIN res_country_state s ON s.id = x.state_id
              ORDER BY x.g""",
            self.states.ids,
            len(self.states),
            count,
        )
        self.sql(
            """INSERT INTO gen_member (idx, partner_id)
               SELECT n.idx, p.id
                 FROM unnest(%s::text[]) WITH ORDINALITY AS n(num, idx)
                 JOIN res_partner p ON p.member_number = n.num""",
            numbers,
        )

    def create_cards(self):
        self.cr.execute("SELECT idx, partner_id FROM gen_member ORDER BY idx")
        members = self.cr.fetchall()
        weights = [w for _, w in CARD_STATES]
        states = self.rng.choices([s for s, _ in CARD_STATES], weights, k=len(members))
        partners, card_states = [], []
        for (_idx, partner_id), state in zip(members, states, strict=True):
            partners.append(partner_id)
            card_states.append(state)
            if state == "replaced":  # the member carries its successor
                partners.append(partner_id)
                card_states.append("active")
        bases = self.reserve("membership.card", len(partners))
        numbers = [base + luhn_digit(base) for base in bases]
        self.insert(
            "membership_card",
            {
                "number": "c.number",
                "partner_id": "c.partner_id",
                "company_id": str(self.company.id),
                "card_type_id": str(self.card_type.id),
                "state": "c.state",
                "active": "TRUE",
                "issue_date": "CASE WHEN c.state <> 'draft' THEN p.member_since END",
                "expiry_date": "CASE WHEN c.state = 'expired' THEN CURRENT_DATE - 30"
                " WHEN c.state <> 'draft' THEN p.member_since + 3650 END",
            },
            """FROM unnest(%s::text[], %s::int[], %s::text[]) AS c(number, partner_id, state)
               JOIN res_partner p ON p.id = c.partner_id""",
            numbers,
            partners,
            card_states,
        )

    # ------------------------------------------------------------------ orders
    def prepare_orders(self):
        """Per member: Pareto visit count, churn date, active window."""
        self.sql(
            """CREATE TEMP TABLE gen_plan ON COMMIT DROP AS
               SELECT m.idx, m.partner_id,
                      GREATEST(p.member_since::timestamp, NOW() - interval '730 days') AS start_at,
                      (1 - random()) ^ (-1 / 1.16) AS weight,
                      random() < %s AS churner, random() AS churn_at
                 FROM gen_member m JOIN res_partner p ON p.id = m.partner_id""",
            CHURN_SHARE,
        )
        self.sql(
            """UPDATE gen_plan SET weight = LEAST(weight, 150),
                      churn_at = CASE WHEN churner
                                      THEN churn_at * EXTRACT(EPOCH FROM NOW() - start_at) END"""
        )
        self.sql(
            """ALTER TABLE gen_plan ADD visits int, ADD end_at timestamp;
               UPDATE gen_plan SET
                      visits = floor(weight * %s / (SELECT AVG(weight) FROM gen_plan) + random()),
                      end_at = CASE WHEN churner THEN start_at + make_interval(secs => churn_at)
                                    ELSE NOW() END""",
            ORDERS_PER_MEMBER * (1 - ANONYMOUS_SHARE) * 1.02,
        )
        self.sql(
            """CREATE TEMP TABLE gen_product ON COMMIT DROP AS
               SELECT row_number() OVER (ORDER BY pp.id) AS idx, pp.id,
                      pt.list_price AS price, pt.name->>'en_US' AS name
                 FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
                WHERE pp.id = ANY(%s)""",
            self.products.ids,
        )

    def create_orders(self, first, last):
        """Orders of members idx in [first, last] plus their share of anonymous orders."""
        # Seasonality by rejection: candidate dates are kept with a probability that peaks in
        # mid December (x1.35) and bottoms in June (x0.65).
        season = "(1 + 0.35 * cos(2 * pi() * (EXTRACT(DOY FROM d) - 350) / 365.25)) / 1.35"
        self.sql(
            f"""CREATE TEMP TABLE gen_order ON COMMIT DROP AS
               SELECT nextval('pos_order_id_seq') AS id, partner_id, d AS date_order,
                      1 + (random() * 3.999)::int AS n_lines, random() < %s AS refund
                 FROM (SELECT g.partner_id,
                              g.start_at + (g.end_at - g.start_at) * random() AS d
                         FROM gen_plan g
                        CROSS JOIN LATERAL generate_series(1, ceil(g.visits * 1.35)::int)
                        WHERE g.idx BETWEEN %s AND %s AND g.end_at > g.start_at
                       UNION ALL
                       SELECT NULL, NOW() - interval '730 days' * random()
                         FROM generate_series(1, %s)) c
                WHERE random() < {season}""",
            REFUND_SHARE,
            first,
            last,
            round((last - first + 1) * ORDERS_PER_MEMBER * ANONYMOUS_SHARE * 1.35),
        )
        self.sql(
            """CREATE TEMP TABLE gen_line ON COMMIT DROP AS
               SELECT nextval('pos_order_line_id_seq') AS id, o.id AS order_id, pr.id AS product_id,
                      pr.name, pr.price,
                      CASE WHEN o.refund THEN -1 ELSE 1 END * (1 + (random() < 0.25)::int) AS qty
                 FROM gen_order o
                CROSS JOIN LATERAL generate_series(1, o.n_lines) n
                 JOIN gen_product pr
                   ON pr.idx = 1 + ((o.id * 31 + n * 17 + (random() * 3)::int) %% %s)""",
            len(self.products),
        )
        self.sql(
            """CREATE TEMP TABLE gen_total ON COMMIT DROP AS
               SELECT order_id, SUM(qty * price) AS total FROM gen_line GROUP BY order_id"""
        )
        self.insert(
            "pos_order",
            {
                "id": "o.id",
                "name": "'GEN/' || lpad(o.id::text, 8, '0')",
                "pos_reference": "'GEN-' || lpad(o.id::text, 8, '0')",
                "uuid": "gen_random_uuid()::text",
                "access_token": "md5(o.id::text || random()::text)",
                "session_id": str(self.session.id),
                "config_id": str(self.config.id),
                "company_id": str(self.company.id),
                "user_id": str(self.env.uid),
                "partner_id": "o.partner_id",
                "pricelist_id": str(self.config.pricelist_id.id or "NULL"),
                "date_order": "o.date_order",
                "state": "'paid'",
                "amount_total": "t.total",
                # Paid goods, no top-up: what the server counts for the member's tier.
                "membership_qualifying_amount": "t.total",
                "amount_tax": "0",
                "amount_paid": "t.total",
                "amount_return": "0",
                "currency_rate": "1.0",
                "sequence_number": "o.id",
                "is_refund": "o.refund",
            },
            "FROM gen_order o JOIN gen_total t ON t.order_id = o.id",
        )
        self.insert(
            "pos_order_line",
            {
                "id": "l.id",
                "name": "'GEN/' || l.id",
                "full_product_name": "l.name",
                "order_id": "l.order_id",
                "company_id": str(self.company.id),
                "product_id": "l.product_id",
                "qty": "l.qty",
                "price_unit": "l.price",
                "price_subtotal": "l.qty * l.price",
                "price_subtotal_incl": "l.qty * l.price",
                "discount": "0",
                "uuid": "gen_random_uuid()::text",
            },
            "FROM gen_line l",
        )
        self.sql("DROP TABLE gen_order, gen_line, gen_total")

    # ------------------------------------------------------------------ ledgers
    def create_ledgers(self):
        """Earn moves on the orders of a share of members, redemptions, top-ups and spends.
        Accounts are inserted with balances equal to the sums of the moves."""
        company = self.company.id
        self.sql(
            """CREATE TEMP TABLE gen_pmove ON COMMIT DROP AS
               SELECT o.partner_id, o.date_order AS date, 'earn' AS kind,
                      floor(o.amount_total) AS points, 'gen:earn:' || o.id AS key, o.id AS order_id
                 FROM pos_order o JOIN gen_plan g ON g.partner_id = o.partner_id
                WHERE o.session_id = %s AND o.amount_total >= 1 AND g.idx %% 10 < %s""",
            self.session.id,
            round(POINTS_SHARE * 10),
        )
        self.sql(
            """INSERT INTO gen_pmove
               SELECT partner_id, MAX(date) + interval '1 hour', 'redeem',
                      -floor(SUM(points) / 2), 'gen:redeem:' || partner_id, NULL
                 FROM gen_pmove GROUP BY partner_id
               HAVING SUM(points) >= 2 AND partner_id %% 2 = 0"""
        )
        self.sql(
            """CREATE TEMP TABLE gen_wmove ON COMMIT DROP AS
               SELECT g.partner_id, g.start_at AS date, k.kind, k.paid, k.bonus,
                      'gen:' || k.kind || ':' || g.partner_id AS key
                 FROM gen_plan g
                CROSS JOIN (VALUES ('topup', 50.0, 0.0), ('bonus', 0.0, 5.0)) k(kind, paid, bonus)
                WHERE g.idx %% 10 = 9 AND %s > 0
               UNION ALL
               SELECT g.partner_id, g.start_at + interval '1 day', 'spend', -20.0, -2.0,
                      'gen:spend:' || g.partner_id
                 FROM gen_plan g WHERE g.idx %% 20 = 9""",
            WALLET_SHARE,
        )
        self.insert(
            "membership_account",
            {
                "partner_id": "b.partner_id",
                "company_id": str(company),
                "active": "TRUE",
                "points_balance": "COALESCE(SUM(b.points), 0)",
                "wallet_paid_balance": "COALESCE(SUM(b.paid), 0)",
                "wallet_bonus_balance": "COALESCE(SUM(b.bonus), 0)",
            },
            """FROM (SELECT partner_id, points, 0 AS paid, 0 AS bonus FROM gen_pmove
                     UNION ALL
                     SELECT partner_id, 0, paid, bonus FROM gen_wmove) b
               GROUP BY b.partner_id""",
        )
        self.insert(
            "membership_points_move",
            {
                "account_id": "a.id",
                "partner_id": "a.partner_id",
                "company_id": str(company),
                "date": "m.date",
                "kind": "m.kind",
                "points": "m.points",
                "idempotency_key": "m.key",
                "pos_order_id": "m.order_id",
                "expire_date": "CASE WHEN m.kind = 'earn' THEN (m.date + interval '2 years')::date"
                " END",
            },
            """FROM gen_pmove m JOIN membership_account a
                 ON a.partner_id = m.partner_id AND a.company_id = %s""",
            company,
        )
        self.insert(
            "membership_wallet_move",
            {
                "account_id": "a.id",
                "partner_id": "a.partner_id",
                "company_id": str(company),
                "date": "m.date",
                "kind": "m.kind",
                "paid_amount": "m.paid",
                "bonus_amount": "m.bonus",
                "amount": "m.paid + m.bonus",
                "idempotency_key": "m.key",
            },
            """FROM gen_wmove m JOIN membership_account a
                 ON a.partner_id = m.partner_id AND a.company_id = %s""",
            company,
        )

    # ------------------------------------------------------------------ activity and tiers
    def refresh_activity(self):
        """Stored activity figures as the paid-order hook keeps them (refunds subtract,
        only purchases are visits), then the spend tier over the last 12 months."""
        self.counts["members refreshed"] = self.sql(
            """UPDATE res_partner p
                  SET member_last_visit = s.last_visit, member_visit_count = s.visits,
                      member_total_spent = s.total,
                      member_average_basket = CASE WHEN s.visits > 0
                                                   THEN s.total / s.visits ELSE 0 END,
                      member_tier_id = (SELECT t.id FROM membership_tier t
                                         WHERE t.id = ANY(%s) AND t.threshold <= s.year_total
                                         ORDER BY t.threshold DESC LIMIT 1)
                 FROM (SELECT o.partner_id,
                              MAX(o.date_order) FILTER (WHERE o.amount_total > 0) AS last_visit,
                              COUNT(*) FILTER (WHERE o.amount_total > 0) AS visits,
                              SUM(o.amount_total) AS total,
                              COALESCE(SUM(o.amount_total) FILTER (
                                  WHERE o.date_order >= NOW() - interval '12 months'), 0)
                                  AS year_total
                         FROM pos_order o JOIN gen_member m ON m.partner_id = o.partner_id
                        WHERE o.state IN ('paid', 'done')
                        GROUP BY o.partner_id) s
                WHERE s.partner_id = p.id""",
            self.tiers.ids,
        )
        # Members who never bought hold the entry tier, if there is one.
        entry = self.tiers.filtered(lambda t: not t.threshold)[:1]
        if entry:
            self.sql(
                """UPDATE res_partner p SET member_tier_id = %s FROM gen_member m
                    WHERE m.partner_id = p.id AND p.member_tier_id IS NULL""",
                entry.id,
            )

    def run(self):
        steps = [("configuration (ORM)", self.configure), ("members", self.create_members)]
        steps += [("cards", self.create_cards), ("order plan", self.prepare_orders)]
        for first in range(1, self.members + 1, BATCH):
            last = min(first + BATCH - 1, self.members)
            steps.append((f"orders of members {first}-{last}", self._batch(first, last)))
        steps += [("points and wallet ledgers", self.create_ledgers)]
        steps += [("activity figures and tiers", self.refresh_activity)]
        steps += [("analyze", self.analyze)]
        for label, step in steps:
            start = time.perf_counter()
            step()
            print(f"{label:<40} {time.perf_counter() - start:8.1f} s", flush=True)

    def _batch(self, first, last):
        return lambda: self.create_orders(first, last)

    def analyze(self):
        self.sql(
            "ANALYZE res_partner; ANALYZE membership_card; ANALYZE pos_order;"
            " ANALYZE pos_order_line; ANALYZE membership_account;"
            " ANALYZE membership_points_move; ANALYZE membership_wallet_move"
        )
        self.env.invalidate_all()


def verify(env):
    """Read the data back through the ORM the way the reports and the ledgers do."""
    from odoo.addons.membership_loyalty.models.membership_card import luhn_valid

    print("-- checks through the ORM")
    months = env["membership.report.sale"]._read_group(
        [], ["date:month", "is_member"], ["amount_total:sum", "order_count:sum"]
    )
    print(f"{'sales report: month x member groups':<40} {len(months):>10,}")
    total = sum(amount for _month, _member, amount, _orders in months)
    print(f"{'sales report: total sales':<40} {total:>14,.2f}")
    members = env["membership.report.member"]._read_group([], ["tier_id"], ["member_count:sum"])
    for tier, count in members:
        print(f"{'members report: tier ' + (tier.name or 'none'):<40} {count:>10,}")
    ledger = env["membership.report.ledger"]._read_group(
        [], ["ledger"], ["points_issued:sum", "points_used:sum", "wallet_deposited:sum"]
    )
    for name, issued, used, deposited in ledger:
        print(f"{'ledger report: ' + name:<40} {issued:>10,.0f} {used:>10,.0f} {deposited:>10,.0f}")
    accounts = env["membership.account"].with_context(active_test=False).search([])
    drifting = accounts._membership_check_invariant()
    print(f"{'accounts / balance != sum of moves':<40} {len(accounts):>10,} / {len(drifting)}")
    states = env["membership.card"]._read_group([], ["state"], ["__count"])
    print("cards by state: " + ", ".join(f"{state} {count}" for state, count in states))
    numbers = env["membership.card"].search([], limit=1000).mapped("number")
    bad = [number for number in numbers if not (len(number) == 12 and luhn_valid(number))]
    print(f"{'card numbers not 12-digit Luhn (of 1000)':<40} {len(bad):>10,}")
    card = env["membership.card"].search([("state", "=", "active")], limit=1)
    found = env["membership.card"]._find_by_code(card.number)
    account = accounts[:1]
    print(
        f"card {card.number} found by its number: {found == card};"
        f" {account.partner_id.member_number} holds {account.partner_id.points_balance:,.0f}"
        f" points (account {account.points_balance:,.0f})"
    )
    if drifting or bad or found != card:
        raise SystemExit("generated data failed its checks")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--preset", choices=sorted(PRESETS), default=None)
    parser.add_argument("--members", type=int, default=None, help="default 100000")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    members = args.members or PRESETS.get(args.preset or "full")

    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        ["-c", str(ROOT / ".odoo/odoo.conf"), "-d", args.database], setup_logging=False
    )
    registry = Registry(args.database)
    start = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        generator = Generator(env, members, seed=args.seed)
        generator.run()
        cr.commit()
    elapsed = time.perf_counter() - start
    print("-- rows written")
    for table, count in generator.counts.items():
        print(f"{table:<40} {count:>10,}")
    print(f"{'total time':<40} {elapsed:8.1f} s  ({members:,} members)")
    lines = generator.counts.get("pos_order_line", 0)
    record(
        f"generator: {members:,} members, {lines:,} order lines",
        elapsed,
        "s",
        goal=600,
        issue=9,
    )
    with registry.cursor() as cr:
        verify(api.Environment(cr, SUPERUSER_ID, {}))


if __name__ == "__main__":
    main()
