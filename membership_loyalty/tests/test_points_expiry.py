from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MembershipLedgerCommon


@tagged("post_install", "-at_install")
class TestPointsExpiry(MembershipLedgerCommon):
    def test_points_lapse_after_n_months_fifo(self):
        self.company.membership_points_expiry_months = 6
        with freeze_time("2026-01-15"):
            first = self.account._membership_points_earn(100, "exp:1")
        with freeze_time("2026-03-01"):
            self.account._membership_points_earn(50, "exp:2")
            self.account._membership_points_redeem(30, "exp:use")  # eats the oldest first
        self.assertEqual(first.expire_date, date(2026, 7, 15))
        with freeze_time("2026-07-14"):
            self.assertFalse(self.MAccount._membership_cron_expire_points())
        with freeze_time("2026-07-15"):
            expired = self.MAccount._membership_cron_expire_points()
            self.assertEqual(expired.points, -70)
            self.assertFalse(self.MAccount._membership_cron_expire_points(), "once only")
        self.assertEqual(self.account.points_balance, 50)
        with freeze_time("2026-09-01"):
            self.MAccount._membership_cron_expire_points()
        self.assertEqual(self.account.points_balance, 0)
        self.assertLedgerConsistent()

    def test_expired_points_cannot_be_used_before_the_cron(self):
        self.company.membership_points_expiry_months = 1
        with freeze_time("2026-01-01"):
            self.account._membership_points_earn(100, "late:1")
        with freeze_time("2026-02-10"), self.assertRaises(UserError):
            self.account._membership_points_redeem(50, "late:use")
        # The refused request rolled back as a whole; the scheduled action expires them.
        with freeze_time("2026-02-10"):
            self.MAccount._membership_cron_expire_points()
        self.assertEqual(self.account.points_balance, 0)
        self.assertEqual(self.account.points_move_ids.mapped("kind"), ["expire", "earn"])

    def test_members_with_points_expiring_soon(self):
        self.company.membership_points_expiry_months = 12
        with freeze_time("2025-05-01"):
            self.account._membership_points_earn(80, "soon:1")
            self.other_account._membership_points_earn(40, "soon:2")
        with freeze_time("2025-08-01"):
            self.account._membership_points_earn(20, "soon:3")
        with freeze_time("2026-04-20"):
            soon = self.MAccount._membership_points_expiring(30)
            self.assertEqual(
                [(row["partner"], row["points"], row["expire_date"]) for row in soon],
                [
                    (self.member, 80.0, date(2026, 5, 1)),
                    (self.other_member, 40.0, date(2026, 5, 1)),
                ],
            )
            self.assertFalse(self.MAccount._membership_points_expiring(5))
        with freeze_time("2026-04-25"):
            self.other_account._membership_points_redeem(40, "soon:use")
            soon = self.MAccount._membership_points_expiring(30)
            self.assertEqual([row["partner"] for row in soon], [self.member])
