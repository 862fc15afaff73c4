"""The shop generator at the ``full`` and ``huge`` sizes (100,000 and 1,000,000 members).

Same shop as ``shop_generator.Generator`` (same plan of visits, orders, ledgers, tiers,
SMS), written the way a bulk load is:

- members are spelled inside PostgreSQL (``generate_series``, names from small arrays)
  with their ids taken from the sequence first, so nothing looks them up afterwards; the
  cards (numbers with a Luhn digit computed here) go through ``COPY ... FROM STDIN``;
- before the bulk, the foreign keys, unique constraints and indexes of the tables written
  are set aside, and rebuilt after it: one sort per index and one
  anti-join per foreign key instead of a btree insert and a trigger per row. Rebuilding
  the constraints validates them over every row (a broken reference or a duplicate fails
  the run); it all happens in the caller's transaction, so a failure leaves the database
  as it was;
- orders are written in batches of 100,000 members (one million lines each);
- at the end, SQL checks: every account's balances equal the sums of its moves, and the
  sales, ledger and member report queries agree with the tables they read.

Measured (2 cores shared with other work, load 7-11, 2026-11-30): 1,000,000 members and
10.1M order lines in 904 s, orders 332 s and the rebuild of indexes and constraints 312 s
of it; the database then holds 5.9 GB. The full preset (100,000 members, 1.0M lines): 78 s.

``generator_for(env, preset, ...)`` picks this writer for ``full`` and ``huge`` (at any
``members``, so a scaled run proves the rate of the same code path) and the plain one for
``demo`` and ``quick`` (whose shops ``make run`` and the tests read: they stay as they
were). The plain writer spells each member in Python, one random draw after another, and
writes the tables with their indexes in place.
"""

import io
import time

from odoo.tools import SQL

from ..models.membership_card import luhn_check_digit
from ..models.res_partner_card_type import NEWEST_ACTIVE_CARD_TYPE
from .shop_generator import (
    AREA_CODES,
    FEMALE_NAMES,
    LAST_NAMES,
    MALE_NAMES,
    Generator,
)

# The tables the bulk writes (each at least one row per member or per order line).
BULK_TABLES = (
    "res_partner",
    "membership_card",
    "pos_order",
    "pos_order_line",
    "membership_account",
    "membership_points_move",
    "membership_wallet_move",
    "membership_tier_history",
    "membership_sms",
)


# The presets the bulk writer writes; demo and quick keep the plain writer (their shops,
# which ``make run`` and the tests read, stay exactly as they were).
BULK_PRESETS = ("full", "huge")


def generator_for(env, preset, **kwargs):
    """The generator that writes ``preset``: the bulk writer for ``full`` and ``huge``."""
    cls = BulkGenerator if preset in BULK_PRESETS else Generator
    return cls(env, preset, **kwargs)


