from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.membership_loyalty.tools.campaign_stats import split_control, uplift

from .analytics_common import AnalyticsCommon


@tagged("post_install", "-at_install")
class TestAnalyticsCampaigns(AnalyticsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.members = cls.env["res.partner"]
        for i in range(10):
            cls.members |= cls.make_member(f"Camp {i}", member_gender="other", ref="camp")
        cls.segment = cls.env["membership.segment"].create(
            {"name": "Campaign test", "domain": "[('ref', '=', 'camp')]"}
        )

    def campaign(self, **vals):
        return self.env["membership.campaign"].create(
            {
                "name": "May",
                "segment_id": self.segment.id,
                "date_from": "2026-05-01",
                "date_to": "2026-05-31",
                "control_percent": 20.0,
                "cost_per_member": 2.0,
                **vals,
            }
        )

    def test_start_splits_with_stored_seed(self):
        campaign = self.campaign()
        campaign.action_start()
        self.assertEqual(campaign.state, "running")
        self.assertEqual((campaign.target_count, campaign.control_count), (8, 2))
        self.assertFalse(campaign.target_ids & campaign.control_ids)
        self.assertEqual(campaign.target_ids | campaign.control_ids, self.members)
        # The stored seed reproduces the split.
        target, control = split_control(self.members.ids, 20.0, campaign.seed)
        self.assertEqual(campaign.target_ids.ids, target)
        self.assertEqual(sorted(campaign.control_ids.ids), control)
        with self.assertRaises(UserError):
            campaign.control_percent = 50.0
        with self.assertRaises(UserError):
            campaign.action_start()

    def test_results_target_against_control(self):
        campaign = self.campaign()
        campaign.action_start()
        t1, t2, t3 = campaign.target_ids[:3]
        c1 = campaign.control_ids[0]
        self.pay(t1, 40.0, "2026-05-10 10:00:00")
        self.pay(t1, 20.0, "2026-05-20 10:00:00")
        self.pay(t2, 20.0, "2026-05-31 18:00:00")
        self.pay(c1, 10.0, "2026-05-15 10:00:00")
        self.pay(t3, 100.0, "2026-06-05 10:00:00")  # after the period: not counted
        self.pay(t3, 100.0, "2026-04-30 10:00:00")  # before it: not counted
        with freeze_time("2026-06-10 09:00:00"):
            campaign.action_compute_results()
        self.assertEqual(campaign.state, "done")
        # Targets: revenue 60, 20 and six zeros -> 10.0 each; visits 2, 1, 0 x 6 -> 0.375.
        # Control: revenue 10, 0 -> 5.0 each; visits 1, 0 -> 0.5.
        self.assertAlmostEqual(campaign.target_revenue, 10.0)
        self.assertAlmostEqual(campaign.control_revenue, 5.0)
        self.assertAlmostEqual(campaign.target_visits, 0.375)
        self.assertAlmostEqual(campaign.control_visits, 0.5)
        self.assertAlmostEqual(campaign.uplift_revenue, 5.0)
        self.assertAlmostEqual(campaign.uplift_visits, -0.125)
        expected = uplift([60.0, 20.0] + [0.0] * 6, [10.0, 0.0])
        self.assertTrue(campaign.uplift_known)
        self.assertAlmostEqual(campaign.uplift_revenue_low, expected["low"], places=2)
        self.assertAlmostEqual(campaign.uplift_revenue_high, expected["high"], places=2)
        self.assertLess(campaign.uplift_revenue_low, 0.0)  # too few members to be sure
        # 8 members reached at 2.00 = 16.00; incremental 5.00 x 8 = 40.00; return 1.5.
        self.assertEqual(campaign.reached_count, 8)
        self.assertAlmostEqual(campaign.offer_cost, 16.0)
        self.assertAlmostEqual(campaign.incremental_revenue, 40.0)
        self.assertAlmostEqual(campaign.offer_return, 1.5)

    def test_results_during_period_keep_running(self):
        campaign = self.campaign()
        campaign.action_start()
        with freeze_time("2026-05-15"):
            campaign.action_compute_results()
        self.assertEqual(campaign.state, "running")
        self.assertTrue(campaign.results_date)

    def test_points_multiplier_only_for_targets_in_period(self):
        campaign = self.campaign(offer_type="points_multiplier", offer_value=2.0)
        campaign.action_start()
        target, control = campaign.target_ids[0], campaign.control_ids[0]
        with freeze_time("2026-05-10"):
            self.assertEqual(target._membership_earn_multiplier(), 2.0)
            self.assertEqual(control._membership_earn_multiplier(), 1.0)
        with freeze_time("2026-06-10"):
            self.assertEqual(target._membership_earn_multiplier(), 1.0)

    def test_discount_boost_only_for_targets_in_period(self):
        campaign = self.campaign(offer_type="tier_boost", offer_value=5.0)
        campaign.action_start()
        Campaign = self.env["membership.campaign"]
        target, control = campaign.target_ids[0], campaign.control_ids[0]
        with freeze_time("2026-05-10"):
            self.assertEqual(Campaign._membership_discount_boost(target), 5.0)
            self.assertEqual(Campaign._membership_discount_boost(control), 0.0)
            self.assertEqual(target._membership_earn_multiplier(), 1.0)
        self.assertEqual(Campaign._membership_discount_boost(target, "2026-06-01"), 0.0)

    def test_sms_reaches_targets_with_a_number(self):
        phones = ["+32470123450", "+32470123451", "+32470123452"]
        for member, phone in zip(self.members[:3], phones, strict=True):
            member.phone = phone
        self.segment.domain = "[('ref', '=', 'camp'), ('phone', '!=', False)]"
        self.members[3].phone = False
        campaign = self.campaign(control_percent=0.0, sms_body="Hello {member.first_name}")
        campaign.action_start()
        self.assertEqual(campaign.target_ids, self.members[:3])
        sms = self.env["membership.sms"].search([("campaign_name", "=", "May")])
        self.assertEqual(sms.partner_id, self.members[:3])
        self.assertEqual(campaign.reached_count, 3)

    def test_coupon_for_each_target_and_redemptions(self):
        program = self.env["loyalty.program"].create(
            {
                "name": "Come back coupon",
                "program_type": "coupons",
                "trigger": "with_code",
                "reward_ids": [
                    fields.Command.create(
                        {"reward_type": "discount", "discount": 5, "discount_mode": "per_order"}
                    )
                ],
            }
        )
        campaign = self.campaign(offer_type="coupon", offer_value=1.0)
        with self.assertRaises(UserError):
            campaign.action_start()
        campaign.coupon_program_id = program
        campaign.action_start()
        self.assertEqual(campaign.coupon_ids.partner_id, campaign.target_ids)
        self.assertEqual(len(campaign.coupon_ids), 8)
        self.assertEqual(set(campaign.coupon_ids.mapped("points")), {1.0})
        self.assertEqual(str(campaign.coupon_ids[0].expiration_date), "2026-05-31")
        # One coupon used at a till.
        self.env["loyalty.history"].create(
            {"card_id": campaign.coupon_ids[0].id, "description": "Order", "used": 1}
        )
        campaign.action_compute_results()
        self.assertEqual(campaign.redeemed_count, 1)
        # The e-coupon report shows the same.
        [(issued, used)] = self.env["membership.report.coupon"]._read_group(
            [("program_id", "=", program.id), ("is_member", "=", True)],
            [],
            ["issued_count:sum", "used_count:sum"],
        )
        self.assertEqual((issued, used), (8, 1))
        with self.assertRaises(AccessError):
            self.env["membership.report.coupon"].with_user(self.cashier).search([])

    def test_empty_segment_refused(self):
        self.segment.domain = "[('ref', '=', 'nobody')]"
        with self.assertRaises(UserError):
            self.campaign().action_start()

    def test_campaigns_are_for_managers(self):
        campaign = self.campaign()
        with self.assertRaises(AccessError):
            campaign.with_user(self.cashier).read(["name"])
        self.assertEqual(campaign.with_user(self.manager).read(["name"])[0]["name"], "May")
        # A cashier's till still gets the multiplier (read through the system).
        self.assertEqual(self.members[0].with_user(self.cashier)._membership_earn_multiplier(), 1.0)
