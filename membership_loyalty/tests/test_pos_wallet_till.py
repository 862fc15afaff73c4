from uuid import uuid4

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .pos_common import MembershipTillSetup

CARD = "900000000019"  # same number as static/tests/tours/wallet_tour.js
GROUP = "membership_loyalty.membership_loyalty_group_"


@tagged("post_install", "-at_install")
class TestPosWalletTill(MembershipTillSetup, TestPointOfSaleHttpCommon):
    """The money side of the member at the till: top-ups, cashier limits, the wallet PIN,
    the supervisor's settlement and refunds to the wallet."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)  # fixtures: the admin of the POS tests is no Membership manager
        company = cls.main_pos_config.company_id
        cls.company = company
        cls.tea, cls.topup_product = (
            env["product.template"]
            .create(
                [
                    {
                        "name": "Member Tea",
                        "list_price": 10.0,
                        "available_in_pos": True,
                        "taxes_id": False,
                    },
                    {
                        "name": "Wallet Top-up",
                        "type": "service",
                        "list_price": 0.0,
                        "available_in_pos": True,
                        "taxes_id": False,
                    },
                ]
            )
            .product_variant_id
        )
        company.write(
            {
                "membership_topup_product_id": cls.topup_product.id,
                "membership_topup_cashier_limit": 100.0,
                "membership_cashier_refund_limit": 30.0,
                "membership_pin_threshold": 20.0,
                "membership_pin_max_tries": 3,
            }
        )
        env["membership.wallet.bonus.rule"].create(
            {"company_id": company.id, "amount_from": 50.0, "bonus_amount": 5.0, "bonus_points": 20}
        )
        cls.member = env["res.partner"].create(
            {"name": "Ada Member", "is_member": True, "company_id": company.id}
        )
        cls._membership_active_card(cls.member, CARD, company)
        cls.account = env["membership.account"]._membership_get_account(cls.member, company)
        cls.cash = cls.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]
        cls.account._membership_wallet_topup(
            35, "wallet-till-test:wallet", journal=cls.cash.journal_id
        )
        cls.wallet_method = cls._membership_add_wallet_method(company)
        cls.pos_user.group_ids += env.ref(f"{GROUP}cashier")
        cls.supervisor = new_test_user(
            env,
            login="wallet_till_supervisor",
            groups=f"base.group_user,point_of_sale.group_pos_user,{GROUP}supervisor",
        )
        cls._set_pin(cls.supervisor, "1234")

    # ------------------------------------------------------------------ helpers

    @classmethod
    def _set_pin(cls, user, pin):
        cls.env["membership.wallet.pin"].with_user(user).create(
            {"partner_id": cls.member.id, "pin": pin}
        ).action_set_pin()

    def _payload(self, session, lines, payments, token=None):
        """A paid member order: ``lines`` [(product, qty, price)], ``payments``
        [(method, amount)]."""
        total = sum(qty * price for _product, qty, price in lines)
        return {
            "uuid": str(uuid4()),
            "name": "Order wallet till test",
            "session_id": session.id,
            "partner_id": self.member.id,
            "user_id": session.env.uid,
            "pricelist_id": self.main_pos_config.pricelist_id.id,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "amount_total": total,
            "amount_paid": total,
            "amount_tax": 0.0,
            "amount_return": 0.0,
            "state": "paid",
            "membership_pin_token": token,
            "lines": [
                [
                    0,
                    0,
                    {
                        "product_id": product.id,
                        "qty": qty,
                        "price_unit": price,
                        "discount": 0.0,
                        "price_subtotal": qty * price,
                        "price_subtotal_incl": qty * price,
                        "tax_ids": [],
                    },
                ]
                for product, qty, price in lines
            ],
            "payment_ids": [
                [0, 0, {"amount": amount, "payment_method_id": method.id}]
                for method, amount in payments
            ],
        }

    def _moves(self, order, kind=None):
        domain = [("pos_order_id", "=", order.id)] + ([("kind", "=", kind)] if kind else [])
        return self.env["membership.wallet.move"].sudo().search(domain)

    def _balance(self):
        self.account.invalidate_recordset()
        return self.account.wallet_balance

    def _topup_moves(self, order):
        return (
            self.env["membership.wallet.move"]
            .sudo()
            .search([("idempotency_key", "like", f"pos:{order.uuid}:topup%")])
        )

    # ------------------------------------------------------------------ top-up

    def test_topup_preview_shows_the_bonus_and_refuses_what_the_cashier_may_not(self):
        session = self._session()
        preview = session.membership_pos_topup_preview(self.member.id, 60.0)
        self.assertEqual(preview["status"], "ok")
        self.assertEqual(
            (preview["amount"], preview["bonus_amount"], preview["bonus_points"]), (60.0, 5.0, 20)
        )
        self.assertEqual(preview["product_id"], self.topup_product.id)
        small = session.membership_pos_topup_preview(self.member.id, 30.0)
        self.assertEqual((small["bonus_amount"], small["bonus_points"]), (0.0, 0.0))
        for amount, reason in (
            (150.0, "need a Membership Supervisor"),
            (0.0, "greater than zero"),
            (-5.0, "greater than zero"),
            (2000.0, "cannot exceed"),
        ):
            refused = session.membership_pos_topup_preview(self.member.id, amount)
            self.assertEqual(refused["status"], "refused", amount)
            self.assertIn(reason, refused["message"])
        supervisor_session = session.with_user(self.supervisor)
        self.assertEqual(
            supervisor_session.membership_pos_topup_preview(self.member.id, 150.0)["status"], "ok"
        )
        self.pos_user.sudo().group_ids -= self.env.ref(f"{GROUP}cashier")
        plain = session.membership_pos_topup_preview(self.member.id, 10.0)
        self.assertIn("Only Membership cashiers", plain["message"])

    def test_topup_synced_twice_credits_once_with_one_bonus(self):
        session = self._session()
        payload = self._payload(session, [(self.topup_product, 1, 60.0)], [(self.cash, 60.0)])
        order = self._sync(payload)
        self._sync(payload)
        self.assertEqual(len(order), 1)
        self.assertFalse(order.membership_wallet_review)
        moves = self._topup_moves(order)
        self.assertEqual(sorted(moves.mapped("kind")), ["bonus", "topup"])
        self.assertEqual(sum(moves.mapped("paid_amount")), 60.0)
        self.assertEqual(sum(moves.mapped("bonus_amount")), 5.0)
        self.assertEqual(self._balance(), 35.0 + 60.0 + 5.0)
        bonus_points = (
            self.env["membership.points.move"]
            .sudo()
            .search([("account_id", "=", self.account.id), ("kind", "=", "bonus")])
        )
        self.assertEqual(bonus_points.mapped("points"), [20.0])

    def test_cashier_topup_over_the_limit_is_kept_and_held_for_review(self):
        session = self._session()
        payload = self._payload(session, [(self.topup_product, 1, 150.0)], [(self.cash, 150.0)])
        order = self._sync(payload)
        self.assertEqual(order.state, "paid", "the money was taken: the sale is kept")
        self.assertTrue(order.membership_wallet_review)
        self.assertIn("need a Membership Supervisor", order.message_ids[:1].body)
        self.assertFalse(self._topup_moves(order), "nothing credited before a supervisor says so")
        self.assertEqual(self._balance(), 35.0)
        # The supervisor credits it: the top-up and its bonus, once.
        wizard = (
            self.env["membership.wallet.settle"]
            .with_user(self.supervisor)
            .create({"order_id": order.id, "mode": "post"})
        )
        wizard.action_settle()
        self.assertFalse(order.membership_wallet_review)
        self.assertEqual(self._balance(), 35.0 + 150.0 + 5.0)
        # The same top-up taken by a supervisor at the till goes straight in.
        payload = self._payload(session, [(self.topup_product, 1, 150.0)], [(self.cash, 150.0)])
        order = self._sync(payload, user=self.supervisor)
        self.assertFalse(order.membership_wallet_review)
        self.assertEqual(self._balance(), 35.0 + 2 * 155.0)
        # A tampered till paying a top-up from the wallet: the sale is kept, nothing moves.
        looped = self._sync(
            self._payload(session, [(self.topup_product, 1, 20.0)], [(self.wallet_method, 20.0)])
        )
        self.assertTrue(looped.membership_wallet_review)
        self.assertIn("topped up with wallet money", looped.message_ids[:1].body)
        self.assertFalse(self._moves(looped) | self._topup_moves(looped))
        self.assertEqual(self._balance(), 35.0 + 2 * 155.0)
        with self.assertRaises(UserError):
            self.env["membership.wallet.settle"].with_user(self.supervisor).create(
                {"order_id": looped.id, "mode": "post"}
            ).action_settle()

    # ------------------------------------------------------------------ PIN

    def test_wallet_payment_above_the_threshold_needs_a_valid_pin_proof(self):
        session = self._session()

        def wallet_order(token):
            payload = self._payload(
                session, [(self.tea, 2.5, 10.0)], [(self.wallet_method, 25.0)], token=token
            )
            return payload, self._sync(payload)

        # At or below the threshold (nothing paid from the wallet today) no PIN is needed.
        small = self._sync(
            self._payload(session, [(self.tea, 1, 10.0)], [(self.wallet_method, 10.0)])
        )
        self.assertFalse(small.membership_wallet_review)
        self.assertEqual(self._balance(), 25.0)
        _payload, missing = wallet_order(None)
        self.assertTrue(missing.membership_wallet_review)
        self.assertIn("no valid PIN proof", missing.message_ids[:1].body)
        self.assertFalse(self._moves(missing, "spend"))
        _payload, forged = wallet_order("0" * 64)
        self.assertTrue(forged.membership_wallet_review)
        # A proof for another order (or another amount) is no proof for this one.
        _payload, reused = wallet_order(
            self.env["pos.order"]._membership_pin_token(
                missing.uuid, self.member, 25.0, self.company
            )
        )
        self.assertTrue(reused.membership_wallet_review)
        self.assertEqual(self._balance(), 25.0, "nothing taken without the PIN")
        # The till asks the PIN; the server's proof travels with the order.
        payload = self._payload(session, [(self.tea, 2.5, 10.0)], [(self.wallet_method, 25.0)])
        result = session.membership_pos_pin_verify(self.member.id, "1234", payload["uuid"], 25.0)
        self.assertEqual(result["status"], "ok")
        wrong_amount = session.membership_pos_pin_verify(
            self.member.id, "1234", payload["uuid"], 5.0
        )["token"]
        payload["membership_pin_token"] = wrong_amount
        self.assertTrue(self._sync(dict(payload, uuid=str(uuid4()))).membership_wallet_review)
        payload["membership_pin_token"] = result["token"]
        paid = self._sync(payload)
        self.assertFalse(paid.membership_wallet_review)
        self.assertEqual(len(self._moves(paid, "spend")), 1)
        self.assertEqual(self._balance(), 0.0)

    def test_pin_threshold_counts_the_day_of_wallet_payments(self):
        """Two wallet payments of 50 and 20 with a threshold of 50: the second one needs
        the PIN (the threshold counts the day, not one payment line); the till asks."""
        self.company.membership_pin_threshold = 50.0
        self.account._membership_wallet_topup(
            100, "wallet-till-test:more", journal=self.cash.journal_id
        )
        session = self._session()
        self.assertFalse(session.membership_pos_pin_required(self.member.id, 50.0))
        first = self._sync(
            self._payload(session, [(self.tea, 5, 10.0)], [(self.wallet_method, 50.0)])
        )
        self.assertFalse(first.membership_wallet_review)
        self.assertTrue(session.membership_pos_pin_required(self.member.id, 20.0))
        second = self._sync(
            self._payload(session, [(self.tea, 2, 10.0)], [(self.wallet_method, 20.0)])
        )
        self.assertTrue(second.membership_wallet_review)
        self.assertIn("no valid PIN proof", second.message_ids[:1].body)
        self.assertFalse(self._moves(second, "spend"))
        self.assertEqual(self._balance(), 90.0)  # 35 + 100 + a bonus of 5 - 50
        # With the PIN typed at the till, the same payment goes through.
        payload = self._payload(session, [(self.tea, 2, 10.0)], [(self.wallet_method, 20.0)])
        payload["membership_pin_token"] = session.membership_pos_pin_verify(
            self.member.id, "1234", payload["uuid"], 20.0
        )["token"]
        self.assertFalse(self._sync(payload).membership_wallet_review)
        self.assertEqual(self._balance(), 70.0)
        # A window of 0 hours: each payment on its own.
        self.company.membership_pin_window_hours = 0
        self.assertFalse(session.membership_pos_pin_required(self.member.id, 20.0))

    def test_wrong_pins_lock_the_wallet_pin(self):
        session = self._session()
        uuid = str(uuid4())
        first = session.membership_pos_pin_verify(self.member.id, "0000", uuid, 25.0)
        self.assertEqual(first["status"], "wrong")
        self.assertIn("2 tries left", first["message"])
        self.assertNotIn("token", first)
        self.assertEqual(
            session.membership_pos_pin_verify(self.member.id, "1111", uuid, 25.0)["status"],
            "wrong",
        )
        locked = session.membership_pos_pin_verify(self.member.id, "2222", uuid, 25.0)
        self.assertEqual(locked["status"], "locked")
        self.assertIn("supervisor", locked["message"])
        right_but_locked = session.membership_pos_pin_verify(self.member.id, "1234", uuid, 25.0)
        self.assertEqual(right_but_locked["status"], "locked")
        self.assertNotIn("token", right_but_locked)
        with self.assertRaises(AccessError):
            self.member.with_user(self.pos_user).action_membership_pin_unlock()
        self.member.with_user(self.supervisor).action_membership_pin_unlock()
        self.assertEqual(
            session.membership_pos_pin_verify(self.member.id, "1234", uuid, 25.0)["status"], "ok"
        )

    def test_pin_is_set_by_supervisors_and_never_readable(self):
        member = self.member.with_user(self.supervisor)
        self.assertTrue(member.membership_pin_set)
        self.assertNotIn("membership_pin_hash", member.fields_get(), "never readable")
        self.assertNotIn("1234", str(member.sudo().read()[0]))
        with self.assertRaises(UserError):
            self._set_pin(self.supervisor, "12a4")
        with self.assertRaises(AccessError):
            self._set_pin(self.pos_user, "9999")
        self.env.cr.execute(
            "SELECT membership_pin_hash FROM res_partner WHERE id = %s", [self.member.id]
        )
        stored = self.env.cr.fetchone()[0]
        self.assertNotIn("1234", stored)
        self.assertTrue(stored.startswith("$pbkdf2-sha512$"))
        member.action_membership_pin_clear()
        self.assertFalse(member.membership_pin_set)

    # ------------------------------------------------------------------ settle

    def test_supervisor_settles_a_flagged_order_either_way(self):
        # Each wallet payment on its own against the PIN threshold: this is about the
        # wallet's balance, not the PIN.
        self.company.membership_pin_window_hours = 0
        session = self._session()
        short = self._sync(
            self._payload(session, [(self.tea, 1.5, 10.0)], [(self.wallet_method, 15.0)])
        )
        self._sync(self._payload(session, [(self.tea, 2, 10.0)], [(self.wallet_method, 20.0)]))
        self.assertFalse(short.membership_wallet_review)
        late = self._sync(
            self._payload(session, [(self.tea, 1, 10.0)], [(self.wallet_method, 10.0)])
        )
        self.assertTrue(late.membership_wallet_review, "the wallet holds 0.00 now")
        Settle = self.env["membership.wallet.settle"]
        with self.assertRaises(AccessError):
            Settle.with_user(self.pos_user).create({"order_id": late.id}).action_settle()
        charge = Settle.with_user(self.supervisor).create({"order_id": late.id, "mode": "post"})
        with self.assertRaises(UserError):
            charge.action_settle()  # the wallet still does not cover it
        self.assertTrue(late.membership_wallet_review)
        self.account._membership_wallet_topup(
            12.0, "wallet-till-test:more", journal=self.cash.journal_id
        )
        charge.action_settle()
        self.assertFalse(late.membership_wallet_review)
        self.assertEqual(sum(self._moves(late, "spend").mapped("paid_amount")), -10.0)
        self.assertEqual(self._balance(), 2.0)
        self.assertIn("posted to the wallet", late.message_ids[:1].body)
        # Another way: the member paid the rest in cash; the wallet is left alone.
        other = self._sync(
            self._payload(session, [(self.tea, 1, 10.0)], [(self.wallet_method, 10.0)])
        )
        self.assertTrue(other.membership_wallet_review)
        other_way = Settle.with_user(self.supervisor).create(
            {"order_id": other.id, "mode": "other"}
        )
        with self.assertRaises(UserError):
            other_way.action_settle()  # a note is required
        other_way.note = "paid 10.00 in cash"
        other_way.action_settle()
        self.assertFalse(other.membership_wallet_review)
        self.assertFalse(self._moves(other, "spend"))
        self.assertIn("paid 10.00 in cash", other.message_ids[:1].body)
        self.assertEqual(self._balance(), 2.0)
        with self.assertRaises(UserError):
            other.with_user(self.supervisor).action_membership_wallet_settle()

    # ------------------------------------------------------------------ refund

    def _refund_payload(self, session, original, qty):
        line = original.lines[0]
        amount = qty * line.price_unit
        payload = self._payload(session, [(self.tea, -qty, line.price_unit)], [])
        payload["lines"][0][2]["refunded_orderline_id"] = line.id
        payload["payment_ids"] = [
            [0, 0, {"amount": -amount, "payment_method_id": self.wallet_method.id}]
        ]
        return payload

    def test_refund_to_the_wallet_within_the_operator_rights(self):
        self.company.membership_wallet_earns = True
        session = self._session()
        original = self._sync(
            self._payload(session, [(self.tea, 2, 10.0)], [(self.wallet_method, 20.0)])
        )
        self.assertEqual(self._balance(), 15.0)
        within = self._sync(self._refund_payload(session, original, 1))
        self.assertFalse(within.membership_wallet_review)
        self.assertEqual(self._balance(), 25.0, "a cashier refunds 10.00 to the wallet")
        self.company.membership_cashier_refund_limit = 5.0
        beyond = self._sync(self._refund_payload(session, original, 1))
        self.assertEqual(beyond.state, "paid")
        self.assertTrue(beyond.membership_wallet_review)
        self.assertIn("held", beyond.message_ids[:1].body)
        self.assertEqual(self._balance(), 25.0, "held for a supervisor")
        self.env["membership.wallet.settle"].with_user(self.supervisor).create(
            {"order_id": beyond.id, "mode": "post"}
        ).action_settle()
        self.assertEqual(self._balance(), 35.0)
        self.assertFalse(beyond.membership_wallet_review)

    # ------------------------------------------------------------------ pos_hr

    def test_pos_hr_employee_at_the_till_decides(self):
        """With pos_hr the employee logged in at the till decides: their user's groups,
        else their POS role (manager: supervisor, minimal: no top-up)."""
        self.assertIn(
            "employee_id",
            self.env["pos.order"]._fields,
            "pos_hr must be installed in the test database (scripts/test.sh installs it)",
        )
        env = self.env(su=True)
        manager, cashier, minimal, with_user = env["hr.employee"].create(
            [
                {"name": "Maya Manager"},
                {"name": "Carl Cashier"},
                {"name": "Mini Minimal"},
                {"name": "Sam Supervisor", "user_id": self.supervisor.id},
            ]
        )
        self.main_pos_config.write(
            {
                "module_pos_hr": True,
                "advanced_employee_ids": [(6, 0, manager.ids)],
                "basic_employee_ids": [(6, 0, (cashier | with_user).ids)],
                "minimal_employee_ids": [(6, 0, minimal.ids)],
            }
        )
        session = self._session()

        def topup(employee, amount):
            payload = self._payload(
                session, [(self.topup_product, 1, amount)], [(self.cash, amount)]
            )
            payload["employee_id"] = employee.id
            return self._sync(payload)

        self.assertFalse(topup(manager, 150.0).membership_wallet_review)
        self.assertFalse(topup(with_user, 150.0).membership_wallet_review)
        self.assertTrue(topup(cashier, 150.0).membership_wallet_review)
        self.assertFalse(topup(cashier, 50.0).membership_wallet_review)
        held = topup(minimal, 10.0)
        self.assertTrue(held.membership_wallet_review)
        self.assertIn("Only Membership cashiers", held.message_ids[:1].body)
        preview = session.membership_pos_topup_preview
        self.assertEqual(preview(self.member.id, 150.0, employee_id=manager.id)["status"], "ok")
        self.assertEqual(
            preview(self.member.id, 150.0, employee_id=cashier.id)["status"], "refused"
        )

    def test_pos_hr_employee_rights_at_the_till_are_the_servers(self):
        """The till shows each pos_hr employee the Membership level the server gives them,
        even where their pos_hr role says otherwise: an employee linked to a Membership
        Supervisor but listed as a basic employee may replace cards; one linked to a user
        without Membership rights but listed as a manager may not even top up."""
        env = self.env(su=True)
        plain = new_test_user(
            env, login="till_rights_plain", groups="base.group_user,point_of_sale.group_pos_user"
        )
        sam, nora = env["hr.employee"].create(
            [
                {"name": "Sam Supervisor", "user_id": self.supervisor.id},
                {"name": "Nora Nomember", "user_id": plain.id},
            ]
        )
        self.main_pos_config.write(
            {
                "module_pos_hr": True,
                "basic_employee_ids": [(6, 0, sam.ids)],
                "advanced_employee_ids": [(6, 0, nora.ids)],
            }
        )
        session = self._session()
        loaded = {e["id"]: e for e in session.load_data(["hr.employee"])["hr.employee"]}
        # pos_hr's own role disagrees with the server: the till must not derive from it.
        self.assertEqual(
            (loaded[sam.id]["_role"], loaded[nora.id]["_role"]), ("cashier", "manager")
        )
        self.assertEqual(
            loaded[sam.id]["_membership_till"], {"level": "supervisor", "refund_limit": None}
        )
        self.assertEqual(
            loaded[nora.id]["_membership_till"], {"level": "none", "refund_limit": 0.0}
        )
        self.start_pos_tour("membership_loyalty_till_rights_pos_hr")

    # ------------------------------------------------------------------ at the till (tours)

    def _session_orders(self):
        return self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)], order="id"
        )

    def test_tour_topup_with_bonus_preview_and_receipt(self):
        self._session()
        self.start_pos_tour("membership_loyalty_wallet_topup")
        order = self._session_orders()
        self.assertEqual(order.lines.product_id, self.topup_product)
        self.assertEqual(order.payment_ids.payment_method_id, self.cash)
        self.assertFalse(order.membership_wallet_review)
        self.assertEqual(self._balance(), 35.0 + 60.0 + 5.0)

    def test_tour_wallet_payment_with_pin(self):
        self._session()
        self.start_pos_tour("membership_loyalty_wallet_pin")
        order = self._session_orders()
        self.assertTrue(order.membership_pin_token)
        self.assertFalse(order.membership_wallet_review)
        self.assertEqual(sum(self._moves(order, "spend").mapped("paid_amount")), -30.0)
        self.assertEqual(self._balance(), 5.0)
        self.assertEqual(self.member.sudo().membership_pin_failures, 0, "a right PIN resets")

    def test_tour_refund_to_the_wallet(self):
        self.company.membership_wallet_earns = True  # the sale earns points to give back
        self._session()
        self.start_pos_tour("membership_loyalty_wallet_refund")
        sale, refund = self._session_orders()
        self.assertEqual(refund.lines.refunded_orderline_id.order_id, sale)
        self.assertFalse(refund.membership_wallet_review, refund.message_ids.mapped("body"))
        self.assertEqual(self._moves(refund, "refund").mapped("paid_amount"), [20.0])
        self.assertEqual(self._balance(), 35.0)
        earned = (
            self.env["membership.points.move"]
            .sudo()
            .search([("pos_order_id", "=", sale.id), ("kind", "=", "earn")])
        )
        self.assertGreater(earned.points, 0)
        self.account.invalidate_recordset()
        self.assertEqual(self.account.points_balance, 0.0, "the refund took the points back")

    def test_tour_refund_of_a_wallet_and_points_sale_agrees_with_the_books(self):
        """At the till: a sale paid in cash and from the wallet, then part of it refunded
        to the wallet. The receipt's figures are the ledger's, the refund gives back what
        the sale took (wallet money and the share of points), and after closing the
        session the deposit liability moved exactly as the wallets did."""
        env = self.env(su=True)
        Account = env["account.account"]
        self.company.write(
            {
                "membership_wallet_journal_id": env["account.journal"]
                .create({"name": "Member Wallet Entries", "type": "general", "code": "MWE"})
                .id,
                "membership_wallet_liability_account_id": Account.create(
                    {
                        "name": "Customer deposits",
                        "code": "2199",
                        "account_type": "liability_current",
                    }
                ).id,
                "membership_wallet_revenue_account_id": Account.create(
                    {"name": "Wallet sales", "code": "4199", "account_type": "income"}
                ).id,
                "membership_wallet_expense_account_id": Account.create(
                    {"name": "Wallet bonus", "code": "6199", "account_type": "expense"}
                ).id,
            }
        )
        Ledger = env["membership.account"]
        before = Ledger._membership_wallet_reconciliation(self.company)
        self._session()
        self.start_pos_tour("membership_loyalty_wallet_points_refund")
        sale, refund = self._session_orders()
        self.assertFalse(sale.membership_wallet_review or refund.membership_wallet_review)
        earned = env["membership.points.move"].search(
            [("pos_order_id", "=", sale.id), ("kind", "=", "earn")]
        )
        self.assertEqual(earned.points, 10.0, "the cash part earns, the wallet part does not")
        self.assertEqual(sale.membership_points_earned, earned.points, "the receipt's figure")
        self.assertEqual(sum(self._moves(sale, "spend").mapped("amount")), -20.0)
        self.assertEqual(self._moves(refund, "refund").mapped("paid_amount"), [20.0])
        reversal = env["membership.points.move"].search(
            [("reversed_move_id", "=", earned.id), ("kind", "=", "reversal")]
        )
        self.assertAlmostEqual(reversal.points, -10.0 * 2 / 3, places=2)
        self.assertEqual(self._balance(), 35.0)
        self.account.invalidate_recordset()
        self.assertAlmostEqual(self.account.points_balance, 10.0 + reversal.points, places=2)
        session = self.main_pos_config.current_session_id.sudo()
        session.action_pos_session_closing_control()
        self.assertEqual(session.state, "closed")
        after = Ledger._membership_wallet_reconciliation(self.company)
        self.assertFalse(after["drifting_accounts"])
        self.assertAlmostEqual(
            after["liability"] - before["liability"], after["wallets"] - before["wallets"], 2
        )
