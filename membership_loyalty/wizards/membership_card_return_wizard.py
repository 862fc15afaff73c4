from odoo import api, fields, models


class MembershipCardReturnWizard(models.TransientModel):
    _name = "membership.card.return.wizard"
    _description = "Return a Membership Card"

    card_id = fields.Many2one(
        "membership.card", required=True, default=lambda self: self.env.context.get("active_id")
    )
    company_id = fields.Many2one(related="card_id.company_id")
    currency_id = fields.Many2one(related="card_id.currency_id")
    deposit_amount = fields.Monetary(related="card_id.deposit_amount", string="Deposit to Refund")
    journal_id = fields.Many2one(
        "account.journal",
        string="Pay Out Through",
        domain="[('type', 'in', ('cash', 'bank')), ('company_id', '=', company_id)]",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
    )
    reason = fields.Char(required=True)

    @api.depends("card_id")
    def _compute_journal_id(self):
        for wizard in self:
            wizard.journal_id = self.env["account.journal"].search(
                [("type", "=", "cash"), ("company_id", "=", wizard.card_id.company_id.id)], limit=1
            )

    def action_confirm(self):
        self.ensure_one()
        self.card_id._membership_return(self.reason, self.journal_id)
        return {"type": "ir.actions.act_window_close"}
