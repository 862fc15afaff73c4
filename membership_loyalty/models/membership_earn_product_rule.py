from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError


class MembershipEarnProductRule(models.Model):
    """Multiplier of the points a product or product category earns (0 excludes it)."""

    _name = "membership.earn.product.rule"
    _inherit = ["membership.cached.config.mixin"]
    # The mixin clears _membership_rule_maps (cached per company) on any change.
    _description = "Points Product Rule"
    _order = "company_id, product_id, categ_id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    product_id = fields.Many2one("product.product", index=True, ondelete="cascade")
    categ_id = fields.Many2one(
        "product.category", string="Product Category", index=True, ondelete="cascade"
    )
    multiplier = fields.Float(
        required=True, default=1.0, digits=(16, 2), help="0 excludes the products from earning."
    )
    active = fields.Boolean(default=True)

    _multiplier_range = models.Constraint(
        "CHECK (multiplier >= 0 AND multiplier <= 100)",
        "A product multiplier lies between 0 (excluded) and 100.",
    )
    _one_target = models.Constraint(
        "CHECK ((product_id IS NULL) <> (categ_id IS NULL))",
        "A rule applies to either a product or a category.",
    )

    @api.constrains("product_id", "categ_id", "company_id")
    def _check_unique_target(self):
        for rule in self:
            domain = [
                ("id", "!=", rule.id),
                ("company_id", "=", rule.company_id.id),
                ("product_id", "=", rule.product_id.id),
                ("categ_id", "=", rule.categ_id.id),
            ]
            if self.search_count(domain, limit=1):
                raise ValidationError(self.env._("This product or category already has a rule."))

    @api.model
    @tools.ormcache("company_id")
    def _membership_rule_maps(self, company_id):
        """({product id: multiplier}, {category id: multiplier}) of a company's active rules,
        cached: every paid order of a member reads them."""
        # sudo: points rules are configuration every till applies, whoever sells.
        rules = self.sudo().search_fetch(
            [("company_id", "=", company_id)], ["product_id", "categ_id", "multiplier"]
        )
        return (
            tools.frozendict({r.product_id.id: r.multiplier for r in rules if r.product_id}),
            tools.frozendict({r.categ_id.id: r.multiplier for r in rules if r.categ_id}),
        )

    @api.model
    def _membership_multipliers(self, products, company):
        """Return {product id: multiplier}; a product rule beats its category's rules,
        the nearest category beats its parents, and no rule means 1."""
        by_product, by_categ = self._membership_rule_maps(company.id)
        result = {}
        for product in products:
            if product.id in by_product:
                result[product.id] = by_product[product.id]
                continue
            multiplier = 1.0
            if by_categ:
                # parent_path lists the category's ancestors and itself, root first.
                path = (product.categ_id.parent_path or "").split("/")
                for categ_id in reversed([int(part) for part in path if part]):
                    if categ_id in by_categ:
                        multiplier = by_categ[categ_id]
                        break
            result[product.id] = multiplier
        return result
