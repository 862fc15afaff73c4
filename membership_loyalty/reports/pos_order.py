from odoo import models

# What the summarized reports read from an order: a change of one of these on an order the
# day tables already hold moves its figures there.
SUMMARY_FIELDS = {
    "state",
    "date_order",
    "company_id",
    "session_id",
    "user_id",
    "employee_id",
    "partner_id",
    "amount_total",
    "amount_tax",
    "currency_rate",
}


class PosOrder(models.Model):
    _inherit = "pos.order"

    def write(self, vals):
        if not SUMMARY_FIELDS & set(vals):
            return super().write(vals)
        summary = self.env["membership.report.summary"]
        with summary._summary_orders_changing(summary._summary_settled(self)):
            return super().write(vals)

    def unlink(self):
        summary = self.env["membership.report.summary"]
        with summary._summary_orders_changing(summary._summary_settled(self)):
            return super().unlink()
