from odoo import api, models


class MembershipCachedConfigMixin(models.AbstractModel):
    """Configuration read through ``tools.ormcache`` lookups (the tier ladder, running
    campaigns, earn rules...): creating, changing or deleting a record clears the registry
    cache so the next lookup reads the new configuration.

    ``_membership_cache_fields``: the fields the cached lookups read. ``None`` (the default)
    means any write clears the cache; a set limits it to writes of those fields.
    """

    _name = "membership.cached.config.mixin"
    _description = "Cached Membership Configuration"

    _membership_cache_fields = None

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        return records

    def write(self, vals):
        res = super().write(vals)
        watched = self._membership_cache_fields
        if watched is None or not watched.isdisjoint(vals):
            self.env.registry.clear_cache()
        return res

    def _update_field_translations(self, field_name, translations, *args, **kwargs):
        # A translated name (a tier's, on the receipt) may be cached per language.
        res = super()._update_field_translations(field_name, translations, *args, **kwargs)
        self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res
