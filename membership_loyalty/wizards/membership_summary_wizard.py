from dateutil.relativedelta import relativedelta

from odoo import fields, models


def _month_start(self):
    return fields.Date.context_today(self).replace(day=1)


class MembershipSummaryWizard(models.TransientModel):
    _name = "membership.summary.wizard"
    _description = "Print the membership management summary"

    date_from = fields.Date(string="From", required=True, default=_month_start)
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: _month_start(self) + relativedelta(months=1, days=-1),
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    config_id = fields.Many2one(
        "pos.config",
        string="Store",
        domain="[('company_id', '=', company_id)]",
        help="Leave empty for every Point of Sale of the company.",
    )

    _dates_ordered = models.Constraint(
        "CHECK (date_from <= date_to)", "The period cannot end before it starts."
    )

    def action_print(self):
        self.ensure_one()
        data = {
            "date_from": fields.Date.to_string(self.date_from),
            "date_to": fields.Date.to_string(self.date_to),
            "company_id": self.company_id.id,
            "config_id": self.config_id.id,
        }
        return self.env.ref(
            "membership_loyalty.membership_management_summary_action"
        ).report_action(self, data=data)
