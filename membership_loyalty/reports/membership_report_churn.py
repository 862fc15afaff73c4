from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class MembershipReportChurn(models.Model):
    """Members without a visit for longer than their company's inactivity period.

    The row id is the partner id, so a selection of rows is a selection of members."""

    _name = "membership.report.churn"
    _inherit = ["membership.report.scan"]
    _description = "Churn Warning"
    _auto = False
    _order = "total_spent desc, id"
    _rec_name = "partner_id"
    _depends = {
        "res.partner": [
            "is_member",
            "active",
            "company_id",
            "phone",
            "member_since",
            "member_region",
            "member_tier_id",
            "user_id",
            "member_last_visit",
            "member_visit_count",
            "member_total_spent",
        ],
        "res.company": ["membership_inactive_days"],
    }

    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    phone = fields.Char(readonly=True)
    tier_id = fields.Many2one("membership.tier", string="Tier", readonly=True)
    region = fields.Char(readonly=True)
    salesperson_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    last_visit = fields.Datetime(readonly=True)
    days_inactive = fields.Integer(
        string="Days Without Visit",
        readonly=True,
        aggregator="avg",
        help="Days since the last visit, or since enrolment for members who never came.",
    )
    visit_count = fields.Integer(string="Visits", readonly=True)
    total_spent = fields.Float(string="Value", readonly=True)
    member_count = fields.Integer(string="Members", readonly=True)

    @property
    def _table_query(self):
        # The clock comes from Python (not NOW()) so the report follows the server's time.
        now = fields.Datetime.now()
        return SQL(
            """
            SELECT p.id AS id,
                   p.id AS partner_id,
                   p.company_id AS company_id,
                   p.phone AS phone,
                   p.member_tier_id AS tier_id,
                   p.member_region AS region,
                   p.user_id AS salesperson_id,
                   p.member_last_visit AS last_visit,
                   (%(today)s::date - COALESCE(p.member_last_visit::date, p.member_since,
                                            p.create_date::date)) AS days_inactive,
                   COALESCE(p.member_visit_count, 0) AS visit_count,
                   COALESCE(p.member_total_spent, 0) AS total_spent,
                   1 AS member_count
              FROM res_partner p
             WHERE p.is_member AND p.active
               AND COALESCE(p.member_last_visit, p.member_since, p.create_date) < %(limit)s
            """,
            today=now.date(),
            limit=self._churn_limit(SQL("p.company_id"), now),
        )

    @api.model
    @api.private
    def _churn_limit(self, company, now):
        """SQL: the time before which a member of ``company`` (an SQL expression, NULL for
        a member of none) is in the churn warning, ``now`` less the inactivity period of
        the member's company, the first company's for a member of none. The periods are
        read here, so the statement compares each member with a constant instead of
        joining the companies (every company, archived ones too)."""
        # sudo: the periods of every company, whichever companies the user may read
        companies = (
            self.env["res.company"].sudo().with_context(active_test=False).search([], order="id")
        )
        return SQL(
            "CASE COALESCE(%s, %s) %s END",
            company,
            companies[:1].id,
            SQL(" ").join(
                SQL(
                    "WHEN %s THEN %s::timestamp",
                    c.id,
                    now - timedelta(days=c.membership_inactive_days),
                )
                for c in companies
            ),
        )

    def action_sms_campaign(self):
        """Open the SMS campaign wizard on the selected members (all listed when none)."""
        members = self or self.search([])
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Win Back Members"),
            "res_model": "membership.sms.campaign",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_name": self.env._("Win back %s", fields.Date.context_today(self)),
                "default_domain": repr([("id", "in", members.partner_id.ids)]),
            },
        }

    def action_coupon_campaign(self):
        """Save the selection as a segment and open a draft coupon campaign on it, with a
        control group, so the win-back can be measured."""
        members = self or self.search([])
        today = fields.Date.context_today(self)
        segment = self.env["membership.segment"].create(
            {
                "name": self.env._("Churn warning %s", today),
                "domain": repr([("id", "in", members.partner_id.ids)]),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Win-back Campaign"),
            "res_model": "membership.campaign",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_name": self.env._("Win back %s", today),
                "default_segment_id": segment.id,
                "default_offer_type": "coupon",
                "default_offer_value": 1.0,
                "default_date_from": fields.Date.to_string(today),
            },
        }

    def action_open_members(self):
        members = self or self.search([])
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "membership_loyalty.membership_member_action"
        )
        action["domain"] = [("id", "in", members.partner_id.ids)]
        action["view_mode"] = "list,form"
        action["views"] = [(False, "list"), (False, "form")]
        return action
