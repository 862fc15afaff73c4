from psycopg2 import errors

from odoo.exceptions import AccessError, UserError
from odoo.service.model import get_public_method
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import MembershipLedgerCommon


@tagged("post_install", "-at_install")
class TestMembershipLedger(MembershipLedgerCommon):
    def test_post_changes_balance_with_move(self):
        self.post_points(self.account, 120, "t:1", kind="earn")
        self.post_points(self.account, -20, "t:2", kind="redeem")
        self.assertEqual(self.account.points_balance, 100)
        self.assertEqual(self.member.points_balance, 100)
        self.assertLedgerConsistent()

    def test_same_key_twice_is_one_move(self):
        first = self.post_points(self.account, 50, "order:abc:earn", kind="earn")
        second = self.post_points(self.account, 50, "order:abc:earn", kind="earn")
        self.assertEqual(first, second)
        self.assertEqual(self.account.points_balance, 50)
        self.assertEqual(
            self.env["membership.points.move"].search_count(
                [("idempotency_key", "=", "order:abc:earn")]
            ),
            1,
        )

    def test_same_key_for_another_member_refused(self):
        self.post_points(self.account, 50, "order:xyz:earn", kind="earn")
        with self.assertRaises(UserError):
            self.post_points(self.other_account, 50, "order:xyz:earn", kind="earn")
        self.assertEqual(self.other_account.points_balance, 0)

    def test_overdraft_refused_and_nothing_posted(self):
        self.post_points(self.account, 10, "t:od1", kind="earn")
        with self.assertRaises(UserError):
            self.post_points(self.account, -11, "t:od2", kind="redeem")
        self.assertEqual(self.account.points_balance, 10)
        self.assertFalse(
            self.env["membership.points.move"].search([("idempotency_key", "=", "t:od2")])
        )
        with self.assertRaises(UserError):
            self.account._membership_wallet_spend(0.01, "w:od")
        self.assertLedgerConsistent()

    def test_moves_are_append_only_even_for_superuser(self):
        move = self.post_points(self.account, 10, "t:ao", kind="earn")
        wallet = self.account._membership_wallet_topup(20, "w:ao", journal=self.cash_journal)
        for record in (move, move.sudo(), wallet, wallet.sudo()):
            with self.assertRaises(UserError):
                record.write({"reason": "edited"})
            with self.assertRaises(UserError):
                record.unlink()
        with self.assertRaises(UserError):
            self.account.sudo().write({"points_balance": 1e6})
        self.assertEqual(self.account.points_balance, 10)
        self.assertEqual(self.account.wallet_paid_balance, 20)

    def test_operators_cannot_create_or_delete_moves(self):
        for user in (self.cashier, self.supervisor):
            Moves = self.env["membership.points.move"].with_user(user)
            with self.assertRaises(AccessError):
                Moves.create(
                    {
                        "account_id": self.account.id,
                        "points": 1000,
                        "kind": "adjust",
                        "idempotency_key": f"forged:{user.id}",
                    }
                )
            with self.assertRaises(AccessError):
                self.env["membership.wallet.move"].with_user(user).create(
                    {
                        "account_id": self.account.id,
                        "paid_amount": 1000,
                        "kind": "topup",
                        "idempotency_key": f"forged-w:{user.id}",
                    }
                )
        self.assertEqual(self.account.points_balance, 0)
        self.assertEqual(self.account.wallet_balance, 0)

    @mute_logger("odoo.sql_db")
    def test_database_refuses_negative_balances(self):
        with self.assertRaises(errors.CheckViolation), self.env.cr.savepoint():
            self.env.cr.execute(
                "UPDATE membership_account SET wallet_paid_balance = -1 WHERE id = %s",
                [self.account.id],
            )
        with self.assertRaises(errors.CheckViolation), self.env.cr.savepoint():
            self.env.cr.execute(
                "UPDATE membership_account SET points_balance = -1 WHERE id = %s",
                [self.account.id],
            )

    @mute_logger("odoo.sql_db")
    def test_one_account_per_member_and_company(self):
        self.assertEqual(self.MAccount._membership_get_account(self.member), self.account)
        with self.assertRaises(errors.UniqueViolation), self.env.cr.savepoint():
            self.MAccount.create({"partner_id": self.member.id})

    def test_reversal_needs_reason_and_reverses_once(self):
        move = self.post_points(self.account, 80, "t:rev", kind="earn")
        with self.assertRaises(UserError):
            move._membership_reverse("  ")
        reversal = move._membership_reverse("Sale cancelled")
        again = move._membership_reverse("Sale cancelled")
        self.assertEqual(reversal, again)
        self.assertEqual(reversal.points, -80)
        self.assertEqual(reversal.reversed_move_id, move)
        self.assertEqual(self.account.points_balance, 0)
        self.assertLedgerConsistent()

    def test_cashier_cannot_write_balances_over_rpc(self):
        account = self.account.with_user(self.cashier)
        for vals in ({"points_balance": 500}, {"wallet_paid_balance": 500}):
            with self.assertRaises(UserError):  # AccessError is one too
                account.write(vals)
        manager = self.env.ref("membership_loyalty.membership_loyalty_group_manager")
        self.supervisor.group_ids = [(4, manager.id)]
        with self.assertRaises(UserError):
            self.account.with_user(self.supervisor).write({"wallet_bonus_balance": 500})
        self.assertEqual(self.account.wallet_balance, 0)

    def test_posting_methods_unreachable_over_rpc(self):
        names = {
            "membership.account": [
                "_membership_get_account",
                "_membership_lock",
                "_membership_apply",
                "_membership_wallet_topup",
                "_membership_wallet_spend",
                "_membership_wallet_refund",
                "_membership_wallet_payout",
                "_membership_wallet_adjust",
                "_membership_points_earn",
                "_membership_points_redeem",
                "_membership_points_adjust",
                "_membership_compute_earn",
                "_membership_redeem_gift",
                "_membership_redeem_coupon",
                "_membership_points_expiring",
            ],
            "membership.points.move": ["_membership_post", "_membership_reverse"],
            "pos.order": ["_membership_post", "_membership_refund"],
        }
        for model, methods in names.items():
            for name in methods:
                with self.assertRaises(AccessError):
                    get_public_method(self.env[model], name)
                # Without its underscore it would still be refused: it is @api.private.
                self.assertTrue(getattr(type(self.env[model]), name)._api_private, name)

    def test_other_company_sees_no_ledger(self):
        branch = self.env["res.company"].create({"name": "Other shop"})
        cashier_b = new_test_user(
            self.env,
            login="ml_ledger_cashier_b",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_cashier",
            company_id=branch.id,
            company_ids=[(6, 0, branch.ids)],
        )
        self.post_points(self.account, 5, "mc:1", kind="earn")
        mine = [("partner_id", "in", (self.member | self.other_member).ids)]
        self.assertEqual(
            self.env["membership.account"].with_user(self.cashier).search(mine),
            self.account | self.other_account,
        )
        self.assertFalse(self.env["membership.account"].with_user(cashier_b).search([]))
        self.assertFalse(self.env["membership.points.move"].with_user(cashier_b).search([]))
        branch_account = self.MAccount._membership_get_account(self.member, branch)
        self.assertNotEqual(branch_account, self.account)
        self.assertEqual(
            self.env["membership.account"].with_user(cashier_b).search([]), branch_account
        )
