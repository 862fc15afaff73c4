from datetime import datetime, timedelta

from odoo.tests import HttpCase, tagged

from .analytics_common import AnalyticsCommon
from .test_card_authority import MembershipRpcMixin

SALE_QUESTIONS = [
    (["date:month", "is_member"], ["amount_total:sum", "order_count:sum", "__count"]),
    (["date:day", "customer_type"], ["amount_untaxed:sum", "average_basket:avg"]),
    (["tier_id"], ["amount_total:sum", "member_share:avg", "member_amount_total:sum"]),
    (["salesperson_id", "is_refund"], ["amount_total:sum", "__count"]),
    (["seller_id", "config_id"], ["amount_total:sum", "order_count:sum"]),
    ([], ["amount_total:sum", "order_count:sum", "average_basket:avg", "__count"]),
]
PRODUCT_QUESTIONS = [
    (["product_id", "is_member"], ["qty:sum", "amount_total:sum", "__count"]),
    (["categ_id", "date:week"], ["amount_total:sum"]),
    (["tier_id"], ["qty:sum"]),
]


class ReportSummaryCommon(AnalyticsCommon):
    """Paid orders of members and walk-ins, folded into the report day tables."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Tier = cls.env["membership.tier"]
        cls.silver = Tier.create({"name": "Sum silver", "company_id": cls.company.id})
        cls.gold = Tier.create({"name": "Sum gold", "company_id": cls.company.id})
        cls.ann = cls.make_member("Sum Ann", user_id=cls.seller_1.id)
        cls.bob = cls.make_member("Sum Bob", user_id=cls.seller_2.id)
        (cls.ann | cls.bob)._membership_system_write({"member_tier_id": cls.silver.id})
        cls.walk_in = cls.env["res.partner"].create({"name": "Sum walk-in"})
        cls.orders = (
            cls.pay(cls.ann, 20.0, "2026-03-02 10:00:00")
            | cls.pay(cls.ann, 35.0, "2026-03-02 18:30:00", product=cls.other_product, qty=2)
            | cls.pay(cls.bob, 30.0, "2026-03-05 11:00:00", qty=3)
            | cls.pay(cls.walk_in, 20.0, "2026-03-05 12:00:00")
            | cls.pay(False, 12.0, "2026-04-01 09:00:00", product=cls.other_product)
        )
        # Orders paid long ago (settled: a concurrent fold could hold them), then folded.
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE pos_order SET create_date = date_order WHERE id = ANY(%s)", [cls.orders.ids]
        )
        cls.env.invalidate_all()
        cls.summary = cls.env["membership.report.summary"]
        for report in cls.summary._summary_reports():
            report._summary_rebuild(settle=timedelta(0))
        cls.tz = cls.env["membership.report.sale"]._summary_state()["tz"]

    def domain(self):
        return [("company_id", "=", self.company.id)]

    def answers(self, model, questions, domain, summarized=True):
        """Each question's answer read from the day tables, checked against the orders."""
        Report = self.env[model].with_context(tz=self.tz)
        answers = []
        for groupby, aggregates in questions:
            if summarized:
                plan = Report._summary_plan(domain, groupby, aggregates, (), None)
                self.assertIsNotNone(plan, f"{groupby} {aggregates}: read from the orders")
            read = Report._read_group(domain, groupby, aggregates)
            orders = Report.with_context(membership_report_summary=False)._read_group(
                domain, groupby, aggregates
            )
            self.assertEqual(read, orders, f"{model} {groupby} {aggregates}")
            answers.append(read)
            # the pivot view asks for several groupings at once
            sets = [groupby, groupby[:1], []]
            self.assertEqual(
                Report._read_grouping_sets(domain, sets, aggregates),
                Report.with_context(membership_report_summary=False)._read_grouping_sets(
                    domain, sets, aggregates
                ),
                f"{model} grouping sets {sets} {aggregates}",
            )
        return answers

    def check(self, domain=None, summarized=True):
        domain = domain or self.domain()
        self.answers("membership.report.sale", SALE_QUESTIONS, domain, summarized)
        self.answers("membership.report.product", PRODUCT_QUESTIONS, domain, summarized)

    def total(self, domain=None):
        [(total, count)] = (
            self.env["membership.report.sale"]
            .with_context(tz=self.tz)
            ._read_group(domain or self.domain(), [], ["amount_total:sum", "__count"])
        )
        return total, count


