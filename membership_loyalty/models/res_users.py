from odoo import api, models


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model
    def _load_pos_data_read(self, records, config):
        """The till hides or refuses what its user may not do with member wallets; the
        server checks the same at sync (pos.order._membership_check_till_rights)."""
        read_records = super()._load_pos_data_read(records, config)
        if read_records:
            company = config.company_id
            level = self.env["pos.session"]._membership_till_level(self.env.user)
            read_records[0]["membership_till"] = {
                "level": level,
                "topup_limit": company.membership_topup_cashier_limit,
                "topup_max": company.membership_wallet_max_topup,
                "refund_limit": company.membership_cashier_refund_limit,
                "pin_threshold": company.membership_pin_threshold,
                "topup_product_id": company.membership_topup_product_id.id,
            }
        return read_records
