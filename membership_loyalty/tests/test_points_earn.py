from datetime import date
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MembershipLedgerCommon


@tagged("post_install", "-at_install")
class TestPointsEarning(MembershipLedgerCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.food = Category.create({"name": "Food"})
        cls.snacks = Category.create({"name": "Snacks", "parent_id": cls.food.id})
        cls.tobacco = Category.create({"name": "Tobacco"})
        Product = cls.env["product.product"]
        cls.bread = Product.create({"name": "Bread", "categ_id": cls.food.id})
        cls.chips = Product.create({"name": "Chips", "categ_id": cls.snacks.id})
        cls.cigars = Product.create({"name": "Cigars", "categ_id": cls.tobacco.id})
        cls.day = date(2026, 3, 10)

    def earn(self, lines, **kwargs):
        data = [{"product": product, "amount": amount} for product, amount in lines]
        return self.MAccount._membership_compute_earn(self.member, data, day=self.day, **kwargs)

    def test_base_rate(self):
        self.assertEqual(self.earn([(self.bread, 42.7)]), 42)
        self.company.membership_points_per_unit = 2.5
        self.assertEqual(self.earn([(self.bread, 10)]), 25)

    def test_spending_stages_are_progressive(self):
        Band = self.env["membership.earn.band"]
        Band.create([{"amount_from": 100, "rate": 2}, {"amount_from": 200, "rate": 3}])
        self.assertEqual(self.earn([(self.bread, 50)]), 50)
        # 100 at 1, then 50 at 2
        self.assertEqual(self.earn([(self.bread, 150)]), 200)
        # 100 at 1, 100 at 2, 50 at 3
        self.assertEqual(self.earn([(self.bread, 250)]), 450)

    def test_exclusions_and_multipliers_by_product_and_category(self):
        Rule = self.env["membership.earn.product.rule"]
        Rule.create(
            [
                {"categ_id": self.tobacco.id, "multiplier": 0},
                {"categ_id": self.food.id, "multiplier": 2},
                {"product_id": self.chips.id, "multiplier": 3},
            ]
        )
        self.assertEqual(self.earn([(self.cigars, 100)]), 0)
        self.assertEqual(self.earn([(self.bread, 10)]), 20)
        # the product rule beats its category's (and the parent category's) rule
        self.assertEqual(self.earn([(self.chips, 10)]), 30)
        self.assertEqual(self.earn([(self.bread, 10), (self.cigars, 90), (self.chips, 1)]), 23)

    def test_campaign_multiplier_only_within_dates(self):
        self.env["membership.earn.campaign"].create(
            [
                {"name": "Double day", "date_from": self.day, "date_to": self.day, "multiplier": 2},
                {
                    "name": "Spring",
                    "date_from": date(2026, 3, 1),
                    "date_to": date(2026, 3, 31),
                    "multiplier": 1.5,
                },
            ]
        )
        self.assertEqual(self.earn([(self.bread, 10)]), 20)  # the best, not stacked
        data = [{"product": self.bread, "amount": 10}]
        other_day = self.MAccount._membership_compute_earn(self.member, data, day=date(2026, 3, 11))
        self.assertEqual(other_day, 15)
        self.assertEqual(
            self.MAccount._membership_compute_earn(self.member, data, day=date(2026, 4, 1)), 10
        )

    def test_tier_multiplier_from_partner(self):
        partner_class = type(self.env["res.partner"])
        with patch.object(partner_class, "_membership_earn_multiplier", return_value=1.5):
            self.assertEqual(self.earn([(self.bread, 10)]), 15)

    def test_wallet_paid_share_earns_per_setting(self):
        self.assertEqual(self.earn([(self.bread, 100)], wallet_paid=40), 60)
        self.company.membership_wallet_earns = True
        self.assertEqual(self.earn([(self.bread, 100)], wallet_paid=40), 100)

    def test_forged_amounts_earn_nothing(self):
        self.assertEqual(self.earn([(self.bread, -500)]), 0)
        self.assertEqual(self.earn([]), 0)
        for bad in (float("nan"), float("inf"), "500"):
            with self.assertRaises(UserError):
                self.earn([(self.bread, bad)])
        for bad in (0, -10, float("inf")):
            with self.assertRaises(UserError):
                self.account._membership_points_earn(bad, f"bad:{bad}")
        self.assertEqual(self.account.points_balance, 0)
        self.assertFalse(self.account.points_move_ids)

    def test_card_of_another_member_posts_nothing(self):
        card_type = self.env["membership.card.type"].create({"name": "Ledger test card"})
        cards = self.env["membership.card"].create(
            [
                {"partner_id": partner.id, "card_type_id": card_type.id}
                for partner in (self.member, self.other_member, self.member)
            ]
        )
        cards._membership_transition("activate", "test")
        own, others, lost = cards
        lost._membership_transition("report_lost", "test")
        with self.assertRaises(UserError):
            self.account._membership_points_earn(10, "card:other", card=others)
        with self.assertRaises(UserError):
            self.account._membership_points_earn(10, "card:lost", card=lost)
        self.account._membership_points_earn(10, "card:ok", card=own)
        self.assertEqual(self.account.points_balance, 10)
        self.assertEqual(self.other_account.points_balance, 0)
