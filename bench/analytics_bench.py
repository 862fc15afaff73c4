#!/usr/bin/env python3
"""Analytics benchmark: prints figures, asserts nothing about speed.

Generates N members and M paid POS orders (two lines each) with plain SQL inside one
transaction, then times every report the way the web client queries it (read_group with
a date filter where the report has one), the dashboard figures and the segment refresh
(full, and incremental after 1 % of the members bought again). Everything is rolled back
at the end: the database is left as it was.

The database must have membership_loyalty installed, e.g.:
    scripts/odoo-bin -d analytics_bench -i membership_loyalty --without-demo --stop-after-init
    .venv/bin/python bench/analytics_bench.py -d analytics_bench --members 2000 --orders 20000
or on data made by bench/generate.py (nothing generated here):
    .venv/bin/python bench/analytics_bench.py -d gen_t --no-generate
Goals from the issues (at 100k members / 1M order lines): each report and the dashboard
figures <= 300 ms; the segment refresh <= 1 s, full (the next day: only the rows whose
scores changed are rewritten, the days since the last visit are counted when read) and
incremental (an hour later, after 1 % of the members bought again), with the same scores
either way.
"""

import argparse
import json
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from figures import record

ROOT = Path(__file__).resolve().parent.parent


ELAPSED = {}  # label -> ms, for the figures recorded at the end


def timed(label, func, rows=None):
    start = time.perf_counter()
    result = func()
    elapsed = (time.perf_counter() - start) * 1000
    ELAPSED[label] = elapsed
    extra = f"  ({rows(result)})" if rows else ""
    print(f"{label:<48} {elapsed:9.1f} ms{extra}")
    return result


def service_product_ids(env, with_points):
    """The membership services (top-ups, card charges; the points cash-off with
    ``with_points``), which the reports leave out of sales of goods."""
    from odoo.addons.membership_loyalty.tools.service_lines import service_products_query

    env.cr.execute(service_products_query(with_points=with_points))
    return {row[0] for row in env.cr.fetchall()}


def naive_top_products(env, since):
    """Top products among members the naive ORM way: search the lines, loop over them."""
    services = service_product_ids(env, with_points=True)
    lines = env["pos.order.line"].search(
        [
            ("order_id.date_order", ">=", since),
            ("order_id.state", "in", ("paid", "done")),
            ("order_id.partner_id.is_member", "=", True),
        ]
    )
    totals = defaultdict(float)
    for line in lines:
        if line.product_id.id in services:
            continue
        rate = line.order_id.currency_rate or 1.0
        totals[line.product_id.id] += line.price_subtotal_incl / rate
    return totals


def naive_sales_by_month(env, since):
    """Sales by month x member the naive ORM way: search the orders, loop over them (the
    goods of each: its total less its service lines)."""
    services = service_product_ids(env, with_points=False)
    orders = env["pos.order"].search(
        [("date_order", ">=", since), ("state", "in", ("paid", "done"))]
    )
    totals = defaultdict(float)
    for order in orders:
        key = (order.date_order.strftime("%Y-%m"), bool(order.partner_id.is_member))
        goods = order.amount_total - sum(
            line.price_subtotal_incl for line in order.lines if line.product_id.id in services
        )
        totals[key] += goods / (order.currency_rate or 1.0)
    return totals


def same_total(sql_rows, naive, index):
    """Do the SQL report (aggregate at ``index`` of its rows) and its naive version add up
    to the same total?"""
    sql_total = sum(row[index] or 0.0 for row in sql_rows)
    return abs(sql_total - sum(naive.values())) < 0.01 * max(1.0, len(naive))


FULL_REFRESH = "segment refresh: full, next day"
INCREMENTAL_REFRESH = "segment refresh: incremental, 1 hour later"


def record_figures(top_same, month_same, refresh_same):
    reports = {
        label: ms
        for label, ms in ELAPSED.items()
        if not label.startswith(("generate", "naive", "dashboard", "segment", "report day"))
    }
    slowest = max(reports, key=reports.get)
    record(f"analytics: slowest report: {slowest}", reports[slowest], "ms", goal=300, issue=21)
    for label, naive_label, same in (
        ("top products among members (30 days)", "naive ORM: top products (30 days)", top_same),
        ("sales by month x member (12 months)", "naive ORM: sales by month x member", month_same),
    ):
        if same is None:  # --skip-naive: the figure without its baseline
            record(f"analytics: {label}", ELAPSED[label], "ms", goal=300, issue=21)
            continue
        record(
            f"analytics: {label}",
            ELAPSED[label],
            "ms",
            goal=300,
            baseline=ELAPSED[naive_label],
            baseline_label=f"{naive_label} (search + loop), same figures: "
            + ("yes" if same else "NO"),
            issue=21,
        )
    record("analytics: dashboard figures", ELAPSED["dashboard figures"], "ms", goal=300, issue=21)
    if refresh_same is None:  # --skip-segments
        return
    record("analytics: full segment refresh", ELAPSED[FULL_REFRESH], "ms", goal=1000, issue=21)
    record(
        "analytics: incremental segment refresh",
        ELAPSED[INCREMENTAL_REFRESH],
        "ms",
        goal=1000,
        baseline=ELAPSED[FULL_REFRESH],
        baseline_label="full refresh (same run), same scores: " + ("yes" if refresh_same else "NO"),
        issue=21,
    )


