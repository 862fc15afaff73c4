from odoo import api, models


class MembershipWalletMove(models.Model):
    """The POS side of wallet moves: the order a move was posted for, the accounting the
    order's session does for it, and the top-up coupons the order's receipt prints."""

    _name = "membership.wallet.move"
    _inherit = ["membership.wallet.move", "membership.pos.origin.mixin"]

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        # A till's move posted once its session is closed (a held order settled later, a
        # reversal): the session's wallet entry follows at once.
        moves.pos_order_id.session_id.filtered(
            lambda session: session.state == "closed"
        )._membership_book_wallet()
        return moves

    @api.model
    def _membership_booked_by_origin(self, vals):
        """A move made by a POS order is booked by its session: the session closing
        credits top-ups and debits wallet payments on the customer-deposits account (the
        top-up product's income account and the wallet payment method's outstanding
        account), and ``pos.session._membership_book_wallet`` books what it cannot know
        (bonus spent, amounts held for review); so is the reversal of such a move."""
        if vals["kind"] == "reversal":
            if self.browse(vals["reversed_move_id"]).pos_order_id:
                return True
        elif vals.get("origin_model") == "pos.order" and vals.get("origin_id"):
            return True
        return super()._membership_booked_by_origin(vals)

    def _membership_coupon_vals(self):
        vals = super()._membership_coupon_vals()
        if self.pos_order_id:
            vals["source_pos_order_id"] = self.pos_order_id.id
        return vals

    def _membership_coupon_issued(self, coupon):
        """The order that sold the top-up records the coupon's code: its receipt prints it."""
        super()._membership_coupon_issued(coupon)
        order = self.pos_order_id
        if order:
            codes = [
                code for code in (order.membership_topup_coupon_codes or "").split(", ") if code
            ]
            order.membership_topup_coupon_codes = ", ".join([*codes, coupon.code])
