from odoo import fields, models


class MembershipWalletMove(models.Model):
    """Money a member's wallet held in another scheme when imported or migrated: booked
    once for the whole import in one opening entry onto the customer deposits."""

    _inherit = "membership.wallet.move"

    kind = fields.Selection(
        selection_add=[("opening", "Opening balance")], ondelete={"opening": "cascade"}
    )
