from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools.input_checks import MAX_AMOUNT, check_bounds


class MembershipEarnBand(models.Model):
    """A spending stage: the part of an order above ``amount_from`` earns at ``rate``.

    Stages work like tax brackets: below the first stage the company's base rate applies,
    each stage's rate applies from its threshold up to the next stage's threshold.
    """

    _name = "membership.earn.band"
    _inherit = ["membership.cached.config.mixin"]
    # The mixin clears _membership_stages (cached per company) on any change.
    _description = "Points Spending Stage"
    _order = "company_id, amount_from"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_from = fields.Monetary(string="From Amount", required=True)
    rate = fields.Float(string="Points per Currency Unit", required=True, digits=(16, 4))
    active = fields.Boolean(default=True)

    _amount_from_positive = models.Constraint(
        "CHECK (amount_from > 0)", "A spending stage starts above zero."
    )
    _rate_positive = models.Constraint("CHECK (rate >= 0)", "A stage's rate cannot be negative.")
    _amount_from_uniq = models.Constraint(
        "UNIQUE (company_id, amount_from)", "Two spending stages cannot start at the same amount."
    )

    @api.constrains("amount_from", "rate")
    def _check_membership_bounds(self):
        check_bounds(
            self,
            {"amount_from": (0, MAX_AMOUNT), "rate": (0, 1000)},
        )

    @api.constrains("rate")
    def _check_rate_sane(self):
        for band in self:
            if band.rate > 1000:
                raise ValidationError(self.env._("A stage's rate above 1000 points is absurd."))

    @api.model
    @tools.ormcache("company_id")
    def _membership_stages(self, company_id):
        """((amount_from, rate), ...) of a company's active stages in ascending order,
        cached: every paid order of a member reads them."""
        # sudo: points rules are configuration every till applies, whoever sells.
        bands = self.sudo().search_fetch([("company_id", "=", company_id)], ["amount_from", "rate"])
        return tuple((band.amount_from, band.rate) for band in bands)

    @api.model
    def _membership_points_for(self, amount, company):
        """Points for ``amount`` of eligible spending under the company's stages."""
        if amount <= 0:
            return 0.0
        edges = [(0.0, company.membership_points_per_unit)]
        edges += self._membership_stages(company.id)
        points = 0.0
        for index, (start, rate) in enumerate(edges):
            end = edges[index + 1][0] if index + 1 < len(edges) else amount
            if amount <= start:
                break
            points += (min(amount, end) - start) * rate
        return points
