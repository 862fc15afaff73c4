from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    membership_inactive_days = fields.Integer(
        related="company_id.membership_inactive_days", readonly=False
    )
    membership_cashier_refund_limit = fields.Monetary(
        related="company_id.membership_cashier_refund_limit", readonly=False
    )
