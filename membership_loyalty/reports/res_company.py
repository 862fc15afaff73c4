from odoo import models

# The service products are no goods in the sales reports: another one changes the figures
# of every order, so the report day tables are built again.
SUMMARY_FIELDS = ("membership_topup_product_id", "membership_points_product_id")


class ResCompany(models.Model):
    _inherit = "res.company"

    def write(self, vals):
        if not set(SUMMARY_FIELDS) & set(vals):
            return super().write(vals)
        before = self._membership_summary_products()
        res = super().write(vals)
        if self._membership_summary_products() != before:
            self.env["membership.report.summary"]._cron_rebuild()
        return res

    def _membership_summary_products(self):
        return {(c.id, f, c[f].id) for c in self for f in SUMMARY_FIELDS}
