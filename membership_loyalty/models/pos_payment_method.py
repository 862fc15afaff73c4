from odoo import api, fields, models


class PosPaymentMethod(models.Model):
    _inherit = "pos.payment.method"

    membership_is_wallet = fields.Boolean(
        string="Membership Wallet",
        help="Payments with this method are paid from the member's wallet.",
    )

    @api.model
    def _load_pos_data_fields(self, config):
        return [*super()._load_pos_data_fields(config), "membership_is_wallet"]
