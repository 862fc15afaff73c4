from odoo import fields, models
from odoo.tools import SQL

from ..tools.service_lines import service_amounts_query, service_products_query

CUSTOMER_TYPES = [("member", "Members"), ("non_member", "Non-members")]


class MembershipReportSale(models.Model):
    """One row per paid POS order that sold goods: sales trends of members against
    non-members by year, quarter, month, week and day; sales per person who rang them up
    (staff ranking, with the members' share) and per affiliated salesperson. Sales are goods:
    the order's top-ups and card charges are taken off its amount, and an order of nothing
    else (a top-up alone) is no sale and no visit."""

    _name = "membership.report.sale"
    _inherit = ["membership.report.summary"]
    _description = "Member Sales Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "order_id"
    _depends = {
        "pos.order": [
            "date_order",
            "company_id",
            "session_id",
            "user_id",
            "partner_id",
            "state",
            "amount_total",
            "amount_tax",
            "currency_rate",
        ],
        "pos.order.line": ["order_id", "product_id", "price_subtotal", "price_subtotal_incl"],
        "pos.session": ["config_id"],
        "res.company": ["membership_topup_product_id"],
        "res.partner": ["is_member", "member_tier_id", "user_id"],
        "res.users": ["partner_id"],
    }

    order_id = fields.Many2one("pos.order", string="Order", readonly=True)
    date = fields.Datetime(string="Order Date", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    config_id = fields.Many2one("pos.config", string="Point of Sale", readonly=True)
    cashier_id = fields.Many2one("res.users", string="Cashier", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    is_member = fields.Boolean(string="Member Sale", readonly=True)
    customer_type = fields.Selection(CUSTOMER_TYPES, string="Member / Non-member", readonly=True)
    tier_id = fields.Many2one("membership.tier", string="Tier", readonly=True)
    salesperson_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        help="Salesperson the customer is affiliated with.",
    )
    seller_id = fields.Many2one(
        "res.partner",
        string="Sold By",
        readonly=True,
        help="Who rang up the sale: the employee logged in at the till (Point of Sale HR), "
        "else the till's user.",
    )
    is_refund = fields.Boolean(readonly=True)
    order_count = fields.Integer(
        string="Orders", readonly=True, help="Sales of goods (a visit); refunds count none."
    )
    amount_total = fields.Float(string="Sales", readonly=True)
    amount_untaxed = fields.Float(string="Sales w/o Tax", readonly=True)
    average_basket = fields.Float(readonly=True, aggregator="avg")
    member_amount_total = fields.Float(string="Member Sales", readonly=True)
    member_share = fields.Float(
        string="Member Share (%)",
        readonly=True,
        aggregator="avg",
        help="Member sales as a percentage of all sales (of the group's sales, not an "
        "average of orders).",
    )

    record_count = fields.Integer(
        string="Records", readonly=True, aggregator=None, help="Orders a row stands for."
    )

    _summary_table = "membership_report_sale_day"
    _summary_keys = (
        "company_id",
        "config_id",
        "cashier_id",
        "seller_id",
        "is_member",
        "tier_id",
        "salesperson_id",
        "is_refund",
    )
    _summary_measures = (
        "record_count",
        "order_count",
        "amount_total",
        "amount_untaxed",
        "average_basket",
        "member_amount_total",
    )
    _summary_fields = ("date", "customer_type", *_summary_keys)
    _summary_aggregates = (
        "order_count:sum",
        "amount_total:sum",
        "amount_untaxed:sum",
        "member_amount_total:sum",
        "average_basket:avg",
        "member_share:avg",
    )

    def _read_group_select(self, aggregate_spec, query):
        # The share of a group is its member sales over its sales, not a mean of 0 and 100.
        if aggregate_spec == "member_share:avg":
            return SQL(
                "100.0 * SUM(%s) / NULLIF(SUM(%s), 0)",
                self._field_to_sql(self._table, "member_amount_total", query),
                self._field_to_sql(self._table, "amount_total", query),
            )
        # A day row's basket column sums its baskets: the mean is over the sales counted.
        if aggregate_spec == "average_basket:avg" and self._summary_context_plan():
            return SQL(
                "SUM(%s) / NULLIF(SUM(%s), 0)",
                self._field_to_sql(self._table, "average_basket", query),
                self._field_to_sql(self._table, "order_count", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    def _summary_source(self, where=None):
        # No GROUP BY over the orders: date, company and member filters reach the indexed
        # pos_order columns; the service lines (few) are summed once per query. With Point
        # of Sale HR the employee logged in at the till rang the sale up; staff are ranked
        # as contacts (an employee's work contact, a user's partner).
        if "employee_id" in self.env["pos.order"]._fields:
            seller = SQL("COALESCE(e.work_contact_id, u.partner_id)")
            employee_join = SQL("LEFT JOIN hr_employee e ON e.id = o.employee_id")
        else:
            seller, employee_join = SQL("u.partner_id"), SQL()
        rate = SQL("COALESCE(NULLIF(o.currency_rate, 0), 1.0)")
        goods = SQL("(o.amount_total - COALESCE(svc.amount_incl, 0))")
        if where:
            # the service lines of the orders read only (the planner does not push the
            # order filter into the grouped subquery)
            services = SQL(
                """SELECT sl.order_id,
                          SUM(sl.price_subtotal_incl) AS amount_incl,
                          SUM(sl.price_subtotal) AS amount_excl
                     FROM pos_order_line sl
                    WHERE sl.product_id IN (%s)
                      AND sl.order_id IN (SELECT so.id FROM pos_order so WHERE %s)
                    GROUP BY sl.order_id""",
                SQL(service_products_query(with_points=False)),
                where("so"),
            )
        else:
            services = SQL(service_amounts_query())
        return SQL(
            """
            SELECT o.id AS row_id,
                   o.id AS order_id,
                   o.date_order AS date,
                   o.company_id AS company_id,
                   s.config_id AS config_id,
                   o.user_id AS cashier_id,
                   o.partner_id AS partner_id,
                   COALESCE(p.is_member, FALSE) AS is_member,
                   p.member_tier_id AS tier_id,
                   p.user_id AS salesperson_id,
                   %(seller)s AS seller_id,
                   %(goods)s < 0 AS is_refund,
                   1 AS record_count,
                   CASE WHEN %(goods)s > 0 THEN 1 ELSE 0 END AS order_count,
                   %(goods)s / %(rate)s AS amount_total,
                   (o.amount_total - o.amount_tax - COALESCE(svc.amount_excl, 0))
                       / %(rate)s AS amount_untaxed,
                   CASE WHEN %(goods)s > 0 THEN %(goods)s / %(rate)s END AS average_basket,
                   CASE WHEN p.is_member THEN %(goods)s / %(rate)s ELSE 0 END
                       AS member_amount_total
              FROM pos_order o
              JOIN pos_session s ON s.id = o.session_id
              LEFT JOIN res_partner p ON p.id = o.partner_id
              LEFT JOIN res_users u ON u.id = o.user_id
              %(employee_join)s
              LEFT JOIN (%(services)s) svc ON svc.order_id = o.id
             WHERE o.state IN ('paid', 'done')
               AND (svc.order_id IS NULL OR %(goods)s <> 0)
               AND %(where)s
            """,
            seller=seller,
            employee_join=employee_join,
            goods=goods,
            rate=rate,
            services=services,
            where=where("o") if where else SQL("TRUE"),
        )

    @property
    def _table_query(self):
        rows, order, partner = self._summary_rows()
        return SQL(
            """
            SELECT r.id, %(order)s AS order_id, r.date, r.company_id, r.config_id,
                   r.cashier_id, %(partner)s AS partner_id, r.is_member,
                   CASE WHEN r.is_member THEN 'member' ELSE 'non_member' END AS customer_type,
                   r.tier_id, r.salesperson_id, r.seller_id, r.is_refund, r.record_count,
                   r.order_count, r.amount_total, r.amount_untaxed, r.average_basket,
                   r.member_amount_total,
                   CASE WHEN r.is_member THEN 100.0 ELSE 0 END AS member_share
              FROM (%(rows)s) r
            """,
            order=order,
            partner=partner,
            rows=rows,
        )
