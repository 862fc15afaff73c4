from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    membership_inactive_days = fields.Integer(
        string="Inactive Member After (days)",
        default=90,
        help="A member without a visit for this many days counts as inactive.",
    )
    membership_cashier_refund_limit = fields.Monetary(
        string="Cashier Refund Limit",
        currency_field="currency_id",
        default=100.0,
        help="Deposit and wallet refunds above this amount need a Membership Supervisor.",
    )

    _membership_inactive_days_positive = models.Constraint(
        "CHECK (membership_inactive_days > 0)",
        "The number of days after which a member is inactive must be positive.",
    )
    _membership_cashier_refund_limit_positive = models.Constraint(
        "CHECK (membership_cashier_refund_limit >= 0)",
        "The cashier refund limit cannot be negative.",
    )

    # Member SMS (sms branch): one switch per automatic message, and quiet hours.
    membership_sms_welcome = fields.Boolean(string="Welcome SMS", default=True)
    membership_sms_purchase = fields.Boolean(string="Purchase SMS", default=False)
    membership_sms_topup = fields.Boolean(string="Top-up SMS", default=True)
    membership_sms_birthday = fields.Boolean(string="Birthday SMS", default=True)
    membership_sms_points_expiring = fields.Boolean(string="Points Expiring SMS", default=True)
    membership_sms_tier_upgrade = fields.Boolean(string="Tier Upgrade SMS", default=True)
    membership_sms_quiet_start = fields.Float(
        string="Quiet Hours From",
        default=21.0,
        help="Member SMS due in the quiet hours (member's local time) wait until they end.",
    )
    membership_sms_quiet_end = fields.Float(string="Quiet Hours Until", default=8.0)

    _membership_sms_quiet_hours_valid = models.Constraint(
        "CHECK (membership_sms_quiet_start >= 0 AND membership_sms_quiet_start < 24"
        " AND membership_sms_quiet_end >= 0 AND membership_sms_quiet_end < 24)",
        "Quiet hours must lie between 00:00 and 23:59.",
    )

    # Analytics (analytics branch): refund share above which a member is "undesirable".
    membership_refund_abuse_ratio = fields.Float(
        string="Refund Abuse Share",
        default=0.3,
        help="Members who refund more than this share of what they bought over 12 months "
        "are flagged as undesirable (0.3 = 30%).",
    )
