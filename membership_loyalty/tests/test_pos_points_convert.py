from uuid import uuid4

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .pos_common import MembershipTillSetup, order_payload
from .test_card_authority import MembershipRpcMixin

CARD = "900077770072"  # same number as static/tests/tours/points_convert_tour.js
GROUP = "membership_loyalty.membership_loyalty_group_"


@tagged("post_install", "-at_install")
class TestPosPointsConvert(MembershipTillSetup, MembershipRpcMixin, TestPointOfSaleHttpCommon):
    """Points converted into wallet bonus credit (at the till from Redeem, in the back
    office by a supervisor) and top-ups that earn an e-coupon: as the cashier in the
    till, forged and replayed over JSON-RPC, and read back from the journal items once
    the session is closed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)  # fixtures: the admin of the POS tests is no Membership manager
        company = cls.main_pos_config.company_id
        cls.company = company
        Template = env["product.template"]
        cls.tea = Template.create(
            {"name": "Member Tea", "list_price": 10.0, "available_in_pos": True, "taxes_id": False}
        ).product_variant_id
        cls.topup_product = Template.create(
            {
                "name": "Wallet Top-up",
                "type": "service",
                "list_price": 0.0,
                "available_in_pos": True,
                "taxes_id": False,
            }
        ).product_variant_id
        cls.wallet_method = cls._membership_add_wallet_method(company)
        Account = env["account.account"].with_company(company)
        cls.books = {
            name: Account.create(
                {
                    "name": f"Convert test {name}",
                    "code": code,
                    "account_type": kind,
                    "company_ids": [Command.set(company.ids)],
                }
            )
            for name, code, kind in (
                ("liability", "MLC210", "liability_current"),
                ("revenue", "MLC410", "income"),
                ("expense", "MLC610", "expense"),
                ("review", "MLC150", "asset_current"),
            )
        }
        journal = env["account.journal"].create(
            {"name": "Member wallets", "code": "MLCW", "type": "general", "company_id": company.id}
        )
        company.write(
            {
                "membership_topup_product_id": cls.topup_product.id,
                "membership_topup_cashier_limit": 500.0,
                "membership_pin_threshold": 0.0,
                "membership_wallet_bonus_first": False,
                "membership_wallet_earns": False,
                "membership_convert_rate": 0.05,
                "membership_convert_min_points": 100,
                "membership_payout_forfeit_bonus": True,
                "membership_wallet_journal_id": journal.id,
                "membership_wallet_liability_account_id": cls.books["liability"].id,
                "membership_wallet_revenue_account_id": cls.books["revenue"].id,
                "membership_wallet_expense_account_id": cls.books["expense"].id,
                "membership_wallet_review_account_id": cls.books["review"].id,
            }
        )
        cls.coupon_program = env["loyalty.program"].create(
            {
                "name": "Top-up Thanks",
                "program_type": "coupons",
                "company_id": company.id,
                "trigger": "with_code",
                "rule_ids": [Command.create({"minimum_amount": 0})],
                "reward_ids": [
                    Command.create({"reward_type": "discount", "discount": 5, "required_points": 1})
                ],
            }
        )
        env["membership.wallet.bonus.rule"].create(
            {
                "company_id": company.id,
                "amount_from": 50.0,
                "bonus_amount": 5.0,
                "coupon_program_id": cls.coupon_program.id,
            }
        )
        cls.pos_user.group_ids += env.ref(f"{GROUP}cashier")
        cls.supervisor = new_test_user(
            env,
            login="convert_supervisor",
            groups=f"base.group_user,point_of_sale.group_pos_user,{GROUP}supervisor",
        )
        cls.plain_pos_user = new_test_user(
            env, login="convert_plain_pos", groups="base.group_user,point_of_sale.group_pos_user"
        )
        cls.member = env["res.partner"].create(
            {"name": "Connie Convert", "is_member": True, "company_id": company.id}
        )
        cls.card = cls._membership_active_card(cls.member, CARD, company)
        cls.account = env["membership.account"]._membership_get_account(cls.member, company)
        cls.account._membership_points_earn(300, "convert-test:points")
        cls.cash = cls.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]

    # ------------------------------------------------------------------ helpers

    def _figures(self):
        """(points, paid wallet money, bonus credit) of the member now."""
        self.account.invalidate_recordset()
        account = self.account
        return account.points_balance, account.wallet_paid_balance, account.wallet_bonus_balance

    def _moves(self, model, kind):
        return (
            self.env[model]
            .sudo()
            .search([("account_id", "=", self.account.id), ("kind", "=", kind)])
        )

    def _coupons(self):
        return self.env["loyalty.card"].sudo().search([("program_id", "=", self.coupon_program.id)])

    def _balance(self, account):
        lines = self.env["account.move.line"].search(
            [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        )
        return self.company.currency_id.round(sum(lines.mapped("balance")))

    def _line(self, product, qty, price):
        return [
            0,
            0,
            {
                "uuid": str(uuid4()),
                "product_id": product.id,
                "qty": qty,
                "price_unit": price,
                "discount": 0.0,
                "price_subtotal": qty * price,
                "price_subtotal_incl": qty * price,
                "tax_ids": [],
            },
        ]

    def _convert(self, user, session, points, order_uuid, index=0, **extra):
        return self.rpc(
            user,
            "pos.session",
            "membership_pos_convert_points",
            [session.id],
            partner_id=self.member.id,
            order_uuid=order_uuid,
            points=points,
            index=index,
            **extra,
        )

    def _close_and_check_books(self, session, bonus_spent):
        """Close the session; the deposits hold the paid wallet money, the bonus spent is
        the marketing expense, the ledger's balances are the sum of its moves."""
        if session.cash_journal_id:
            session.post_closing_cash_details(session.cash_register_balance_end)
        result = session.close_session_from_ui()
        self.assertEqual(result, {"successful": True}, result)
        _points, paid, _bonus = self._figures()
        self.assertEqual(-self._balance(self.books["liability"]), paid, "deposits == wallets")
        self.assertEqual(self._balance(self.books["expense"]), bonus_spent, "bonus spent")
        report = self.env["membership.account"]._membership_wallet_reconciliation(self.company)
        self.assertEqual(report["difference"], 0.0)
        self.assertFalse(report["drifting_accounts"], "balances == sum of their moves")

    # ------------------------------------------------------------------ conversion

    def test_supervisor_converts_in_the_back_office_once_and_it_is_never_paid_out(self):
        Wizard = self.env["membership.balance.wizard"]
        values = {
            "partner_id": self.member.id,
            "operation": "convert",
            "convert_points": 200,
            "reason": "Asked at the counter",
        }
        wizard = Wizard.with_user(self.supervisor).create(values)
        self.assertEqual(wizard.convert_credit, 10.0, "200 points at 0.05")
        wizard.action_confirm()
        wizard.action_confirm()  # a second click posts nothing more
        self.assertEqual(self._figures(), (100.0, 0.0, 10.0))
        self.assertEqual(self._moves("membership.points.move", "convert").mapped("points"), [-200])
        self.assertEqual(
            self._moves("membership.wallet.move", "convert").mapped("bonus_amount"), [10.0]
        )
        self.assertFalse(
            self._moves("membership.wallet.move", "convert").account_move_id,
            "bonus credit is no money until it is spent",
        )
        for points, message in (
            (50, "At least 100.0 points"),
            (150, "has 100.0 points: 150.0 cannot be used"),
        ):
            with self.assertRaisesRegex(UserError, message):
                Wizard.with_user(self.supervisor).create(
                    dict(values, convert_points=points)
                ).action_confirm()
        cashier = new_test_user(
            self.env(su=True),
            login="convert_backend_cashier",
            groups=f"base.group_user,{GROUP}cashier",
        )
        with self.assertRaises(AccessError):
            Wizard.with_user(cashier).create(dict(values, convert_points=100)).action_confirm()
        self.assertEqual(self._figures(), (100.0, 0.0, 10.0))
        # A card return pays out the money paid in, never the converted credit.
        paid_out = self.account._membership_wallet_payout("convert-test:payout")
        self.assertEqual(paid_out, 0.0)
        self.assertEqual(self._figures(), (100.0, 0.0, 0.0), "the bonus is forfeited")

    def test_forged_and_replayed_conversions_over_rpc(self):
        session = self._session()
        uuid = str(uuid4())
        result, error = self._convert(self.pos_user, session, 200, uuid)
        self.assertIsNone(error)
        self.assertEqual((result["status"], result["points"], result["credit"]), ("ok", 200, 10.0))
        # The same call again (a double click, a retried request): one conversion.
        again, error = self._convert(self.pos_user, session, 200, uuid)
        self.assertEqual((again["status"], again["credit"]), ("ok", 10.0))
        self.assertEqual(self._figures(), (100.0, 0.0, 10.0))
        # The same key with other figures is refused; so are amounts no till sends.
        forged, _error = self._convert(self.pos_user, session, 100, uuid)
        self.assertEqual(forged["status"], "refused")
        self.assertIn("other figures", forged["message"])
        for points in (-200, 1e12, "200", True):
            _result, error = self._convert(self.pos_user, session, points, str(uuid4()))
            self.assertRpcRefused(error, "UserError", "The points to convert must be a number")
        # A credit figure from the till is no argument the server takes.
        _result, error = self._convert(self.pos_user, session, 100, str(uuid4()), credit=1000)
        self.assertTrue(error)
        too_many, _error = self._convert(self.pos_user, session, 150, str(uuid4()))
        self.assertEqual(too_many["status"], "refused")
        self.assertIn("150.0 cannot be used", too_many["message"])
        # A POS user who is no Membership Cashier converts nothing.
        refused, _error = self._convert(self.plain_pos_user, session, 100, str(uuid4()))
        self.assertEqual(refused["status"], "refused")
        self.assertIn("Membership Cashier", refused["message"])
        self.assertEqual(self._figures(), (100.0, 0.0, 10.0))
        # The till's order of the conversion, sent twice: it posts nothing of it again.
        payload = order_payload(
            session,
            self.member,
            self.pos_user,
            [self._line(self.tea, 1, 10.0)],
            [(self.cash, 10.0)],
            10.0,
            uuid=uuid,
        )
        for _attempt in range(2):
            _result, error = self.rpc(self.pos_user, "pos.order", "sync_from_ui", [payload])
            self.assertIsNone(error)
        self.assertEqual(len(self._moves("membership.points.move", "convert")), 1)
        self.assertEqual(len(self._moves("membership.wallet.move", "convert")), 1)

    # ------------------------------------------------------------------ top-up e-coupons

    def test_topup_gives_one_coupon_never_twice_for_a_resent_order(self):
        session = self._session()
        payload = order_payload(
            session,
            self.member,
            self.pos_user,
            [self._line(self.topup_product, 1, 60.0)],
            [(self.cash, 60.0)],
            60.0,
            membership_topup_coupon_codes="FORGED-CODE",
        )
        for _attempt in range(2):
            _result, error = self.rpc(self.pos_user, "pos.order", "sync_from_ui", [payload])
            self.assertIsNone(error)
        order = self.env["pos.order"].search([("uuid", "=", payload["uuid"])])
        coupon = self._coupons()
        self.assertEqual(len(coupon), 1, "one coupon for one qualifying top-up")
        self.assertEqual((coupon.partner_id, coupon.source_pos_order_id), (self.member, order))
        self.assertEqual(order.membership_topup_coupon_codes, coupon.code)
        self.assertEqual(
            coupon.sudo().membership_topup_move_id.idempotency_key, f"pos:{order.uuid}:topup"
        )
        # Below the band: no coupon; the coupon's points are the server's only.
        small = order_payload(
            session,
            self.member,
            self.pos_user,
            [self._line(self.topup_product, 1, 40.0)],
            [(self.cash, 40.0)],
            40.0,
        )
        self.rpc(self.pos_user, "pos.order", "sync_from_ui", [small])
        self.assertEqual(len(self._coupons()), 1)
        _result, error = self.rpc(
            self.pos_user, "loyalty.card", "write", coupon.ids, {"points": 99}
        )
        self.assertRpcRefused(error, "AccessError", "server only")
        # At the counter, the supervisor's top-up of the band gives its coupon too.
        self.env["membership.balance.wizard"].with_user(self.supervisor).create(
            {
                "partner_id": self.member.id,
                "operation": "topup",
                "amount": 50.0,
                "journal_id": self.cash.journal_id.id,
                "reason": "Paid at the counter",
            }
        ).action_confirm()
        self.assertEqual(len(self._coupons()), 2)
        self.assertEqual(self._figures()[1:], (150.0, 10.0))

    # ------------------------------------------------------------------ at the till

    def test_tour_convert_points_then_pay_with_the_credit(self):
        """The cashier converts 200 points in Redeem (a conversion below the minimum is
        refused in the popup), then the member pays a tea from the wallet with it. Once
        the session is closed the credit spent is a marketing expense into the deposits."""
        session = self._session()
        self.start_pos_tour("membership_loyalty_points_convert")
        self.assertEqual(self._moves("membership.points.move", "convert").mapped("points"), [-200])
        order = self.env["pos.order"].search([("session_id", "=", session.id)])
        self.assertEqual(order.state, "paid")
        self.assertEqual(self._figures(), (100.0, 0.0, 0.0), "the 10.00 credit paid the tea")
        self._close_and_check_books(session, bonus_spent=10.0)

    def test_tour_topup_coupon_on_the_receipt(self):
        session = self._session()
        self.start_pos_tour("membership_loyalty_topup_coupon")
        order = self.env["pos.order"].search([("session_id", "=", session.id)])
        coupon = self._coupons()
        self.assertEqual(len(coupon), 1)
        self.assertEqual(order.membership_topup_coupon_codes, coupon.code)
        self.assertEqual(self._figures()[1:], (60.0, 5.0))
        self._close_and_check_books(session, bonus_spent=0.0)
