from odoo.tests import BaseCase, tagged

from odoo.addons.membership_loyalty.tools.campaign_stats import (
    mean_variance,
    offer_return,
    split_control,
    uplift,
)


@tagged("post_install", "-at_install")
class TestCampaignStats(BaseCase):
    def test_mean_variance(self):
        self.assertEqual(mean_variance([10, 20, 30]), (20.0, 100.0))
        self.assertEqual(mean_variance([5, 15]), (10.0, 50.0))
        self.assertEqual(mean_variance([7]), (7.0, None))
        self.assertEqual(mean_variance([]), (0.0, None))

    def test_uplift_welch_interval(self):
        # difference 20 - 10 = 10; SE = sqrt(100/3 + 50/2) = sqrt(58.333) = 7.6376;
        # 95 %: 10 -/+ 1.96 x 7.6376 = -4.970 .. 24.970
        result = uplift([10, 20, 30], [5, 15])
        self.assertAlmostEqual(result["difference"], 10.0)
        self.assertAlmostEqual(result["std_error"], 7.637626, places=5)
        self.assertAlmostEqual(result["low"], -4.969472, places=5)
        self.assertAlmostEqual(result["high"], 24.969472, places=5)

    def test_uplift_without_enough_members(self):
        result = uplift([10, 20], [5])
        self.assertAlmostEqual(result["difference"], 10.0)
        self.assertIsNone(result["std_error"])
        self.assertIsNone(result["low"])

    def test_offer_return(self):
        self.assertAlmostEqual(offer_return(300.0, 100.0), 2.0)
        self.assertAlmostEqual(offer_return(40.0, 16.0), 1.5)
        self.assertIsNone(offer_return(50.0, 0.0))

    def test_split_control_is_reproducible(self):
        ids = list(range(1, 11))
        target, control = split_control(ids, 20, seed=42)
        self.assertEqual(len(control), 2)
        self.assertEqual(sorted(target + control), ids)
        # Same seed, any order of the ids: same split.
        self.assertEqual(split_control(list(reversed(ids)), 20, seed=42), (target, control))
        splits = {tuple(split_control(ids, 20, seed=s)[1]) for s in range(1, 30)}
        self.assertGreater(len(splits), 10)
        # Rounding half up: 10 % of 5 members holds out one.
        self.assertEqual(len(split_control([1, 2, 3, 4, 5], 10, seed=1)[1]), 1)
        self.assertEqual(split_control(ids, 0, seed=1), (ids, []))
        with self.assertRaises(ValueError):
            split_control(ids, 100, seed=1)
