from odoo import fields, models


class MembershipPointsMove(models.Model):
    """Points a member brought along when imported or migrated from another scheme."""

    _inherit = "membership.points.move"

    kind = fields.Selection(
        selection_add=[("opening", "Opening balance")], ondelete={"opening": "cascade"}
    )
