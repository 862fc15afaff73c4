from odoo import fields, models


class MembershipCardReactivateWizard(models.TransientModel):
    _name = "membership.card.reactivate.wizard"
    _description = "Reactivate a Membership Card"

    card_id = fields.Many2one(
        "membership.card", required=True, default=lambda self: self.env.context.get("active_id")
    )
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        # The card checks the Supervisor level itself, whoever calls it.
        self.card_id._membership_transition("reactivate", self.reason)
        return {"type": "ir.actions.act_window_close"}
