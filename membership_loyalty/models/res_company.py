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
