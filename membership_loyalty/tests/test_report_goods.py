from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .analytics_common import AnalyticsCommon


@tagged("post_install", "-at_install")
class TestReportGoods(AnalyticsCommon):
    """Top-ups, card charges and gifts are membership services, not sales of goods: the
    member's figures, the reports and the scores count the goods once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.topup = Product.create(
            {"name": "Wallet Top-up G", "type": "service", "taxes_id": False}
        )
        cls.company.write({"membership_topup_product_id": cls.topup.id})
        cls.charge = cls.env.ref("membership_loyalty.product_membership_card_charge")
        cls.gina = cls.make_member("Gina Goods")
        cls.walk_in = cls.env["res.partner"].create({"name": "Walk-in G"})
        # Gina: 20.00 of goods with a 50.00 top-up on the same order; a top-up alone;
        # a card charge alone. A walk-in (no member) buys 20.00 and a card charge.
        cls.mixed = cls.sell(cls.gina, [(cls.product, 20.0), (cls.topup, 50.0)], "2026-03-02")
        cls.topup_only = cls.sell(cls.gina, [(cls.topup, 30.0)], "2026-03-03")
        cls.charge_only = cls.sell(cls.gina, [(cls.charge, 5.0)], "2026-03-04")
        cls.walk_in_order = cls.sell(
            cls.walk_in, [(cls.product, 20.0), (cls.charge, 5.0)], "2026-03-05"
        )

    @classmethod
    def sell(cls, partner, lines, day):
        with freeze_time(f"{day} 10:00:00"):
            order, _refund = cls.create_backend_pos_order(
                cls,
                {
                    "line_data": [
                        {"product_id": product.id, "price_unit": price, "qty": 1}
                        for product, price in lines
                    ],
                    "payment_data": [{"payment_method_id": cls.cash_payment_method.id}],
                    "order_data": {"partner_id": partner.id},
                },
            )
        return order

    def test_member_figures_count_goods_once(self):
        self.assertEqual(self.gina.member_total_spent, 20.0)
        self.assertEqual(self.gina.member_visit_count, 1)

    def test_sales_report_is_goods(self):
        Sale = self.env["membership.report.sale"]
        orders = (self.mixed | self.topup_only | self.charge_only | self.walk_in_order).ids
        rows = {
            order.id: (amount, count)
            for order, amount, count in Sale._read_group(
                [("order_id", "in", orders)], ["order_id"], ["amount_total:sum", "order_count:sum"]
            )
        }
        # The top-up alone and the card charge alone are no sale (no row, no visit).
        self.assertEqual(rows, {self.mixed.id: (20.0, 1), self.walk_in_order.id: (20.0, 1)})
        labels = dict(
            Sale._read_group([("order_id", "in", orders)], ["customer_type"], ["__count"])
        )
        self.assertEqual(labels, {"member": 1, "non_member": 1})
        selection = dict(Sale._fields["customer_type"]._description_selection(self.env))
        self.assertEqual(selection, {"member": "Members", "non_member": "Non-members"})

    def test_top_products_leave_services_out(self):
        orders = (self.mixed | self.topup_only | self.charge_only | self.walk_in_order).ids
        products = self.env["membership.report.product"]._read_group(
            [("order_id", "in", orders)], ["product_id"], ["qty:sum"]
        )
        self.assertEqual(products, [(self.product, 2.0)])

    def test_scores_count_goods(self):
        with freeze_time("2026-03-10 12:00:00"):
            self.env["membership.member.score"]._refresh()
        score = self.gina.membership_score_ids
        self.assertEqual((score.frequency, score.monetary), (1, 20.0))

    def test_manager_rebuilds_scores(self):
        Score = self.env["membership.member.score"]
        Score.search([("partner_id", "=", self.gina.id)]).unlink()
        action = Score.with_user(self.manager).action_rebuild()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(Score.search([("partner_id", "=", self.gina.id)]))
        with self.assertRaises(AccessError):
            Score.with_user(self.supervisor).action_rebuild()

    def test_ledger_kinds_are_labelled(self):
        selection = dict(
            self.env["membership.report.ledger"]._fields["kind"]._description_selection(self.env)
        )
        self.assertEqual((selection["earn"], selection["topup"]), ("Earned", "Top-up"))

    def test_dashboard_opens_titled(self):
        action = self.env["membership.dashboard"].with_user(self.manager).action_open_dashboard()
        board = self.env["membership.dashboard"].browse(action["res_id"])
        self.assertEqual(board.display_name, "Membership Dashboard")
