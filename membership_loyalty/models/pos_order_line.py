from odoo import api, fields, models


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    membership_discount = fields.Float(
        string="Member Discount (%)",
        digits=(16, 2),
        readonly=True,
        help="Part of the line discount given by the member's tier; the server checks it "
        "against the tier's category discount when the order is synced.",
    )

    membership_gift_id = fields.Many2one(
        "membership.gift",
        string="Loyalty Gift",
        readonly=True,
        index="btree_not_null",
        help="The line hands out this catalogue gift: its points are debited when the order "
        "is synced, and its stock leaves from the gift location.",
    )

    @api.model
    def _load_pos_data_fields(self, config):
        return [*super()._load_pos_data_fields(config), "membership_discount", "membership_gift_id"]
