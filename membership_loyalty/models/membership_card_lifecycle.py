from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from .membership_card import CASHIER_GROUP, ISSUING, SUPERVISOR_GROUP, TRANSITION

# Allowed moves of the card life cycle: draft -> active -> lost/blocked/expired ->
# replaced/returned; lost/blocked/expired cards can be reactivated by a supervisor.
TRANSITIONS = {
    "activate": ({"draft"}, "active"),
    "report_lost": ({"active", "blocked"}, "lost"),
    "block": ({"active"}, "blocked"),
    "expire": ({"active"}, "expired"),
    "reactivate": ({"lost", "blocked", "expired"}, "active"),
    "replace": ({"active", "lost", "blocked", "expired"}, "replaced"),
    "return": ({"active", "lost", "blocked", "expired"}, "returned"),
}
SUPERVISOR_ACTIONS = {"reactivate", "replace"}

# A card read by a shop's reader box within this many minutes is the card at the counter.
CARD_PRESENT_MINUTES = 10


class MembershipCard(models.Model):
    """The card's life cycle after issue: the moves between states (who may do which),
    expiry, replacement (the deposit moves to the new card) and return (deposit and
    wallet paid back, on the card's or a Supervisor's authority)."""

    _inherit = "membership.card"

    def _membership_transition(self, action, reason, extra_vals=None):
        """Move the cards through the life cycle and note who, why and when in the chatter."""
        sources, target = TRANSITIONS[action]
        if action in SUPERVISOR_ACTIONS:
            group = SUPERVISOR_GROUP
        else:
            group = CASHIER_GROUP
        if not self.env.su and not self.env.user.has_group(group):
            raise AccessError(
                self.env._(
                    "Only a Membership %s may do this.",
                    "Supervisor" if group == SUPERVISOR_GROUP else "Cashier",
                )
            )
        if (
            action == "activate"
            and not self.env.su
            and self.env.context.get("membership_card_issuing") is not ISSUING
        ):
            raise UserError(self.env._("A card becomes active only by being issued."))
        self.lock_for_update()
        labels = dict(self._fields["state"]._description_selection(self.env))
        for card in self:
            if card.state not in sources:
                raise UserError(
                    self.env._(
                        "Card %(number)s is %(state)s: it cannot become %(target)s.",
                        number=card.number,
                        state=labels[card.state],
                        target=labels[target],
                    )
                )
        vals = {"state": target, **(extra_vals or {})}
        if target == "active":
            today = fields.Date.context_today(self)
            for card in self:
                card_vals = dict(vals)
                if not card.issue_date:
                    card_vals["issue_date"] = today
                    months = card.card_type_id.validity_months
                    if months and not card.expiry_date:
                        card_vals["expiry_date"] = today + relativedelta(months=months)
                elif card.expiry_date and card.expiry_date < today:
                    raise UserError(
                        self.env._(
                            "Card %s is past its expiry date: replace it instead.", card.number
                        )
                    )
                card.with_context(membership_card_transition=TRANSITION).write(card_vals)
        else:
            self.with_context(membership_card_transition=TRANSITION).write(vals)
        for card in self:
            card._membership_log(labels[target], reason)
        return True

    def _cron_expire_cards(self):
        today = fields.Date.context_today(self)
        cards = self.search([("state", "=", "active"), ("expiry_date", "<", today)])
        cards._membership_transition("expire", self.env._("Expiry date reached"))

    def _membership_replace(
        self, reason, lot=None, location=None, chip_uid=None, journal=None, charge_on_order=False
    ):
        """Close this card for good and give the member a new one of the same type; the
        deposit moves to the new card, balances stay with the member. The card type's
        replacement fee is charged like an issue fee: a posted payment in ``journal``, or
        on the till's order (``charge_on_order``)."""
        self.ensure_one()
        deposit = self.deposit_amount
        self._membership_transition("replace", reason, {"deposit_amount": 0.0})
        new_card = self._membership_issue(
            self.partner_id,
            self.card_type_id,
            self.company_id,
            lot=lot,
            location=location,
            chip_uid=chip_uid,
            reason=self.env._(
                "Replaces card %(number)s: %(reason)s", number=self.number, reason=reason
            ),
            deposit=deposit,
        )
        new_card.with_context(membership_card_transition=TRANSITION).replaces_id = self
        self.with_context(membership_card_transition=TRANSITION).replaced_by_id = new_card
        fee = self.card_type_id.replacement_fee
        if fee:
            new_card._membership_charge(
                self.env._("Replacement fee"), fee, journal, charge_on_order, reason
            )
        return new_card

    def _membership_return(self, reason, journal, pin_verified=False):
        """Close the card, refund its deposit and pay out the wallet's paid balance.

        Paying the wallet out needs the card's or a Supervisor's authority: below
        Supervisor, the card read by one of the shop's reader boxes a moment ago, or the
        member's wallet PIN (``pin_verified``: checked by the caller, see the Return
        wizard)."""
        self.ensure_one()
        deposit = self.deposit_amount
        # Only a card that was issued can be returned (raises for a draft). The checks
        # below run on what was really paid out: a refusal undoes it all with the
        # transaction.
        self._membership_transition("return", reason, {"deposit_amount": 0.0})
        if deposit:
            self._membership_book_payment(deposit, journal, "outbound")
        wallet = self.partner_id._membership_wallet_payout(self, journal) or 0.0
        self._membership_check_return_authority(deposit + wallet, wallet, pin_verified)
        self._membership_log(
            self.env._(
                "Deposit %(deposit)s and wallet %(wallet)s paid back through %(journal)s",
                deposit=deposit,
                wallet=wallet,
                journal=journal.name or "-",
            ),
            reason,
        )
        return deposit + wallet

    def _membership_check_return_authority(self, total, wallet, pin_verified):
        """Below Supervisor: refunds within the cashier limit, and a wallet paid out only
        on the card's authority (read by a shop reader, or the member's PIN)."""
        if self.env.su or self.env.user.has_group(SUPERVISOR_GROUP):
            return
        limit = self.company_id.membership_cashier_refund_limit
        if self.currency_id.compare_amounts(total, limit) > 0:
            raise AccessError(
                self.env._(
                    "Refunding %(amount)s is over the cashier limit of %(limit)s: "
                    "ask a Supervisor.",
                    amount=total,
                    limit=limit,
                )
            )
        if (
            self.currency_id.compare_amounts(wallet, 0.0) > 0
            and not pin_verified
            and not self._membership_card_present()
        ):
            raise AccessError(
                self.env._(
                    "Paying out the wallet of %(member)s (%(amount)s) needs the member's card "
                    "read by a shop reader, the member's wallet PIN or a Membership Supervisor.",
                    member=self.partner_id.display_name,
                    amount=wallet,
                )
            )

    def _membership_card_present(self):
        """True when one of the company's reader boxes read this card a moment ago: the
        card itself is at the counter. Reads are written by the boxes only.

        sudo: cashiers cannot read the readers' log; only the existence of a read is used."""
        self.ensure_one()
        since = fields.Datetime.now() - timedelta(minutes=CARD_PRESENT_MINUTES)
        return bool(
            self.env["membership.reader.event"]
            .sudo()
            .search_count(
                [
                    ("card_ref", "=", self.id),
                    ("status", "=", "ok"),
                    ("company_id", "=", self.company_id.id),
                    ("create_date", ">=", since),
                ],
                limit=1,
            )
        )
