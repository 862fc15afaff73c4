from odoo.tests import TransactionCase, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.membership_loyalty.models.membership_card import luhn_check_digit

GROUP = "membership_loyalty.membership_loyalty_group_"


def level_users(env, prefix, levels, **values):
    """One test user per Membership level, as {level: user}; logins ``{prefix}_{level}``."""
    return {
        level: new_test_user(
            env, login=f"{prefix}_{level}", groups=f"base.group_user,{GROUP}{level}", **values
        )
        for level in levels
    }


def luhn_number(base):
    return base + luhn_check_digit(base)


class MembershipCommon(AccountTestInvoicingCommon):
    """A company with a chart of accounts (deposits are booked), stock and card types."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids += cls.env.ref(f"{GROUP}manager")
        cls.company = cls.env.company
        cls.cash_journal = cls.company_data["default_journal_cash"]
        cls.company.membership_cashier_refund_limit = 50.0
        cls.stock_location = (
            cls.env["stock.warehouse"]
            .search([("company_id", "=", cls.company.id)], limit=1)
            .lot_stock_id
        )
        cls.blank = cls.env.ref("membership_loyalty.product_blank_membership_card")
        cls.card_type = cls.env["membership.card.type"].create(
            {
                "name": "Standard",
                "charge_type": "deposit",
                "amount": 20.0,
                "blank_product_id": cls.blank.id,
            }
        )
        cls.plain_type = cls.env["membership.card.type"].create({"name": "Virtual"})
        cls.lots = cls.env["stock.lot"].create(
            [
                {
                    "name": luhn_number(f"70000000{i:03d}"),
                    "product_id": cls.blank.id,
                    "company_id": cls.company.id,
                }
                for i in range(6)
            ]
        )
        for lot in cls.lots:
            cls.env["stock.quant"]._update_available_quantity(
                cls.blank, cls.stock_location, 1.0, lot_id=lot
            )
        users = level_users(
            cls.env,
            "ml_t",
            ("cashier", "supervisor", "manager"),
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.cashier, cls.supervisor, cls.manager = users.values()
        cls.member = cls.env["res.partner"].create(
            {"name": "Ada Member", "is_member": True, "country_id": cls.env.ref("base.be").id}
        )

    def issue(self, partner=None, lot=None, user=None, card_type=None, **kw):
        env = self.env(user=user) if user else self.env
        card_type = card_type or self.card_type
        wizard = env["membership.card.issue.wizard"].create(
            {
                "partner_id": (partner or self.member).id,
                "card_type_id": card_type.id,
                "lot_id": (lot.id if lot else False) if card_type.blank_product_id else False,
                **kw,
            }
        )
        action = wizard.action_issue()
        return env["membership.card"].browse(action["res_id"])


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
        users = level_users(cls.env, "ml_ledger", ("cashier", "supervisor"))
        cls.cashier, cls.supervisor = users.values()

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
