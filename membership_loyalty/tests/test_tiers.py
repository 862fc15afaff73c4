from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.common import CommonPosTest


@tagged("post_install", "-at_install")
class TestTiers(CommonPosTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids += cls.env.ref("membership_loyalty.membership_loyalty_group_manager")
        Tier = cls.env["membership.tier"]
        cls.bronze = Tier.create(
            {"name": "Bronze", "sequence": 1, "threshold": 0, "earn_multiplier": 1.0}
        )
        cls.silver = Tier.create(
            {
                "name": "Silver",
                "sequence": 2,
                "threshold": 50,
                "window_months": 12,
                "grace_days": 30,
                "earn_multiplier": 1.5,
            }
        )
        cls.gold = Tier.create(
            {
                "name": "Gold",
                "sequence": 3,
                "threshold": 100,
                "window_months": 12,
                "grace_days": 30,
                "earn_multiplier": 2.0,
            }
        )
        cls.member = cls.env["res.partner"].create({"name": "Tia Tier", "is_member": True})
        cls.product = cls.twenty_dollars_no_tax.product_variant_id

    def pay(self, count=1, partner=None):
        orders = self.env["pos.order"]
        for _i in range(count):
            order, _refund = self.create_backend_pos_order(
                {
                    "line_data": [{"product_id": self.product.id}],
                    "payment_data": [{"payment_method_id": self.cash_payment_method.id}],
                    "order_data": {"partner_id": (partner or self.member).id},
                }
            )
            orders |= order
        return orders

    def test_activity_figures_updated_when_paid(self):
        with freeze_time("2026-05-01 10:00:00"):
            orders = self.pay(2)
        self.assertEqual(set(orders.mapped("state")), {"paid"})
        self.assertEqual(self.member.member_visit_count, 2)
        self.assertAlmostEqual(self.member.member_total_spent, 40.0)
        self.assertAlmostEqual(self.member.member_average_basket, 20.0)
        self.assertEqual(str(self.member.member_last_visit), "2026-05-01 10:00:00")

    def test_replayed_paid_step_counts_once(self):
        order = self.pay(1)
        order.action_pos_order_paid()
        self.assertEqual(self.member.member_visit_count, 1)
        self.assertAlmostEqual(self.member.member_total_spent, 20.0)

    def test_paid_order_earns_points_once_with_the_tier_multiplier(self):
        self.env["membership.tier"]._membership_set_tier(
            self.member, self.silver, "manual"
        )  # 1.5 x points
        self.env.company.membership_points_per_unit = 1.0
        order = self.pay(1)
        account = self.env["membership.account"]._membership_get_account(self.member)
        self.assertEqual(account.points_balance, 30.0)  # 20.00 x 1 x 1.5
        order.action_pos_order_paid()  # a re-sent order
        self.assertEqual(account.points_balance, 30.0)
        self.assertEqual(account.points_move_ids.pos_order_id, order)

    def test_tier_upgrade_queues_an_sms_once(self):
        self.member.phone = "+32 470 12 34 56"
        self.pay(3)  # 60.00: Silver
        self.assertEqual(self.member.member_tier_id, self.silver)
        self.env["membership.tier"]._membership_check_upgrade(
            self.member
        )  # checking again changes nothing
        upgrades = self.member.membership_sms_ids.filtered(lambda s: s.trigger == "tier_upgrade")
        # Bronze from enrolment (no message), then Silver: one message.
        self.assertEqual(len(upgrades), 1)
        self.assertEqual(len(upgrades.filtered(lambda s: "Silver" in s.body)), 1)

    def test_entry_reward_points_posted_once_per_tier(self):
        self.env.company.membership_points_per_unit = 0.0  # only the reward earns here
        self.silver.entry_reward_points = 200
        self.pay(3)  # 60.00: Silver
        account = self.env["membership.account"]._membership_get_account(self.member)
        self.assertEqual(account.points_balance, 200.0)
        self.env["membership.tier"]._membership_set_tier(self.member, self.bronze, "downgrade")
        self.pay(1)  # back over the threshold: Silver again, no second reward
        self.assertEqual(self.member.member_tier_id, self.silver)
        self.assertEqual(account.points_balance, 200.0)

    def test_non_member_earns_nothing(self):
        walk_in = self.env["res.partner"].create({"name": "Walk In"})
        self.pay(1, partner=walk_in)
        self.assertFalse(
            self.env["membership.account"].search([("partner_id", "=", walk_in.id)]).points_balance
        )

    def test_refund_subtracts_spend_without_a_visit(self):
        order = self.pay(1)
        refund = self.env["pos.order"].browse(order.refund()["res_id"])
        payment = self.env["pos.make.payment"].with_context(
            active_ids=refund.ids, active_id=refund.id
        )
        payment.create({"payment_method_id": self.cash_payment_method.id}).check()
        self.assertEqual(refund.state, "paid")
        self.assertEqual(self.member.member_visit_count, 1)
        self.assertAlmostEqual(self.member.member_total_spent, 0.0)

    def test_non_member_orders_change_nothing(self):
        stranger = self.env["res.partner"].create({"name": "Not a member"})
        self.pay(partner=stranger)
        self.assertEqual(stranger.member_visit_count, 0)
        self.assertFalse(stranger.member_tier_id)

    def test_upgrade_when_order_crosses_threshold(self):
        with freeze_time("2026-05-01 10:00:00"):
            self.pay(1)
            self.assertEqual(self.member.member_tier_id, self.bronze)
            self.pay(2)  # 60 spent: Silver
            self.assertEqual(self.member.member_tier_id, self.silver)
            self.assertEqual(self.member._membership_earn_multiplier(), 1.5)
            self.pay(3)  # the 5th order (100 spent) makes Gold, the 6th changes nothing
        self.assertEqual(self.member.member_tier_id, self.gold)
        history = self.member.member_tier_history_ids.sorted("id")
        # Bronze (the entry tier) from enrolment, then two upgrades.
        self.assertEqual(history.mapped("to_tier_id"), self.silver | self.gold)
        self.assertEqual(set(history.mapped("reason")), {"upgrade"})
        self.assertEqual(history[0].from_tier_id, self.bronze)
        self.assertEqual(history[-1].from_tier_id, self.silver)
        self.assertAlmostEqual(history[-1].qualifying_value, 100.0)
        self.assertEqual(len(history), 2)

    def test_downgrade_only_at_review_after_grace(self):
        with freeze_time("2025-01-10 10:00:00"):
            self.pay(5)
        self.assertEqual(self.member.member_tier_id, self.gold)
        # The scheduled action runs as the superuser.
        review = self.env["membership.tier"].sudo()._cron_membership_tier_review
        with freeze_time("2025-06-01"):
            review()
            self.assertEqual(self.member.member_tier_id, self.gold)
            self.assertFalse(self.member.member_tier_below_since)
        # The orders leave the 12-month window: below Gold, but the grace period starts.
        with freeze_time("2026-02-01"):
            review()
            self.assertEqual(self.member.member_tier_id, self.gold)
            self.assertEqual(str(self.member.member_tier_below_since), "2026-02-01")
        with freeze_time("2026-02-20"):
            review()
            self.assertEqual(self.member.member_tier_id, self.gold)
        with freeze_time("2026-03-05"):
            review()
        self.assertEqual(self.member.member_tier_id, self.bronze)
        last = self.member.member_tier_history_ids.sorted("id")[-1]
        self.assertEqual(last.reason, "downgrade")
        self.assertEqual(last.from_tier_id, self.gold)

    def test_scheduled_action_reviews_the_tiers(self):
        """The daily scheduled action, run as the cron runs it, starts the grace period."""
        with freeze_time("2025-01-10 10:00:00"):
            self.pay(5)
        cron = self.env.ref("membership_loyalty.ir_cron_membership_tier_review")
        with freeze_time("2026-02-01"):
            cron.ir_actions_server_id.sudo().run()
        self.assertEqual(self.member.member_tier_id, self.gold)
        self.assertEqual(str(self.member.member_tier_below_since), "2026-02-01")

    def test_requalifying_during_grace_keeps_tier(self):
        with freeze_time("2025-01-10 10:00:00"):
            self.pay(5)
        with freeze_time("2026-02-01"):
            self.env["membership.tier"].sudo()._cron_membership_tier_review()
            self.assertTrue(self.member.member_tier_below_since)
            self.pay(5)
            self.env["membership.tier"].sudo()._cron_membership_tier_review()
        self.assertFalse(self.member.member_tier_below_since)
        with freeze_time("2026-04-01"):
            self.env["membership.tier"].sudo()._cron_membership_tier_review()
        self.assertEqual(self.member.member_tier_id, self.gold)

    def test_cashier_paid_order_upgrades_without_tier_rights(self):
        cashier = new_test_user(
            self.env,
            login="ml_tier_cashier",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_cashier",
            company_id=self.env.company.id,
        )
        with self.assertRaises(AccessError):
            self.env["membership.tier"].with_user(cashier).create({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.gold.with_user(cashier).write({"earn_multiplier": 10})
        manager = new_test_user(
            self.env,
            login="ml_tier_manager",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_manager",
            company_id=self.env.company.id,
        )
        self.gold.with_user(manager).earn_multiplier = 2.5
        self.assertEqual(self.gold.earn_multiplier, 2.5)

    def test_tier_pricelist_and_default_card_type(self):
        pricelist = self.env["product.pricelist"].create({"name": "Gold prices"})
        vip = self.env["membership.card.type"].create({"name": "VIP"})
        self.gold.write({"pricelist_id": pricelist.id, "card_type_id": vip.id})
        self.pay(5)
        self.assertEqual(self.member.member_tier_id, self.gold)
        self.assertEqual(self.member.property_product_pricelist, pricelist)
        wizard = self.env["membership.card.issue.wizard"].create({"partner_id": self.member.id})
        self.assertEqual(wizard.card_type_id, vip)

    def test_category_discount_lines(self):
        category = self.env["product.category"].create({"name": "Wine"})
        self.gold.discount_ids = [(0, 0, {"category_id": category.id, "discount": 10.0})]
        self.assertEqual(self.gold.discount_ids.discount, 10.0)
