from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MembershipLedgerCommon


@tagged("post_install", "-at_install")
class TestWallet(MembershipLedgerCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["membership.wallet.bonus.rule"].create(
            [
                {"amount_from": 100, "bonus_amount": 5},
                {"amount_from": 500, "bonus_amount": 50, "bonus_points": 100},
            ]
        )
        cls.wallet_method = cls.env["pos.payment.method"].create(
            {"name": "Wallet", "membership_is_wallet": True}
        )

    def test_topup_bonus_by_band(self):
        self.account._membership_wallet_topup(50, "w:t1", journal=self.cash_journal)
        self.account._membership_wallet_topup(120, "w:t2", journal=self.cash_journal)
        self.account._membership_wallet_topup(500, "w:t3", journal=self.cash_journal)
        self.assertEqual(self.account.wallet_paid_balance, 670)
        self.assertEqual(self.account.wallet_bonus_balance, 55)
        self.assertEqual(self.account.points_balance, 100)
        self.assertLedgerConsistent()

    def test_bad_topups_credit_nothing(self):
        for amount in (0, -10, 1000.01, 1e12, float("nan"), "100"):
            with self.assertRaises(UserError):
                self.account._membership_wallet_topup(amount, f"w:bad:{amount}")
        with self.assertRaisesRegex(UserError, "wallet money"):
            self.account._membership_wallet_topup(20, "w:self", payment_method=self.wallet_method)
        self.assertEqual(self.account.wallet_balance, 0)
        self.assertFalse(self.account.wallet_move_ids)

    def test_spend_order_of_paid_and_bonus_money(self):
        self.account._membership_wallet_topup(100, "w:t", journal=self.cash_journal)
        paid_first = self.account._membership_wallet_spend(102, "w:s1")
        self.assertEqual((paid_first.paid_amount, paid_first.bonus_amount), (-100, -2))
        self.company.membership_wallet_bonus_first = True
        self.account._membership_wallet_topup(100, "w:t2", journal=self.cash_journal)
        bonus_first = self.account._membership_wallet_spend(10, "w:s2")
        self.assertEqual((bonus_first.paid_amount, bonus_first.bonus_amount), (-2, -8))
        with self.assertRaises(UserError):
            self.account._membership_wallet_spend(self.account.wallet_balance + 0.01, "w:s3")
        for amount in (0, -5):
            with self.assertRaises(UserError):
                self.account._membership_wallet_spend(amount, f"w:neg:{amount}")
        self.assertEqual(self.account.wallet_balance, 98)
        self.assertLedgerConsistent()

    def test_payout_on_card_return(self):
        self.account._membership_wallet_topup(120, "w:t", journal=self.cash_journal)
        self.account._membership_wallet_spend(20, "w:s")
        with self.assertRaises(AccessError):
            self.member.with_user(self.cashier)._membership_wallet_payout(False, self.cash_journal)
        partner = self.member.with_user(self.supervisor)
        self.assertEqual(partner._membership_wallet_payout(False, self.cash_journal), 100)
        self.assertEqual(partner._membership_wallet_payout(False, self.cash_journal), 100)
        self.assertEqual(self.account.wallet_paid_balance, 0)
        self.assertEqual(self.account.wallet_bonus_balance, 0, "bonus forfeited")
        kinds = self.account.wallet_move_ids.mapped("kind")
        self.assertEqual(kinds.count("payout"), 1)
        self.assertEqual(kinds.count("forfeit"), 1)
        self.assertLedgerConsistent()

    def test_payout_keeps_bonus_when_not_forfeited(self):
        self.company.membership_payout_forfeit_bonus = False
        self.account._membership_wallet_topup(100, "w:t", journal=self.cash_journal)
        self.member.with_user(self.supervisor)._membership_wallet_payout(False, self.cash_journal)
        self.assertEqual(self.account.wallet_bonus_balance, 5)

    def test_manual_adjustments_supervisor_within_limit_with_reason(self):
        with self.assertRaises(AccessError):
            self.account.with_user(self.cashier)._membership_wallet_adjust(10, "gift", "w:a0")
        supervised = self.account.with_user(self.supervisor)
        with self.assertRaises(UserError):
            supervised._membership_wallet_adjust(10, " ", "w:a1")
        with self.assertRaises(UserError):
            supervised._membership_wallet_adjust(50.01, "too much", "w:a2")
        with self.assertRaises(UserError):
            supervised._membership_points_adjust(501, "too much", "p:a2")
        supervised._membership_wallet_adjust(50, "Till error 12/03", "w:a3")
        supervised._membership_points_adjust(200, "Goodwill", "p:a4")
        self.assertEqual(self.account.wallet_paid_balance, 50)
        self.assertEqual(self.account.points_balance, 200)
        with self.assertRaises(UserError):
            supervised._membership_points_adjust(-300, "Too far", "p:a5")
        self.assertLedgerConsistent()

    def test_accounting_balances_to_the_ledger(self):
        self.account._membership_wallet_topup(500, "acc:t1", journal=self.cash_journal)
        self.other_account._membership_wallet_topup(80, "acc:t2", journal=self.cash_journal)
        self.account._membership_wallet_spend(530, "acc:s1")  # 500 paid + 30 of the 50 bonus
        self.account._membership_wallet_refund(40, "acc:r1", reason="Returned item")
        self.other_account._membership_wallet_spend(30, "acc:s2")
        self.member.with_user(self.supervisor)._membership_wallet_payout(False, self.cash_journal)
        spend = self.account.wallet_move_ids.filtered(lambda m: m.kind == "spend")
        spend._membership_reverse("Payment cancelled")

        def balance(account):
            lines = self.env["account.move.line"].search(
                [("account_id", "=", account.id), ("parent_state", "=", "posted")]
            )
            return sum(lines.mapped("balance"))

        self.assertAlmostEqual(-balance(self.liability_account), 50 + 500)  # Bob 50, Ada 500
        self.assertAlmostEqual(
            self.account.wallet_paid_balance + self.other_account.wallet_paid_balance, 550
        )
        self.assertAlmostEqual(balance(self.expense_account), 0)  # the bonus spend reversed
        self.assertAlmostEqual(-balance(self.revenue_account), 30 - 40)  # Bob's sale, Ada's refund
        report = self.MAccount._membership_wallet_reconciliation()
        self.assertAlmostEqual(report["difference"], 0)
        self.assertFalse(report["drifting_accounts"])
        row = self.env["membership.wallet.reconciliation"].search(
            [("company_id", "=", self.company.id)]
        )
        self.assertTrue(row.balanced)
        self.assertAlmostEqual(row.liability_balance, 550)
