from odoo import api, fields, models, tools


class MembershipEarnCampaign(models.Model):
    """Points multiplier over a date range (e.g. double points on a day)."""

    _name = "membership.earn.campaign"
    _inherit = ["membership.cached.config.mixin"]
    # The mixin clears _membership_periods (cached per company) on any change.
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
    @tools.ormcache("company_id")
    def _membership_periods(self, company_id):
        """((date_from, date_to, multiplier), ...) of a company's active campaigns, cached:
        every paid order of a member reads them."""
        # sudo: points rules are configuration every till applies, whoever sells.
        campaigns = self.sudo().search_fetch(
            [("company_id", "=", company_id)], ["date_from", "date_to", "multiplier"]
        )
        return tuple((c.date_from, c.date_to, c.multiplier) for c in campaigns)

    @api.model
    def _membership_multiplier(self, company, day):
        """The best multiplier of the campaigns running on ``day`` (they do not stack)."""
        return max(
            (
                multiplier
                for date_from, date_to, multiplier in self._membership_periods(company.id)
                if date_from <= day <= date_to
            ),
            default=1.0,
        )
