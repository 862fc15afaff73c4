from odoo import api, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    # The tier discounts cover sub-categories and are cached per tier
    # (membership.tier._membership_discount_map): a change of the tree clears them.

    @api.model_create_multi
    def create(self, vals_list):
        categories = super().create(vals_list)
        self.env.registry.clear_cache()
        return categories

    def write(self, vals):
        res = super().write(vals)
        if "parent_id" in vals:
            self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res
