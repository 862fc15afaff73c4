from odoo import fields, models


class PosConfig(models.Model):
    _inherit = "pos.config"

    membership_loyalty_warning = fields.Char(
        string="Other Loyalty Programs",
        compute="_compute_membership_loyalty_warning",
        help="Odoo's own loyalty programs that also run on this till beside membership.",
    )

    def _compute_membership_loyalty_warning(self):
        for config in self:
            names = config._membership_other_programs().mapped("name")
            config.membership_loyalty_warning = (
                self.env._(
                    "Odoo's own loyalty programs also run on this till: %(names)s. Members "
                    "would see their points and these programs' points side by side on the "
                    "order and the receipt: restrict these programs to other shops, or end "
                    "them, unless both are wanted.",
                    names=", ".join(names),
                )
                if names
                else False
            )

    def _membership_other_programs(self):
        """Odoo's loyalty programs (Point of Sale Loyalty) active on this till, other than the
        e-coupons members buy with their points. Empty when that module is not installed."""
        self.ensure_one()
        if not hasattr(self, "_get_program_ids"):
            return self.env["loyalty.program"]
        programs = self._get_program_ids()
        ours = self.company_id.membership_coupon_program_id
        return programs.filtered(lambda p: p != ours and p.program_type != "gift_card")
