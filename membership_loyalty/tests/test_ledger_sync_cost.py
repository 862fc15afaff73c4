from datetime import date, datetime

from odoo.tests import tagged

from .common import MembershipLedgerCommon


@tagged("post_install", "-at_install")
class TestLedgerSyncCost(MembershipLedgerCommon):
    """What the cheaper POS sync keeps: cached rules follow every change, an account is
    locked once per transaction without ever building on a stale balance, and the
    member's figures written in SQL are those the ORM would store."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.food = Category.create({"name": "Food"})
        cls.bread = cls.env["product.product"].create({"name": "Bread", "categ_id": cls.food.id})
        cls.day = date(2026, 3, 10)

    def earn(self, amount):
        lines = [{"product": self.bread, "amount": amount}]
        return self.MAccount._membership_compute_earn(self.member, lines, day=self.day)

    def test_cached_earn_rules_follow_changes(self):
        self.assertEqual(self.earn(10), 10)
        rule = self.env["membership.earn.product.rule"].create(
            {"categ_id": self.food.id, "multiplier": 3}
        )
        self.assertEqual(self.earn(10), 30)
        rule.multiplier = 0
        self.assertEqual(self.earn(10), 0)
        rule.action_archive()
        self.assertEqual(self.earn(10), 10)
        # a rule on a parent category created afterwards reaches the products below it
        parent = self.env["product.category"].create({"name": "Shop"})
        self.food.parent_id = parent
        self.env["membership.earn.product.rule"].create({"categ_id": parent.id, "multiplier": 2})
        self.assertEqual(self.earn(10), 20)
        band = self.env["membership.earn.band"].create({"amount_from": 5, "rate": 2})
        self.assertEqual(self.earn(10), 35)  # 20 weighted: 5 at 1, then 15 at 2
        band.unlink()
        campaign = self.env["membership.earn.campaign"].create(
            {
                "name": "Double",
                "date_from": self.day,
                "date_to": self.day,
                "multiplier": 2,
            }
        )
        self.assertEqual(self.earn(10), 40)
        campaign.date_from = campaign.date_to = date(2026, 4, 1)
        self.assertEqual(self.earn(10), 20)

    def test_cached_tier_discounts_follow_categories_and_lines(self):
        tier = self.env["membership.tier"].create({"name": "Gold"})
        line = self.env["membership.tier.discount"].create(
            {"tier_id": tier.id, "category_id": self.food.id, "discount": 10}
        )
        self.assertEqual(tier._membership_category_discounts(), {self.food.id: 10})
        bakery = self.env["product.category"].create({"name": "Bakery", "parent_id": self.food.id})
        self.assertEqual(tier._membership_category_discounts(), {self.food.id: 10, bakery.id: 10})
        line.discount = 15
        self.assertEqual(tier._membership_category_discounts()[bakery.id], 15)
        bakery.parent_id = False
        self.assertEqual(tier._membership_category_discounts(), {self.food.id: 15})

    def test_cached_ladder_follows_tier_changes(self):
        Tier = self.env["membership.tier"]
        gold = Tier.create({"name": "Gold", "sequence": 50, "threshold": 1000})
        self.member.is_member = True
        self.assertEqual(self.member._membership_earn_multiplier(), 1.0)
        self.env["membership.tier"]._membership_check_upgrade(self.member)
        self.assertFalse(self.member.member_tier_id)
        gold.threshold = 0
        self.env["membership.tier"]._membership_check_upgrade(self.member)
        self.assertEqual(self.member.member_tier_id, gold)
        gold.earn_multiplier = 2.5
        self.assertEqual(self.member._membership_earn_multiplier(), 2.5)

    def test_one_lock_per_transaction_never_builds_on_a_rolled_back_balance(self):
        self.post_points(self.account, 10, "sync:1")
        # A savepoint that does not clear the caches rolls a posting back: the account
        # stays remembered as locked with the rolled-back balance in cache.
        savepoint = self.env.cr.savepoint(flush=False)
        self.post_points(self.account, 5, "sync:2")
        savepoint.close(rollback=True)
        self.post_points(self.account, 3, "sync:3")
        self.env.invalidate_all()
        self.assertEqual(self.account.points_balance, 13)
        self.assertLedgerConsistent(self.account)

    def test_second_posting_of_a_transaction_takes_no_second_lock(self):
        self.post_points(self.account, 10, "lock:1")
        with self.assertQueryCount(3):  # key lookup, balance UPDATE, move INSERT
            self.post_points(self.account, 4, "lock:2")
        self.env.invalidate_all()
        self.assertEqual(self.account.points_balance, 14)
        # posting the same key again returns the move and changes nothing
        again = self.post_points(self.account, 4, "lock:2")
        self.assertEqual(again.idempotency_key, "lock:2")
        self.env.invalidate_all()
        self.assertEqual(self.account.points_balance, 14)
        self.assertLedgerConsistent(self.account)

    def test_member_figures_written_as_the_orm_would(self):
        self.member.is_member = True
        orders = self.env["pos.order"].browse()
        order_values = [(30.0, datetime(2026, 5, 1, 10)), (12.5, datetime(2026, 4, 1, 9))]
        for amount, when in order_values:
            orders |= orders.new({"membership_qualifying_amount": amount, "date_order": when})
        self.member._membership_record_orders(orders)
        self.env.invalidate_all()
        self.assertEqual(self.member.member_visit_count, 2)
        self.assertAlmostEqual(self.member.member_total_spent, 42.5)
        self.assertAlmostEqual(self.member.member_average_basket, 21.25)
        self.assertEqual(self.member.member_last_visit, datetime(2026, 5, 1, 10))

    def at_once(self, points, key, expected=None):
        """Apply then post an earn as the sync does for an order making one move."""
        locked = self.MAccount._membership_apply_at_once(
            self.member,
            self.company,
            ("membership.points.move", key),
            {"points": points},
            expected=expected,
        )
        if locked:
            self.post_points(locked, points, key, kind="earn")
        return locked

    def test_one_statement_posting_applies_each_key_once(self):
        self.post_points(self.account, 10, "once:0")
        self.assertEqual(self.at_once(5, "once:1"), self.account)
        self.assertEqual(self.account.points_balance, 15)
        # the key is posted: nothing is applied, the usual posting finds the move
        self.assertFalse(self.at_once(5, "once:1"))
        # balances read earlier that no longer hold: nothing is applied either
        self.assertFalse(self.at_once(5, "once:2", expected=(10.0, 0.0, 0.0)))
        self.env.invalidate_all()
        self.assertEqual(self.account.points_balance, 15)
        self.assertLedgerConsistent(self.account)

    def test_member_figures_waiting_for_the_lock_are_written_once(self):
        self.member.is_member = True

        def order():
            return self.env["pos.order"].new(
                {"membership_qualifying_amount": 20.0, "date_order": datetime(2026, 5, 1, 10)}
            )

        self.member._membership_record_orders(order(), with_lock=True)
        self.at_once(3, "figures:1")  # the figures go out with the account's UPDATE
        self.member._membership_record_pending()  # nothing left to write
        self.env.invalidate_all()
        self.assertEqual(self.member.member_visit_count, 1)
        self.assertAlmostEqual(self.member.member_total_spent, 20.0)
        # nothing took the lock: the figures are written on their own
        self.member._membership_record_orders(order(), with_lock=True)
        self.member._membership_record_pending()
        self.env.invalidate_all()
        self.assertEqual(self.member.member_visit_count, 2)
        self.assertAlmostEqual(self.member.member_total_spent, 40.0)
