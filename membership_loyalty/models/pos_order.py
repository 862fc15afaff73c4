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
        """Post the paid orders of members to their ledgers and update their figures.

        Runs in the transaction that marks the orders paid (the POS sync): points earned and
        used, wallet money spent or topped up are computed from the stored order and keyed
        by its uuid, so a re-sent order posts nothing more.
        """
        # sudo: ledgers and member figures are written by the system on behalf of the till;
        # the cashier's rights were checked when the order itself was validated.
        Account = self.env["membership.account"].sudo()
        Sms = self.env["membership.sms"].sudo()
        for member in self.partner_id.filtered("is_member"):
            orders = self.filtered(lambda o, m=member: o.partner_id == m)
            for order in orders:
                Account._membership_post_order(order)
            member.sudo()._membership_record_orders(orders)
            member.sudo()._membership_check_upgrade()
            for order in orders.filtered(lambda o: o.amount_total > 0):
                Sms._membership_notify(
                    "purchase", member, {"amount": order.amount_total}, key=order.uuid
                )
