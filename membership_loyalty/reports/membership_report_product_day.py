from odoo import fields, models


class MembershipReportProductDay(models.Model):
    """Day totals of the member product analysis, per point of sale, customer (member or
    not, tier) and product: what its pivots and graphs read instead of every order line
    (membership.report.summary says how they stay exact). Written only in SQL."""

    _name = "membership.report.product.day"
    _description = "Member Product Sales per Day"
    _log_access = False
    _order = "date desc, id desc"

    date = fields.Datetime(required=True, help="Local midnight starting the day (in UTC).")
    company_id = fields.Many2one("res.company", index=True)
    config_id = fields.Many2one("pos.config", string="Point of Sale")
    is_member = fields.Boolean(string="Member Sale")
    tier_id = fields.Many2one("membership.tier", string="Tier")
    product_id = fields.Many2one("product.product", string="Product")
    record_count = fields.Integer(string="Records")
    qty = fields.Float(string="Quantity", digits=0)
    amount_total = fields.Float(string="Sales", digits=0)

    _date_company_idx = models.Index("(date, company_id)")

    def init(self):
        # On install (and on an update that created the table): fill it from the orders.
        self.env["membership.report.product"]._summary_init()
