from odoo import fields, models


class MembershipCardReplaceWizard(models.TransientModel):
    _name = "membership.card.replace.wizard"
    _inherit = ["membership.wizard.journal.mixin", "membership.wizard.blank.card.mixin"]
    _description = "Replace a Membership Card"

    card_id = fields.Many2one(
        "membership.card", required=True, default=lambda self: self.env.context.get("active_id")
    )
    company_id = fields.Many2one(related="card_id.company_id")
    blank_product_id = fields.Many2one(related="card_id.card_type_id.blank_product_id")
    lot_id = fields.Many2one(string="New Blank Card Serial")
    chip_uid = fields.Char(string="New Chip UID")
    currency_id = fields.Many2one(related="card_id.currency_id")
    fee_amount = fields.Monetary(
        related="card_id.card_type_id.replacement_fee",
        string="Replacement Fee",
        currency_field="currency_id",
    )
    journal_id = fields.Many2one(
        string="Fee Paid In", help="Cash or bank journal that received the replacement fee."
    )
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        new_card = self.card_id._membership_replace(
            self.reason,
            lot=self.lot_id,
            location=self.location_id,
            chip_uid=self.chip_uid,
            journal=self.journal_id,
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "membership.card",
            "res_id": new_card.id,
            "view_mode": "form",
        }
