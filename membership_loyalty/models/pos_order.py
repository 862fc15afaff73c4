from odoo import models


class PosOrder(models.Model):
    _inherit = "pos.order"

    def action_pos_order_paid(self):
        # Count an order once, even if the paid step is replayed on an order already paid.
        newly_paid = self.filtered(lambda o: o.state == "draft")
        res = super().action_pos_order_paid()
        newly_paid._membership_on_paid()
        return res

    def _membership_on_paid(self):
        """Update the member's figures from the orders that just became paid."""
        for member in self.partner_id.filtered("is_member"):
            orders = self.filtered(lambda o, m=member: o.partner_id == m)
            # sudo: the cashier may not write every member field; the order is already validated.
            member.sudo()._membership_record_orders(orders)
            member.sudo()._membership_check_upgrade()
