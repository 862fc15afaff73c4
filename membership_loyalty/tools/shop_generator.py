"""One generator of shop data: the demo shop (``make run``) and the bench volumes.

Creates members (realistic names, E.164 phones, birthdates, genders, regions), cards in
every state (lost and replaced ones too), tiers, two stores with their tills, cashiers
and salespeople, two years of paid POS orders with lines (Pareto spend per member,
seasonality: weekends, a November sale month, the week before Christmas, a December
peak; churners who stop buying; refunds as negative orders), points earned, redeemed
and expired and wallet moves for a share of members (account balances equal to the sums
of their moves), the members' stored activity figures, tier history and SMS history.
The ``demo`` preset also has e-coupons bought with points and given for top-ups (half of
them used at the till), scores the members and runs one campaign to its end (a control
group, its results measured). A database that already holds a generated shop is refused
before anything is written (``check_fresh``): a second shop on top of the first would
duplicate its stores, staff and products. The bulk is written with set-based SQL (INSERT ... SELECT
generate_series / unnest) in batches of members, after the few configuration records
(products, tills, closed sessions, cashiers, tiers, card type) are created through the
ORM. The caller commits (``bench/generate.py``), or a test rolls it all back.

Presets: demo = 300 members (~4,000 orders), quick = 5,000 members (~50k order lines),
full = 100,000 members (~1M lines). Goal: the full preset in <= 10 minutes on 2 cores.
The full and huge presets (huge: 1,000,000 members, ~10M lines, goal <= 25 minutes) have
their own writer, ``shop_generator_bulk.BulkGenerator``, which builds on this one.
"""

import math
import random
import time
from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.membership_card import luhn_check_digit, luhn_valid
from ..models.res_partner_card_type import NEWEST_ACTIVE_CARD_TYPE

# story: scores, one finished campaign with its control group (ORM work that does not
# scale to the bench volumes, where the benches measure those steps themselves).
# orders: mean orders per member over the two years (Pareto-shaped per member, the
# heaviest buyer at most ``cap`` times the typical one); points: share of members who
# collect points.
PRESETS = {
    "demo": {"members": 300, "orders": 12.0, "cap": 25, "points": 0.8, "story": True},
    "quick": {"members": 5_000, "orders": 3.0, "cap": 150, "points": 0.3, "story": False},
    # full and huge: written by shop_generator_bulk.BulkGenerator (indexes and foreign keys
    # set aside; exactly n lines per order there, so a few more orders for the same ~1M /
    # ~10M lines).
    "full": {"members": 100_000, "orders": 3.2, "cap": 150, "points": 0.3, "story": False},
    "huge": {"members": 1_000_000, "orders": 3.2, "cap": 150, "points": 0.3, "story": False},
}
BATCH = 10_000  # members per batch of orders
ANONYMOUS_SHARE = 0.25  # orders without a member
REFUND_SHARE = 0.03
CHURN_SHARE = 0.2
WALLET_SHARE = 0.1  # members with a wallet
COUPONS_BOUGHT = 40  # members who bought an e-coupon with points (demo story)
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
FEMALE_NAMES = (
    "Emma Olivia Ava Sophia Isabella Mia Charlotte Amelia Harper Evelyn Abigail Emily "
    "Elizabeth Sofia Avery Ella Scarlett Grace Chloe Victoria Riley Aria Lily Aubrey Zoey "
    "Penelope Lillian Addison Layla Natalie Camila Hannah Brooklyn Zoe Nora Leah Savannah "
    "Audrey Claire Eleanor Maria Rosa Linda Patricia Susan Karen Nancy Betty Helen Sandra"
).split()
MALE_NAMES = (
    "Liam Noah William James Logan Benjamin Mason Elijah Oliver Jacob Lucas Michael "
    "Alexander Ethan Daniel Matthew Aiden Henry Joseph Jackson Samuel Sebastian David "
    "Carter Wyatt Jayden John Owen Dylan Luke Gabriel Anthony Isaac Grayson Jack Julian "
    "Levi Christopher Joshua Andrew Lincoln Mateo Ryan Nathan Robert Thomas Charles Paul "
    "Mark Donald George Kenneth Steven Edward Brian Ronald Kevin Jason Jeffrey Frank"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell "
    "Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes "
    "Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey "
    "Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett"
).split()
# A tea and home shop: (name, price, category).
PRODUCTS = [
    ("Earl Grey Tea 100g", 6.5, "Tea"),
    ("Jasmine Green Tea 100g", 7.9, "Tea"),
    ("Sencha 100g", 9.5, "Tea"),
    ("Darjeeling First Flush 100g", 14.0, "Tea"),
    ("Rooibos Vanilla 100g", 5.9, "Tea"),
    ("Chai Spice Blend 100g", 6.9, "Tea"),
    ("Peppermint Infusion 50g", 4.5, "Tea"),
    ("Matcha Ceremonial 30g", 24.0, "Tea"),
    ("Oolong Milk 100g", 11.5, "Tea"),
    ("Breakfast Blend 250g", 8.9, "Tea"),
    ("Colombian Coffee Beans 250g", 9.9, "Coffee"),
    ("Ethiopian Yirgacheffe 250g", 12.5, "Coffee"),
    ("Espresso Roast 1kg", 29.0, "Coffee"),
    ("Decaf House Blend 250g", 8.5, "Coffee"),
    ("Porcelain Teapot", 34.0, "Tableware"),
    ("Cast Iron Teapot", 59.0, "Tableware"),
    ("Glass Mug", 9.5, "Tableware"),
    ("Stoneware Cup Set", 27.0, "Tableware"),
    ("Travel Tumbler", 19.9, "Tableware"),
    ("Tea Infuser", 7.5, "Accessories"),
    ("Bamboo Whisk", 15.0, "Accessories"),
    ("Gooseneck Kettle", 49.0, "Accessories"),
    ("Coffee Grinder", 39.0, "Accessories"),
    ("Paper Filters x100", 3.9, "Accessories"),
    ("Honey Jar 250g", 6.9, "Pantry"),
    ("Butter Cookies", 4.9, "Pantry"),
    ("Dark Chocolate Bar", 3.5, "Pantry"),
    ("Almond Biscotti", 5.5, "Pantry"),
    ("Gift Box Discovery", 32.0, "Gifts"),
    ("Gift Card Sleeve", 1.0, "Gifts"),
]
STORES = ["Downtown Store", "Riverside Mall"]
STAFF = ["Maria Lopez", "Kevin Brooks", "Aisha Khan", "Tom Becker", "Lena Novak"]