@tagged("post_install", "-at_install")
class TestReportSummary(ReportSummaryCommon):
    """The sales reports read day totals; their figures must stay those of the orders
    after new sales, a refund, a changed tier, a cron fold and a rebuild."""

    def test_day_tables_answer_as_the_orders(self):
        self.check()
        # A bound inside a day: that day is read from its orders, the others from the table.
        cut = [*self.domain(), ("date", ">=", datetime(2026, 3, 2, 12, 0))]
        self.check(cut)
        self.assertEqual(self.total(cut), (97.0, 4))
        # Another time zone than the table's, grouped by month: read from the orders.
        other = "Pacific/Auckland" if self.tz != "Pacific/Auckland" else "UTC"
        Sale = self.env["membership.report.sale"].with_context(tz=other)
        self.assertIsNone(
            Sale._summary_plan(self.domain(), ["date:month"], ["amount_total:sum"], (), None)
        )
        # A customer or distinct-count question is answered from the orders too.
        self.assertIsNone(
            Sale._summary_plan(
                [("partner_id", "=", self.ann.id)], [], ["amount_total:sum"], (), None
            )
        )

    def test_new_sale_refund_and_tier_change_keep_the_figures(self):
        before = self.total()
        # A sale just paid: read live, counted at once.
        order = self.pay(self.bob, 40.0, datetime.now())
        self.assertEqual(self.total(), (before[0] + 40.0, before[1] + 1))
        self.check()
        # A refund of a folded order.
        self.refund(self.orders[0], datetime.now())
        self.assertEqual(self.total(), (before[0] + 20.0, before[1] + 2))
        self.check()
        # Ann moves to gold: her folded orders move with her.
        self.ann._membership_system_write({"member_tier_id": self.gold.id})
        [[gold]] = [
            [amount for tier, amount in rows if tier == self.gold]
            for rows in self.answers(
                "membership.report.sale",
                [(["tier_id"], ["amount_total:sum"])],
                self.domain(),
            )
        ]
        gold_orders = self.env["pos.order"].search(
            [("partner_id.member_tier_id", "=", self.gold.id)]
        )
        self.assertIn(self.ann, gold_orders.partner_id)
        self.assertEqual(gold, sum(gold_orders.mapped("amount_total")))
        self.check()
        # The walk-in joins: the old order becomes a member's sale.
        self.walk_in.write({"is_member": True})
        self.check()
        # A folded order marked done (its session closed) stays counted once.
        self.orders[3].write({"state": "done"})
        self.check()
        # An hour later the cron folds what settled and merges the rows; a rebuild gives
        # the same.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE pos_order SET create_date = create_date - interval '1 hour'"
            " WHERE create_date > %s",
            [datetime.now() - timedelta(hours=1)],
        )
        self.env.cr.execute("SELECT COUNT(*) FROM membership_report_sale_day")
        [rows] = self.env.cr.fetchone()
        self.env["membership.report.summary"]._cron_fold()
        self.check()
        self.env.cr.execute("SELECT COUNT(*) FROM membership_report_sale_day")
        self.assertLess(self.env.cr.fetchone()[0], rows, "difference rows merged")
        state = self.env["membership.report.sale"]._summary_state()
        self.assertGreaterEqual(state["mark"], order.id)
        for report in self.summary._summary_reports():
            report._summary_rebuild(settle=timedelta(0))
        self.check()

    def test_day_tables_are_for_managers(self):
        for model in ("membership.report.sale.day", "membership.report.product.day"):
            self.assertTrue(self.env[model].with_user(self.manager).has_access("read"))
            self.assertFalse(self.env[model].with_user(self.cashier).has_access("read"))
        # A manager's pivot reads the table (same figures as the orders).
        Sale = self.env["membership.report.sale"].with_user(self.manager).with_context(tz=self.tz)
        self.assertEqual(
            Sale._read_group(self.domain(), ["date:month"], ["amount_total:sum"]),
            Sale.with_context(membership_report_summary=False)._read_group(
                self.domain(), ["date:month"], ["amount_total:sum"]
            ),
        )


@tagged("post_install", "-at_install")
class TestReportSummaryOverRpc(MembershipRpcMixin, HttpCase, ReportSummaryCommon):
    """What a manager's client sends to the summarized reports over JSON-RPC."""

    def test_a_plan_sent_by_a_client_is_ignored(self):
        # The day tables' plan travels in the context between the report's own methods.
        # A manager sending that key with a low mark over RPC would otherwise count every
        # folded order twice (table rows + live rows) in the report they read.
        def read(context):
            result, error = self.rpc(
                self.manager,
                "membership.report.sale",
                "formatted_read_group",
                self.domain(),
                ["date:month"],
                ["amount_total:sum"],
                context={"tz": self.tz, **context},
            )
            self.assertIsNone(error)
            return [(row["date:month"], row["amount_total:sum"]) for row in result]

        truth = read({})
        self.assertEqual(
            truth,
            [
                (["2026-03-01 00:00:00", "March 2026"], 105.0),
                (["2026-04-01 00:00:00", "April 2026"], 12.0),
            ],
        )
        for forged in ([0, []], [0, [["2026-03-01 00:00:00", "2026-03-02 00:00:00"]]]):
            self.assertEqual(read({"membership_report_summary": forged}), truth)
