from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..models.membership_card_lifecycle import SUPERVISOR_ACTIONS

SUPERVISOR_GROUP = "membership_loyalty.membership_loyalty_group_supervisor"


class MembershipCardStateWizard(models.TransientModel):
    """Report a card lost, or reactivate a lost, blocked or expired one: the card moves
    through its life cycle and the chatter keeps who did it and why."""

    _name = "membership.card.state.wizard"
    _description = "Change a Membership Card's State"

    card_id = fields.Many2one(
        "membership.card", required=True, default=lambda self: self.env.context.get("active_id")
    )
    transition = fields.Selection(
        [("report_lost", "Report Lost"), ("reactivate", "Reactivate")], required=True
    )
    reason = fields.Char(required=True)

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        # The card checks the level again at confirmation, whoever calls it; refusing here
        # spares a cashier a form they cannot confirm.
        if not self.env.su and not self.env.user.has_group(SUPERVISOR_GROUP):
            if any(w.transition in SUPERVISOR_ACTIONS for w in wizards):
                raise AccessError(
                    self.env._(
                        "You are not allowed to reactivate cards: only a Membership Supervisor may."
                    )
                )
        return wizards

    def action_confirm(self):
        self.ensure_one()
        self.card_id._membership_transition(self.transition, self.reason)
        return {"type": "ir.actions.act_window_close"}
