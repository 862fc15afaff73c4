from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.common import CommonPosTest


@tagged("post_install", "-at_install")
class TestPosOrderLedger(CommonPosTest):
    """Real POS orders: what they earn, use and give back is computed from the stored order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        receivable = cls.company_data["default_account_receivable"]
        cls.wallet_method = cls.env["pos.payment.method"].create(
            {
                "name": "Member wallet",
                "receivable_account_id": receivable.id,
                "split_transactions": True,
                "membership_is_wallet": True,
            }
        )
        cls.pos_config_usd.payment_method_ids = [(4, cls.wallet_method.id)]
        Product = cls.env["product.product"]
        cls.points_product = Product.create(
            {"name": "Points discount", "type": "service", "taxes_id": [(5, 0)]}
        )
        cls.topup_product = Product.create(
            {"name": "Wallet top-up", "type": "service", "taxes_id": [(5, 0)]}
        )
        cls.ten = cls.ten_dollars_no_tax.product_variant_id
        cls.env.company.write(
            {
                "membership_points_per_unit": 1.0,
                "membership_point_value": 0.1,
                "membership_redeem_min_points": 10,
                "membership_redeem_max_share": 50,
                "membership_points_product_id": cls.points_product.id,
                "membership_topup_product_id": cls.topup_product.id,
                "membership_wallet_max_topup": 500,
            }
        )
        cls.member = cls.env["res.partner"].create({"name": "Till Member"})
        cls.intruder = cls.env["res.partner"].create({"name": "Someone Else"})
        cls.MAccount = cls.env["membership.account"]
        cls.account = cls.MAccount._membership_get_account(cls.member)

    def order(self, lines, payments, refund_payments=None, partner=None):
        order, refund = self.create_backend_pos_order(
            {
                "order_data": {"partner_id": (partner or self.member).id},
                "line_data": [
                    {"product_id": product.id, "qty": qty}
                    | ({"price_unit": price} if price else {})
                    for product, qty, price in lines
                ],
                "payment_data": [
                    {"payment_method_id": method.id, "amount": amount}
                    for method, amount in payments
                ],
                "refund_data": [
                    {"payment_method_id": method.id} for method in (refund_payments or [])
                ],
            }
        )
        self.assertEqual(order.state, "paid")
        return order, refund

    def partial_refund(self, order, qty_by_product, method):
        refund = order._refund()
        for line in refund.lines:
            qty = qty_by_product.get(line.product_id, 0)
            if qty:
                line.qty = -qty
                line._onchange_amount_line_all()
            else:
                line.unlink()
        refund._compute_prices()
        context = {"active_ids": refund.ids, "active_id": refund.id}
        payment = (
            self.env["pos.make.payment"]
            .with_context(**context)
            .create({"payment_method_id": method.id})
        )
        payment.with_context(**context).check()
        self.assertEqual(refund.state, "paid")
        return refund

    def test_order_earns_once_even_when_posted_again(self):
        order, _refund = self.order([(self.ten, 3, None)], [(self.cash_payment_method, 30)])
        order._membership_post()
        order._membership_post()  # a retried sync
        self.assertEqual(self.account.points_balance, 30)
        self.assertEqual(len(self.account.points_move_ids), 1)
        move = self.account.points_move_ids
        self.assertEqual(move.pos_order_id, order)
        self.assertEqual((move.origin_model, move.origin_id), ("pos.order", order.id))

    def test_unpaid_or_cancelled_orders_post_nothing(self):
        if not self.pos_config_usd.current_session_id:
            self.pos_config_usd.open_ui()
        line = {"product_id": self.ten.id, "qty": 5, "price_unit": 10}
        order = self.env["pos.order"].create(
            {
                "session_id": self.pos_config_usd.current_session_id.id,
                "partner_id": self.member.id,
                "amount_total": 50,
                "amount_paid": 0,
                "amount_tax": 0,
                "amount_return": 0,
                "lines": [(0, 0, line | {"price_subtotal": 50, "price_subtotal_incl": 50})],
            }
        )
        self.assertFalse(order._membership_post())
        order.state = "cancel"
        self.assertFalse(order._membership_post())
        self.assertEqual(self.account.points_balance, 0)

    def test_wallet_payment_spends_and_does_not_earn(self):
        self.account._membership_wallet_topup(50, "pos-test:topup")
        order, _refund = self.order(
            [(self.ten, 3, None)], [(self.wallet_method, 20), (self.cash_payment_method, 10)]
        )
        order._membership_post()
        self.assertEqual(self.account.wallet_balance, 30)
        self.assertEqual(self.account.points_balance, 10)

    def test_cash_off_uses_points_within_limits(self):
        self.account._membership_points_earn(200, "pos-test:seed")
        order, _refund = self.order(
            [(self.ten, 3, None), (self.points_product, 1, -5.0)],
            [(self.cash_payment_method, 25)],
        )
        order._membership_post()
        # 50 points for 5.00 off; the 25.00 actually paid earns 25
        self.assertEqual(self.account.points_balance, 200 - 50 + 25)
        too_much, _refund = self.order(
            [(self.ten, 1, None), (self.points_product, 1, -6.0)],
            [(self.cash_payment_method, 4)],
        )
        # Refused by the rules at sync: the sale is kept and flagged, no points are used
        # for it and the 4.00 paid still earns.
        too_much._membership_post()
        self.assertTrue(too_much.membership_points_review)
        self.assertIn("at most 50", too_much.message_ids[:1].body)
        self.assertEqual(self.account.points_balance, 175 + 4)
        too_few, _refund = self.order(
            [(self.ten, 1, None), (self.points_product, 1, -0.5)],
            [(self.cash_payment_method, 9.5)],
        )
        too_few._membership_post()
        self.assertTrue(too_few.membership_points_review)
        self.assertIn("At least 10", too_few.message_ids[:1].body)
        self.assertEqual(self.account.points_balance, 175 + 4 + 9)
        self.assertFalse(order.membership_points_review)

    def test_full_refund_gives_everything_back(self):
        self.account._membership_points_earn(100, "pos-test:seed")
        self.account._membership_wallet_topup(40, "pos-test:topup")
        order, refund = self.order(
            [(self.ten, 4, None), (self.points_product, 1, -10.0)],
            [(self.wallet_method, 30)],
            refund_payments=[self.wallet_method],
        )
        order._membership_post()
        self.assertEqual(self.account.points_balance, 0)  # 100 used, 30 wallet-paid earn 0
        self.assertEqual(self.account.wallet_balance, 10)
        refund._membership_post()
        refund._membership_post()
        self.assertEqual(self.account.points_balance, 100)
        self.assertEqual(self.account.wallet_balance, 40)
        self.assertFalse(self.account._membership_check_invariant())

    def test_partial_refunds_reverse_proportionally_never_more(self):
        order, _refund = self.order([(self.ten, 4, None)], [(self.cash_payment_method, 40)])
        order._membership_post()
        self.assertEqual(self.account.points_balance, 40)
        first = self.partial_refund(order, {self.ten: 1}, self.cash_payment_method)
        first._membership_post()
        self.assertEqual(self.account.points_balance, 30)
        second = self.partial_refund(order, {self.ten: 3}, self.cash_payment_method)
        second._membership_post()
        self.assertEqual(self.account.points_balance, 0)
        earn = self.account.points_move_ids.filtered(lambda m: m.kind == "earn")
        self.assertEqual(sum(earn.mapped("points")), 40)
        self.assertEqual(sum(self.account.points_move_ids.mapped("points")), 0)

    def test_refund_cannot_keep_or_move_points(self):
        order, _refund = self.order([(self.ten, 2, None)], [(self.cash_payment_method, 20)])
        order._membership_post()
        refund = order._refund()
        refund.partner_id = self.intruder  # someone else's card presented at the refund
        context = {"active_ids": refund.ids, "active_id": refund.id}
        self.env["pos.make.payment"].with_context(**context).create(
            {"payment_method_id": self.cash_payment_method.id}
        ).with_context(**context).check()
        refund._membership_post()
        self.assertEqual(self.account.points_balance, 0)
        self.assertFalse(self.intruder.sudo().membership_account_ids.points_move_ids)

    def test_topup_at_the_till_never_with_wallet_money(self):
        order, _refund = self.order(
            [(self.topup_product, 1, 100.0)], [(self.cash_payment_method, 100)]
        )
        order._membership_post()
        self.assertEqual(self.account.wallet_paid_balance, 100)
        self.assertEqual(self.account.points_balance, 0, "a top-up earns no points")
        sneaky, _refund = self.order([(self.topup_product, 1, 50.0)], [(self.wallet_method, 50)])
        with self.assertRaises(UserError):
            sneaky._membership_post()
        self.assertEqual(self.account.wallet_paid_balance, 100)
