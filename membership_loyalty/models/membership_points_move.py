from odoo import api, fields, models
from odoo.tools import float_round

from .membership_account import POINTS_DIGITS


class MembershipPointsMove(models.Model):
    _name = "membership.points.move"
    _inherit = ["membership.ledger.mixin"]
    _description = "Membership Points Move"

    kind = fields.Selection(
        [
            ("earn", "Earned"),
            ("redeem", "Redeemed"),
            ("gift", "Gift"),
            ("coupon", "E-coupon"),
            ("bonus", "Top-up bonus"),
            ("expire", "Expired"),
            ("reversal", "Reversal"),
            ("adjust", "Manual adjustment"),
            ("convert", "Converted to wallet credit"),
        ],
        required=True,
        readonly=True,
    )
    reversed_move_id = fields.Many2one(
        "membership.points.move", readonly=True, index="btree_not_null"
    )
    points = fields.Float(digits=(16, POINTS_DIGITS), required=True, readonly=True)
    expire_date = fields.Date(
        readonly=True, index="btree_not_null", help="Earned points lapse on this date."
    )

    loyalty_card_id = fields.Many2one(
        "loyalty.card", string="E-coupon", readonly=True, index="btree_not_null"
    )

    _points_not_zero = models.Constraint("CHECK (points <> 0)", "A points move moves points.")

    @api.model
    def _membership_deltas(self, vals):
        return {"points": vals["points"]}

    def _membership_reverse_vals(self, ratio):
        reversed_points = sum(self.search([("reversed_move_id", "=", self.id)]).mapped("points"))
        remaining = float_round(self.points + reversed_points, precision_digits=POINTS_DIGITS)
        points = float_round(-self.points * ratio, precision_digits=POINTS_DIGITS)
        if abs(points) > abs(remaining):
            points = -remaining  # rounding never reverses more than was posted
        return {"kind": "reversal", "points": points, **self._membership_origin_copy()}
