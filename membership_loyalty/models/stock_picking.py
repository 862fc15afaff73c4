from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _create_move_from_pos_order_lines(self, lines):
        """Gifts handed out at the till leave from (and come back to) their gift location,
        in the order's picking: the only stock move of the gift."""
        gift_lines = lines.filtered(
            lambda line: line.membership_gift_id or line.refunded_orderline_id.membership_gift_id
        )
        if not gift_lines:
            return super()._create_move_from_pos_order_lines(lines)
        if lines - gift_lines:
            super()._create_move_from_pos_order_lines(lines - gift_lines)
        # One call per gift: lines of a gift product sold normally keep the shop location.
        gifts = gift_lines.membership_gift_id | gift_lines.refunded_orderline_id.membership_gift_id
        for gift in gifts:
            super(
                StockPicking, self.with_context(membership_gift_location=gift.location_id.id)
            )._create_move_from_pos_order_lines(
                gift_lines.filtered(
                    lambda line, g=gift: (
                        (line.membership_gift_id or line.refunded_orderline_id.membership_gift_id)
                        == g
                    )
                )
            )
        return None

    def _prepare_stock_move_vals(self, first_line, order_lines):
        vals = super()._prepare_stock_move_vals(first_line, order_lines)
        location = self.env.context.get("membership_gift_location")
        if location:
            vals["location_dest_id" if first_line.qty < 0 else "location_id"] = location
        return vals
