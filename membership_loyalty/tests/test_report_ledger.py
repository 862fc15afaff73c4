from odoo.exceptions import AccessError
from odoo.tests import tagged

from .analytics_common import AnalyticsCommon


@tagged("post_install", "-at_install")
class TestReportLedger(AnalyticsCommon):
    """Points and wallet analysis: figures checked against a small hand-made ledger."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.membership_points_per_unit = 1.0
        cls.member = cls.make_member("Lea Ledger")
        cls.pay(cls.member, 20.0, "2026-03-02 10:00:00")  # earns 20 points at the till
        cls.account = cls.env["membership.account"]._membership_get_account(cls.member, cls.company)
        cls.account._membership_points_redeem(5, "report-ledger:redeem")
        journal = cls.env["account.journal"].search(
            [("type", "=", "cash"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.account._membership_wallet_topup(50, "report-ledger:topup", journal=journal)
        cls.account._membership_wallet_spend(30, "report-ledger:spend")

    def totals(self, user=None):
        Report = self.env["membership.report.ledger"]
        if user:
            Report = Report.with_user(user)
        rows = Report._read_group(
            [("partner_id", "=", self.member.id)],
            ["ledger"],
            [
                "points_issued:sum",
                "points_used:sum",
                "wallet_deposited:sum",
                "wallet_spent:sum",
            ],
        )
        return {ledger: figures for ledger, *figures in rows}

    def test_points_issued_and_used(self):
        self.assertEqual(self.totals()["points"], [20.0, 5.0, 0.0, 0.0])

    def test_wallet_paid_in_and_spent(self):
        self.assertEqual(self.totals()["wallet"], [0.0, 0.0, 50.0, 30.0])
        self.assertEqual(self.account.wallet_paid_balance, 20.0)

    def test_managers_only(self):
        with self.assertRaises(AccessError):
            self.env["membership.report.ledger"].with_user(self.cashier).search([])
        self.assertEqual(set(self.totals(self.manager)), {"points", "wallet"})
