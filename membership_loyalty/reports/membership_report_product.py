from odoo import fields, models
from odoo.tools import SQL

from ..tools.service_lines import service_products_query
from .membership_report_sale import CUSTOMER_TYPES


class MembershipReportProduct(models.Model):
    """One row per line of goods of a paid POS order: top products among members.
    Membership services (top-ups, points cash-off, card charges, gifts) are no goods."""

    _name = "membership.report.product"
    _inherit = ["membership.report.summary"]
    _description = "Member Product Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "product_id"
    _depends = {
        "pos.order.line": [
            "order_id",
            "product_id",
            "qty",
            "price_subtotal_incl",
            "membership_gift_id",
        ],
        "res.company": ["membership_topup_product_id", "membership_points_product_id"],
        "pos.order": [
            "date_order",
            "company_id",
            "session_id",
            "partner_id",
            "state",
            "currency_rate",
        ],
        "pos.session": ["config_id"],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id"],
        "res.partner": ["is_member", "member_tier_id"],
    }

    date = fields.Datetime(string="Order Date", readonly=True)
    order_id = fields.Many2one("pos.order", string="Order", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    config_id = fields.Many2one("pos.config", string="Point of Sale", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    is_member = fields.Boolean(string="Member Sale", readonly=True)
    customer_type = fields.Selection(CUSTOMER_TYPES, string="Member / Non-member", readonly=True)
    tier_id = fields.Many2one("membership.tier", string="Tier", readonly=True)
    product_id = fields.Many2one("product.product", string="Product", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", string="Product Template", readonly=True)
    categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    qty = fields.Float(string="Quantity", readonly=True)
    amount_total = fields.Float(string="Sales", readonly=True)
    buyer_count = fields.Integer(
        string="Buyers",
        readonly=True,
        aggregator="count_distinct",
        help="Distinct customers who bought the product.",
    )

    record_count = fields.Integer(
        string="Records", readonly=True, aggregator=None, help="Lines a row stands for."
    )

    _summary_table = "membership_report_product_day"
    _summary_keys = ("company_id", "config_id", "is_member", "tier_id", "product_id")
    _summary_measures = ("record_count", "qty", "amount_total")
    _summary_fields = ("date", "customer_type", "product_tmpl_id", "categ_id", *_summary_keys)
    _summary_aggregates = ("qty:sum", "amount_total:sum")

    def _summary_source(self, where=None):
        return SQL(
            """
            SELECT l.id AS row_id,
                   o.id AS order_id,
                   o.date_order AS date,
                   o.company_id AS company_id,
                   s.config_id AS config_id,
                   o.partner_id AS partner_id,
                   COALESCE(p.is_member, FALSE) AS is_member,
                   p.member_tier_id AS tier_id,
                   l.product_id AS product_id,
                   1 AS record_count,
                   l.qty AS qty,
                   l.price_subtotal_incl
                       / COALESCE(NULLIF(o.currency_rate, 0), 1.0) AS amount_total
              FROM pos_order_line l
              JOIN pos_order o ON o.id = l.order_id
              JOIN pos_session s ON s.id = o.session_id
              LEFT JOIN res_partner p ON p.id = o.partner_id
             WHERE o.state IN ('paid', 'done')
               AND l.membership_gift_id IS NULL
               AND l.product_id NOT IN (%s)
               AND %s
            """,
            SQL(service_products_query()),
            where("o") if where else SQL("TRUE"),
        )

    @property
    def _table_query(self):
        rows, order, partner = self._summary_rows()
        return SQL(
            """
            SELECT r.id, r.date, %(order)s AS order_id, r.company_id, r.config_id,
                   %(partner)s AS partner_id, r.is_member,
                   CASE WHEN r.is_member THEN 'member' ELSE 'non_member' END AS customer_type,
                   r.tier_id, r.product_id, pp.product_tmpl_id AS product_tmpl_id,
                   pt.categ_id AS categ_id, r.qty, r.amount_total, r.record_count,
                   %(partner)s AS buyer_count
              FROM (%(rows)s) r
              JOIN product_product pp ON pp.id = r.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
            """,
            order=order,
            partner=partner,
            rows=rows,
        )
