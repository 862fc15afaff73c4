from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestMembershipCashierAtTheTill(TestPointOfSaleHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.membership_cashier = new_test_user(
            cls.env,
            login="ml_till_cashier",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_cashier",
            company_id=cls.company_data["company"].id,
            company_ids=[(6, 0, cls.company_data["company"].ids)],
        )

    def test_membership_cashier_sells_at_the_till(self):
        """A user given only the Membership Cashier level can open the POS and sell."""
        self.main_pos_config.with_user(self.membership_cashier).open_ui()
        self.start_pos_tour("membership_loyalty_cashier_sale", login="ml_till_cashier")
        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertEqual(len(order), 1)
        self.assertEqual(order.user_id, self.membership_cashier)
        self.assertEqual(order.state, "paid")
        self.assertAlmostEqual(order.amount_paid, order.amount_total)
        self.assertEqual(order.lines.product_id.name, "Desk Pad")
