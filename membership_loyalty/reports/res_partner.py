from odoo import models

# The sales reports group a customer's orders by their member status, tier and salesperson
# of today: a change moves the orders' figures in the report day tables.
SUMMARY_FIELDS = {"is_member", "member_tier_id", "user_id"}


class ResPartner(models.Model):
    _inherit = "res.partner"

    def write(self, vals):
        if not SUMMARY_FIELDS & set(vals):
            return super().write(vals)
        summary = self.env["membership.report.summary"]
        with summary._summary_partners_changing(self.ids):
            return super().write(vals)
