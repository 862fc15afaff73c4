from odoo import api, fields, models


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    # The reports find the membership service lines (top-ups, card charges) by product.
    product_id = fields.Many2one(index=True)

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

    def _membership_amount(self):
        """The line's amount incl. taxes as Odoo computes it from its price, quantity,
        discount and taxes (after the order's fiscal position), never the till's figure.

        The product goes to the tax computation only when a tax formula needs it: the
        amounts do not depend on it otherwise, and it would cost a query per order (its
        account tags)."""
        self.ensure_one()
        order = self.order_id
        taxes = order.fiscal_position_id.map_tax(self.tax_ids)
        price = self.price_unit * (1 - (self.discount or 0.0) / 100.0)
        product = self.product_id if any(tax.amount_type == "code" for tax in taxes) else None
        return taxes.compute_all(
            price, order.currency_id, self.qty, product=product, partner=order.partner_id
        )["total_included"]

    @api.model
    def _load_pos_data_fields(self, config):
        return [*super()._load_pos_data_fields(config), "membership_discount", "membership_gift_id"]
