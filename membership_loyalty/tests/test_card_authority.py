from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import MembershipCommon, luhn_number


class MembershipRpcMixin:
    """Calls over real HTTP JSON-RPC (/web/dataset/call_kw), logged in as a user."""

    rpc_timeout = 12  # seconds, url_open's default; a class syncing orders may wait longer

    def rpc(self, user, model, method, *args, **kwargs):
        """(result, error) of ``model.method(*args, **kwargs)`` called as ``user``;
        error: {"name": exception class, "message": what the user reads} or None."""
        self.authenticate(user.login, user.login)
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {"model": model, "method": method, "args": args, "kwargs": kwargs},
            },
            timeout=self.rpc_timeout,
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            data = body["error"]["data"]
            return None, {"name": data["name"], "message": data["message"]}
        return body["result"], None

    def assertRpcRefused(self, error, name, message):
        self.assertTrue(error, "the call must be refused")
        self.assertEqual(error["name"], f"odoo.exceptions.{name}")
        self.assertRegex(error["message"], message)


@tagged("post_install", "-at_install")
class TestCardAuthority(MembershipRpcMixin, MembershipCommon, HttpCase):
    """Who may make a card, make it active, change what identifies it, return it and pay
    its member's wallet out: as the cashier and supervisor, and over JSON-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cash_account = cls.cash_journal.default_account_id
        cls.card = cls.env["membership.card"]._membership_issue(
            cls.member, cls.plain_type, cls.company, chip_uid="A1B2C3D4", reason="setup"
        )
        cls.wallet = cls.env["membership.account"]._membership_get_account(cls.member)
        cls.wallet._membership_wallet_topup(30.0, "card-authority:topup", journal=cls.cash_journal)

    def _draft(self):
        return (
            self.env["membership.card"]
            .with_user(self.supervisor)
            .create({"partner_id": self.member.id, "card_type_id": self.plain_type.id})
        )

    def _return_wizard(self, user, card, pin=None):
        return (
            self.env["membership.card.return.wizard"]
            .with_user(user)
            .create(
                {
                    "card_id": card.id,
                    "reason": "Leaving",
                    "journal_id": self.cash_journal.id,
                    "pin": pin,
                }
            )
        )

    def assertNotPaidOut(self, card):
        card.invalidate_recordset()
        self.wallet.invalidate_recordset()
        self.assertEqual(card.state, "active")
        self.assertEqual(self.wallet.wallet_paid_balance, 30.0)
        self.assertFalse(self.wallet.wallet_move_ids.filtered(lambda m: m.kind == "payout"))

    # ------------------------------------------------------------------ activation

    def test_only_issuing_activates_a_card(self):
        Card = self.env["membership.card"].with_user(self.cashier)
        with self.assertRaisesRegex(AccessError, "Only a Membership Supervisor may create"):
            Card.create({"partner_id": self.member.id, "card_type_id": self.plain_type.id})
        draft = self._draft()
        as_cashier = draft.with_user(self.cashier)
        action = as_cashier.action_activate()
        self.assertEqual(action["res_model"], "membership.card.issue.wizard")
        self.assertEqual(draft.state, "draft", "the button opens the Issue wizard, no more")
        with self.assertRaisesRegex(UserError, "only by being issued"):
            as_cashier._membership_transition("activate", "by hand")
        with self.assertRaisesRegex(UserError, "only through its actions"):
            as_cashier.write({"state": "active"})
        wizard = self._return_wizard(self.supervisor, draft)
        with self.assertRaisesRegex(UserError, "cannot become Returned"), self.env.cr.savepoint():
            wizard.action_confirm()
        self.assertEqual(draft.state, "draft")
        # Issued through the wizard, the draft itself becomes the member's active card.
        wizard = (
            self.env["membership.card.issue.wizard"]
            .with_user(self.cashier)
            .with_context(action["context"])
            .create({"card_type_id": self.plain_type.id})
        )
        self.assertEqual(wizard.card_id, draft)
        self.assertEqual(wizard.action_issue()["res_id"], draft.id)
        self.assertEqual(draft.state, "active")
        self.assertTrue(draft.issue_date)

    def test_cashier_over_rpc_cannot_make_or_activate_a_card(self):
        _result, error = self.rpc(
            self.cashier,
            "membership.card",
            "create",
            [{"partner_id": self.member.id, "card_type_id": self.plain_type.id}],
        )
        self.assertRpcRefused(error, "AccessError", "Only a Membership Supervisor may create")
        draft = self._draft()
        _result, error = self.rpc(
            self.cashier,
            "membership.card",
            "write",
            [draft.id],
            {"state": "active"},
            context={"membership_card_transition": True, "membership_card_issuing": True},
        )
        self.assertRpcRefused(error, "UserError", "only through its actions")
        result, error = self.rpc(self.cashier, "membership.card", "action_activate", [draft.id])
        self.assertIsNone(error)
        self.assertEqual(result["res_model"], "membership.card.issue.wizard")
        wizard_id, error = self.rpc(
            self.cashier,
            "membership.card.return.wizard",
            "create",
            {"card_id": draft.id, "reason": "x", "journal_id": self.cash_journal.id},
        )
        self.assertIsNone(error)
        _result, error = self.rpc(
            self.cashier, "membership.card.return.wizard", "action_confirm", [wizard_id]
        )
        self.assertRpcRefused(error, "UserError", "Draft: it cannot become Returned")
        draft.invalidate_recordset()
        self.assertEqual(draft.state, "draft")
        self.assertNotPaidOut(self.card)

    # ------------------------------------------------------------------ identity

    def test_what_identifies_a_card_is_a_supervisors(self):
        card = self.card.with_user(self.cashier)
        other = self.env["res.partner"].create({"name": "Eve Other", "is_member": True})
        for vals in (
            {"expiry_date": "2099-12-31"},
            {"chip_uid": "DEADBEEF"},
            {"number": luhn_number("99990000111")},
            {"partner_id": other.id},
        ):
            with self.assertRaisesRegex(AccessError, "Only a Membership Supervisor"):
                card.write(vals)
        self.card.invalidate_recordset()
        self.assertEqual((self.card.chip_uid, self.card.expiry_date), ("A1B2C3D4", False))
        self.card.with_user(self.supervisor).write(
            {"chip_uid": "DEADBEEF", "expiry_date": "2099-12-31"}
        )
        self.assertEqual(self.card.chip_uid, "DEADBEEF")

    def test_cashier_over_rpc_cannot_change_what_identifies_a_card(self):
        for vals in ({"expiry_date": "2099-12-31"}, {"chip_uid": "DEADBEEF"}):
            _result, error = self.rpc(
                self.cashier, "membership.card", "write", [self.card.id], vals
            )
            self.assertRpcRefused(error, "AccessError", "Only a Membership Supervisor")
        self.card.invalidate_recordset()
        self.assertEqual((self.card.chip_uid, self.card.expiry_date), ("A1B2C3D4", False))

    # ------------------------------------------------------------------ payout

    def test_payout_needs_the_card_the_pin_or_a_supervisor(self):
        wizard = self._return_wizard(self.cashier, self.card)
        with (
            self.assertRaisesRegex(AccessError, "card read by a shop reader"),
            self.env.cr.savepoint(),
        ):
            wizard.action_confirm()
        self.assertNotPaidOut(self.card)
        # The member has a PIN: a wrong one pays nothing and counts towards the lock.
        self.env["membership.wallet.pin"].with_user(self.supervisor).create(
            {"partner_id": self.member.id, "pin": "2468"}
        ).action_set_pin()
        wrong = self._return_wizard(self.cashier, self.card, pin="1111")
        action = wrong.action_confirm()
        self.assertEqual(action["res_id"], wrong.id, "the wizard stays open")
        self.assertIn("Wrong PIN", wrong.pin_message)
        self.assertEqual(self.member.sudo().membership_pin_failures, 1)
        self.assertNotPaidOut(self.card)
        self._return_wizard(self.cashier, self.card, pin="2468").action_confirm()
        self.assertEqual(self.card.state, "returned")
        self.wallet.invalidate_recordset()
        self.assertEqual(self.wallet.wallet_paid_balance, 0.0)

    def test_payout_with_the_card_read_at_the_counter(self):
        # As the box's controller writes them: boxes, not users, write card reads.
        till = self.env["pos.config"].sudo().create({"name": "Counter till"})
        device = (
            self.env["membership.reader.device"]
            .sudo()
            .create({"name": "Counter box", "pos_config_id": till.id})
        )
        self.env["membership.reader.event"].sudo().create(
            {
                "device_id": device.id,
                "event_id": "read-00000001",
                "code": self.card.chip_uid,
                "read_at": "2026-01-01 10:00:00",
                "status": "ok",
                "card_ref": self.card.id,
                "partner_id": self.member.id,
            }
        )
        self._return_wizard(self.cashier, self.card).action_confirm()
        self.assertEqual(self.card.state, "returned")

    def test_cashier_over_rpc_cannot_pay_a_wallet_out(self):
        wizard_id, error = self.rpc(
            self.cashier,
            "membership.card.return.wizard",
            "create",
            {"card_id": self.card.id, "reason": "x", "journal_id": self.cash_journal.id},
        )
        self.assertIsNone(error)
        _result, error = self.rpc(
            self.cashier, "membership.card.return.wizard", "action_confirm", [wizard_id]
        )
        self.assertRpcRefused(error, "AccessError", "needs the member's card read by a shop reader")
        _result, error = self.rpc(
            self.cashier, "membership.card", "_membership_return", [self.card.id], "x", False, True
        )
        self.assertRpcRefused(error, "AccessError", "(?i)private")
        self.assertNotPaidOut(self.card)
