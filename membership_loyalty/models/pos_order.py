from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import float_compare


class PosOrder(models.Model):
    _inherit = "pos.order"

    @api.model
    def _process_order(self, order, existing_order):
        self._membership_check_discounts(order)
        return super()._process_order(order, existing_order)

    def action_pos_order_paid(self):
        res = super().action_pos_order_paid()
        self._membership_on_paid()
        return res

    @api.model
    def _membership_check_discounts(self, order):
        """Refuse an order whose member discounts go beyond the member's tier.

        The till computes the discounts; the server never trusts more than the tier gives."""
        lines = [
            cmd[2]
            for cmd in order.get("lines") or []
            if isinstance(cmd, list | tuple) and len(cmd) == 3 and isinstance(cmd[2], dict)
        ]
        claimed = [vals for vals in lines if vals.get("membership_discount")]
        if not claimed:
            return
        # sudo: POS users without a Membership group may not read tiers; read-only check.
        partner = self.env["res.partner"].sudo().browse(order.get("partner_id") or []).exists()
        tier = partner.member_tier_id if partner.is_member else self.env["membership.tier"]
        allowed = tier._membership_category_discounts() if tier else {}
        products = self.env["product.product"].browse([vals.get("product_id") for vals in claimed])
        categories = {product.id: product.categ_id.id for product in products}
        for vals in claimed:
            limit = allowed.get(categories.get(vals.get("product_id")), 0.0)
            if (
                float_compare(vals["membership_discount"], limit, precision_digits=2) > 0
                or float_compare(
                    vals["membership_discount"], vals.get("discount") or 0.0, precision_digits=2
                )
                > 0
            ):
                raise UserError(
                    self.env._(
                        "Order %(order)s claims a member discount of %(claimed)s%% on a line "
                        "where the member's tier gives %(allowed)s%%.",
                        order=order.get("name") or order.get("uuid"),
                        claimed=vals["membership_discount"],
                        allowed=limit,
                    )
                )

    def _membership_on_paid(self):
        """Update the member's figures from the orders that just became paid."""
        for member in self.partner_id.filtered("is_member"):
            orders = self.filtered(lambda o, m=member: o.partner_id == m)
            # sudo: the cashier may not write every member field; the order is already validated.
            member.sudo()._membership_record_orders(orders)
            member.sudo()._membership_check_upgrade()
