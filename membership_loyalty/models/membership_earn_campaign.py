from odoo import api, fields, models


class MembershipEarnCampaign(models.Model):
    """Points multiplier over a date range (e.g. double points on a day)."""

    _name = "membership.earn.campaign"
    _description = "Points Campaign"
    _order = "date_from desc"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    multiplier = fields.Float(required=True, default=2.0, digits=(16, 2))
    active = fields.Boolean(default=True)

    _dates_ordered = models.Constraint(
        "CHECK (date_to >= date_from)", "A campaign ends on or after its first day."
    )
    _multiplier_range = models.Constraint(
        "CHECK (multiplier > 0 AND multiplier <= 100)",
        "A campaign multiplier lies between 0 and 100.",
    )

    @api.model
    def _membership_multiplier(self, company, day):
        """The best multiplier of the campaigns running on ``day`` (they do not stack)."""
        # sudo: points rules are configuration every till applies, whoever sells.
        campaigns = self.sudo().search(
            [("company_id", "=", company.id), ("date_from", "<=", day), ("date_to", ">=", day)]
        )
        return max(campaigns.mapped("multiplier"), default=1.0)