def buy_again(env, share):
    """One paid order (two lines) in the last hour for ``share`` of the members, and their
    activity figures updated as the paid-order hook does. Returns the number of members."""
    cr = env.cr
    cr.execute(
        "SELECT s.id, c.company_id FROM pos_session s JOIN pos_config c ON c.id = s.config_id"
        " ORDER BY s.id DESC LIMIT 1"
    )
    session_id, company_id = cr.fetchone()
    cr.execute("SELECT MIN(id) FROM product_product WHERE active")
    product_id = cr.fetchone()[0]
    cr.execute(
        """
        WITH buyer AS (
            SELECT id, row_number() OVER (ORDER BY id) AS n
              FROM res_partner
             WHERE is_member AND active AND random() < %s
        ),
        orders AS (
            INSERT INTO pos_order (name, session_id, company_id, partner_id, date_order, state,
                                   amount_total, amount_tax, amount_paid, amount_return,
                                   currency_rate, create_date, write_date)
            SELECT 'Bench again/' || b.n, %s, %s, b.id,
                   (NOW() AT TIME ZONE 'UTC') - make_interval(mins => (b.n %% 60)::int),
                   'paid', 30, 0, 30, 0, 1.0, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM buyer b
            RETURNING id, name, partner_id, date_order
        ),
        lines AS (
            INSERT INTO pos_order_line (name, order_id, product_id, qty, price_unit,
                                        price_subtotal, price_subtotal_incl,
                                        create_date, write_date)
            SELECT o.name || '/' || n, o.id, %s, 1, 15, 15, 15,
                   NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM orders o CROSS JOIN generate_series(1, 2) n
        )
        UPDATE res_partner p
           SET member_last_visit = GREATEST(p.member_last_visit, o.date_order),
               member_visit_count = COALESCE(p.member_visit_count, 0) + 1,
               member_total_spent = COALESCE(p.member_total_spent, 0) + 30,
               write_date = NOW() AT TIME ZONE 'UTC'
          FROM orders o
         WHERE o.partner_id = p.id
        """,
        (share, session_id, company_id, product_id),
    )
    return cr.rowcount


def score_rows(env):
    env.cr.execute(
        "SELECT partner_id, last_visit, frequency, monetary, rfm_code, basket_recent,"
        " basket_previous, basket_trend, visits_recent, visits_previous, frequency_trend,"
        " refund_ratio, churn_risk, undesirable, company_id"
        " FROM membership_member_score ORDER BY partner_id"
    )
    return env.cr.fetchall()


def segment_refresh(env, now):
    """The full refresh of the next day, then an incremental one an hour later after some
    members bought again, checked against a full refresh of the same moment."""
    Score = env["membership.member.score"]
    if not Score.search_count([]):
        timed("segment refresh: first build (every row inserted)", lambda: Score._refresh(now))
    day = now + timedelta(days=1)
    timed(FULL_REFRESH, lambda: Score._refresh(day))
    timed("segment refresh: full, same data again", lambda: Score._refresh(day))
    # The next incremental refresh looks back a safety margin before the last one; act as
    # if that margin had passed: the data written before this run is older than it.
    Param = env["ir.config_parameter"]
    marks = json.loads(Param.get_param("membership_loyalty.member_score_refresh"))
    marks["since"] = str(env.cr.now())
    Param.set_param("membership_loyalty.member_score_refresh", json.dumps(marks))
    buyers = buy_again(env, 0.01)
    later = day + timedelta(hours=1)
    print(f"{buyers} members bought again")
    timed(INCREMENTAL_REFRESH, lambda: Score._refresh(later, incremental=True))
    incremental = score_rows(env)
    timed("segment refresh: full, 1 hour later", lambda: Score._refresh(later))
    same = incremental == score_rows(env)
    print(f"incremental refresh gives the same scores as a full one: {same}")
    return same


