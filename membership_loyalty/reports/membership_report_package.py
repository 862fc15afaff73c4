from odoo import fields, models
from odoo.tools import SQL

from ..models.membership_package import STATES


class MembershipReportPackage(models.Model):
    """One row per package sold: its uses bought, used, left and lapsed, and the deferred
    revenue it still holds, to group by package type, store, member or month."""

    _name = "membership.report.package"
    _description = "Prepaid Package Analysis"
    _auto = False
    _order = "date desc, id desc"
    _depends = {
        "membership.package": [
            "type_id",
            "partner_id",
            "company_id",
            "config_id",
            "date",
            "expire_date",
            "state",
            "price",
            "uses_total",
            "uses_left",
            "value_left",
        ],
        "membership.package.move": ["package_id", "kind", "uses", "amount"],
    }

    date = fields.Datetime(string="Sold On", readonly=True)
    expire_date = fields.Date(string="Valid Until", readonly=True)
    type_id = fields.Many2one("membership.package.type", string="Package", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    config_id = fields.Many2one("pos.config", string="Store", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    state = fields.Selection(STATES, readonly=True)
    package_count = fields.Integer(string="Packages Sold", readonly=True)
    price = fields.Monetary(string="Sold For", readonly=True)
    uses_total = fields.Integer(string="Uses Sold", readonly=True)
    uses_used = fields.Integer(string="Uses Consumed", readonly=True)
    uses_left = fields.Integer(string="Uses Outstanding", readonly=True)
    uses_lapsed = fields.Integer(string="Uses Lapsed", readonly=True)
    uses_refunded = fields.Integer(string="Uses Refunded", readonly=True)
    value_left = fields.Monetary(string="Liability", readonly=True)
    revenue = fields.Monetary(string="Revenue Recognised", readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """SELECT p.id, p.date, p.expire_date, p.type_id, p.company_id,
                      c.currency_id, p.config_id, p.partner_id, p.state,
                      1 AS package_count, p.price, p.uses_total,
                      COALESCE(m.used, 0) AS uses_used, p.uses_left,
                      COALESCE(m.lapsed, 0) AS uses_lapsed,
                      COALESCE(m.refunded, 0) AS uses_refunded,
                      p.value_left, COALESCE(m.revenue, 0) AS revenue
                 FROM membership_package p
                 JOIN res_company c ON c.id = p.company_id
            LEFT JOIN (SELECT package_id,
                              -SUM(uses) FILTER (WHERE kind IN ('use', 'return')) AS used,
                              -SUM(uses) FILTER (WHERE kind = 'expire') AS lapsed,
                              -SUM(uses) FILTER (WHERE kind = 'refund') AS refunded,
                              -SUM(amount) FILTER (WHERE kind IN ('use', 'return', 'expire'))
                                  AS revenue
                         FROM membership_package_move
                     GROUP BY package_id) m ON m.package_id = p.id"""
        )
