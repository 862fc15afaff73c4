from odoo import api, models


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model
    def _load_pos_data_read(self, records, config):
        """The till hides or refuses what its user may not do with member wallets, as the
        server decides it (pos.session._membership_till_rights); the sync checks again."""
        read_records = super()._load_pos_data_read(records, config)
        if read_records:
            read_records[0]["membership_till"] = self.env["pos.session"]._membership_till_rights(
                config
            )
        return read_records
