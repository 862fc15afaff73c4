import html

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .pos_common import MembershipTillSetup, order_payload
from .test_card_authority import MembershipRpcMixin

# same number as static/tests/tours/card_fee_tour.js; far from the card sequence, which
# tests do not roll back (a card issued by the sequence must not meet it)
CARD = "900077770080"
GROUP = "membership_loyalty.membership_loyalty_group_"


@tagged("post_install", "-at_install")
class TestCardFees(MembershipTillSetup, MembershipRpcMixin, TestPointOfSaleHttpCommon):
    """Card fees charged for real: an issue or replacement fee is a posted payment in the
    back office, a line of the order at the till, and the card's chatter says what was
    charged and how, never "collected" for money nobody took."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)  # fixtures: the admin of the POS tests is no Membership manager
        company = cls.main_pos_config.company_id
        cls.company = company
        cls.pos_user.group_ids += env.ref(f"{GROUP}supervisor")
        cls.cashier = new_test_user(
            env,
            login="fee_cashier",
            groups=f"base.group_user,point_of_sale.group_pos_user,{GROUP}cashier",
        )
        Type = env["membership.card.type"]
        cls.fee_type = Type.create(
            {
                "name": "Fee Card",
                "sequence": 0,
                "charge_type": "fee",
                "amount": 25.0,
                "replacement_fee": 3.0,
                "company_id": company.id,
            }
        )
        cls.deposit_type = Type.create(
            {
                "name": "Deposit Card",
                "charge_type": "deposit",
                "amount": 5.0,
                "replacement_fee": 2.0,
                "company_id": company.id,
            }
        )
        tier = env["membership.tier"].create(
            {"name": "Fee Tier", "sequence": 0, "company_id": company.id}
        )
        tier.card_type_id = cls.fee_type
        cls.member = env["res.partner"].create(
            {"name": "Fay Fee", "is_member": True, "company_id": company.id}
        )
        cls.card = env["membership.card"].create(
            {
                "number": CARD,
                "partner_id": cls.member.id,
                "card_type_id": cls.fee_type.id,
                "company_id": company.id,
            }
        )
        cls.card._membership_transition("activate", "test")
        cls.cash = cls.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]
        cls.journal = cls.cash.journal_id
        cls.currency = company.currency_id

    def money(self, amount):
        return self.currency.format(amount).replace("\xa0", " ")

    def _chatter(self, card):
        bodies = card.sudo().message_ids.mapped("body")
        return html.unescape("\n".join(bodies)).replace("\xa0", " ")

    def _payments(self, card):
        return card.sudo().payment_ids

    # ------------------------------------------------------------------ back office

    def test_issue_fee_is_a_posted_payment_said_in_the_chatter(self):
        partner = self.env(su=True)["res.partner"].create({"name": "Ivo Issue", "is_member": True})
        Wizard = self.env["membership.card.issue.wizard"].with_user(self.cashier)
        wizard = Wizard.create({"partner_id": partner.id, "card_type_id": self.fee_type.id})
        self.assertEqual(wizard.amount, 25.0)
        wizard.journal_id = False
        with self.assertRaisesRegex(UserError, "Journal"), self.env.cr.savepoint():
            wizard.action_issue()
        self.assertFalse(partner.sudo().membership_card_ids, "nothing issued without the money")
        wizard.journal_id = self.journal
        card = self.env["membership.card"].browse(wizard.action_issue()["res_id"])
        payment = self._payments(card)
        self.assertRecordValues(
            payment, [{"amount": 25.0, "payment_type": "inbound", "partner_id": partner.id}]
        )
        self.assertNotEqual(payment.state, "draft", "posted")
        self.assertIn("Issue Fee", payment.memo)
        chatter = self._chatter(card)
        self.assertIn(f"Issue Fee of {self.money(25.0)} paid through {self.journal.name}", chatter)
        self.assertNotIn("collected", chatter)
        self.assertEqual(card.deposit_amount, 0.0, "a fee is no deposit: nothing to pay back")

    def test_replacement_fee_paid_and_the_deposit_carried_over(self):
        card = self.env(su=True)["membership.card"]._membership_issue(
            self.member, self.deposit_type, self.company, journal=self.journal
        )
        supervisor = self.pos_user
        wizard = (
            self.env["membership.card.replace.wizard"]
            .with_user(supervisor)
            .with_context(active_id=card.id)
            .create({"reason": "Damaged", "journal_id": self.journal.id})
        )
        self.assertEqual(wizard.fee_amount, 2.0)
        new_card = self.env["membership.card"].browse(wizard.action_confirm()["res_id"])
        self.assertEqual((card.state, new_card.state), ("replaced", "active"))
        self.assertEqual(new_card.deposit_amount, 5.0)
        self.assertEqual(self._payments(new_card).mapped("amount"), [2.0])
        chatter = self._chatter(new_card)
        self.assertIn(f"Deposit of {self.money(5.0)} carried over", chatter)
        self.assertIn(
            f"Replacement fee of {self.money(2.0)} paid through {self.journal.name}", chatter
        )
        self.assertNotIn("collected", chatter)

    # ------------------------------------------------------------------ at the till

    def test_enrolment_fee_charged_on_the_order_then_paid_once(self):
        session = self._session()
        result, error = self.rpc(
            self.cashier,
            "pos.session",
            "membership_pos_enrol",
            [session.id],
            name="Nell New",
            phone="+32 470 11 22 33",
        )
        self.assertIsNone(error)
        self.assertEqual(result["charge"]["amount"], 25.0)
        partner = self.env["res.partner"].browse(result["member"]["partner_id"])
        card = partner.sudo().membership_card_ids
        self.assertIn(
            f"Issue Fee of {self.money(25.0)} charged on the till's order", self._chatter(card)
        )
        self.assertFalse(self._payments(card), "paid on the order, not as a payment of its own")
        charge = self.env.ref("membership_loyalty.product_membership_card_charge")
        line = {
            "product_id": charge.id,
            "qty": 1,
            "price_unit": 25.0,
            "discount": 0.0,
            "price_subtotal": 25.0,
            "price_subtotal_incl": 25.0,
            "tax_ids": [],
        }
        payload = order_payload(
            session, partner, self.cashier, [[0, 0, line]], [(self.cash, 25.0)], 25.0
        )
        for _attempt in range(2):
            _result, error = self.rpc(self.cashier, "pos.order", "sync_from_ui", [payload])
            self.assertIsNone(error)
        order = self.env["pos.order"].search([("uuid", "=", payload["uuid"])])
        paid = f"Card fee of {self.money(25.0)} paid on order {order.name}"
        self.assertEqual(self._chatter(card).count(paid), 1, "said once, however often sent")
        self.assertEqual(card.deposit_amount, 0.0)

    def test_replacing_at_the_till_is_a_supervisors_job(self):
        session = self._session()
        _result, error = self.rpc(
            self.cashier,
            "pos.session",
            "membership_pos_replace_card",
            [session.id],
            partner_id=self.member.id,
            reason="Lost",
        )
        self.assertRpcRefused(error, "AccessError", "Membership Supervisor")
        for reason in ("   ", "", None, 42):
            _result, error = self.rpc(
                self.pos_user,
                "pos.session",
                "membership_pos_replace_card",
                [session.id],
                partner_id=self.member.id,
                reason=reason,
            )
            self.assertRpcRefused(error, "UserError", "(?i)reason")
        self.assertEqual(self.card.state, "active")
        self.assertFalse(self.card.replaced_by_id)

    def test_tour_replace_card_with_its_fee_on_the_order(self):
        session = self._session()
        self.start_pos_tour("membership_loyalty_card_replace_fee")
        new_card = self.card.replaced_by_id
        self.assertEqual((self.card.state, new_card.state), ("replaced", "active"))
        order = self.env["pos.order"].search([("session_id", "=", session.id)])
        self.assertEqual(order.state, "paid")
        self.assertEqual(
            order.lines.product_id,
            self.env.ref("membership_loyalty.product_membership_card_charge"),
        )
        self.assertAlmostEqual(order.amount_paid, 3.0)
        chatter = self._chatter(new_card)
        self.assertIn("Card lost on the bus", chatter)
        self.assertIn(f"Replacement fee of {self.money(3.0)} charged on the till's order", chatter)
        self.assertIn(f"Card fee of {self.money(3.0)} paid on order {order.name}", chatter)
