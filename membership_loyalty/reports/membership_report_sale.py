from odoo import fields, models
from odoo.tools import SQL

from ..tools.service_lines import service_amounts_query
from ..tools.sql_settings import REPORT_SETTINGS, local_settings

CUSTOMER_TYPES = [("member", "Members"), ("non_member", "Non-members")]


class MembershipReportSale(models.Model):
    """One row per paid POS order that sold goods: sales trends of members against
    non-members by year, quarter, month, week and day; sales per person who rang them up
    (staff ranking, with the members' share) and per affiliated salesperson. Sales are goods:
    the order's top-ups and card charges are taken off its amount, and an order of nothing
    else (a top-up alone) is no sale and no visit."""

    _name = "membership.report.sale"
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

    def _read_group_select(self, aggregate_spec, query):
        # The share of a group is its member sales over its sales, not a mean of 0 and 100.
        if aggregate_spec != "member_share:avg":
            return super()._read_group_select(aggregate_spec, query)
        return SQL(
            "100.0 * SUM(%s) / NULLIF(SUM(%s), 0)",
            self._field_to_sql(self._table, "member_amount_total", query),
            self._field_to_sql(self._table, "amount_total", query),
        )

    def _read_group(self, *args, **kwargs):
        with local_settings(self.env.cr, REPORT_SETTINGS):
            return super()._read_group(*args, **kwargs)

    @property
    def _table_query(self):
        # No GROUP BY over the orders: date, company and member filters reach the indexed
        # pos_order columns; the service lines (few) are summed once per query. With Point
        # of Sale HR the employee logged in at the till rang the sale up; staff are ranked
        # as contacts (an employee's work contact, a user's partner).
        if "employee_id" in self.env["pos.order"]._fields:
            seller = "COALESCE(e.work_contact_id, u.partner_id)"
            employee_join = "LEFT JOIN hr_employee e ON e.id = o.employee_id"
        else:
            seller, employee_join = "u.partner_id", ""
        rate = "COALESCE(NULLIF(o.currency_rate, 0), 1.0)"
        goods = "(o.amount_total - COALESCE(svc.amount_incl, 0))"
        return f"""
            SELECT o.id AS id,
                   o.id AS order_id,
                   o.date_order AS date,
                   o.company_id AS company_id,
                   s.config_id AS config_id,
                   o.user_id AS cashier_id,
                   o.partner_id AS partner_id,
                   COALESCE(p.is_member, FALSE) AS is_member,
                   CASE WHEN p.is_member THEN 'member' ELSE 'non_member' END AS customer_type,
                   p.member_tier_id AS tier_id,
                   p.user_id AS salesperson_id,
                   {seller} AS seller_id,
                   {goods} < 0 AS is_refund,
                   CASE WHEN {goods} > 0 THEN 1 ELSE 0 END AS order_count,
                   {goods} / {rate} AS amount_total,
                   (o.amount_total - o.amount_tax - COALESCE(svc.amount_excl, 0))
                       / {rate} AS amount_untaxed,
                   CASE WHEN {goods} > 0 THEN {goods} / {rate} END AS average_basket,
                   CASE WHEN p.is_member THEN {goods} / {rate} ELSE 0 END AS member_amount_total,
                   CASE WHEN p.is_member THEN 100.0 ELSE 0 END AS member_share
              FROM pos_order o
              JOIN pos_session s ON s.id = o.session_id
              LEFT JOIN res_partner p ON p.id = o.partner_id
              LEFT JOIN res_users u ON u.id = o.user_id
              {employee_join}
              LEFT JOIN ({service_amounts_query()}) svc ON svc.order_id = o.id
             WHERE o.state IN ('paid', 'done')
               AND (svc.order_id IS NULL OR {goods} <> 0)
        """
