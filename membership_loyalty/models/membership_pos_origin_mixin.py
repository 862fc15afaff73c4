from odoo import api, fields, models


class MembershipPosOriginMixin(models.AbstractModel):
    """The POS side of a ledger move: the order it was posted for, read from its generic
    origin (``origin_model``/``origin_id``) and stored, so that reports, SQL views and the
    session's accounting join on it and a move is found from its order."""

    _name = "membership.pos.origin.mixin"
    _description = "Membership Move Posted by a POS Order"

    pos_order_id = fields.Many2one(
        "pos.order",
        compute="_compute_pos_order_id",
        store=True,
        precompute=True,
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )

    @api.depends("origin_model", "origin_id")
    def _compute_pos_order_id(self):
        for move in self:
            is_order = move.origin_model == "pos.order" and move.origin_id
            move.pos_order_id = move.origin_id if is_order else False
