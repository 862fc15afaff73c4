from odoo import api, models

SUMMARY_FIELDS = {
    "order_id",
    "product_id",
    "qty",
    "price_subtotal",
    "price_subtotal_incl",
    "membership_gift_id",
}


class PosOrderLine(models.Model):
    """A line added, changed or removed on an order the report day tables already hold
    moves the order's figures there (a line of a new order changes nothing: it is read
    live)."""

    _inherit = "pos.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env["pos.order"].browse(
            {vals["order_id"] for vals in vals_list if vals.get("order_id")}
        )
        summary = self.env["membership.report.summary"]
        with summary._summary_orders_changing(summary._summary_settled(orders)):
            return super().create(vals_list)

    def write(self, vals):
        if not SUMMARY_FIELDS & set(vals):
            return super().write(vals)
        orders = self.order_id | self.env["pos.order"].browse(vals.get("order_id") or ())
        summary = self.env["membership.report.summary"]
        with summary._summary_orders_changing(summary._summary_settled(orders)):
            return super().write(vals)

    def unlink(self):
        summary = self.env["membership.report.summary"]
        with summary._summary_orders_changing(summary._summary_settled(self.order_id)):
            return super().unlink()