class BulkGenerator(Generator):
    """``Generator`` with the bulk-load writers (see the module's docstring)."""

    batch = 100_000

    def __init__(self, env, preset="huge", **kwargs):
        super().__init__(env, preset, **kwargs)
        self.set_aside = []  # (table, name, kind, definition) rebuilt by restore_constraints

    def steps(self):
        steps = []
        for label, step in super().steps():
            if step == self.analyze:
                steps.append(("indexes and constraints rebuilt", self.restore_constraints))
            steps.append((label, step))
            if step == self.configure:
                steps.append(("indexes and constraints set aside", self.drop_constraints))
        steps.append(("checks (SQL)", self.check))
        return steps

    # ------------------------------------------------------------------ constraints
    def drop_constraints(self):
        """Drop the foreign keys, unique constraints and indexes of BULK_TABLES, keeping
        their definitions. Kept: primary keys (ids only grow: appending to them is cheap),
        check constraints (checked on the row, no lookup) and anything another table's
        foreign key depends on."""
        self.env.flush_all()
        # Session settings for this transaction only: index sorts and hash joins in memory.
        self.sql("SET LOCAL maintenance_work_mem = '1GB'; SET LOCAL work_mem = '256MB'")
        tables = list(BULK_TABLES)
        self.cr.execute(
            """SELECT c.conrelid::regclass::text, c.conname, c.contype,
                      pg_get_constraintdef(c.oid)
                 FROM pg_constraint c
                WHERE c.conrelid = ANY(%s::regclass[])
                  AND (c.contype = 'f'
                       OR (c.contype = 'u' AND NOT EXISTS (
                               SELECT 1 FROM pg_constraint r
                                WHERE r.contype = 'f' AND r.conindid = c.conindid)))
                ORDER BY c.contype, 1, 2""",
            (tables,),
        )
        constraints = self.cr.fetchall()
        self.cr.execute(
            """SELECT i.indrelid::regclass::text, x.relname, 'i', pg_get_indexdef(i.indexrelid)
                 FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
                WHERE i.indrelid = ANY(%s::regclass[])
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                ORDER BY 1, 2""",
            (tables,),
        )
        indexes = self.cr.fetchall()
        for table, name, _kind, _definition in constraints:
            self.sql(
                "ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(name)
            )
        for _table, name, _kind, _definition in indexes:
            self.sql("DROP INDEX %s", SQL.identifier(name))
        # Rebuilt in this order: indexes, unique constraints, then the foreign keys.
        self.set_aside = indexes + [row for row in constraints if row[2] == "u"]
        self.set_aside += [row for row in constraints if row[2] == "f"]
        self.counts["indexes and constraints set aside"] = len(self.set_aside)

    def restore_constraints(self):
        """Recreate what drop_constraints set aside, under the same names: the indexes are
        built in one sort each, the unique constraints and foreign keys are validated
        against every row. Prints the time per table."""
        per_table = {}
        for table, name, kind, text in self.set_aside:
            start = time.perf_counter()
            definition = SQL(text.replace("%", "%%"))  # as PostgreSQL printed it (LIKE 'a%')
            if kind == "i":
                self.cr.execute(definition)
            else:
                self.sql(
                    "ALTER TABLE %s ADD CONSTRAINT %s %s",
                    SQL.identifier(table),
                    SQL.identifier(name),
                    definition,
                )
            per_table[table] = per_table.get(table, 0.0) + time.perf_counter() - start
        for table, seconds in sorted(per_table.items(), key=lambda item: -item[1]):
            self.log(f"  {table:<38} {seconds:8.1f} s")
        self.set_aside = []
        # The rows were written behind the ORM's back: nothing cached may survive them.
        self.env.invalidate_all()
        self.env.registry.clear_cache()

    # ------------------------------------------------------------------ members and cards
    def create_members(self):
        """Members spelled in SQL, ids taken from the sequence first (gen_member needs no
        lookup by member number). Same distributions as Generator.create_members."""
        count = self.members
        prefix, start, padding, suffix = self.reserve_range("membership.member", count)
        self.sql(
            """CREATE TEMP TABLE gen_member ON COMMIT DROP AS
               SELECT g AS idx, nextval('res_partner_id_seq')::int AS partner_id
                 FROM generate_series(1, %s) g;
               ALTER TABLE gen_member ADD PRIMARY KEY (idx)""",
            count,
        )
        # Members already there without any order shop too (as in Generator); looked up
        # before the new ones exist, so no anti-join against a million rows.
        self.sql(
            """INSERT INTO gen_member (idx, partner_id)
               SELECT %s + row_number() OVER (ORDER BY p.id), p.id
                 FROM res_partner p
                WHERE p.is_member AND p.active
                  AND NOT EXISTS (SELECT 1 FROM pos_order o WHERE o.partner_id = p.id)""",
            count,
        )
        staff = self.staff.ids + self.env.ref("base.user_admin").ids
        both = FEMALE_NAMES + MALE_NAMES
        entry = self.tiers.filtered(lambda t: not t.threshold)[:1]
        age = "age(x.birth)"
        number = f"x.idx + {int(start) - 1}"
        self.insert(
            "res_partner",
            {
                "id": "x.partner_id",
                "name": "x.first || ' ' || x.last",
                "complete_name": "x.first || ' ' || x.last",
                "active": "TRUE",
                "type": "'contact'",
                "is_company": "FALSE",
                "company_id": str(self.company.id),
                "lang": "'en_US'",
                "is_member": "TRUE",
                "member_number": SQL(
                    f"%s || lpad(({number})::text, GREATEST(%s, length(({number})::text)), '0')"
                    " || %s",
                    prefix,
                    padding,
                    suffix,
                ),
                "member_since": "x.since",
                "member_birthdate": "x.birth",
                "member_birth_month": "EXTRACT(MONTH FROM x.birth)",
                "member_age_band": f"""CASE WHEN {age} >= interval '65 years' THEN '65_plus'
                                            WHEN {age} >= interval '55 years' THEN '55_64'
                                            WHEN {age} >= interval '45 years' THEN '45_54'
                                            WHEN {age} >= interval '35 years' THEN '35_44'
                                            WHEN {age} >= interval '25 years' THEN '25_34'
                                            WHEN {age} >= interval '18 years' THEN '18_24'
                                            ELSE 'under_18' END""",
                "member_gender": "x.gender",
                "country_id": str(self.country.id),
                "state_id": "s.id",
                "member_region": "s.name",
                "phone": "x.phone",
                "phone_sanitized": "x.phone",
                "email": "lower(x.first) || '.' || lower(x.last) || x.idx || '@example.com'",
                "user_id": SQL("(%s::int[])[1 + (x.idx * 13) %% %s]", staff, len(staff)),
                "autopost_bills": "'ask'",
                # The entry tier from the start: refresh_activity then rewrites the buyers
                # only, not every member a second time.
                "member_tier_id": str(entry.id) if entry else "NULL",
            },
            # Each random draw in its own column of the inner query (PostgreSQL keeps a
            # subquery with volatile outputs as it is), the picks made outside it.
            """FROM (SELECT y.idx, y.partner_id, y.birth, y.since, y.state_id,
                            CASE WHEN y.roll < 0.49 THEN 'female'
                                 WHEN y.roll < 0.97 THEN 'male' ELSE 'other' END AS gender,
                            CASE WHEN y.roll < 0.49
                                      THEN (%s::text[])[1 + floor(y.r_first * %s)::int]
                                 WHEN y.roll < 0.97
                                      THEN (%s::text[])[1 + floor(y.r_first * %s)::int]
                                 ELSE (%s::text[])[1 + floor(y.r_first * %s)::int] END AS first,
                            (%s::text[])[1 + floor(y.r_last * %s)::int] AS last,
                            '+1' || (%s::int[])[1 + floor(y.r_area * %s)::int]
                                 || (200 + floor(y.r_exchange * 800))::int
                                 || lpad(floor(y.r_line * 10000)::int::text, 4, '0') AS phone
                       FROM (SELECT m.idx, m.partner_id, random() AS roll, random() AS r_first,
                                    random() AS r_last, random() AS r_area,
                                    random() AS r_exchange, random() AS r_line,
                                    (%s::int[])[1 + (m.idx::bigint * 7919) %% %s] AS state_id,
                                    CURRENT_DATE - (6600 + random() * 21900)::int AS birth,
                                    CURRENT_DATE - (random() * 1800)::int AS since
                               FROM gen_member m WHERE m.idx <= %s) y
                    ) x
               JOIN res_country_state s ON s.id = x.state_id""",
            FEMALE_NAMES,
            len(FEMALE_NAMES),
            MALE_NAMES,
            len(MALE_NAMES),
            both,
            len(both),
            LAST_NAMES,
            len(LAST_NAMES),
            AREA_CODES,
            len(AREA_CODES),
            self.states.ids,
            len(self.states),
            count,
        )
        self.sql("ANALYZE gen_member; ANALYZE res_partner")
        self.cr.execute("SELECT COUNT(*) FROM gen_member")
        self.shoppers = self.cr.fetchone()[0]

    def create_cards(self):
        """Card states drawn as in Generator.create_cards; the rows go through COPY."""
        rows = self.card_rows()
        prefix, start, padding, suffix = self.reserve_range("membership.card", len(rows))
        buffer = io.StringIO()
        for offset, (partner_id, state) in enumerate(rows):
            base = f"{prefix}{str(start + offset).zfill(padding)}{suffix}"
            buffer.write(f"{base}{luhn_check_digit(base)}\t{partner_id}\t{state}\n")
        buffer.seek(0)
        self.sql(
            "CREATE TEMP TABLE gen_card (number text, partner_id int, state text) ON COMMIT DROP"
        )
        self.cr.copy_expert("COPY gen_card (number, partner_id, state) FROM STDIN", buffer)
        self.insert_cards("gen_card c")
        self.sql("DROP TABLE gen_card")

    # ------------------------------------------------------------------ orders and plans
    def prepare_orders(self):
        super().prepare_orders()
        # Statistics for the planner: a temporary table has none, and a join planned on
        # "a few rows" nests a loop over a million.
        self.sql("ANALYZE gen_plan; ANALYZE gen_product")

    # One product draw per line, joined on equality (a hash join): the plain writer's draw
    # inside the join condition is evaluated for every line and product pair.
    LINES_SQL = """SELECT nextval('pos_order_line_id_seq') AS id, x.order_id,
                          pr.id AS product_id, pr.name, pr.price, x.qty
                     FROM (SELECT o.id AS order_id,
                                  1 + ((o.id * 31 + n * 17 + (random() * 3)::int) %% %s) AS pick,
                                  CASE WHEN o.refund THEN -1 ELSE 1 END
                                      * (1 + (random() < 0.25)::int) AS qty
                             FROM gen_order o
                            CROSS JOIN LATERAL generate_series(1, o.n_lines) n) x
                     JOIN gen_product pr ON pr.idx = x.pick"""

    def write_orders(self):
        self.sql("ANALYZE gen_order")
        super().write_orders()

    def create_all_orders(self):
        super().create_all_orders()
        self.sql("ANALYZE pos_order")

    def create_ledgers(self):
        super().create_ledgers()
        self.sql("ANALYZE membership_account")

    def create_tier_history(self):
        self.sql("ANALYZE res_partner")
        super().create_tier_history()
        self.sql("ANALYZE membership_tier_history")

    # ------------------------------------------------------------------ checks
    def check(self):
        """SQL checks of the generated shop (printed; a failed one raises)."""
        failures = check_sql(self.env, log=self.log)
        if failures:
            raise ValueError("generated data failed its checks: " + ", ".join(failures))


