from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.sql_settings import REPORT_SETTINGS, local_settings


class MembershipDashboard(models.TransientModel):
    """Key figures for managers, each one SQL aggregate (no record is ever loaded)."""

    _name = "membership.dashboard"
    _description = "Membership Dashboard"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    member_count = fields.Integer(string="Members", compute="_compute_figures")
    new_member_count = fields.Integer(string="New This Month", compute="_compute_figures")
    active_member_count = fields.Integer(
        string="Active Members",
        compute="_compute_figures",
        help="Visited within the inactivity period of the settings.",
    )
    churn_risk_count = fields.Integer(
        string="Churn Risk", compute="_compute_figures", help="Members in the churn warning."
    )
    member_sales = fields.Monetary(string="Member Sales This Month", compute="_compute_figures")
    other_sales = fields.Monetary(string="Non-member Sales This Month", compute="_compute_figures")
    member_sales_share = fields.Float(
        string="Member Share of Sales", compute="_compute_figures", help="This month."
    )

    def _compute_display_name(self):
        for board in self:
            board.display_name = self.env._("Membership Dashboard")

    @api.depends("company_id")
    def _compute_figures(self):
        now = fields.Datetime.now()
        month_start = fields.Date.context_today(self).replace(day=1)
        Member = self.env["membership.report.member"]
        for board in self:
            company = board.company_id
            own = [("company_id", "in", (company.id, False))]
            limit = now - relativedelta(days=company.membership_inactive_days)
            members, new, active, churn = self._member_counts(
                Member._search(own), month_start, limit, now
            )
            sales = dict(
                self.env["membership.report.sale"]._read_group(
                    [
                        ("company_id", "=", company.id),
                        ("date", ">=", fields.Datetime.to_datetime(month_start)),
                    ],
                    ["is_member"],
                    ["amount_total:sum"],
                )
            )
            board.member_count = members
            board.new_member_count = new
            board.active_member_count = active
            board.churn_risk_count = churn
            board.member_sales = sales.get(True, 0.0)
            board.other_sales = sales.get(False, 0.0)
            total = board.member_sales + board.other_sales
            board.member_sales_share = board.member_sales / total if total else 0.0

    @api.model
    def _member_counts(self, query, month_start, limit, now):
        """Members, new members since ``month_start``, members who visited since ``limit``
        and members in the churn warning, counted in one pass over the member analysis
        ``query`` (its record rules applied), as four read_group counts would (a datetime
        bound to the second). The churn warning's clock runs for the inactivity period of
        the member's company, the first company's for a member of none (as its report)."""
        Member = self.env["membership.report.member"]
        field = lambda name: Member._field_to_sql(Member._table, name, query)  # noqa: E731
        statement = query.select(
            SQL(
                """COUNT(*), COUNT(*) FILTER (WHERE %(since)s >= %(month)s),
                   COUNT(*) FILTER (WHERE %(visit)s >= %(limit)s),
                   COUNT(*) FILTER (WHERE %(inactive)s < %(churn_limit)s)""",
                since=field("member_since"),
                month=month_start,
                visit=field("last_visit"),
                limit=limit.replace(microsecond=0),
                inactive=field("inactive_since"),
                churn_limit=self.env["membership.report.churn"]._churn_limit(
                    field("company_id"), now
                ),
            )
        )
        with local_settings(self.env.cr, REPORT_SETTINGS):
            [counts] = self.env.execute_query(statement)
        return counts

    @api.model
    def action_open_dashboard(self):
        """Open the figures of the user's current company as a saved, read-only record, so
        the form has a title and nothing to save or discard."""
        board = self.create({"company_id": self.env.company.id})
        form = self.env.ref("membership_loyalty.membership_dashboard_view_form")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Membership Dashboard"),
            "res_model": self._name,
            "res_id": board.id,
            "view_mode": "form",
            "views": [(form.id, "form")],
            "target": "current",
        }

    def _open(self, xmlid, domain=None, context=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        if domain is not None:
            action["domain"] = domain
        if context is not None:
            action["context"] = context
        return action

    def action_open_members(self):
        return self._open("membership_loyalty.membership_report_member_action")

    def action_open_new_members(self):
        return self._open("membership_loyalty.membership_report_new_member_action")

    def action_open_churn(self):
        return self._open("membership_loyalty.membership_report_churn_action")

    def action_open_sales(self):
        return self._open("membership_loyalty.membership_report_sale_action")
