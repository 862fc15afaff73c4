from odoo import api, fields, models


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    membership_package_line_id = fields.Many2one(
        "membership.package.line",
        string="Package Use",
        readonly=True,
        index="btree_not_null",
        help="The line is a service taken from this member's package (at price 0): the use "
        "is posted when the order is synced, if the package allows it.",
    )

    def _membership_amount_excluded(self):
        """The line's amount without taxes as Odoo computes it (what its income account
        is credited with when the session closes), never the till's figure."""
        self.ensure_one()
        order = self.order_id
        taxes = order.fiscal_position_id.map_tax(self.tax_ids)
        price = self.price_unit * (1 - (self.discount or 0.0) / 100.0)
        return taxes.compute_all(
            price, order.currency_id, self.qty, product=self.product_id, partner=order.partner_id
        )["total_excluded"]

    @api.model
    def _load_pos_data_fields(self, config):
        return [*super()._load_pos_data_fields(config), "membership_package_line_id"]
