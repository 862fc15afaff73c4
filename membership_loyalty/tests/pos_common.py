"""Set-up pieces shared by the till's tests (classes built on TestPointOfSaleHttpCommon)."""

from uuid import uuid4

from odoo import fields


def order_payload(session, partner, user, lines, payments, total, name="Test order", **extra):
    """A paid order as the till sends it to ``pos.order.sync_from_ui``: ``lines`` are
    ``[0, 0, vals]`` commands, ``payments`` (payment method, amount) pairs, ``total`` the
    amount the till claims (forged or not); ``extra`` adds or overrides payload keys."""
    return {
        "uuid": str(uuid4()),
        "name": name,
        "session_id": session.id,
        "partner_id": partner.id if partner else False,
        "user_id": user.id,
        "pricelist_id": session.config_id.pricelist_id.id,
        "date_order": fields.Datetime.to_string(fields.Datetime.now()),
        "amount_total": total,
        "amount_paid": total,
        "amount_tax": 0.0,
        "amount_return": 0.0,
        "state": "paid",
        "lines": lines,
        "payment_ids": [
            [0, 0, {"amount": amount, "payment_method_id": method.id}]
            for method, amount in payments
        ],
        **extra,
    }


class MembershipTillSetup:
    """Mixin: an active member card, the member wallet payment method on the main till,
    and the session of the till's user. Fixtures are made as the superuser: the admin of
    the POS tests has no Membership level."""

    @classmethod
    def _membership_active_card(cls, partner, number, company):
        card_type = cls.env(su=True)["membership.card.type"].create(
            {"name": "Virtual", "company_id": company.id}
        )
        card = cls.env(su=True)["membership.card"].create(
            {
                "number": number,
                "partner_id": partner.id,
                "card_type_id": card_type.id,
                "company_id": company.id,
            }
        )
        card._membership_transition("activate", "test")
        return card

    @classmethod
    def _membership_add_wallet_method(cls, company):
        """A "Member Wallet" payment method, added to the main till."""
        journal = cls.env(su=True)["account.journal"].create(
            {"name": "Member Wallet", "type": "bank", "code": "MWLT", "company_id": company.id}
        )
        method = cls.env(su=True)["pos.payment.method"].create(
            {
                "name": "Member Wallet",
                "journal_id": journal.id,
                "membership_is_wallet": True,
                "outstanding_account_id": cls.inbound_payment_method_line.payment_account_id.id,
            }
        )
        cls.main_pos_config.write({"payment_method_ids": [(4, method.id)]})
        return method

    def _sync(self, payload, user=None):
        """Send ``payload`` as the till does (by default as the till's user); the order."""
        Order = self.env["pos.order"].with_user(user or self.pos_user)
        Order.sync_from_ui([dict(payload)])
        return self.env["pos.order"].search([("uuid", "=", payload["uuid"])])

    def _session(self):
        self.main_pos_config.with_user(self.pos_user).open_ui()
        return self.main_pos_config.current_session_id.with_user(self.pos_user)
