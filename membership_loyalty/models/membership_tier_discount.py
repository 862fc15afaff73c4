from odoo import api, fields, models


class MembershipTierDiscount(models.Model):
    _name = "membership.tier.discount"
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

    @api.model_create_multi
    def create(self, vals_list):
        discounts = super().create(vals_list)
        self.env.registry.clear_cache()  # cached per tier: _membership_discount_map
        return discounts

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()  # cached per tier: _membership_discount_map
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()  # cached per tier: _membership_discount_map
        return res
