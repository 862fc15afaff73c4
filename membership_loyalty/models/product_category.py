from odoo import models


class ProductCategory(models.Model):
    """The tier discounts cover sub-categories and are cached per tier
    (membership.tier._membership_discount_map): a change of the tree clears them."""

    _name = "product.category"
    _inherit = ["product.category", "membership.cached.config.mixin"]

    _membership_cache_fields = frozenset({"parent_id"})