def generate(env, members, orders):
    cr = env.cr
    company = env.company
    product = env["product.product"].create({"name": "Analytics bench product", "list_price": 10})
    config = env["pos.config"].create({"name": "Analytics bench till"})
    session = env["pos.session"].create({"config_id": config.id, "user_id": env.uid})
    env.flush_all()
    users = env["res.users"].search([], limit=5).ids
    cr.execute(
        """
        INSERT INTO res_partner (name, active, is_member, member_since, member_gender,
                                 member_region, member_age_band, company_id, user_id,
                                 autopost_bills, type, create_date, write_date)
        SELECT 'Bench member ' || g, TRUE, TRUE,
               CURRENT_DATE - (g %% 1500),
               (ARRAY['male', 'female', 'other'])[1 + g %% 3],
               (ARRAY['North', 'South', 'East', 'West', 'Centre'])[1 + g %% 5],
               (ARRAY['18_24', '25_34', '35_44', '45_54', '55_64', '65_plus'])[1 + g %% 6],
               %s, (%s::int[])[1 + g %% %s], 'ask', 'contact', NOW(), NOW()
          FROM generate_series(1, %s) g
        RETURNING id
        """,
        (company.id, users, len(users), members),
    )
    partner_ids = [r[0] for r in cr.fetchall()]
    card_types = env["membership.card.type"].create(
        [{"name": f"Bench type {i}", "company_id": company.id} for i in range(3)]
    )
    env.flush_all()
    # Four members in five hold an active card of one of three types.
    cr.execute(
        """
        INSERT INTO membership_card (partner_id, company_id, card_type_id, number, state,
                                     create_date, write_date)
        SELECT p, %s, (%s::int[])[1 + p %% 3], 'BENCH' || p, 'active', NOW(), NOW()
          FROM unnest(%s::int[]) p
         WHERE p %% 5 <> 0
        """,
        (company.id, card_types.ids, partner_ids),
    )
    env["res.partner"]._membership_fill_card_type(partner_ids)
    cr.execute(
        """
        INSERT INTO pos_order (name, session_id, company_id, partner_id, date_order, state,
                               amount_total, amount_tax, amount_paid, amount_return,
                               currency_rate, create_date, write_date)
        SELECT 'Bench/' || g, %s, %s,
               CASE WHEN g %% 4 = 0 THEN NULL ELSE (%s::int[])[1 + g %% %s] END,
               NOW() - make_interval(mins => (g * 37) %% (60 * 24 * 730)),
               'paid',
               CASE WHEN g %% 50 = 0 THEN -20 ELSE 20 + g %% 30 END, 0,
               CASE WHEN g %% 50 = 0 THEN -20 ELSE 20 + g %% 30 END, 0,
               1.0, NOW(), NOW()
          FROM generate_series(1, %s) g
        """,
        (session.id, company.id, partner_ids, len(partner_ids), orders),
    )
    cr.execute(
        """
        INSERT INTO pos_order_line (name, order_id, product_id, qty, price_unit,
                                    price_subtotal, price_subtotal_incl, create_date, write_date)
        SELECT o.name || '/' || n, o.id, %s, 1, o.amount_total / 2,
               o.amount_total / 2, o.amount_total / 2, NOW(), NOW()
          FROM pos_order o CROSS JOIN generate_series(1, 2) n
         WHERE o.session_id = %s
        """,
        (product.id, session.id),
    )
    # Activity figures as the paid-order hook would have kept them.
    cr.execute(
        """
        UPDATE res_partner p
           SET member_last_visit = s.last, member_visit_count = s.visits,
               member_total_spent = s.total
          FROM (SELECT partner_id, MAX(date_order) AS last, COUNT(*) AS visits,
                       SUM(amount_total) AS total
                  FROM pos_order WHERE session_id = %s AND partner_id IS NOT NULL
                 GROUP BY partner_id) s
         WHERE s.partner_id = p.id
        """,
        (session.id,),
    )
    cr.execute(
        "ANALYZE res_partner; ANALYZE membership_card; ANALYZE pos_order; ANALYZE pos_order_line"
    )
    env.invalidate_all()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", default="analytics_bench")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=20000, help="paid orders (2 lines each)")
    parser.add_argument(
        "--no-generate",
        action="store_true",
        help="time the reports on the data already in the database (e.g. bench/generate.py)",
    )
    parser.add_argument(
        "--explain", action="store_true", help="print the plan of the top-products query"
    )
    parser.add_argument(
        "--skip-segments",
        action="store_true",
        help="time the reports and the dashboard only (no segment refresh)",
    )
    parser.add_argument(
        "--skip-naive",
        action="store_true",
        help="no naive ORM baselines (at the huge preset they take over half an hour)",
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
        try:
            if not args.no_generate:
                timed(
                    f"generate {args.members} members, {args.orders} orders",
                    lambda: generate(env, args.members, args.orders),
                )
            # The sales reports read day tables filled by crons; data inserted in SQL
            # (above, or by bench/generate.py) is read live until then: build them, as
            # the daily cron does (no till is writing here, so every order is folded).
            summary = env["membership.report.summary"]
            timed(
                "report day tables: rebuild (daily cron)",
                lambda: [
                    report._summary_rebuild(settle=timedelta(0))
                    for report in summary._summary_reports()
                ],
            )
            print(f"report day tables kept in {summary._summary_tz()} time")
            now = datetime.now()
            month = now - timedelta(days=30)
            year = now - timedelta(days=365)
            count = len
            Member = env["membership.report.member"]
            Sale = env["membership.report.sale"]
            Product = env["membership.report.product"]
            print("-- reports (read_group as the pivot/graph views ask)")
            for groupby in ("region", "gender", "age_band", "tier_id", "card_type_id"):
                timed(
                    f"members by {groupby}",
                    lambda g=groupby: Member._read_group([], [g], ["member_count:sum"]),
                    count,
                )
            timed(
                "new members by month",
                lambda: Member._read_group([], ["member_since:month"], ["__count"]),
                count,
            )
            timed(
                "members per salesperson",
                lambda: Member._read_group([], ["salesperson_id"], ["total_spent:sum"]),
                count,
            )
            # The list view's call: the first page, then a count capped at its count limit
            # (10,000, plus one to tell "more")
            timed(
                "churn warning: first page + count (list view)",
                lambda: env["membership.report.churn"].web_search_read(
                    [], {"partner_id": {}}, limit=80, count_limit=10001
                ),
            )
            timed(
                "churn warning: full count",
                lambda: env["membership.report.churn"].search_count([]),
            )
            sales = {}
            for interval in ("year", "quarter", "month", "week", "day"):
                sales[interval] = timed(
                    f"sales by {interval} x member (12 months)",
                    lambda i=interval: Sale._read_group(
                        [("date", ">=", year)], [f"date:{i}", "is_member"], ["amount_total:sum"]
                    ),
                    count,
                )
            timed(
                "salesperson ranking (30 days)",
                lambda: Sale._read_group(
                    [("date", ">=", month), ("is_member", "=", True)],
                    ["salesperson_id"],
                    ["amount_total:sum"],
                    order="amount_total:sum desc",
                ),
                count,
            )
            top = timed(
                "top products among members (30 days)",
                lambda: Product._read_group(
                    [("date", ">=", month), ("is_member", "=", True)],
                    ["product_id"],
                    ["amount_total:sum", "qty:sum"],
                ),
                count,
            )
            top_same = month_same = None
            if not args.skip_naive:
                print("-- baselines: the same two reports written naively with the ORM")
                env.invalidate_all()
                top_naive = timed(
                    "naive ORM: top products (30 days)", lambda: naive_top_products(env, month), len
                )
                env.invalidate_all()
                month_naive = timed(
                    "naive ORM: sales by month x member",
                    lambda: naive_sales_by_month(env, year),
                    len,
                )
                top_same = same_total(top, top_naive, -2)  # amount_total:sum, qty:sum
                month_same = same_total(sales["month"], month_naive, -1)
                print(f"same totals as the SQL reports: {top_same and month_same}")
            if args.explain:
                from odoo.tools import SQL

                env.cr.execute(
                    SQL(
                        "EXPLAIN ANALYZE SELECT product_id, SUM(amount_total) FROM (%s) r"
                        " WHERE date >= %s AND is_member GROUP BY product_id",
                        SQL(Product._table_query),
                        month,
                    )
                )
                print("\n".join(row[0] for row in env.cr.fetchall()))
            print("-- dashboard")
            timed(
                "dashboard figures",
                lambda: (
                    env["membership.dashboard"].new({"company_id": env.company.id}).member_sales
                ),
            )
            refresh_same = None
            if not args.skip_segments:
                print("-- segments")
                refresh_same = segment_refresh(env, now)
                Segment = env["membership.segment"]
                for segment_id in Segment.search([]).ids:
                    env.invalidate_all()
                    segment = Segment.browse(segment_id)  # alone: no batch prefetch
                    timed(f"segment count: {segment.name}", lambda s=segment: s.member_count)
            record_figures(top_same, month_same, refresh_same)
        finally:
            cr.rollback()
            print("rolled back: the database is unchanged")


if __name__ == "__main__":
    main()
