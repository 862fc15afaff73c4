from odoo import fields, models


class MembershipCardReturnWizard(models.TransientModel):
    _name = "membership.card.return.wizard"
    _inherit = ["membership.wizard.journal.mixin"]
    _description = "Return a Membership Card"

    card_id = fields.Many2one(
        "membership.card", required=True, default=lambda self: self.env.context.get("active_id")
    )
    company_id = fields.Many2one(related="card_id.company_id")
    currency_id = fields.Many2one(related="card_id.currency_id")
    deposit_amount = fields.Monetary(related="card_id.deposit_amount", string="Deposit to Refund")
    journal_id = fields.Many2one(string="Pay Out Through")
    reason = fields.Char(required=True)
    pin = fields.Char(
        string="Member's Wallet PIN",
        help="Paying the wallet out needs the member's card read by a shop reader, the "
        "member's PIN typed here, or a Membership Supervisor.",
    )
    pin_message = fields.Char(readonly=True)

    def action_confirm(self):
        self.ensure_one()
        pin_verified = False
        if self.pin:
            status = self.card_id.partner_id._membership_pin_verify(self.pin)
            if status != "ok":
                # No exception: the wrong try must stay counted towards the PIN lock.
                self.write({"pin": False, "pin_message": self._pin_refusal(status)})
                return {
                    "type": "ir.actions.act_window",
                    "res_model": self._name,
                    "res_id": self.id,
                    "view_mode": "form",
                    "target": "new",
                }
            pin_verified = True
        self.card_id._membership_return(self.reason, self.journal_id, pin_verified=pin_verified)
        return {"type": "ir.actions.act_window_close"}

    def _pin_refusal(self, status):
        if status == "locked":
            return self.env._("The member's PIN is locked: a Supervisor unlocks it or pays out.")
        return self.env._("Wrong PIN: nothing was paid out.")
