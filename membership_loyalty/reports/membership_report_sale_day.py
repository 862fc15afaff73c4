from odoo import fields, models


class MembershipReportSaleDay(models.Model):
    """Day totals of the member sales analysis, per point of sale, cashier, seller and
    customer (member or not, tier, salesperson): what its pivots, graphs and the dashboard
    read instead of every order (membership.report.summary says how they stay exact).
    Written only in SQL, by the summary's upkeep: a row is a sum, or a difference after an
    order changed, until the rows of its day are merged."""

    _name = "membership.report.sale.day"
    _description = "Member Sales per Day"
    _log_access = False
    _order = "date desc, id desc"

    date = fields.Datetime(required=True, help="Local midnight starting the day (in UTC).")
    company_id = fields.Many2one("res.company", index=True)
    config_id = fields.Many2one("pos.config", string="Point of Sale")
    cashier_id = fields.Many2one("res.users", string="Cashier")
    seller_id = fields.Many2one("res.partner", string="Sold By")
    is_member = fields.Boolean(string="Member Sale")
    tier_id = fields.Many2one("membership.tier", string="Tier")
    salesperson_id = fields.Many2one("res.users", string="Salesperson")
    is_refund = fields.Boolean()
    record_count = fields.Integer(string="Records")
    order_count = fields.Integer(string="Orders")
    # numeric columns (digits=0), like the order amounts: sums of sums stay exact
    amount_total = fields.Float(string="Sales", digits=0)
    amount_untaxed = fields.Float(string="Sales w/o Tax", digits=0)
    average_basket = fields.Float(string="Baskets", digits=0, help="Sum of the sales' amounts.")
    member_amount_total = fields.Float(string="Member Sales", digits=0)

    _date_company_idx = models.Index("(date, company_id)")

    def init(self):
        # On install (and on an update that created the table): fill it from the orders.
        self.env["membership.report.sale"]._summary_init()
