"""Each Membership level does its back-office job with its own rights, in the browser."""

from xmlrpc.client import Fault

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.membership_loyalty.tests.common import level_users, luhn_number

MEMBERS_URL = "/odoo/action-membership_loyalty.membership_member_action"
CARDS_URL = "/odoo/action-membership_loyalty.membership_card_action"
# What the server answers a refused call: access rights, record rules, the addon's checks.
REFUSED = "AccessError|not allowed|doesn.t have|set by Membership"


@tagged("post_install", "-at_install")
class TestRolesInTheBackOffice(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = company = env.company
        CardType = env["membership.card.type"]
        cls.virtual = CardType.create({"name": "Virtual"})
        blank = env.ref("membership_loyalty.product_blank_membership_card")
        # A deposit card: its payments are accounting records a supervisor cannot read.
        cls.plastic = CardType.create(
            {
                "name": "Plastic",
                "blank_product_id": blank.id,
                "charge_type": "deposit",
                "amount": 5.0,
            }
        )
        Tier = env["membership.tier"]
        cls.bronze = Tier.create(
            {"name": "Bronze", "sequence": 1, "threshold": 0, "card_type_id": cls.virtual.id}
        )
        cls.gold = Tier.create({"name": "Gold", "sequence": 3, "threshold": 1000})
        cls.stock = (
            env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1).lot_stock_id
        )
        # 710000000012, 710000000020, 710000000038
        cls.lots = env["stock.lot"].create(
            [
                {
                    "name": luhn_number(f"7100000000{i}"),
                    "product_id": blank.id,
                    "company_id": company.id,
                }
                for i in (1, 2, 3)
            ]
        )
        for lot in cls.lots:
            env["stock.quant"]._update_available_quantity(blank, cls.stock, 1.0, lot_id=lot)
        cls._wallet_accounting()
        users = level_users(
            env,
            "ml_roles",
            ("cashier", "supervisor", "manager"),
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )
        cls.cashier, cls.supervisor, cls.manager = users.values()
        cls.member = env["res.partner"].create(
            {"name": "Paula Member", "is_member": True, "phone": "+32 470 11 22 33"}
        )

    @classmethod
    def _wallet_accounting(cls):
        Account = cls.env["account.account"]
        cls.liability = Account.create(
            {"name": "Member deposits", "code": "MLR2100", "account_type": "liability_current"}
        )
        revenue = Account.create(
            {"name": "Wallet sales", "code": "MLR4100", "account_type": "income"}
        )
        expense = Account.create(
            {"name": "Wallet bonus", "code": "MLR6100", "account_type": "expense"}
        )
        wallet_journal = cls.env["account.journal"].create(
            {"name": "Member wallets", "code": "MLRW", "type": "general"}
        )
        cls.counter_cash = cls.env["account.journal"].create(
            {"name": "Counter cash", "code": "MLRC", "type": "cash"}
        )
        cls.company.write(
            {
                "membership_wallet_journal_id": wallet_journal.id,
                "membership_wallet_liability_account_id": cls.liability.id,
                "membership_wallet_revenue_account_id": revenue.id,
                "membership_wallet_expense_account_id": expense.id,
                "membership_wallet_max_topup": 500.0,
                "membership_adjust_max_points": 100.0,
            }
        )
        cls.env["membership.wallet.bonus.rule"].create(
            {"amount_from": 50.0, "bonus_amount": 5.0, "company_id": cls.company.id}
        )

    def test_cashier_enrols_issues_and_reports_lost(self):
        self.start_tour(MEMBERS_URL, "membership_loyalty_backend_cashier", login=self.cashier.login)
        nora = self.env["res.partner"].search([("name", "=", "Nora Newmember")])
        self.assertTrue(nora.is_member)
        self.assertEqual(nora.member_since, fields.Date.context_today(nora))
        self.assertEqual(nora.member_tier_id, self.bronze, "a new member starts in the entry tier")
        self.assertTrue(nora.member_number)
        self.assertEqual(nora.phone, "+32470123437")
        card = nora.membership_card_ids
        self.assertEqual(card.state, "lost")
        self.assertEqual(card.card_type_id, self.virtual)

    def test_supervisor_reactivates_and_replaces_a_card(self):
        card = self.env["membership.card"]._membership_issue(
            self.member,
            self.plastic,
            self.company,
            lot=self.lots[0],
            location=self.stock,
            journal=self.counter_cash,
        )
        self.assertTrue(card.payment_ids)
        card._membership_transition("report_lost", "Lost")
        self.start_tour(
            f"{CARDS_URL}/{card.id}",
            "membership_loyalty_backend_supervisor_card",
            login=self.supervisor.login,
        )
        self.assertEqual(card.state, "replaced")
        self.assertEqual(card.replaced_by_id.number, self.lots[1].name)
        self.assertEqual(card.replaced_by_id.state, "active")
        self.assertEqual(card.replaced_by_id.deposit_amount, 5.0)

    def test_supervisor_tops_up_and_corrects_points_at_the_counter(self):
        self.start_tour(
            f"{MEMBERS_URL}/{self.member.id}",
            "membership_loyalty_backend_supervisor_balance",
            login=self.supervisor.login,
        )
        account = self.env["membership.account"].search([("partner_id", "=", self.member.id)])
        self.assertEqual(account.wallet_paid_balance, 50.0)
        self.assertEqual(account.wallet_bonus_balance, 5.0)
        self.assertEqual(account.points_balance, 25.0)
        topup = account.wallet_move_ids.filtered(lambda m: m.kind == "topup")
        self.assertEqual(topup.reason, "Paid in cash at the counter")
        self.assertEqual(topup.create_uid, self.supervisor)
        # Booked like a till top-up: the cash received is owed to the member.
        lines = topup.account_move_id.line_ids
        self.assertEqual(
            lines.filtered(lambda line: line.account_id == self.liability).balance, -50.0
        )
        self.assertEqual(
            lines.filtered(
                lambda line: line.account_id == self.counter_cash.default_account_id
            ).balance,
            50.0,
        )
        adjust = account.points_move_ids.filtered(lambda m: m.kind == "adjust")
        self.assertEqual(adjust.reason, "Receipt 0042 not scanned")
        self.assertFalse(account._membership_check_invariant())

    def test_manager_changes_a_tier_and_reads_reports(self):
        self.start_tour(
            f"{MEMBERS_URL}/{self.member.id}",
            "membership_loyalty_backend_manager",
            login=self.manager.login,
        )
        self.assertEqual(self.member.member_tier_id, self.gold)
        history = self.member.member_tier_history_ids
        self.assertEqual(history.reason, "manual")
        self.assertEqual(history.note, "Goodwill after a complaint")
        self.assertEqual(history.user_id, self.manager)
        self.assertEqual(history.from_tier_id, self.bronze)

    def call(self, user, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs
        )

    def test_levels_are_enforced_over_rpc(self):
        """A script with a level's login gets no further than the level's screens."""
        contact = self.env["res.partner"].create({"name": "Vendor Contact"})
        refused = (
            # a cashier edits members only
            (self.cashier, "res.partner", "write", [contact.id], {"email": "x@example.com"}),
            (self.cashier, "res.partner", "create", {"name": "Not a member"}),
            # the tier and the member number are the addon's, whatever the context says
            (
                self.supervisor,
                "res.partner",
                "write",
                [self.member.id],
                {"member_tier_id": self.gold.id},
            ),
            (
                self.cashier,
                "res.partner",
                "create",
                {"name": "Goldie", "is_member": True, "member_number": "M1"},
            ),
            # counter top-ups are a supervisor's, manual tiers a manager's
            (
                self.cashier,
                "membership.balance.wizard",
                "create",
                {"partner_id": self.member.id, "reason": "x", "amount": 10},
            ),
            (
                self.supervisor,
                "membership.tier.change.wizard",
                "create",
                {"partner_id": self.member.id, "tier_id": self.gold.id, "reason": "x"},
            ),
        )
        for user, model, method, *args in refused:
            with self.subTest(user=user.login, model=model, method=method):
                with self.assertRaisesRegex(Fault, REFUSED):
                    self.call(
                        user, model, method, *args, context={"membership_partner_system": True}
                    )
        self.assertEqual(self.member.member_tier_id, self.bronze)
        member_id = self.call(
            self.cashier, "res.partner", "create", {"name": "Rpc Member", "is_member": True}
        )
        self.assertTrue(self.env["res.partner"].browse(member_id).member_number)
