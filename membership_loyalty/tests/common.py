from odoo.tests import TransactionCase, new_test_user


class MembershipLedgerCommon(TransactionCase):
    """A shop with two members, operators of each level and wallet accounting set up."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        Account = cls.env["account.account"]
        cls.liability_account = Account.create(
            {"name": "Customer deposits", "code": "ML2100", "account_type": "liability_current"}
        )
        cls.revenue_account = Account.create(
            {"name": "Wallet sales", "code": "ML4100", "account_type": "income"}
        )
        cls.expense_account = Account.create(
            {"name": "Wallet bonus", "code": "ML6100", "account_type": "expense"}
        )
        cls.cash_account = Account.create(
            {"name": "Till cash", "code": "ML5100", "account_type": "asset_cash"}
        )
        cls.wallet_journal = cls.env["account.journal"].create(
            {"name": "Member wallets", "code": "MLWAL", "type": "general"}
        )
        cls.cash_journal = cls.env["account.journal"].create(
            {
                "name": "Till",
                "code": "MLCSH",
                "type": "general",
                "default_account_id": cls.cash_account.id,
            }
        )
        cls.company.write(
            {
                "membership_points_per_unit": 1.0,
                "membership_points_expiry_months": 12,
                "membership_wallet_max_topup": 1000.0,
                "membership_wallet_bonus_first": False,
                "membership_adjust_max_points": 500.0,
                "membership_adjust_max_amount": 50.0,
                "membership_wallet_journal_id": cls.wallet_journal.id,
                "membership_wallet_liability_account_id": cls.liability_account.id,
                "membership_wallet_revenue_account_id": cls.revenue_account.id,
                "membership_wallet_expense_account_id": cls.expense_account.id,
            }
        )
        Partner = cls.env["res.partner"]
        cls.member = Partner.create({"name": "Ada Member"})
        cls.other_member = Partner.create({"name": "Bob Member"})
        cls.MAccount = cls.env["membership.account"]
        cls.account = cls.MAccount._membership_get_account(cls.member)
        cls.other_account = cls.MAccount._membership_get_account(cls.other_member)
        cls.cashier = new_test_user(
            cls.env,
            login="ml_ledger_cashier",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_cashier",
        )
        cls.supervisor = new_test_user(
            cls.env,
            login="ml_ledger_supervisor",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_supervisor",
        )

    def post_points(self, account, points, key, kind="adjust", **extra):
        return self.env["membership.points.move"]._membership_post(
            {"account_id": account.id, "points": points, "kind": kind, "idempotency_key": key}
            | extra
        )

    def assertLedgerConsistent(self, accounts=None):
        accounts = accounts or (self.account | self.other_account)
        self.assertFalse(
            accounts._membership_check_invariant(), "balances must equal the sum of their moves"
        )