def season_weight_sql(column):
    """SQL weight of a candidate order date: a December peak and a June low (x1.35 /
    x0.65), weekends busier (x1.4 against x0.9), the November sale month (x1.5) and the
    week before Christmas (x1.6). ``season_max`` / ``season_mean`` normalise it."""
    return f"""((1 + 0.35 * cos(2 * pi() * (EXTRACT(DOY FROM {column}) - 350) / 365.25))
              * CASE WHEN EXTRACT(ISODOW FROM {column}) >= 6 THEN 1.4 ELSE 0.9 END
              * CASE WHEN EXTRACT(MONTH FROM {column}) = 11 THEN 1.5 ELSE 1.0 END
              * CASE WHEN to_char({column}, 'MM-DD') BETWEEN '12-18' AND '12-24'
                     THEN 1.6 ELSE 1.0 END)"""


def _season_weight(day):
    weight = 1 + 0.35 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 350) / 365.25)
    weight *= 1.4 if day.isoweekday() >= 6 else 0.9
    weight *= 1.5 if day.month == 11 else 1.0
    weight *= 1.6 if (12, 18) <= (day.month, day.day) <= (12, 24) else 1.0
    return weight


def season_factors():
    """(max, mean) of the season weight over four years of days (leap year included)."""
    start = date(2023, 1, 1)
    weights = [_season_weight(start + timedelta(days=n)) for n in range(4 * 365 + 1)]
    return max(weights), sum(weights) / len(weights)


