"""The till is not trusted: forged POS sync payloads sent over real HTTP JSON-RPC as a
cashier (POS user + Membership Cashier, nothing else), the way a modified till would.

After every call: no points or wallet money appeared that no payment the server stored
backs, nothing was lost (every order sent exists, or the call was refused with a clear
error and changed nothing), and every account's balances are the sums of its moves."""

import random
from uuid import uuid4

from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .pos_common import MembershipTillSetup, order_payload
from .test_card_authority import MembershipRpcMixin

GROUP = "membership_loyalty.membership_loyalty_group_"
SEED_WALLET = 200.0
SEED_POINTS = 500.0


@tagged("post_install", "-at_install")
class TestSyncAdversarial(MembershipTillSetup, MembershipRpcMixin, TestPointOfSaleHttpCommon):
    rpc_timeout = 60  # a batch of orders synced on a loaded machine

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)  # fixtures
        company = cls.main_pos_config.company_id
        cls.company = company
        cls.tax = env["account.tax"].create(
            {
                "name": "Adversarial VAT 15%",
                "amount": 15.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
                "company_id": company.id,
            }
        )
        templates = env["product.template"].create(
            [
                {"name": "Adv Tea", "list_price": 10.0, "taxes_id": [(5, 0)]},
                {"name": "Adv Lamp", "list_price": 147.0, "taxes_id": [(6, 0, cls.tax.ids)]},
                {"name": "Adv Top-up", "type": "service", "list_price": 0.0, "taxes_id": [(5, 0)]},
                {"name": "Adv Points", "type": "service", "list_price": 0.0, "taxes_id": [(5, 0)]},
            ]
        )
        for template in templates:
            template.available_in_pos = True
        cls.tea, cls.lamp, cls.topup, cls.points = templates.product_variant_id
        company.write(
            {
                "membership_points_per_unit": 1.0,
                "membership_point_value": 0.1,
                "membership_redeem_min_points": 10,
                "membership_redeem_max_share": 50,
                "membership_points_product_id": cls.points.id,
                "membership_topup_product_id": cls.topup.id,
                "membership_wallet_max_topup": 500.0,
                "membership_topup_cashier_limit": 200.0,
                "membership_cashier_refund_limit": 300.0,
                "membership_pin_threshold": 0.0,
            }
        )
        env["membership.wallet.bonus.rule"].create(
            {
                "company_id": company.id,
                "amount_from": 100.0,
                "bonus_amount": 5.0,
                "bonus_points": 10,
            }
        )
        Tier = env["membership.tier"]
        cls.silver = Tier.create(
            {"name": "Adv Silver", "sequence": 2, "threshold": 800, "company_id": company.id}
        )
        cls.gold = Tier.create(
            {
                "name": "Adv Gold",
                "sequence": 3,
                "threshold": 1500,
                "entry_reward_points": 300,
                "company_id": company.id,
            }
        )
        cls.members = env["res.partner"].create(
            [
                {"name": f"Adv Member {rank}", "is_member": True, "company_id": company.id}
                for rank in range(3)
            ]
        )
        cls.cash = cls.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]
        cls.card = cls.bank_payment_method
        cls.main_pos_config.payment_method_ids = [(4, cls.card.id)]
        cls.wallet = cls._membership_add_wallet_method(company)
        # The wallet's books (customer deposits, wallet sales, bonus, review), set before
        # any money moves, so that the general ledger can be compared with the ledger.
        Gl = env["account.account"].with_company(company)
        cls.books = {
            name: Gl.create(
                {
                    "name": f"Adversarial {name}",
                    "code": code,
                    "account_type": kind,
                    "company_ids": [(6, 0, company.ids)],
                }
            )
            for name, code, kind in (
                ("deposits", "ADV210", "liability_current"),
                ("wallet sales", "ADV410", "income"),
                ("bonus", "ADV610", "expense"),
                ("review", "ADV150", "asset_current"),
                ("closing difference", "ADV151", "asset_current"),
            )
        }
        company.write(
            {
                "membership_wallet_journal_id": env["account.journal"]
                .with_company(company)
                .create({"name": "Adversarial wallets", "code": "ADVW", "type": "general"})
                .id,
                "membership_wallet_liability_account_id": cls.books["deposits"].id,
                "membership_wallet_revenue_account_id": cls.books["wallet sales"].id,
                "membership_wallet_expense_account_id": cls.books["bonus"].id,
                "membership_wallet_review_account_id": cls.books["review"].id,
            }
        )
        company._membership_wallet_configure()
        Account = env["membership.account"]
        for member in cls.members:
            account = Account._membership_get_account(member, company)
            account._membership_wallet_topup(
                SEED_WALLET, f"adv:seed:{member.id}", journal=cls.cash.journal_id
            )
            account._membership_points_earn(SEED_POINTS, f"adv:seed-points:{member.id}")
        cls.cashier = new_test_user(
            env,
            login="adv_cashier",
            groups=f"base.group_user,point_of_sale.group_pos_user,{GROUP}cashier",
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )

    def setUp(self):
        super().setUp()
        self.main_pos_config.with_user(self.cashier).open_ui()
        self.pos_session = self.main_pos_config.current_session_id
        self.rng = random.Random(13)
        # uuid -> what it claimed, to check the bounds against what the server stored
        self.sent = []
        self.backed = {}  # member id -> money the server stored for their sales

    # ------------------------------------------------------------------ the till's call

    def sync(self, payloads):
        """Send ``payloads`` as the till does: one JSON-RPC call of pos.order.sync_from_ui
        over HTTP with the cashier's session. Returns the error message or None."""
        _result, error = self.rpc(
            self.cashier,
            "pos.order",
            "sync_from_ui",
            payloads,
            context={"allowed_company_ids": self.company.ids},
        )
        self.env.invalidate_all()
        return error and error["message"]

    # ------------------------------------------------------------------ payloads

    def line(self, product, qty, price, discount=0.0, subtotal=None, **extra):
        """An order line as the till sends it; ``subtotal`` forges the amounts sent."""
        taxes = product.taxes_id.filtered(lambda tax: tax.company_id == self.company)
        computed = taxes.compute_all(
            price * (1 - discount / 100.0), self.company.currency_id, qty, product=product
        )
        vals = {
            "product_id": product.id,
            "qty": qty,
            "price_unit": price,
            "discount": discount,
            "price_subtotal": computed["total_excluded"] if subtotal is None else subtotal,
            "price_subtotal_incl": computed["total_included"] if subtotal is None else subtotal,
            "tax_ids": [(6, 0, taxes.ids)],
            "uuid": str(uuid4()),
            **extra,
        }
        return [0, 0, vals]

    def order(self, member, lines, payments, total=None, **extra):
        """A paid order of ``member``; ``total`` forges amount_total (else the lines')."""
        if total is None:
            total = sum(cmd[2]["price_subtotal_incl"] for cmd in lines)
        return order_payload(
            self.pos_session,
            member,
            self.cashier,
            lines,
            payments,
            total,
            name=f"Adversarial {len(self.sent)}",
            **extra,
        )

    def refund(self, member, sold_line, qty, method, price=None, amount=None):
        """A refund of ``qty`` of ``sold_line`` paid back through ``method``."""
        price = sold_line.price_unit if price is None else price
        line = self.line(sold_line.product_id, -qty, price, refunded_orderline_id=sold_line.id)
        back = line[2]["price_subtotal_incl"] if amount is None else -amount
        return self.order(member, [line], [(method, back)] if back else [], total=back)

    # ------------------------------------------------------------------ what the server holds

    def ledger_state(self):
        """Counts and balances of every ledger: a refused call changes none of them."""
        Wallet = self.env["membership.wallet.move"].sudo()
        Points = self.env["membership.points.move"].sudo()
        accounts = self.accounts()
        return (
            Wallet.search_count([]),
            Points.search_count([]),
            tuple(accounts.mapped("wallet_balance")),
            tuple(accounts.mapped("points_balance")),
            tuple(member.member_tier_id.id for member in self.members),
        )

    def accounts(self):
        return (
            self.env["membership.account"]
            .sudo()
            .search([("partner_id", "in", self.members.ids)], order="id")
        )

    def stored(self, uuid):
        return self.env["pos.order"].sudo().search([("uuid", "=", uuid)])

    def money(self, order):
        """(non-wallet money received, wallet money paid) the server stored for ``order``."""
        wallet = order.payment_ids.filtered("payment_method_id.membership_is_wallet")
        return (
            sum((order.payment_ids - wallet).mapped("amount")),
            sum(wallet.mapped("amount")),
        )

    def moves(self, order):
        wallet = (
            self.env["membership.wallet.move"]
            .sudo()
            .search([("idempotency_key", "=like", f"pos:{order.uuid}:%")])
        )
        points = (
            self.env["membership.points.move"]
            .sudo()
            .search([("idempotency_key", "=like", f"pos:{order.uuid}:%")])
        )
        return wallet, points

    def send(self, payloads, expect_error=False):
        """Send ``payloads`` in one call and check every invariant afterwards."""
        before = self.ledger_state()
        error = self.sync(payloads)
        if error:
            # Refused as a whole: with a clear message, and nothing changed.
            self.assertTrue(
                expect_error,
                f"sync refused: {error} "
                + repr(
                    [
                        (
                            p["amount_total"],
                            [c[2]["amount"] for c in p["payment_ids"]],
                            [
                                (c[2]["qty"], c[2]["price_unit"], c[2]["price_subtotal_incl"])
                                for c in p["lines"]
                            ],
                        )
                        for p in payloads
                    ]
                ),
            )
            self.assertTrue(error.strip())
            self.assertEqual(self.ledger_state(), before, error)
            for payload in payloads:
                self.assertFalse(self.stored(payload["uuid"]), "a refused call keeps nothing")
        else:
            for payload in payloads:
                order = self.stored(payload["uuid"])
                self.assertEqual(len(order), 1, "every order sent exists on the server")
                self.check_bounds(order)
                self.sent.append(order)
        self.assertFalse(self.accounts()._membership_check_invariant())
        self.check_tiers()
        return error

    def check_bounds(self, order):
        """Nothing this order credited is beyond what the money the server stored backs."""
        received, wallet_paid = self.money(order)
        wallet_moves, points_moves = self.moves(order)
        rounding = 0.011
        topup = sum(wallet_moves.filtered(lambda m: m.kind == "topup").mapped("paid_amount"))
        self.assertLessEqual(topup, max(received, 0.0) + rounding, "top-up beyond money")
        if wallet_paid > 0:
            self.assertFalse(topup, "a top-up paid from the wallet")
        bonus = wallet_moves.filtered(lambda m: m.kind == "bonus")
        if not topup:
            self.assertFalse(bonus, "a bonus without a top-up")
            self.assertFalse(points_moves.filtered(lambda m: m.kind == "bonus"))
        spent = -sum(wallet_moves.filtered(lambda m: m.kind == "spend").mapped("amount"))
        self.assertLessEqual(spent, max(wallet_paid, 0.0) + rounding)
        if not order.lines.refunded_orderline_id and order.state in ("paid", "done"):
            backed = max(received - topup + spent, 0.0)
            self.backed[order.partner_id.id] = self.backed.get(order.partner_id.id, 0.0) + backed
        earned = sum(points_moves.filtered(lambda m: m.kind == "earn").mapped("points"))
        # 1 point per unit of money, no multiplier above 1 in this company.
        self.assertLessEqual(earned, max(received - topup, 0.0) + 1, "points without money")
        originals = order.lines.refunded_orderline_id.order_id
        for original in originals:
            self.check_refunds_of(original)

    def check_refunds_of(self, original):
        """All refunds of ``original`` together gave back at most what it took."""
        refunds = original.lines.refund_orderline_ids.order_id
        keys = [f"pos:{refund.uuid}:%" for refund in refunds]
        Wallet = self.env["membership.wallet.move"].sudo()
        given = sum(
            Wallet.search([("pos_order_id", "in", refunds.ids), ("kind", "=", "refund")]).mapped(
                "amount"
            )
        )
        took = -sum(
            Wallet.search(
                [("idempotency_key", "=", f"pos:{original.uuid}:wallet"), ("kind", "=", "spend")]
            ).mapped("amount")
        )
        self.assertLessEqual(given, took + 0.011, f"wallet refunds of {original.name}")
        Points = self.env["membership.points.move"].sudo()
        redeemed = -sum(
            Points.search([("pos_order_id", "=", original.id), ("points", "<", 0)]).mapped("points")
        )
        back = sum(
            Points.search(
                [
                    ("pos_order_id", "=", original.id),
                    ("kind", "=", "reversal"),
                    ("points", ">", 0),
                ]
            ).mapped("points")
        )
        self.assertLessEqual(back, redeemed + 0.01, f"points given back for {original.name}")
        self.assertTrue(keys)

    def check_tiers(self):
        """A member's tier never exceeds what they paid for goods with real money: money
        received (not top-ups) and wallet money really taken, summed over their sales
        (refunds only ever lower a member's spend)."""
        for member in self.members:
            tier = member.member_tier_id
            if tier:
                backed = self.backed.get(member.id, 0.0)
                self.assertGreaterEqual(
                    backed + 0.01, tier.threshold, f"{member.name}: {tier.name}"
                )

    # ------------------------------------------------------------------ generators

    def sold_lines(self, paid=True):
        orders = self.env["pos.order"].sudo().browse([o.id for o in self.sent])
        orders = orders.filtered(
            lambda o: (
                (o.state in ("paid", "done") if paid else o.state == "draft")
                and not o.lines.refunded_orderline_id
            )
        )
        return orders.lines.filtered(
            lambda line: line.product_id in (self.tea | self.lamp) and line.qty > 0
        )

    def honest(self, member):
        rng = self.rng
        lines = [
            self.line(rng.choice([self.tea, self.lamp]), rng.randint(1, 4), rng.choice([10, 147]))
            for _i in range(rng.randint(1, 3))
        ]
        total = round(sum(cmd[2]["price_subtotal_incl"] for cmd in lines), 2)
        method = rng.choice([self.cash, self.card, self.wallet, None])
        if method is None:  # split between the wallet and a card
            part = round(min(total, 30.0), 2)
            payments = [(self.wallet, part), (self.card, round(total - part, 2))]
        else:
            payments = [(method, total)]
        return self.order(member, lines, payments)

    def forged(self, member):
        """One forged payload of a random kind (the till claims; the server verifies)."""
        rng = self.rng
        kind = rng.choice(
            [
                "total",
                "subtotal",
                "negative",
                "zero",
                "points_positive",
                "topup_unpaid",
                "topup_wallet",
                "topup_partial",
                "server_fields",
                "refund_other",
                "refund_again",
                "refund_unpaid",
                "refund_more_wallet",
                "refund_price",
                "cash_off",
                "change",
            ]
        )
        price = rng.choice([10.0, 147.0, 999.0, 10000.0])
        if kind == "total":
            forged_total = rng.choice([0.0, 1.0, price / 10])
            lines = [self.line(self.tea, rng.randint(1, 50), price)]
            return self.order(member, lines, [(self.cash, forged_total)], total=forged_total)
        if kind == "subtotal":
            lines = [self.line(self.tea, 1, rng.choice([0.0, 0.01]), subtotal=price * 5)]
            return self.order(member, lines, [(self.card, price * 5)])
        if kind == "negative":
            lines = [
                self.line(self.topup, 1, 150.0),
                self.line(self.tea, -1, rng.choice([150.0, 140.0])),
            ]
            net = round(sum(cmd[2]["price_subtotal_incl"] for cmd in lines), 2)
            return self.order(member, lines, [(self.cash, net)] if net else [])
        if kind == "zero":
            lines = [self.line(self.tea, 0, price, subtotal=price)]
            return self.order(member, lines, [(self.cash, price)])
        if kind == "points_positive":
            lines = [self.line(self.points, 1, price)]
            return self.order(member, lines, [], total=0.0)
        if kind == "topup_unpaid":
            return self.order(member, [self.line(self.topup, 1, 150.0)], [], total=0.0)
        if kind == "topup_wallet":
            return self.order(member, [self.line(self.topup, 1, 50.0)], [(self.wallet, 50.0)])
        if kind == "topup_partial":
            lines = [self.line(self.topup, 1, 150.0), self.line(self.tea, -1, 100.0)]
            return self.order(member, lines, [(self.cash, 50.0)])
        if kind == "server_fields":
            payload = self.order(member, [self.line(self.tea, 1, 10.0)], [(self.wallet, 10.0)])
            payload.update(
                membership_counted=True,
                membership_wallet_review=rng.choice([True, False]),
                membership_points_review=False,
                membership_points_earned=9999.0,
                membership_points_balance=99999.0,
                membership_qualifying_amount=1e6,
                membership_points_coupon_codes="FREE",
            )
            return payload
        if kind == "cash_off":
            value = rng.choice([5.0, 50.0, 500.0])
            lines = [self.line(self.tea, 3, 10.0), self.line(self.points, 1, -value)]
            net = round(30.0 - value, 2)
            return self.order(member, lines, [(self.cash, net)])
        if kind == "change":
            payload = self.order(member, [self.line(self.tea, 2, 10.0)], [(self.cash, 50.0)])
            payload["amount_return"] = -30.0  # the till sends the change as a negative payment
            return payload
        # refunds: of a sold line, possibly someone else's, already refunded, or unpaid
        sold = self.sold_lines(paid=kind != "refund_unpaid")
        if not sold:
            return self.honest(member)
        line = rng.choice(sold)
        qty = rng.choice([1, line.qty, line.qty + 2])
        if kind == "refund_price":
            return self.refund(member, line, 1, self.wallet, price=line.price_unit * 10)
        if kind == "refund_more_wallet":
            return self.refund(member, line, 1, self.wallet, amount=line.price_subtotal_incl * 3)
        owner = line.order_id.partner_id if kind != "refund_other" else member
        return self.refund(owner, line, qty, rng.choice([self.wallet, self.cash]))

    def absurd(self, member):
        rng = self.rng
        value = rng.choice([1e308, "NaN", "inf", 1e15, -1e308])
        lines = [self.line(self.tea, 1, 10.0)]
        target = rng.choice(["qty", "price_unit", "price_subtotal_incl", "payment", "total"])
        if target == "payment":
            return self.order(member, lines, [(self.cash, value)], total=10.0)
        if target == "total":
            return self.order(member, lines, [(self.cash, 10.0)], total=value)
        lines[0][2][target] = value
        return self.order(member, lines, [(self.cash, 10.0)], total=10.0)

    # ------------------------------------------------------------------ tests

    def test_forged_payloads_over_json_rpc(self):
        """At least 500 generated payloads, most of them forged, some structurally absurd;
        every invariant holds after each call, then the books agree after closing."""
        self.send([self.order(None, [self.line(self.tea, 1, 10.0)], [(self.cash, 10.0)])])
        for member in self.members:  # sales to refund later, one left unpaid (a draft)
            self.send([self.honest(member) for _i in range(3)])
        draft = self.honest(self.members[0])
        draft.update(state="draft", payment_ids=[])
        self.send([draft])
        count = 10
        refused = 0
        rounds = 0
        while count < 520:
            rounds += 1
            member = self.rng.choice(self.members)
            if rounds % 3 == 0:
                if self.send([self.absurd(member)], expect_error=True):
                    refused += 1
                count += 1
                continue
            batch = [
                self.honest(member) if self.rng.random() < 0.25 else self.forged(member)
                for _i in range(12)
            ]
            self.send(batch)
            count += len(batch)
        self.assertGreater(refused, 10, "the absurd numbers were refused as such")
        held = [order for order in self.sent if order.membership_wallet_review]
        credited = [order for order in self.sent if not order.membership_wallet_review]
        self.assertGreater(len(held), 100)
        self.assertGreater(len(credited), 100)
        self.check_books()

    def test_a_forged_context_does_not_skip_the_posting(self):
        """The sync posts a member's order after its picking, told so by a context key;
        a cashier who pays a draft wallet order over RPC with that key in the context
        still sees the wallet debited, once."""
        member = self.members[0]
        draft = self.order(member, [self.line(self.tea, 1, 10.0)], [(self.wallet, 10.0)])
        draft.update(state="draft")
        self.send([draft])
        order = self.stored(draft["uuid"])
        self.assertEqual(order.state, "draft")
        wallet_before, _points = self.balances(member)
        _result, error = self.rpc(
            self.cashier,
            "pos.order",
            "action_pos_order_paid",
            [order.id],
            context={"allowed_company_ids": self.company.ids, "membership_post_later": True},
        )
        self.assertFalse(error, error)
        self.env.invalidate_all()
        self.assertEqual(order.state, "paid")
        self.assertTrue(order.membership_counted)
        wallet_after, _points = self.balances(member)
        self.assertAlmostEqual(wallet_before - wallet_after, 10.0, places=2)

    def check_books(self):
        """Close the till's session and compare the general ledger with the ledger: the
        customer-deposits account holds exactly the money paid into wallets, every
        account's balances are the sums of its moves.

        The forged orders the server kept (held for a supervisor) leave the session's
        own closing entry unbalanced, as Odoo computes it from their lines and payments:
        the manager force-closes it, booking that difference on an account of their
        choice, as the till's closing dialog offers."""
        session = self.pos_session.sudo()
        session.get_session_orders().filtered(lambda o: o.state == "draft").write(
            {"state": "cancel"}
        )
        savepoint = self.env.cr.savepoint()
        session.with_context(check_move_validity=False, skip_invoice_sync=True).with_company(
            self.company
        )._create_account_move()
        difference = sum(session.move_id.line_ids.mapped("balance"))
        savepoint.close(rollback=True)
        self.env.invalidate_all()
        session.action_pos_session_closing_control(
            balancing_account=self.books["closing difference"],
            amount_to_balance=self.company.currency_id.round(difference),
        )
        self.assertEqual(session.state, "closed")
        Account = self.env["membership.account"].sudo()
        report = Account._membership_wallet_reconciliation(self.company)
        self.assertFalse(report["drifting_accounts"], "balances == sum of their moves")
        paid = sum(
            Account.search([("company_id", "=", self.company.id)]).mapped("wallet_paid_balance")
        )
        self.assertAlmostEqual(report["wallets"], paid, places=2)
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [("account_id", "=", self.books["deposits"].id), ("parent_state", "=", "posted")]
            )
        )
        self.assertAlmostEqual(-sum(lines.mapped("balance")), paid, places=2, msg="deposits")
        self.assertAlmostEqual(report["difference"], 0.0, places=2)

    # ------------------------------------------------------------------ the table

    def balances(self, member):
        account = (
            self.env["membership.account"].sudo()._membership_get_account(member, self.company)
        )
        return account.wallet_balance, account.points_balance

    def held(self, payload, member, points=False):
        """Send ``payload``: the order is kept, held for a supervisor, nothing credited."""
        before = self.balances(member)
        self.send([payload])
        order = self.stored(payload["uuid"])
        self.assertEqual(order.state, "paid")
        flag = order.membership_points_review if points else order.membership_wallet_review
        self.assertTrue(flag, order.message_ids.mapped("body"))
        self.assertEqual(self.balances(member), before, "nothing credited before settling")
        return order

    def test_the_tried_attacks_are_held(self):
        """Each row of the tried attacks: the order is kept and flagged, nothing appears."""
        member, other, poor = self.members
        # The seed top-up earned its bonus: 5.00 and 10 points.
        self.assertEqual(self.balances(member), (SEED_WALLET + 5.0, SEED_POINTS + 10.0))
        self.held(self.order(member, [self.line(self.topup, 1, 150.0)], [], total=0.0), member)
        self.held(
            self.order(
                member, [self.line(self.topup, 1, 150.0), self.line(self.tea, -1, 150.0)], []
            ),
            member,
        )
        big = self.held(
            self.order(member, [self.line(self.tea, 1, 10000.0)], [], total=0.0), member
        )
        self.assertFalse(member.member_tier_id, "no tier from an unpaid line")
        self.assertEqual(big.membership_qualifying_amount, 0.0)
        self.held(
            self.order(
                member, [self.line(self.tea, 1, 0.0, subtotal=5000.0)], [(self.card, 5000.0)]
            ),
            member,
        )
        self.held(self.order(member, [self.line(self.points, 1, 8000.0)], [], total=0.0), member)
        # Refunds pointing at one line of 147 sold by card, paid back to the wallet.
        sale = self.order(member, [self.line(self.tea, 1, 147.0)], [(self.card, 147.0)])
        self.send([sale])
        sold = self.stored(sale["uuid"]).lines
        for qty, price in ((1, 90.0), (5, 20.0), (1, 99.0)):
            self.held(self.refund(member, sold, qty, self.wallet, price=price), member)
        # A refund pointing at a line of a draft, never-paid order.
        draft = self.order(member, [self.line(self.tea, 8, 10.0)], [])
        draft.update(state="draft")
        self.send([draft])
        self.held(self.refund(member, self.stored(draft["uuid"]).lines, 8, self.wallet), member)
        # The same full refund synced twice under two uuids.
        paid = self.order(member, [self.line(self.tea, 6, 10.0)], [(self.wallet, 60.0)])
        self.send([paid])
        wallet = self.balances(member)[0]
        line = self.stored(paid["uuid"]).lines
        self.send([self.refund(member, line, 6, self.wallet)])
        self.assertEqual(self.balances(member)[0], wallet + 60.0)
        self.held(self.refund(member, line, 6, self.wallet), member)
        # An order took 20 from the wallet; its refund pays 95 into it.
        mixed = self.order(
            member, [self.line(self.tea, 1, 95.0)], [(self.wallet, 20.0), (self.card, 75.0)]
        )
        self.send([mixed])
        self.held(self.refund(member, self.stored(mixed["uuid"]).lines, 1, self.wallet), member)
        # A card sale whose earned points were spent since: its refund is kept and held.
        card_sale = self.order(other, [self.line(self.tea, 1, 485.0)], [(self.card, 485.0)])
        self.send([card_sale])
        account = self.env["membership.account"].sudo()._membership_get_account(other, self.company)
        account._membership_points_redeem(account.points_balance - 175.0, "adv:spent")
        refund = self.held(
            self.refund(other, self.stored(card_sale["uuid"]).lines, 1, self.card),
            other,
            points=True,
        )
        self.assertIn("cannot", refund.message_ids[:1].body)
        # One 1,600 line "paid" from an empty wallet: held, and no tier for it.
        self.env["membership.account"].sudo()._membership_get_account(
            poor, self.company
        )._membership_wallet_spend(SEED_WALLET + 5.0, "adv:drain")
        self.held(self.order(poor, [self.line(self.tea, 1, 1600.0)], [(self.wallet, 1600.0)]), poor)
        self.assertFalse(poor.member_tier_id)
        self.assertEqual(self.balances(poor), (0.0, SEED_POINTS + 10.0), "no entry points")

    def test_pin_counts_the_wallet_payments_of_the_day(self):
        """Two wallet payments of 50 and 20 with a PIN threshold of 50: the second needs
        the PIN (sent over JSON-RPC without it, it is held)."""
        member = self.members[0]
        self.company.membership_pin_threshold = 50.0
        supervisor = new_test_user(
            self.env(su=True),
            login="adv_supervisor",
            groups=f"base.group_user,{GROUP}supervisor",
            company_id=self.company.id,
        )
        self.env["membership.wallet.pin"].with_user(supervisor).create(
            {"partner_id": member.id, "pin": "4321"}
        ).action_set_pin()
        self.send([self.order(member, [self.line(self.tea, 5, 10.0)], [(self.wallet, 50.0)])])
        self.assertEqual(self.balances(member)[0], SEED_WALLET + 5.0 - 50.0)
        self.held(self.order(member, [self.line(self.tea, 2, 10.0)], [(self.wallet, 20.0)]), member)
