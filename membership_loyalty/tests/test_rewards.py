from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MembershipLedgerCommon


@tagged("post_install", "-at_install")
class TestRewards(MembershipLedgerCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.location = cls.env.ref("membership_loyalty.stock_location_loyalty_gifts")
        cls.mug = cls.env["product.product"].create({"name": "Mug", "is_storable": True})
        cls.env["stock.quant"]._update_available_quantity(cls.mug, cls.location, 2)
        cls.gift = cls.env["membership.gift"].create({"product_id": cls.mug.id, "points_cost": 150})
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "Member coupon",
                "program_type": "coupons",
                "reward_ids": [
                    (0, 0, {"reward_type": "discount", "discount": 5, "required_points": 1})
                ],
            }
        )
        cls.company.write(
            {"membership_coupon_program_id": cls.program.id, "membership_coupon_points_cost": 200}
        )

    def test_gift_takes_points_and_stock(self):
        self.account._membership_points_earn(400, "gift:seed")
        self.assertEqual(self.gift.qty_available, 2)
        move = self.account._membership_redeem_gift(self.gift, "gift:1")
        self.assertEqual(self.account._membership_redeem_gift(self.gift, "gift:1"), move)
        self.assertEqual((move.kind, move.points), ("gift", -150))
        self.assertEqual(self.account.points_balance, 250)
        stock_move = self.env["stock.move"].search([("product_id", "=", self.mug.id)])
        self.assertEqual(stock_move.state, "done")
        self.assertEqual(stock_move.location_id, self.location)
        self.assertEqual(
            stock_move.location_dest_id, self.env.ref("stock.stock_location_customers")
        )
        self.gift.invalidate_recordset(["qty_available"])
        self.assertEqual(self.gift.qty_available, 1)

    def test_gift_out_of_stock_fails_clearly_and_keeps_points(self):
        self.account._membership_points_earn(1000, "gift:seed")
        with self.assertRaisesRegex(UserError, "out of stock"):
            self.account._membership_redeem_gift(self.gift, "gift:many", qty=3)
        self.assertEqual(self.account.points_balance, 1000)
        self.assertFalse(self.env["stock.move"].search([("product_id", "=", self.mug.id)]))

    def test_gift_without_enough_points_moves_no_stock(self):
        self.account._membership_points_earn(100, "gift:seed")
        with self.assertRaises(UserError):
            self.account._membership_redeem_gift(self.gift, "gift:poor")
        self.assertEqual(self.gift.qty_available, 2)
        self.assertEqual(self.account.points_balance, 100)

    def test_points_buy_an_odoo_coupon(self):
        self.account._membership_points_earn(450, "coupon:seed")
        move = self.account._membership_redeem_coupon("coupon:1")
        self.assertEqual(self.account._membership_redeem_coupon("coupon:1"), move)
        coupon = move.loyalty_card_id
        self.assertEqual(coupon.program_id, self.program)
        self.assertEqual(coupon.partner_id, self.member)
        self.assertEqual(coupon.points, 1)
        self.assertTrue(coupon.code)
        self.assertEqual(self.account.points_balance, 250)
        self.account._membership_redeem_coupon("coupon:2")
        with self.assertRaises(UserError):
            self.account._membership_redeem_coupon("coupon:3")
        self.assertEqual(self.account.points_balance, 50)
        self.assertEqual(
            self.env["loyalty.card"].search_count([("program_id", "=", self.program.id)]), 2
        )
