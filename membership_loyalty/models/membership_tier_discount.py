from odoo import fields, models


class MembershipTierDiscount(models.Model):
    _name = "membership.tier.discount"
    _inherit = ["membership.cached.config.mixin"]
    # The mixin clears membership.tier._membership_discount_map on any change.
    _description = "Membership Tier Category Discount"
    _order = "tier_id, category_id"

    tier_id = fields.Many2one("membership.tier", required=True, ondelete="cascade", index=True)
    category_id = fields.Many2one("product.category", string="Product Category", required=True)
    discount = fields.Float(string="Discount (%)", digits=(16, 2), required=True)

    _discount_range = models.Constraint(
        "CHECK (discount > 0 AND discount <= 100)", "A tier discount is between 0 and 100%."
    )
    _category_unique = models.Constraint(
        "UNIQUE (tier_id, category_id)", "A tier has one discount per product category."
    )
