from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    membership_package_liability_account_id = fields.Many2one(
        related="company_id.membership_package_liability_account_id", readonly=False
    )
    membership_package_revenue_account_id = fields.Many2one(
        related="company_id.membership_package_revenue_account_id", readonly=False
    )
    membership_sms_package_expiring = fields.Boolean(
        related="company_id.membership_sms_package_expiring", readonly=False
    )
