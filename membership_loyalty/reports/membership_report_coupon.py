from odoo import fields, models

from .membership_report_sale import CUSTOMER_TYPES


class MembershipReportCoupon(models.Model):
    """One row per e-coupon (coupon program card): issued and used, members or not."""

    _name = "membership.report.coupon"
    _description = "E-coupon Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "card_id"
    _depends = {
        "loyalty.card": ["program_id", "company_id", "partner_id", "expiration_date"],
        "loyalty.program": ["program_type"],
        "loyalty.history": ["card_id", "used"],
        "res.partner": ["is_member", "member_tier_id"],
    }

    card_id = fields.Many2one("loyalty.card", string="Coupon", readonly=True)
    date = fields.Datetime(string="Issued On", readonly=True)
    program_id = fields.Many2one("loyalty.program", string="Program", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    is_member = fields.Boolean(string="Member", readonly=True)
    customer_type = fields.Selection(CUSTOMER_TYPES, string="Member / Non-member", readonly=True)
    tier_id = fields.Many2one("membership.tier", string="Tier", readonly=True)
    expiration_date = fields.Date(readonly=True)
    used_date = fields.Datetime(string="First Used On", readonly=True)
    issued_count = fields.Integer(string="Issued", readonly=True)
    used_count = fields.Integer(string="Used", readonly=True)

    @property
    def _table_query(self):
        return """
            SELECT c.id AS id,
                   c.id AS card_id,
                   c.create_date AS date,
                   c.program_id AS program_id,
                   c.company_id AS company_id,
                   c.partner_id AS partner_id,
                   COALESCE(p.is_member, FALSE) AS is_member,
                   CASE WHEN p.is_member THEN 'member' ELSE 'non_member' END AS customer_type,
                   p.member_tier_id AS tier_id,
                   c.expiration_date AS expiration_date,
                   u.used_date AS used_date,
                   1 AS issued_count,
                   CASE WHEN u.used_date IS NULL THEN 0 ELSE 1 END AS used_count
              FROM loyalty_card c
              JOIN loyalty_program pr ON pr.id = c.program_id AND pr.program_type = 'coupons'
              LEFT JOIN res_partner p ON p.id = c.partner_id
              LEFT JOIN LATERAL (
                    SELECT MIN(h.create_date) AS used_date
                      FROM loyalty_history h
                     WHERE h.card_id = c.id AND h.used > 0
                   ) u ON TRUE
        """