class Generator:
    """Fills the database of ``env`` (superuser) for one preset; ``run()`` does it all."""

    batch = BATCH  # members per batch of orders

    def __init__(self, env, preset="quick", members=None, seed=42, log=None):
        self.env = env
        self.cr = env.cr
        self.preset = PRESETS[preset]
        self.members = members or self.preset["members"]
        self.story = self.preset["story"]
        self.orders_per_member = self.preset["orders"]
        self.company = env.company
        self.rng = random.Random(seed)
        self.seed = seed
        self.log = log or (lambda line: None)
        self.counts = {}
        self.campaign = env["membership.campaign"]
        self.timings = {}  # step label: seconds (run)

    # ------------------------------------------------------------------ helpers
    def sql(self, query, *args):
        self.cr.execute(SQL(query, *args))
        return self.cr.rowcount

    def insert(self, table, columns, source, *args):
        """INSERT INTO table (columns) SELECT expressions <source>, after checking that every
        NOT NULL column without a default is filled (booleans and numbers get FALSE / 0)."""
        self.cr.execute(self.insert_sql(table, columns, source, *args))
        self.counts[table] = self.counts.get(table, 0) + self.cr.rowcount
        return self.cr.rowcount

    def insert_sql(self, table, columns, source, *args):
        """The statement ``insert`` runs (see there), not executed."""
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
        return SQL(
            "INSERT INTO %s (%s) SELECT %s %s",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(name) for name in columns),
            SQL(", ").join(
                value if isinstance(value, SQL) else SQL(value) for value in columns.values()
            ),
            SQL(source, *args),
        )

    def reserve(self, code, count):
        """Take ``count`` numbers from the ir.sequence ``code`` so later ORM numbers follow."""
        prefix, start, padding, suffix = self.reserve_range(code, count)
        return [
            f"{prefix}{str(number).zfill(padding)}{suffix}"
            for number in range(start, start + count)
        ]

    def reserve_range(self, code, count):
        """Take ``count`` numbers from the ir.sequence ``code``: (prefix, first number,
        padding, suffix) of the range, for callers that spell the numbers themselves."""
        sequence = self.env["ir.sequence"].search(
            [("code", "=", code), ("company_id", "in", [self.company.id, False])], limit=1
        )
        prefix, suffix = sequence._get_prefix_suffix()
        start = sequence.number_next_actual
        sequence.write({"number_next": start + count})
        return prefix, start, sequence.padding, suffix

    # ------------------------------------------------------------------ configuration
    def configure(self):
        env = self.env
        self.country = env.ref("base.us")
        self.states = env["res.country.state"].search([("country_id", "=", self.country.id)])
        parent = env.ref("product.product_category_goods", raise_if_not_found=False)
        categories = {}
        for _name, _price, category in PRODUCTS:
            if category not in categories:
                categories[category] = env["product.category"].create(
                    {"name": category, "parent_id": parent.id if parent else False}
                )
        self.products = env["product.product"].create(
            [
                {
                    "name": name,
                    "list_price": price,
                    "categ_id": categories[category].id,
                    "available_in_pos": True,
                    "taxes_id": [Command.clear()],
                }
                for name, price, category in PRODUCTS
            ]
        )
        pos_user = env.ref("point_of_sale.group_pos_user")
        self.staff = env["res.users"].create(
            [
                {
                    "name": name,
                    "login": f"shop.{name.split()[0].lower()}.{self.seed}",
                    "group_ids": [Command.link(pos_user.id)],
                }
                for name in STAFF
            ]
        )
        now = fields.Datetime.now()
        self.configs = env["pos.config"].create(
            [
                {"name": name, "payment_method_ids": [Command.set(self._store_methods(n).ids)]}
                for n, name in enumerate(STORES, 1)
            ]
        )
        # A closed session per till with real start and stop times (the POS reads the
        # last closing); the generated orders belong to it.
        self.sessions = env["pos.session"]
        for config in self.configs:  # one at a time: the session checks its till alone
            self.sessions |= env["pos.session"].create({"config_id": config.id, "user_id": env.uid})
        self.sessions.write({"state": "closed", "start_at": now, "stop_at": now})
        self.card_type = env["membership.card.type"].search(
            [("company_id", "in", [self.company.id, False])], order="sequence, id", limit=1
        ) or env["membership.card.type"].create(
            {"name": "Standard card", "company_id": self.company.id}
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

    def _store_methods(self, number):
        """A store's own cash drawer (a cash method serves one till) and the card method
        shared by the stores."""
        env = self.env
        Journal, Method = env["account.journal"], env["pos.payment.method"]
        methods = Method
        for kind, code, name in (("cash", f"ST{number}C", "Cash"), ("bank", "STCRD", "Card")):
            journal = Journal.search(
                [("code", "=", code), ("company_id", "=", self.company.id)], limit=1
            ) or Journal.create({"name": f"{name} {code}", "type": kind, "code": code})
            method = Method.search([("journal_id", "=", journal.id)], limit=1)
            if not method or kind == "cash":
                method = Method.create(
                    {
                        "name": f"{name} {STORES[number - 1]}" if kind == "cash" else name,
                        "journal_id": journal.id,
                    }
                )
            methods |= method
        return methods

    # ------------------------------------------------------------------ members and cards
    def create_members(self):
        count = self.members
        numbers = self.reserve("membership.member", count)
        genders, names, emails, phones = [], [], [], []
        for idx in range(count):
            roll = self.rng.random()
            gender = "female" if roll < 0.49 else "male" if roll < 0.97 else "other"
            pool = FEMALE_NAMES if gender == "female" else MALE_NAMES
            if gender == "other":
                pool = FEMALE_NAMES + MALE_NAMES
            first, last = self.rng.choice(pool), self.rng.choice(LAST_NAMES)
            genders.append(gender)
            names.append(f"{first} {last}")
            emails.append(f"{first.lower()}.{last.lower()}{idx + 1}@example.com")
            phones.append(
                f"+1{self.rng.choice(AREA_CODES)}{self.rng.randint(200, 999)}"
                f"{self.rng.randint(0, 9999):04d}"
            )
        staff = self.staff.ids + self.env.ref("base.user_admin").ids
        self.sql(
            "CREATE TEMP TABLE gen_member (idx int PRIMARY KEY, partner_id int) ON COMMIT DROP"
        )
        # The spelled values as rows joined on their position: picking the g-th element
        # of an array parameter walks the array from its start (variable-length texts),
        # which made this step grow with the square of the members.
        self.sql(
            """CREATE TEMP TABLE gen_person ON COMMIT DROP AS
               SELECT t.g::int, t.name, t.number, t.gender, t.phone, t.email
                 FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
                      WITH ORDINALITY AS t(name, number, gender, phone, email, g);
               ALTER TABLE gen_person ADD PRIMARY KEY (g); ANALYZE gen_person""",
            names,
            numbers,
            genders,
            phones,
            emails,
        )
        # Stored computed fields (birth month, age band, region) are written here too, the
        # way their compute methods would set them.
        age = "age(x.birth)"
        self.insert(
            "res_partner",
            {
                "name": "d.name",
                "complete_name": "d.name",
                "active": "TRUE",
                "type": "'contact'",
                "is_company": "FALSE",
                "company_id": str(self.company.id),
                "lang": "'en_US'",
                "is_member": "TRUE",
                "member_number": "d.number",
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
                "member_gender": "d.gender",
                "country_id": str(self.country.id),
                "state_id": "s.id",
                "member_region": "s.name",
                "phone": "d.phone",
                "phone_sanitized": "d.phone",
                "email": "d.email",
                "user_id": SQL("(%s::int[])[1 + (x.g * 13) %% %s]", staff, len(staff)),
                "autopost_bills": "'ask'",
            },
            """FROM (SELECT g, (%s::int[])[1 + (g * 7919) %% %s] AS state_id,
                            CURRENT_DATE - (6600 + random() * 21900)::int AS birth
                       FROM generate_series(1, %s) g) x
               JOIN res_country_state s ON s.id = x.state_id
               JOIN gen_person d ON d.g = x.g
              ORDER BY x.g""",
            self.states.ids,
            len(self.states),
            count,
        )
        # In member order: the order plan draws its random figures row by row in the order
        # gen_member is read.
        self.sql(
            """INSERT INTO gen_member (idx, partner_id)
               SELECT d.g, p.id FROM gen_person d JOIN res_partner p ON p.member_number = d.number
                ORDER BY d.g;
               DROP TABLE gen_person""",
        )
        # Members already there without any order (the demo's own) shop too.
        self.sql(
            """INSERT INTO gen_member (idx, partner_id)
               SELECT %s + row_number() OVER (ORDER BY p.id), p.id
                 FROM res_partner p
                WHERE p.is_member AND p.active
                  AND NOT EXISTS (SELECT 1 FROM gen_member m WHERE m.partner_id = p.id)
                  AND NOT EXISTS (SELECT 1 FROM pos_order o WHERE o.partner_id = p.id)""",
            count,
        )
        self.cr.execute("SELECT COUNT(*) FROM gen_member")
        self.shoppers = self.cr.fetchone()[0]

    def create_cards(self):
        rows = self.card_rows()
        bases = self.reserve("membership.card", len(rows))
        self.insert_cards(
            "unnest(%s::text[], %s::int[], %s::text[]) AS c(number, partner_id, state)",
            [base + luhn_check_digit(base) for base in bases],
            [partner_id for partner_id, _state in rows],
            [state for _partner_id, state in rows],
        )

    def card_rows(self):
        """(partner id, state) of each member's card, states drawn by CARD_STATES; a
        replaced card's member also carries its active successor."""
        self.cr.execute(
            "SELECT partner_id FROM gen_member WHERE idx <= %s ORDER BY idx", (self.members,)
        )
        members = [row[0] for row in self.cr.fetchall()]
        weights = [w for _, w in CARD_STATES]
        states = self.rng.choices([s for s, _ in CARD_STATES], weights, k=len(members))
        rows = []
        for partner_id, state in zip(members, states, strict=True):
            rows.append((partner_id, state))
            if state == "replaced":
                rows.append((partner_id, "active"))
        return rows

    def insert_cards(self, source, *args):
        """membership_card rows from ``source``, a relation c(number, partner_id, state)."""
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
            f"FROM {source} JOIN res_partner p ON p.id = c.partner_id",
            *args,
        )

    # ------------------------------------------------------------------ orders
    def prepare_orders(self):
        """Per member: Pareto visit count, churn date, active window, home store."""
        self.sql(
            """CREATE TEMP TABLE gen_plan ON COMMIT DROP AS
               SELECT m.idx, m.partner_id,
                      GREATEST(COALESCE(p.member_since::timestamp, NOW() - interval '730 days'),
                               NOW() - interval '730 days') AS start_at,
                      (1 - random()) ^ (-1 / 1.16) AS weight,
                      random() < %s AS churner, random() AS churn_at,
                      CASE WHEN random() < 0.6 THEN 1 ELSE 2 END AS store
                 FROM gen_member m JOIN res_partner p ON p.id = m.partner_id""",
            CHURN_SHARE,
        )
        self.sql(
            """UPDATE gen_plan SET weight = LEAST(weight, %s),
                      churn_at = CASE WHEN churner
                                      THEN churn_at * EXTRACT(EPOCH FROM NOW() - start_at) END""",
            self.preset["cap"],
        )
        # Visits follow the member's appetite (weight) and how long the member shopped
        # here: a member of a month does not cram two years of visits into it.
        self.sql(
            """ALTER TABLE gen_plan ADD visits int, ADD end_at timestamp, ADD span float;
               UPDATE gen_plan SET
                      end_at = CASE WHEN churner THEN start_at + make_interval(secs => churn_at)
                                    ELSE NOW() END;
               UPDATE gen_plan SET span = GREATEST(EXTRACT(EPOCH FROM end_at - start_at), 0);
               UPDATE gen_plan SET
                      visits = floor(weight * span * %s
                                     / NULLIF((SELECT AVG(weight * span) FROM gen_plan), 0)
                                     + random())""",
            self.orders_per_member * (1 - ANONYMOUS_SHARE) * 1.02,
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
        # Seasonality by rejection: candidate dates are kept with a probability of their
        # weight over the highest weight; oversampling by max / mean keeps the volume.
        top, mean = season_factors()
        oversample = top / mean
        self.sql(
            f"""CREATE TEMP TABLE gen_order ON COMMIT DROP AS
               SELECT nextval('pos_order_id_seq') AS id, partner_id, d AS date_order,
                      1 + (random() * 3.999)::int AS n_lines, random() < %s AS refund,
                      store, 1 + (random() * %s)::int AS cashier
                 FROM (SELECT g.partner_id, g.store,
                              g.start_at + (g.end_at - g.start_at) * random() AS d
                         FROM gen_plan g
                        CROSS JOIN LATERAL generate_series(1, ceil(g.visits * %s)::int)
                        WHERE g.idx BETWEEN %s AND %s AND g.end_at > g.start_at
                       UNION ALL
                       SELECT NULL, CASE WHEN random() < 0.55 THEN 1 ELSE 2 END,
                              NOW() - interval '730 days' * random()
                         FROM generate_series(1, %s)) c
                WHERE random() * %s < {season_weight_sql("d")}""",
            REFUND_SHARE,
            len(self.staff) - 0.001,
            oversample,
            first,
            last,
            round((last - first + 1) * self.orders_per_member * ANONYMOUS_SHARE * oversample),
            top,
        )
        self.write_orders()

    # The lines of gen_order's orders, as SELECT outputs: id, order_id, product_id, name,
    # price, qty (the bulk writer reads them without the gen_line table).
    LINES_SQL = """SELECT nextval('pos_order_line_id_seq') AS id, o.id AS order_id,
                          pr.id AS product_id, pr.name, pr.price,
                          CASE WHEN o.refund THEN -1 ELSE 1 END * (1 + (random() < 0.25)::int)
                              AS qty
                     FROM gen_order o
                    CROSS JOIN LATERAL generate_series(1, o.n_lines) n
                     JOIN gen_product pr
                       ON pr.idx = 1 + ((o.id * 31 + n * 17 + (random() * 3)::int) %% %s)"""

    def write_orders(self):
        """Lines, totals and the rows of the orders planned in gen_order (dropped after)."""
        self.sql(
            "CREATE TEMP TABLE gen_line ON COMMIT DROP AS " + self.LINES_SQL,
            len(self.products),
        )
        self.sql(
            """CREATE TEMP TABLE gen_total ON COMMIT DROP AS
               SELECT order_id, SUM(qty * price) AS total FROM gen_line GROUP BY order_id"""
        )
        self.insert(
            "pos_order",
            self.order_columns(),
            "FROM gen_order o JOIN gen_total t ON t.order_id = o.id",
        )
        self.insert("pos_order_line", self.line_columns(), "FROM gen_line l")
        self.sql("DROP TABLE gen_order, gen_line, gen_total")

    def order_columns(self):
        """pos_order's columns from gen_order ``o`` and its total ``t``."""
        return {
            "id": "o.id",
            "name": "'GEN/' || lpad(o.id::text, 8, '0')",
            "pos_reference": "'GEN-' || lpad(o.id::text, 8, '0')",
            "uuid": "gen_random_uuid()::text",
            "access_token": "md5(o.id::text || random()::text)",
            "session_id": SQL("(%s::int[])[o.store]", self.sessions.ids),
            "config_id": SQL("(%s::int[])[o.store]", self.configs.ids),
            "company_id": str(self.company.id),
            "user_id": SQL("(%s::int[])[o.cashier]", self.staff.ids),
            "partner_id": "o.partner_id",
            "pricelist_id": str(self.configs[0].pricelist_id.id or "NULL"),
            "date_order": "o.date_order",
            "state": "'paid'",
            "amount_total": "t.total",
            # Paid goods, no top-up: what the server counts for the member's tier.
            "membership_qualifying_amount": "t.total",
            "membership_counted": "o.partner_id IS NOT NULL",
            "amount_tax": "0",
            "amount_paid": "t.total",
            "amount_return": "0",
            "currency_rate": "1.0",
            "sequence_number": "o.id",
            "is_refund": "o.refund",
        }

    def line_columns(self):
        """pos_order_line's columns from a line ``l`` (the outputs of LINES_SQL)."""
        return {
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
        }

    # ------------------------------------------------------------------ ledgers
    def create_ledgers(self):
        """Earn moves on the orders of a share of members, redemptions, expiries, top-ups
        and spends. Accounts are inserted with balances equal to the sums of the moves."""
        company = self.company.id
        sessions = self.sessions.ids
        self.sql(
            """CREATE TEMP TABLE gen_pmove ON COMMIT DROP AS
               SELECT o.partner_id, o.date_order AS date, 'earn' AS kind,
                      floor(o.amount_total) AS points, 'gen:earn:' || o.id AS key, o.id AS order_id
                 FROM pos_order o JOIN gen_plan g ON g.partner_id = o.partner_id
                WHERE o.session_id = ANY(%s) AND o.amount_total >= 1 AND g.idx %% 10 < %s
                  AND g.idx <= %s""",
            sessions,
            round(self.preset["points"] * 10),
            self.members,
        )
        self.sql(
            """INSERT INTO gen_pmove
               SELECT partner_id, MAX(date) + interval '1 hour', 'redeem',
                      -floor(SUM(points) / 2), 'gen:redeem:' || partner_id, NULL
                 FROM gen_pmove GROUP BY partner_id
               HAVING SUM(points) >= 2 AND partner_id %% 2 = 0"""
        )
        # Points earned more than a year ago and never used by a third of the members:
        # a fifth of what they hold expired.
        self.sql(
            """INSERT INTO gen_pmove
               SELECT partner_id, LEAST(MIN(date) + interval '1 year', NOW() - interval '1 day'),
                      'expire', -floor(SUM(points) / 5), 'gen:expire:' || partner_id, NULL
                 FROM gen_pmove GROUP BY partner_id
               HAVING SUM(points) >= 10 AND partner_id %% 3 = 0"""
        )
        self.sql(
            """CREATE TEMP TABLE gen_wmove ON COMMIT DROP AS
               SELECT g.partner_id, g.start_at + interval '1 day' * (g.idx %% 90) AS date,
                      k.kind, k.paid * t.amount AS paid, k.bonus * t.amount AS bonus,
                      'gen:' || k.kind || ':' || g.partner_id AS key
                 FROM gen_plan g
                CROSS JOIN (VALUES ('topup', 1.0, 0.0), ('bonus', 0.0, 0.1)) k(kind, paid, bonus)
                CROSS JOIN LATERAL (SELECT (ARRAY[20.0, 50.0, 100.0])[1 + g.idx %% 3] AS amount) t
                WHERE g.idx %% 10 = 7 AND g.idx <= %s
               UNION ALL
               SELECT g.partner_id, g.start_at + interval '1 day' * (g.idx %% 90 + 20), 'spend',
                      -0.4 * t.amount, -0.04 * t.amount, 'gen:spend:' || g.partner_id
                 FROM gen_plan g
                CROSS JOIN LATERAL (SELECT (ARRAY[20.0, 50.0, 100.0])[1 + g.idx %% 3] AS amount) t
                WHERE g.idx %% 20 = 7 AND g.idx <= %s""",
            self.members,
            self.members,
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
                "origin_model": "CASE WHEN m.order_id IS NOT NULL THEN 'pos.order' END",
                "origin_id": "m.order_id",
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

    # ------------------------------------------------------------------ e-coupons
    def create_coupons(self):
        """E-coupons the way members get them: bought with points (the ledger's e-coupon
        redemption: a points move and a coupon of the company's e-coupon program) and given
        by a top-up's bonus band (top-ups of 100 here); then half of them used on the
        member's next order, as the till records it (a reward line taking the coupon's
        discount off the order, Odoo's loyalty history, the coupon's point spent).
        Runs before the activity figures, which count the discounted totals."""
        env = self.env
        program = self._coupon_program()
        env.flush_all()
        env.invalidate_all()
        company = self.company
        self.cr.execute(
            """SELECT a.id FROM membership_account a JOIN gen_plan g ON g.partner_id = a.partner_id
                WHERE a.company_id = %s AND a.points_balance >= %s
                ORDER BY g.idx LIMIT %s""",
            (company.id, company.membership_coupon_points_cost, COUPONS_BOUGHT),
        )
        accounts = env["membership.account"].browse(row[0] for row in self.cr.fetchall())
        bought = env["membership.points.move"]
        for account in accounts:
            bought |= account._membership_redeem_coupon(f"gen:coupon:{account.partner_id.id}")
        topups = env["membership.wallet.move"].search(
            [
                ("company_id", "=", company.id),
                ("kind", "=", "topup"),
                ("paid_amount", ">=", 100),
                ("idempotency_key", "=like", "gen:topup:%"),
            ]
        )
        Rule = env["membership.wallet.bonus.rule"]
        for topup in topups:
            band = Rule._membership_rule_for(topup.paid_amount, company).coupon_program_id
            topup.account_id._membership_topup_coupon(band or program, topup)
        env.flush_all()
        # Bought somewhere in the member's active window (the ledger dated them now).
        self.sql(
            """UPDATE membership_points_move m
                  SET date = g.start_at + (g.end_at - g.start_at) * 0.6
                 FROM gen_plan g WHERE g.partner_id = m.partner_id AND m.id = ANY(%s)""",
            bought.ids,
        )
        self.sql(
            """UPDATE loyalty_card c SET create_date = COALESCE(w.date, m.date)
                 FROM loyalty_card x
                 LEFT JOIN membership_points_move m ON m.loyalty_card_id = x.id
                 LEFT JOIN membership_wallet_move w ON w.id = x.membership_topup_move_id
                WHERE c.id = x.id AND COALESCE(w.date, m.date) IS NOT NULL
                  AND (m.id = ANY(%s) OR w.id = ANY(%s))""",
            bought.ids,
            topups.ids,
        )
        self.counts["e-coupons"] = len(bought) + len(topups)
        self.use_coupons()

    def _coupon_program(self):
        """The company's e-coupon program (a fixed discount per order), set up when the
        company has none (a database without the demo data)."""
        company = self.company
        program = company.membership_coupon_program_id
        if not program:
            program = self.env["loyalty.program"].create(
                {
                    "name": "Member e-coupon: 5.00 off",
                    "program_type": "coupons",
                    "trigger": "with_code",
                    "applies_on": "current",
                    "company_id": company.id,
                    "rule_ids": [Command.create({"minimum_amount": 0})],
                    "reward_ids": [
                        Command.create(
                            {
                                "reward_type": "discount",
                                "discount": 5,
                                "discount_mode": "per_order",
                                "required_points": 1,
                            }
                        )
                    ],
                }
            )
            company.membership_coupon_program_id = program
        return program

    def use_coupons(self):
        """Every other e-coupon is used on the member's first order of 10.00 or more after
        it was issued: a reward line of the program's discount, the order's totals lowered,
        a loyalty history row and the coupon's points spent."""
        self.sql(
            """CREATE TEMP TABLE gen_use ON COMMIT DROP AS
               SELECT c.id AS card_id, o.id AS order_id, o.date_order, r.id AS reward_id,
                      r.discount_line_product_id AS product_id, c.points,
                      LEAST(r.discount, o.amount_total) AS discount,
                      nextval('pos_order_line_id_seq') AS line_id
                 FROM loyalty_card c
                 JOIN loyalty_program pr ON pr.id = c.program_id AND pr.program_type = 'coupons'
                 JOIN LATERAL (SELECT x.id, x.discount, x.discount_line_product_id
                                 FROM loyalty_reward x WHERE x.program_id = pr.id
                                ORDER BY x.id LIMIT 1) r ON TRUE
                 JOIN LATERAL (SELECT o.id, o.date_order, o.amount_total FROM pos_order o
                                WHERE o.partner_id = c.partner_id AND o.session_id = ANY(%s)
                                  AND o.date_order > c.create_date AND o.amount_total >= 10
                                  AND NOT o.is_refund
                                ORDER BY o.date_order LIMIT 1) o ON TRUE
                WHERE c.id %% 2 = 0 AND c.points > 0 AND c.create_date <= NOW()
                  AND c.partner_id IN (SELECT partner_id FROM gen_plan)""",
            self.sessions.ids,
        )
        self.insert(
            "pos_order_line",
            {
                "id": "u.line_id",
                "name": "'GEN/' || u.line_id",
                "full_product_name": "pr.name->>'en_US'",
                "order_id": "u.order_id",
                "company_id": str(self.company.id),
                "product_id": "u.product_id",
                "qty": "1",
                "price_unit": "-u.discount",
                "price_subtotal": "-u.discount",
                "price_subtotal_incl": "-u.discount",
                "discount": "0",
                "uuid": "gen_random_uuid()::text",
                "is_reward_line": "TRUE",
                "reward_id": "u.reward_id",
                "coupon_id": "u.card_id",
                "points_cost": "u.points",
            },
            """FROM gen_use u JOIN product_product pp ON pp.id = u.product_id
               JOIN product_template pr ON pr.id = pp.product_tmpl_id""",
        )
        self.sql(
            """UPDATE pos_order o
                  SET amount_total = o.amount_total - u.discount,
                      amount_paid = o.amount_paid - u.discount,
                      membership_qualifying_amount = o.membership_qualifying_amount - u.discount
                 FROM gen_use u WHERE u.order_id = o.id"""
        )
        self.insert(
            "loyalty_history",
            {
                "card_id": "u.card_id",
                "description": "'Onsite ' || o.name",
                "issued": "0",
                "used": "u.points",
                "order_model": "'pos.order'",
                "order_id": "u.order_id",
                "create_date": "u.date_order",
            },
            "FROM gen_use u JOIN pos_order o ON o.id = u.order_id",
        )
        self.counts["e-coupons used"] = self.sql(
            "UPDATE loyalty_card c SET points = 0 FROM gen_use u WHERE u.card_id = c.id"
        )
        self.sql("DROP TABLE gen_use")

    # ------------------------------------------------------------------ activity and tiers
    def refresh_activity(self):
        """Stored activity figures as the paid-order hook keeps them (refunds subtract,
        only purchases are visits, what counts is the order's qualifying spend), then the
        spend tier over the last 12 months, and the type of the member's newest active card
        (written with the buyers' figures, so most members are written once)."""
        self.sql(
            f"""CREATE TEMP TABLE gen_card_type ON COMMIT DROP AS
                SELECT ct.* FROM ({NEWEST_ACTIVE_CARD_TYPE}) ct
                  JOIN gen_member m ON m.partner_id = ct.partner_id"""
        )
        self.counts["members refreshed"] = self.sql(
            """UPDATE res_partner p
                  SET member_last_visit = s.last_visit, member_visit_count = s.visits,
                      member_total_spent = s.total, member_card_type_id = s.card_type_id,
                      member_average_basket = CASE WHEN s.visits > 0
                                                   THEN s.total / s.visits ELSE 0 END,
                      member_tier_id = (SELECT t.id FROM membership_tier t
                                         WHERE t.id = ANY(%s) AND t.threshold <= s.year_total
                                         ORDER BY t.threshold DESC LIMIT 1)
                 FROM (SELECT o.*, ct.card_type_id
                         FROM (SELECT o.partner_id,
                              MAX(o.date_order) FILTER (WHERE o.spend > 0) AS last_visit,
                              COUNT(*) FILTER (WHERE o.spend > 0) AS visits,
                              SUM(o.spend) AS total,
                              COALESCE(SUM(o.spend) FILTER (
                                  WHERE o.date_order >= NOW() - interval '12 months'), 0)
                                  AS year_total
                         FROM (SELECT partner_id, date_order,
                                      COALESCE(membership_qualifying_amount, amount_total)
                                          AS spend
                                 FROM pos_order
                                WHERE state IN ('paid', 'done')) o
                         JOIN gen_member m ON m.partner_id = o.partner_id
                        GROUP BY o.partner_id) o
                    LEFT JOIN gen_card_type ct ON ct.partner_id = o.partner_id) s
                WHERE s.partner_id = p.id""",
            self.tiers.ids,
        )
        self.sql("DROP TABLE gen_card_type")
        # Members who never bought hold the entry tier, if there is one.
        entry = self.tiers.filtered(lambda t: not t.threshold)[:1]
        if entry:
            self.sql(
                """UPDATE res_partner p SET member_tier_id = %s FROM gen_member m
                    WHERE m.partner_id = p.id AND p.member_tier_id IS NULL""",
                entry.id,
            )
        # the members who never bought (exact for all: only rows that differ are written)
        self.env["res.partner"]._membership_fill_card_type()

    def create_tier_history(self):
        """Each member above the entry tier went up one tier at a time: one upgrade row
        per tier passed, dated along the member's active window."""
        self.insert(
            "membership_tier_history",
            {
                "partner_id": "p.id",
                "company_id": str(self.company.id),
                "from_tier_id": "prev.id",
                "to_tier_id": "t.id",
                "reason": "'upgrade'",
                "date": "g.start_at + (COALESCE(p.member_last_visit, NOW()) - g.start_at)"
                " * (t.sequence::float / (t.sequence + 1))",
                "qualifying_value": "t.threshold",
                "user_id": str(self.env.uid),
            },
            """FROM gen_plan g
               JOIN res_partner p ON p.id = g.partner_id
               JOIN membership_tier cur ON cur.id = p.member_tier_id
               JOIN membership_tier t ON t.id = ANY(%s) AND t.threshold > 0
                                     AND t.threshold <= cur.threshold
               JOIN LATERAL (SELECT x.id FROM membership_tier x
                              WHERE x.id = ANY(%s) AND x.threshold < t.threshold
                              ORDER BY x.threshold DESC LIMIT 1) prev ON TRUE""",
            self.tiers.ids,
            self.tiers.ids,
        )

    def create_sms_history(self):
        """The outbox as it would look: a welcome message at enrolment, a birthday wish in
        the member's birth month, a tier upgrade message; all sent."""
        company = self.company.id
        shop = self.company.name
        self.insert(
            "membership_sms",
            {
                "partner_id": "x.partner_id",
                "company_id": str(company),
                "number": "x.phone",
                "body": "x.body",
                "trigger": "x.trigger",
                "state": "'sent'",
                "attempts": "1",
                "sent_at": "x.at",
                "next_attempt_at": "x.at",
                "idempotency_key": "'gen:' || x.trigger || ':' || x.partner_id || ':' || x.n",
                "create_date": "x.at",
            },
            """FROM (SELECT p.id AS partner_id, p.phone, 'welcome' AS trigger, 1 AS n,
                            GREATEST(p.member_since::timestamp, NOW() - interval '5 years')
                                + interval '10 hours' AS at,
                            'Welcome to ' || %s || ', ' || split_part(p.name, ' ', 1)
                                || '! Your member number is ' || p.member_number || '.' AS body
                       FROM gen_plan g JOIN res_partner p ON p.id = g.partner_id
                      WHERE p.phone IS NOT NULL AND g.idx <= %s
                     UNION ALL
                     SELECT p.id, p.phone, 'birthday', 1,
                            make_timestamp(EXTRACT(YEAR FROM NOW() - interval '1 month')::int,
                                           p.member_birth_month, 1, 9, 0, 0),
                            'Happy birthday ' || split_part(p.name, ' ', 1)
                                || '! A treat waits for you at ' || %s || '.'
                       FROM gen_plan g JOIN res_partner p ON p.id = g.partner_id
                      WHERE p.phone IS NOT NULL AND p.member_birth_month IS NOT NULL
                        AND g.idx <= %s AND g.idx %% 2 = 0
                     UNION ALL
                     SELECT p.id, p.phone, 'tier_upgrade', h.id, h.date,
                            'Congratulations ' || split_part(p.name, ' ', 1) || ', you are now '
                                || (t.name->>'en_US') || '!'
                       FROM membership_tier_history h
                       JOIN gen_plan g ON g.partner_id = h.partner_id
                       JOIN res_partner p ON p.id = h.partner_id
                       JOIN membership_tier t ON t.id = h.to_tier_id
                      WHERE p.phone IS NOT NULL) x
              WHERE x.at <= NOW()""",
            shop,
            self.members,
            shop,
            self.members,
        )

    # ------------------------------------------------------------------ the story
    def refresh_scores(self):
        self.counts["member scores"] = self.env["membership.member.score"]._refresh()

    def run_campaign(self):
        """A win-back SMS campaign on the members at risk (no visit for the inactivity
        period), run from 75 to 45 days ago with a quarter held out as control: more
        targets than controls came back (picked by the seeded generator, so the story is
        the same on every run), and its results are measured (the campaign is done)."""
        today = fields.Date.context_today(self.env["res.partner"])
        start, end = today - timedelta(days=75), today - timedelta(days=45)
        segment = self.env.ref("membership_loyalty.membership_segment_at_risk")
        self.campaign = self.env["membership.campaign"].create(
            {
                "name": "Win back: we miss you",
                "company_id": self.company.id,
                "segment_id": segment.id,
                "date_from": start,
                "date_to": end,
                "offer_type": "sms",
                "sms_body": "We miss you at " + self.company.name + "! Come by this month.",
                "control_percent": 25.0,
                "cost_per_member": 0.05,
                "seed": self.seed,
            }
        )
        self.campaign.action_start()
        sent_at = fields.Datetime.to_datetime(start) + timedelta(hours=10)
        self.sql(
            """UPDATE membership_sms SET state = 'sent', sent_at = %s, create_date = %s,
                      next_attempt_at = %s, attempts = 1
                WHERE idempotency_key LIKE %s""",
            sent_at,
            sent_at,
            sent_at,
            f"membership.campaign:{self.campaign.id}:%",
        )
        targets, controls = self.campaign.target_ids.ids, self.campaign.control_ids.ids
        partners = self.rng.sample(targets, math.ceil(len(targets) * 0.5))
        partners += self.rng.sample(controls, min(len(controls), 1 + len(controls) // 10))
        self.sql(
            """CREATE TEMP TABLE gen_order ON COMMIT DROP AS
               SELECT nextval('pos_order_id_seq') AS id, x.partner_id,
                      %s::timestamp + interval '1 day' * (random() * %s) AS date_order,
                      2 + (random() * 2.999)::int AS n_lines, FALSE AS refund,
                      COALESCE(g.store, 1) AS store, 1 + (random() * %s)::int AS cashier
                 FROM unnest(%s::int[]) AS x(partner_id)
                 LEFT JOIN gen_plan g ON g.partner_id = x.partner_id""",
            fields.Datetime.to_datetime(start) + timedelta(hours=9),
            (end - start).days,
            len(self.staff) - 0.001,
            partners,
        )
        self.write_orders()
        self.refresh_activity()
        self.env.invalidate_all()
        self.campaign.action_compute_results()

    # ------------------------------------------------------------------ run
    def steps(self):
        steps = [("configuration (ORM)", self.configure), ("members", self.create_members)]
        steps += [("cards", self.create_cards), ("order plan", self.prepare_orders)]
        steps += [("orders", self.create_all_orders)]
        steps += [("points and wallet ledgers", self.create_ledgers)]
        if self.story:
            steps += [("e-coupons bought, given and used (ORM)", self.create_coupons)]
        steps += [("activity figures and tiers", self.refresh_activity)]
        steps += [("tier history", self.create_tier_history)]
        steps += [("SMS history", self.create_sms_history)]
        if self.story:
            steps += [("member scores", self.refresh_scores)]
            steps += [("finished campaign", self.run_campaign)]
            steps += [("member scores again", self.refresh_scores)]
        steps += [("analyze", self.analyze)]
        return steps

    def create_all_orders(self):
        for first in range(1, self.shoppers + 1, self.batch):
            last = min(first + self.batch - 1, self.shoppers)
            start = time.perf_counter()
            self.create_orders(first, last)
            self.log(f"  orders of members {first}-{last}: {time.perf_counter() - start:.1f} s")

    def check_fresh(self):
        """Refuse a database that already holds a generated shop: a second run would add a
        second pair of stores, staff and products under the same names (and its staff
        logins would clash), a shop nobody could read. Nothing is written before this."""
        self.cr.execute(
            """SELECT COUNT(*), MIN(create_date)::date FROM pos_order
                WHERE pos_reference LIKE %s""",
            ("GEN-%",),
        )
        orders, since = self.cr.fetchone()
        if orders:
            raise UserError(
                self.env._(
                    "This database already holds a generated shop (%(orders)s orders, "
                    "generated on %(since)s): generating again would add its stores, staff "
                    "and products a second time. Generate into a new database (create it "
                    "with the addon installed, then run the generator on it) or drop this one.",
                    orders=orders,
                    since=since,
                )
            )

    def run(self):
        self.check_fresh()
        self.timings = {}
        for label, step in self.steps():
            start = time.perf_counter()
            step()
            self.timings[label] = time.perf_counter() - start
            self.log(f"{label:<40} {self.timings[label]:8.1f} s")
        return self.counts

    def analyze(self):
        self.env.flush_all()
        self.sql(
            "ANALYZE res_partner; ANALYZE membership_card; ANALYZE pos_order;"
            " ANALYZE pos_order_line; ANALYZE membership_account;"
            " ANALYZE membership_points_move; ANALYZE membership_wallet_move"
        )
        self.env.invalidate_all()


def verify(env, log=print):
    """Read the data back through the ORM the way the reports and the ledgers do; raise
    when the ledgers or the card numbers do not hold."""
    log("-- checks through the ORM")
    months = env["membership.report.sale"]._read_group(
        [], ["date:month", "customer_type"], ["amount_total:sum", "order_count:sum"]
    )
    log(f"{'sales report: month x customer groups':<40} {len(months):>10,}")
    total = sum(amount for _month, _member, amount, _orders in months)
    log(f"{'sales report: total sales':<40} {total:>14,.2f}")
    members = env["membership.report.member"]._read_group([], ["tier_id"], ["member_count:sum"])
    for tier, count in members:
        log(f"{'members report: tier ' + (tier.name or 'none'):<40} {count:>10,}")
    ledger = env["membership.report.ledger"]._read_group(
        [], ["ledger"], ["points_issued:sum", "points_used:sum", "wallet_deposited:sum"]
    )
    for name, issued, used, deposited in ledger:
        log(f"{'ledger report: ' + name:<40} {issued:>10,.0f} {used:>10,.0f} {deposited:>10,.0f}")
    accounts = env["membership.account"].with_context(active_test=False).search([])
    drifting = accounts._membership_check_invariant()
    log(f"{'accounts / balance != sum of moves':<40} {len(accounts):>10,} / {len(drifting)}")
    states = env["membership.card"]._read_group([], ["state"], ["__count"])
    log("cards by state: " + ", ".join(f"{state} {count}" for state, count in states))
    numbers = env["membership.card"].search([], limit=1000).mapped("number")
    bad = [number for number in numbers if not (len(number) == 12 and luhn_valid(number))]
    log(f"{'card numbers not 12-digit Luhn (of 1000)':<40} {len(bad):>10,}")
    card = env["membership.card"].search([("state", "=", "active")], limit=1)
    found = env["membership.card"]._find_by_code(card.number)
    log(f"card {card.number} found by its number: {found == card}")
    if drifting or bad or found != card:
        raise ValueError("generated data failed its checks")
