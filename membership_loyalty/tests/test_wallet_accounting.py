from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .pos_common import order_payload
from .test_card_authority import MembershipRpcMixin

GROUP = "membership_loyalty.membership_loyalty_group_"


@tagged("post_install", "-at_install")
class TestWalletAccounting(MembershipRpcMixin, AccountTestInvoicingHttpCommon):
    """The books after a real POS session: orders synced by the cashier, the session
    closed, then the journal items read back. Deposits hold the paid wallet money,
    revenue the goods sold, the bonus spent is a marketing expense, nothing is counted
    twice and the Wallet Reconciliation shows no difference, for every company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop = cls._membership_shop(cls.company_data["company"], "A")

    @classmethod
    def _membership_shop(cls, company, tag):
        """A till with a card and a Member Wallet payment method, the wallet accounts set
        in the Membership settings, a cashier, a supervisor and a member."""
        env = cls.env(su=True)
        Account = env["account.account"].with_company(company)

        def account(name, code, account_type, **extra):
            return Account.create(
                {
                    "name": f"{name} {tag}",
                    "code": code,
                    "account_type": account_type,
                    "company_ids": [Command.set(company.ids)],
                    **extra,
                }
            )

        shop = {
            "company": company,
            "sales": account("Tea sales", "MLA400", "income"),
            "liability": account("Customer deposits", "MLA210", "liability_current"),
            "revenue": account("Wallet sales", "MLA410", "income"),
            "expense": account("Wallet bonus", "MLA610", "expense"),
            "review": account("Wallet review", "MLA150", "asset_current"),
            "card_receipts": account("Card receipts", "MLA120", "asset_current"),
            "cash": account("Counter cash", "MLA100", "asset_cash"),
            "pos_receivable": account(
                "POS receivable", "MLA130", "asset_receivable", reconcile=True
            ),
        }
        Journal = env["account.journal"].with_company(company)
        shop["wallet_journal"] = Journal.create(
            {"name": "Member wallets", "code": "MLWJ", "type": "general"}
        )
        shop["counter"] = Journal.create(
            {
                "name": "Counter",
                "code": "MLCT",
                "type": "cash",
                "default_account_id": shop["cash"].id,
            }
        )
        card_journal, wallet_bank = Journal.create(
            [
                {"name": "Card", "code": "MLCD", "type": "bank"},
                {"name": "Member Wallet", "code": "MLWB", "type": "bank"},
            ]
        )
        Method = env["pos.payment.method"].with_company(company)
        shop["card"] = Method.create(
            {
                "name": "Card",
                "journal_id": card_journal.id,
                "outstanding_account_id": shop["card_receipts"].id,
            }
        )
        # The outstanding account given here is the wrong one on purpose: the settings
        # point every Member Wallet method at the deposits account.
        shop["wallet"] = Method.create(
            {
                "name": "Member Wallet",
                "journal_id": wallet_bank.id,
                "membership_is_wallet": True,
                "outstanding_account_id": shop["card_receipts"].id,
            }
        )
        Product = env["product.product"].with_company(company)
        shop["tea"] = Product.create(
            {
                "name": f"Tea {tag}",
                "list_price": 10.0,
                "available_in_pos": True,
                "taxes_id": False,
                "property_account_income_id": shop["sales"].id,
                "company_id": company.id,
            }
        )
        shop["topup"] = Product.create(
            {
                "name": f"Wallet Top-up {tag}",
                "type": "service",
                "list_price": 0.0,
                "available_in_pos": True,
                "taxes_id": False,
                "property_account_income_id": shop["sales"].id,
                "company_id": company.id,
            }
        )
        company.write(
            {
                "account_default_pos_receivable_account_id": shop["pos_receivable"].id,
                "membership_topup_product_id": shop["topup"].id,
                "membership_topup_cashier_limit": 500.0,
                "membership_cashier_refund_limit": 100.0,
                "membership_pin_threshold": 0.0,
                "membership_wallet_bonus_first": False,
                "membership_wallet_journal_id": shop["wallet_journal"].id,
                "membership_wallet_liability_account_id": shop["liability"].id,
                "membership_wallet_revenue_account_id": shop["revenue"].id,
                "membership_wallet_expense_account_id": shop["expense"].id,
                "membership_wallet_review_account_id": shop["review"].id,
            }
        )
        env["membership.wallet.bonus.rule"].create(
            {"company_id": company.id, "amount_from": 50.0, "bonus_amount": 5.0}
        )
        shop["config"] = (
            env["pos.config"]
            .with_company(company)
            .create(
                {
                    "name": f"Shop {tag}",
                    "company_id": company.id,
                    "payment_method_ids": [Command.set((shop["card"] | shop["wallet"]).ids)],
                }
            )
        )
        users = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        shop["cashier"] = new_test_user(
            env,
            login=f"ml_books_cashier_{tag}",
            groups=f"base.group_user,point_of_sale.group_pos_user,{GROUP}cashier",
            **users,
        )
        shop["supervisor"] = new_test_user(
            env,
            login=f"ml_books_supervisor_{tag}",
            groups=f"base.group_user,point_of_sale.group_pos_user,{GROUP}supervisor",
            **users,
        )
        shop["manager"] = new_test_user(
            env, login=f"ml_books_manager_{tag}", groups=f"base.group_user,{GROUP}manager", **users
        )
        shop["member"] = env["res.partner"].create(
            {"name": f"Ada Member {tag}", "is_member": True, "company_id": company.id}
        )
        shop["account"] = env["membership.account"]._membership_get_account(shop["member"], company)
        return shop

    # ------------------------------------------------------------------ helpers

    def _open(self, shop):
        shop["config"].with_user(shop["cashier"]).open_ui()
        return shop["config"].current_session_id.with_user(shop["cashier"])

    def _sync(self, shop, session, lines, payments, refund_of=None):
        """Sync a paid member order as the cashier's till does: ``lines`` [(product, qty,
        price)], ``payments`` [(method, amount)]; ``refund_of``: the line it refunds."""
        payload = self._payload(shop, session, lines, payments, refund_of)
        self.env["pos.order"].with_user(shop["cashier"]).sync_from_ui([payload])
        return self.env["pos.order"].search([("uuid", "=", payload["uuid"])])

    def _payload(self, shop, session, lines, payments, refund_of=None):
        total = sum(qty * price for _product, qty, price in lines)
        line_vals = [
            {
                "product_id": product.id,
                "qty": qty,
                "price_unit": price,
                "discount": 0.0,
                "price_subtotal": qty * price,
                "price_subtotal_incl": qty * price,
                "tax_ids": [],
            }
            for product, qty, price in lines
        ]
        if refund_of:
            line_vals[0]["refunded_orderline_id"] = refund_of.id
        return order_payload(
            session,
            shop["member"],
            shop["cashier"],
            [[0, 0, vals] for vals in line_vals],
            payments,
            total,
            name="Order books test",
        )

    def _close(self, session):
        result = session.close_session_from_ui()
        self.assertEqual(result, {"successful": True}, result)
        self.assertEqual(session.state, "closed")

    def _balance(self, account):
        """Debit - credit of the posted journal items on ``account``."""
        lines = self.env["account.move.line"].search(
            [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        )
        return account.company_ids.currency_id.round(sum(lines.mapped("balance")))

    def _wallet_paid(self, shop):
        shop["account"].invalidate_recordset()
        return shop["account"].wallet_paid_balance

    def assertBooksBalanced(self, shop, deposits):
        """Deposits == paid wallet money == ``deposits``; the report and the ledger agree."""
        company = shop["company"]
        self.assertEqual(self._wallet_paid(shop), deposits)
        self.assertEqual(-self._balance(shop["liability"]), deposits, "deposits == wallets")
        report = self.env["membership.account"]._membership_wallet_reconciliation(company)
        self.assertEqual(report["difference"], 0.0)
        self.assertFalse(report["drifting_accounts"], "balances == sum of their moves")
        # The report as the Membership manager who reads it, in their company.
        self.env["membership.wallet.reconciliation"].invalidate_model()
        row = self.env["membership.wallet.reconciliation"].with_user(shop["manager"]).search([])
        self.assertRecordValues(
            row,
            [{"liability_balance": deposits, "wallet_paid_total": deposits, "difference": 0.0}],
        )
        self.assertTrue(row.balanced)

    # ------------------------------------------------------------------ tests

    def test_session_close_books_wallet_money_once(self):
        shop = self.shop
        session = self._open(shop)
        tea, card, wallet = shop["tea"], shop["card"], shop["wallet"]
        self.assertEqual(wallet.outstanding_account_id, shop["liability"], "set by the settings")
        self.assertEqual(
            shop["topup"].with_company(shop["company"]).property_account_income_id,
            shop["liability"],
        )
        # Top-up 95 by card (95 paid + 5 bonus); a 147 sale paid 50 wallet + 97 card.
        self._sync(shop, session, [(shop["topup"], 1, 95.0)], [(card, 95.0)])
        self._sync(shop, session, [(tea, 1, 147.0)], [(wallet, 50.0), (card, 97.0)])
        # 2 x 25 from the wallet: the last 45 paid and the 5 bonus.
        two_teas = self._sync(shop, session, [(tea, 2, 25.0)], [(wallet, 50.0)])
        # One of them comes back, paid back into the wallet.
        self._sync(shop, session, [(tea, -1, 25.0)], [(wallet, -25.0)], refund_of=two_teas.lines)
        # 40 from a wallet holding 25: the sale is kept, the wallet payment is held; a
        # top-up above the cashier's limit of 500: the money is taken, the credit held.
        held = self._sync(shop, session, [(tea, 1, 40.0)], [(wallet, 40.0)])
        held_topup = self._sync(shop, session, [(shop["topup"], 1, 600.0)], [(card, 600.0)])
        self.assertTrue(held.membership_wallet_review and held_topup.membership_wallet_review)
        self.assertEqual(self._wallet_paid(shop), 25.0)
        # Before the closing the report counts what the open session moved apart.
        report = self.env["membership.account"]._membership_wallet_reconciliation(shop["company"])
        self.assertEqual((report["pending"], report["difference"]), (25.0, 0.0))
        self.assertFalse(
            self.env["account.move.line"].search([("account_id", "=", shop["expense"].id)]),
            "the till's wallet moves post nothing of their own",
        )

        self._close(session)

        self.assertEqual(-self._balance(shop["sales"]), 147.0 + 50.0 - 25.0 + 40.0, "goods sold")
        self.assertEqual(self._balance(shop["revenue"]), 0.0, "no second revenue")
        self.assertEqual(self._balance(shop["expense"]), 5.0, "the bonus spent")
        self.assertEqual(self._balance(shop["card_receipts"]), 95.0 + 97.0 + 600.0)
        # Held: the member owes the 40 taken from the wallet, the shop owes the 600.
        self.assertEqual(self._balance(shop["review"]), 40.0 - 600.0)
        self.assertEqual(self._balance(shop["pos_receivable"]), 0.0)
        self.assertBooksBalanced(shop, 25.0)
        entries = session.sudo().membership_wallet_entry_ids
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries.journal_id, shop["wallet_journal"])
        journal_items = self.env["account.move.line"].search(session.show_journal_items()["domain"])
        self.assertLessEqual(entries.line_ids, journal_items, "shown with the session's items")

        # After the closing the supervisor settles both held orders (the top-up first, so
        # that the wallet covers the payment); the session's wallet entry follows.
        Settle = self.env["membership.wallet.settle"].with_user(shop["supervisor"])
        for order in (held_topup, held):
            Settle.create({"order_id": order.id, "mode": "post"}).action_settle()
        self.assertEqual(self._balance(shop["review"]), 0.0)
        self.assertBooksBalanced(shop, 25.0 + 600.0 - 40.0)
        self.assertEqual(len(session.sudo().membership_wallet_entry_ids), 3)
        # Back office: 20 paid in at the counter, a goodwill adjustment (an expense), then
        # the payout pays the deposits out through the counter.
        shop["account"]._membership_wallet_topup(20.0, "books:counter", journal=shop["counter"])
        account = shop["account"].with_user(shop["supervisor"])
        account._membership_wallet_adjust(10.0, "Goodwill", "books:adjust")
        self.assertEqual(self._balance(shop["expense"]), 5.0 + 10.0)
        self.assertBooksBalanced(shop, 615.0)
        shop["member"].with_user(shop["supervisor"])._membership_wallet_payout(
            False, shop["counter"]
        )
        self.assertEqual(self._balance(shop["cash"]), 20.0 - 615.0)
        self.assertEqual(-self._balance(shop["sales"]), 212.0, "still the goods sold")
        self.assertBooksBalanced(shop, 0.0)

    def test_a_part_wallet_sale_the_wallet_does_not_cover_is_held_in_the_books(self):
        # 25 in the wallet; a 50 sale paid 40 from it (an offline till) and 10 by card,
        # the card part earning points: the sale is kept, the 40 held, nothing taken.
        shop = self.shop
        session = self._open(shop)
        tea, card, wallet = shop["tea"], shop["card"], shop["wallet"]
        self._sync(shop, session, [(shop["topup"], 1, 25.0)], [(card, 25.0)])
        held = self._sync(shop, session, [(tea, 1, 50.0)], [(wallet, 40.0), (card, 10.0)])
        self.assertTrue(held.membership_wallet_review)
        self.assertGreater(held.membership_points_earned, 0.0)
        self.assertEqual(self._wallet_paid(shop), 25.0)

        self._close(session)

        self.assertEqual(-self._balance(shop["sales"]), 50.0, "goods sold")
        self.assertEqual(self._balance(shop["card_receipts"]), 25.0 + 10.0)
        self.assertEqual(self._balance(shop["review"]), 40.0, "the member owes the 40")
        self.assertEqual(self._balance(shop["pos_receivable"]), 0.0)
        self.assertBooksBalanced(shop, 25.0)

    def test_the_till_books_wallet_money_on_the_deposits(self):
        shop = self.shop
        # A database from before the scheme: wallet payments booked as money received and
        # top-ups as sales. Installing or updating the module points them at the deposits.
        self.env.cr.execute(
            "UPDATE pos_payment_method SET outstanding_account_id = %s WHERE id = %s",
            [shop["card_receipts"].id, shop["wallet"].id],
        )
        topup = shop["topup"].with_company(shop["company"])
        topup.property_account_income_id = shop["sales"]
        shop["wallet"].invalidate_recordset()
        self.env["res.company"]._membership_wallet_configure_all()
        self.assertEqual(shop["wallet"].outstanding_account_id, shop["liability"])
        self.assertEqual(topup.property_account_income_id, shop["liability"])
        with self.assertRaisesRegex(ValidationError, "cannot use a cash journal"):
            # As a Point of Sale administrator would (the constraint is what is tried here).
            self.env["pos.payment.method"].sudo().create(
                {
                    "name": "Wallet in the drawer",
                    "journal_id": shop["counter"].id,
                    "membership_is_wallet": True,
                }
            )

    def test_cashier_till_over_rpc_books_once_and_cannot_touch_the_scheme(self):
        shop, cashier = self.shop, self.shop["cashier"]
        session = self._open(shop)
        card, wallet = shop["card"], shop["wallet"]
        for lines, payments in (
            ([(shop["topup"], 1, 120.0)], [(card, 120.0)]),  # 120 paid + 5 bonus
            ([(shop["tea"], 5, 25.0)], [(wallet, 125.0)]),  # 120 paid + 5 bonus spent
        ):
            _result, error = self.rpc(
                cashier,
                "pos.order",
                "sync_from_ui",
                [self._payload(shop, session, lines, payments)],
            )
            self.assertIsNone(error)
        refusals = (
            ("pos.session", "write", [session.id], {"membership_wallet_entry_ids": [(5, 0, 0)]}),
            ("pos.session", "_membership_book_wallet", [session.id]),
            (
                "res.company",
                "write",
                [shop["company"].id],
                {"membership_wallet_liability_account_id": shop["sales"].id},
            ),
        )
        for model, method, *args in refusals:
            _result, error = self.rpc(cashier, model, method, *args)
            self.assertRpcRefused(error, "AccessError", "(?i)private|not allowed|server's")
        result, error = self.rpc(cashier, "pos.session", "close_session_from_ui", [session.id])
        self.assertIsNone(error)
        self.assertEqual(result, {"successful": True})
        entries = session.sudo().membership_wallet_entry_ids
        self.assertEqual(len(entries), 1)
        _result, error = self.rpc(
            cashier,
            "pos.session",
            "write",
            [session.id],
            {"membership_wallet_entry_ids": [(5, 0, 0)]},
        )
        self.assertRpcRefused(error, "AccessError", "server's")
        self.assertEqual(session.sudo().membership_wallet_entry_ids, entries)
        _result, error = self.rpc(
            cashier, "pos.payment.method", "write", [wallet.id], {"outstanding_account_id": False}
        )
        self.assertRpcRefused(error, "AccessError", "not allowed")
        self.assertEqual(wallet.outstanding_account_id, shop["liability"])
        self.assertEqual(-self._balance(shop["sales"]), 125.0)
        self.assertEqual(self._balance(shop["expense"]), 5.0)
        self.assertBooksBalanced(shop, 0.0)

    def test_each_company_books_its_own_wallets(self):
        other = self._membership_shop(self.setup_other_company()["company"], "B")
        for shop, topup, spend in ((self.shop, 60.0, 30.0), (other, 200.0, 205.0)):
            session = self._open(shop)
            self._sync(shop, session, [(shop["topup"], 1, topup)], [(shop["card"], topup)])
            self._sync(shop, session, [(shop["tea"], 1, spend)], [(shop["wallet"], spend)])
            self._close(session)
        self.assertBooksBalanced(self.shop, 30.0)  # 60 + 5 bonus, 30 of the paid money spent
        self.assertEqual(self._balance(self.shop["expense"]), 0.0)
        self.assertBooksBalanced(other, 0.0)  # 200 + 5 bonus, all spent
        self.assertEqual(self._balance(other["expense"]), 5.0)
        self.assertEqual(-self._balance(other["sales"]), 205.0)
        self.assertEqual(self._balance(other["card_receipts"]), 200.0)
        rows = (
            self.env["membership.wallet.reconciliation"]
            .sudo()
            .search([("company_id", "in", (self.shop["company"] | other["company"]).ids)])
        )
        self.assertEqual(rows.mapped("balanced"), [True, True])
        self.assertEqual(
            self.env["membership.wallet.reconciliation"].with_user(other["manager"]).search([]),
            rows.filtered(lambda row: row.company_id == other["company"]),
            "each company's manager sees their company's row",
        )
