from odoo import models


class MembershipPointsMove(models.Model):
    """Points moves posted by POS orders know their order (``pos_order_id``)."""

    _name = "membership.points.move"
    _inherit = ["membership.points.move", "membership.pos.origin.mixin"]