def check_sql(env, log=print):
    """Ledger invariants and report queries against the tables, in plain SQL over every
    row. Returns the names of the failed checks (empty when all hold)."""
    cr = env.cr
    env.flush_all()
    failures = []

    def report(label, ok, detail):
        log(f"{label:<58} {'ok' if ok else 'FAILED':<6} {detail}")
        if not ok:
            failures.append(label)

    cr.execute(
        """SELECT COUNT(*),
                  COUNT(*) FILTER (WHERE a.points_balance <> COALESCE(p.points, 0)
                                      OR a.wallet_paid_balance <> COALESCE(w.paid, 0)
                                      OR a.wallet_bonus_balance <> COALESCE(w.bonus, 0))
             FROM membership_account a
             LEFT JOIN (SELECT account_id, SUM(points) AS points
                          FROM membership_points_move GROUP BY account_id) p
                    ON p.account_id = a.id
             LEFT JOIN (SELECT account_id, SUM(paid_amount) AS paid, SUM(bonus_amount) AS bonus
                          FROM membership_wallet_move GROUP BY account_id) w
                    ON w.account_id = a.id"""
    )
    accounts, drifting = cr.fetchone()
    report(
        "ledger: every balance == sum of its moves",
        not drifting,
        f"{accounts:,} accounts, {drifting:,} drifting",
    )

    sale = env["membership.report.sale"]
    cr.execute(
        SQL(
            """SELECT v.rows, v.total, v.members_total,
                      (SELECT COUNT(*) FROM pos_order WHERE state IN ('paid', 'done')),
                      (SELECT ROUND(SUM(amount_total)::numeric, 2) FROM pos_order
                        WHERE state IN ('paid', 'done')),
                      (SELECT ROUND(SUM(member_total_spent)::numeric, 2) FROM res_partner
                        WHERE is_member)
                 FROM (SELECT COUNT(*) AS rows, ROUND(SUM(amount_total)::numeric, 2) AS total,
                              ROUND(SUM(member_amount_total)::numeric, 2) AS members_total
                         FROM (%(view)s) r) v""",
            view=SQL(sale._table_query),
        )
    )
    rows, total, members_total, orders, orders_total, spent = cr.fetchone()
    report(
        "sales report: one row per paid order, same total",
        rows == orders and total == orders_total,
        f"{rows:,} rows / {orders:,} orders, {total:,} / {orders_total:,}",
    )
    report(
        "sales report: members' sales == members' stored spend",
        abs((members_total or 0) - (spent or 0)) < 1,  # stored as floats: cents of rounding
        f"{members_total:,} / {spent:,}",
    )

    ledger = env["membership.report.ledger"]
    cr.execute(
        SQL(
            """SELECT v.points, v.wallet,
                      (SELECT SUM(points_balance) FROM membership_account),
                      (SELECT ROUND(SUM(wallet_paid_balance)::numeric, 2)
                         FROM membership_account)
                 FROM (SELECT SUM(points_issued) - SUM(points_used) AS points,
                              ROUND(SUM(wallet_outstanding)::numeric, 2) AS wallet
                         FROM (%(view)s) r) v""",
            view=SQL(ledger._table_query),
        )
    )
    points, wallet, balances, wallet_balances = cr.fetchone()
    report(
        "ledger report: points and wallet == account balances",
        (points or 0) == (balances or 0) and (wallet or 0) == (wallet_balances or 0),
        f"points {points or 0:,} / {balances or 0:,}, wallet {wallet or 0:,} / "
        f"{wallet_balances or 0:,}",
    )

    member = env["membership.report.member"]
    cr.execute(
        SQL(
            """SELECT (SELECT COUNT(*) FROM (%(view)s) v),
                      (SELECT COUNT(*) FROM res_partner WHERE is_member AND active)""",
            view=SQL(member._table_query),
        )
    )
    in_report, members = cr.fetchone()
    report(
        "members report: one row per active member",
        in_report == members,
        f"{in_report:,} / {members:,}",
    )

    cr.execute(
        SQL(
            """SELECT COUNT(*) FILTER (WHERE card.card_type_id IS NOT NULL),
                  COUNT(*) FILTER (WHERE p.member_card_type_id IS DISTINCT FROM card.card_type_id)
                 FROM res_partner p
                 LEFT JOIN (%s) card ON card.partner_id = p.id
                WHERE p.is_member""",
            SQL(NEWEST_ACTIVE_CARD_TYPE),
        )
    )
    carded, wrong = cr.fetchone()
    report(
        "members' stored card type == their newest active card's",
        not wrong,
        f"{carded:,} with an active card, {wrong:,} wrong",
    )

    cr.execute(
        """SELECT COUNT(*) FROM pos_order_line l
            WHERE NOT EXISTS (SELECT 1 FROM pos_order o WHERE o.id = l.order_id)"""
    )
    orphans = cr.fetchone()[0]
    report("order lines without their order", not orphans, f"{orphans:,}")
    return failures
