from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    membership_inactive_days = fields.Integer(
        related="company_id.membership_inactive_days", readonly=False
    )
    membership_cashier_refund_limit = fields.Monetary(
        related="company_id.membership_cashier_refund_limit", readonly=False
    )
    membership_sms_welcome = fields.Boolean(
        related="company_id.membership_sms_welcome", readonly=False
    )
    membership_sms_purchase = fields.Boolean(
        related="company_id.membership_sms_purchase", readonly=False
    )
    membership_sms_topup = fields.Boolean(related="company_id.membership_sms_topup", readonly=False)
    membership_sms_birthday = fields.Boolean(
        related="company_id.membership_sms_birthday", readonly=False
    )
    membership_sms_points_expiring = fields.Boolean(
        related="company_id.membership_sms_points_expiring", readonly=False
    )
    membership_sms_tier_upgrade = fields.Boolean(
        related="company_id.membership_sms_tier_upgrade", readonly=False
    )
    membership_sms_quiet_start = fields.Float(
        related="company_id.membership_sms_quiet_start", readonly=False
    )
    membership_sms_quiet_end = fields.Float(
        related="company_id.membership_sms_quiet_end", readonly=False
    )

    membership_refund_abuse_ratio = fields.Float(
        related="company_id.membership_refund_abuse_ratio", readonly=False
    )
