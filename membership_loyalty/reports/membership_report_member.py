from odoo import fields, models

from ..models.res_partner import AGE_BANDS


class MembershipReportMember(models.Model):
    """One row per member: distribution by region, gender, age band, tier, card type,
    salesperson, and the new-member trend (group by Member Since)."""

    _name = "membership.report.member"
    _inherit = ["membership.report.scan"]
    _description = "Member Analysis"
    _auto = False
    _order = "member_since desc, id desc"
    _rec_name = "partner_id"
    _depends = {
        "res.partner": [
            "is_member",
            "active",
            "company_id",
            "member_since",
            "member_region",
            "member_gender",
            "member_age_band",
            "member_tier_id",
            "user_id",
            "member_enrolled_by_id",
            "member_last_visit",
            "create_date",
            "member_visit_count",
            "member_total_spent",
            "member_card_type_id",
        ],
        "membership.card": ["partner_id", "state", "card_type_id"],
        "res.users": ["partner_id"],
    }

    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    member_since = fields.Date(readonly=True)
    region = fields.Char(readonly=True)
    gender = fields.Selection(
        [("male", "Male"), ("female", "Female"), ("other", "Other")], readonly=True
    )
    age_band = fields.Selection(AGE_BANDS, readonly=True)
    tier_id = fields.Many2one("membership.tier", string="Tier", readonly=True)
    card_type_id = fields.Many2one(
        "membership.card.type",
        string="Card Type",
        readonly=True,
        help="Type of the member's newest active card.",
    )
    salesperson_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    enrolled_by_id = fields.Many2one(
        "res.partner",
        string="Enrolled By",
        readonly=True,
        help="Who enrolled the member (the cashier or employee at the till), else the "
        "member's salesperson.",
    )
    last_visit = fields.Datetime(readonly=True)
    inactive_since = fields.Datetime(
        readonly=True,
        help="Last visit, else enrolment, else creation: what the churn warning counts from.",
    )
    member_count = fields.Integer(string="Members", readonly=True)
    visit_count = fields.Integer(string="Visits", readonly=True)
    total_spent = fields.Float(readonly=True)

    @property
    def _table_query(self):
        # A plain projection of res_partner (no GROUP BY): PostgreSQL pushes the search
        # filters down to the partner table, and read_group does the aggregation. The
        # card type is the one stored on the member (its newest active card's), so
        # grouping by it reads no card.
        return """
            SELECT p.id AS id,
                   p.id AS partner_id,
                   p.company_id AS company_id,
                   p.member_since AS member_since,
                   p.member_region AS region,
                   p.member_gender AS gender,
                   p.member_age_band AS age_band,
                   p.member_tier_id AS tier_id,
                   p.member_card_type_id AS card_type_id,
                   p.user_id AS salesperson_id,
                   COALESCE(p.member_enrolled_by_id, su.partner_id) AS enrolled_by_id,
                   p.member_last_visit AS last_visit,
                   COALESCE(p.member_last_visit, p.member_since, p.create_date)
                       AS inactive_since,
                   1 AS member_count,
                   COALESCE(p.member_visit_count, 0) AS visit_count,
                   COALESCE(p.member_total_spent, 0) AS total_spent
              FROM res_partner p
              LEFT JOIN res_users su ON su.id = p.user_id
             WHERE p.is_member AND p.active
        """
