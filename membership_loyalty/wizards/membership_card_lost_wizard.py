from odoo import fields, models


class MembershipCardLostWizard(models.TransientModel):
    _name = "membership.card.lost.wizard"
    _description = "Report a Membership Card Lost"

    card_id = fields.Many2one(
        "membership.card", required=True, default=lambda self: self.env.context.get("active_id")
    )
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.card_id._membership_transition("report_lost", self.reason)
        return {"type": "ir.actions.act_window_close"}
