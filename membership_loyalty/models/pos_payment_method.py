from odoo import fields, models


class PosPaymentMethod(models.Model):
    _inherit = "pos.payment.method"

    membership_is_wallet = fields.Boolean(
        string="Membership Wallet",
        help="Payments with this method are paid from the member's wallet.",
    )
