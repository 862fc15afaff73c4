from odoo import Command, api, models
from odoo.exceptions import UserError

from .membership_card import ISSUING, TRANSITION


class MembershipCard(models.Model):
    """Issuing a card: the only way a card becomes active for the first time. The blank
    card's serial leaves the shop's stock; a deposit or issue fee is a posted payment or a
    line of the till's order (held on the card once the order is paid)."""

    _inherit = "membership.card"

    @api.model
    def _membership_issue(
        self,
        partner,
        card_type,
        company,
        lot=None,
        location=None,
        chip_uid=None,
        reason=None,
        deposit=None,
        journal=None,
        draft=None,
        charge_on_order=False,
    ):
        """Create and activate a card for ``partner`` (or issue the ``draft`` card prepared
        for them); with a blank-card serial, the card takes its pre-printed number and the
        serial leaves the shop's stock. A new deposit or issue fee is booked as a posted
        customer payment in ``journal``, unless the till sells it on its order
        (``charge_on_order``); a deposit carried over from a replaced card (``deposit``
        given) is not paid again. The chatter says what was charged and how. The only way
        a card becomes active for the first time."""
        if not partner.active:
            raise UserError(
                self.env._("%s is archived and cannot receive a card.", partner.display_name)
            )
        if card_type.company_id and card_type.company_id != company:
            raise UserError(self.env._("Card type %s belongs to another company.", card_type.name))
        if card_type.blank_product_id and not lot:
            raise UserError(
                self.env._(
                    "Blank Card Serial: pick the serial of the blank card handed to the member."
                )
            )
        collect = deposit is None
        if collect:
            deposit = card_type.amount if card_type.charge_type == "deposit" else 0.0
        if charge_on_order:
            # Sold on the till's order: held on the card only once that order is paid
            # (pos.order), so an order abandoned at the till leaves no deposit to pay back.
            collect, deposit = True, 0.0
        vals = {
            "partner_id": partner.id,
            "card_type_id": card_type.id,
            "company_id": company.id,
            "chip_uid": chip_uid or False,
            "deposit_amount": deposit,
        }
        if lot:
            if lot.product_id != card_type.blank_product_id:
                raise UserError(
                    self.env._("Blank Card Serial: %s is not a blank card of this type.", lot.name)
                )
            vals.update(number=lot.name, lot_id=lot.id)
        if draft:
            if draft.state != "draft" or (draft.partner_id, draft.company_id) != (partner, company):
                raise UserError(
                    self.env._(
                        "Card %s is no draft of this member: it cannot be issued.", draft.number
                    )
                )
            card = draft.with_context(membership_card_transition=TRANSITION)
            card.write(vals)
        else:
            card = (
                self.with_company(company)
                .with_context(membership_card_transition=TRANSITION)
                .create(vals)
            )
        card = card.with_context(membership_card_transition=False)
        if lot:
            card._membership_consume_blank(lot, location)
        card.with_context(membership_card_issuing=ISSUING)._membership_transition(
            "activate", reason or self.env._("Card issued")
        )
        if collect and card_type.charge_type != "none" and card_type.amount:
            label = dict(card_type._fields["charge_type"]._description_selection(self.env))[
                card_type.charge_type
            ]
            card._membership_charge(label, card_type.amount, journal, charge_on_order, reason)
        elif not collect and deposit:
            card._membership_log(
                self.env._(
                    "Deposit of %(amount)s carried over from the replaced card",
                    amount=card.currency_id.format(deposit),
                ),
                reason,
            )
        return card

    def _membership_charge(self, label, amount, journal, on_order, reason):
        """Charge ``amount`` for this card (``label``: issue fee, deposit, replacement
        fee): on the till's order (``on_order``: paid with it, said in the chatter when it
        is), else as a posted customer payment in ``journal``. The chatter says which."""
        self.ensure_one()
        money = self.currency_id.format(amount)
        if on_order:
            what = self.env._(
                "%(charge)s of %(amount)s charged on the till's order", charge=label, amount=money
            )
        else:
            payment = self._membership_book_payment(
                amount,
                journal,
                "inbound",
                memo=self.env._("%(charge)s, card %(number)s", charge=label, number=self.number),
            )
            what = self.env._(
                "%(charge)s of %(amount)s paid through %(journal)s (%(payment)s)",
                charge=label,
                amount=money,
                journal=journal.name,
                payment=payment.name,
            )
        self._membership_log(what, reason)

    def _membership_consume_blank(self, lot, location):
        """Move the blank card's serial out of the shop's stock to the member."""
        self.ensure_one()
        if not location:
            raise UserError(
                self.env._("Shop Stock: choose the stock location the blank card comes from.")
            )
        quant = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("lot_id", "=", lot.id),
                    ("location_id", "child_of", location.id),
                    ("quantity", ">", 0),
                ],
                limit=1,
            )
        )  # sudo: cashiers hand out cards without Inventory rights; the move is checked here.
        if not quant:
            raise UserError(
                self.env._(
                    "Blank Card Serial: %(serial)s is not in stock at %(location)s.",
                    serial=lot.name,
                    location=location.display_name,
                )
            )
        product = lot.product_id
        destination = self.partner_id.property_stock_customer or self.env.ref(
            "stock.stock_location_customers"
        )
        move = (
            self.env["stock.move"]
            .sudo()
            .create(
                {
                    "product_id": product.id,
                    "product_uom": product.uom_id.id,
                    "product_uom_qty": 1.0,
                    "location_id": quant.location_id.id,
                    "location_dest_id": destination.id,
                    "company_id": self.company_id.id,
                    "origin": self.number,
                    "partner_id": self.partner_id.id,
                    "move_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_id": product.uom_id.id,
                                "lot_id": lot.id,
                                "quantity": 1.0,
                                "location_id": quant.location_id.id,
                                "location_dest_id": destination.id,
                                "company_id": self.company_id.id,
                            }
                        )
                    ],
                }
            )
        )  # sudo: same reason as above
        move._action_confirm()
        move.picked = True
        move._action_done()
        if move.state != "done":
            raise UserError(self.env._("The blank card %s could not leave the stock.", lot.name))
        return move

    def _membership_book_payment(self, amount, journal, direction, memo=None):
        """Book a deposit or fee taken (inbound) or a deposit paid back (outbound) as a
        posted payment."""
        self.ensure_one()
        if not journal:
            raise UserError(
                self.env._(
                    "Journal: choose the cash or bank journal of the money taken or paid back "
                    "for card %s.",
                    self.number,
                )
            )
        if journal.company_id != self.company_id or journal.type not in ("cash", "bank"):
            raise UserError(
                self.env._("%s is not a cash or bank journal of the card's company.", journal.name)
            )
        # sudo: cashiers take and refund deposits at the till without accounting rights; the
        # amount comes from the card and the journal was checked just above.
        payment = (
            self.env["account.payment"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "payment_type": direction,
                    "partner_type": "customer",
                    "partner_id": self.partner_id.commercial_partner_id.id,
                    "amount": amount,
                    "currency_id": self.currency_id.id,
                    "journal_id": journal.id,
                    "memo": memo or self.env._("Card deposit %s", self.number),
                }
            )
        )
        payment.action_post()
        # sudo: the payment list is hidden from cashiers, who still take the deposit.
        self.sudo().with_context(membership_card_transition=TRANSITION).payment_ids = [
            Command.link(payment.id)
        ]
        return payment

    @api.private
    def _membership_hold_deposit(self, amount, order):
        """Hold on this card the deposit paid on a POS ``order`` (a member enrolled at the
        till): from now on it is paid back when the card is returned."""
        self.ensure_one()
        self.with_context(membership_card_transition=TRANSITION).write({"deposit_amount": amount})
        self._membership_log(
            self.env._(
                "Deposit of %(amount)s paid on order %(order)s",
                amount=self.currency_id.format(amount),
                order=order.name,
            ),
            False,
        )

    @api.private
    def _membership_log_fee_paid(self, amount, order):
        """Say in the chatter that a card fee was paid on a POS ``order``."""
        self.ensure_one()
        self._membership_log(
            self.env._(
                "Card fee of %(amount)s paid on order %(order)s",
                amount=self.currency_id.format(amount),
                order=order.name,
            ),
            False,
        )
