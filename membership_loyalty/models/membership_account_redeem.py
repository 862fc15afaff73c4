from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .loyalty_card import COUPON_SERVER


class MembershipAccount(models.Model):
    """Points spent on gifts (real stock moves) and e-coupons (Odoo loyalty coupons)."""

    _inherit = "membership.account"

    @api.private
    def _membership_redeem_gift(self, gift, key, qty=1, card=None, origin=None, move_stock=True):
        """Give ``qty`` of a catalogue gift for its points; fails clearly when out of stock.

        Returns the points move. The stock leaves the gift location in a done stock move,
        unless ``move_stock`` is off: the caller's ``origin`` delivers it itself (a gift
        handed out on a sale leaves in the sale's own delivery), so it is moved once.
        """
        self.ensure_one()
        Points = self.env["membership.points.move"]
        existing = Points._membership_find_posted(key)
        if existing:
            return existing._membership_check_same({"account_id": self.id})
        # A gift its origin delivers (no stock move here) was on offer when chosen: the
        # sale happened, so a gift archived before the sale was posted is still debited.
        if gift.company_id != self.company_id or (move_stock and not gift.active):
            raise UserError(self.env._("This gift is not offered here."))
        if not isinstance(qty, int) or qty <= 0 or qty > 100:
            raise UserError(self.env._("The number of gifts must be between 1 and 100."))
        with self.env.cr.savepoint():
            move = self._membership_points_redeem(
                gift.points_cost * qty, key, kind="gift", origin=origin, card=card
            )
            if move_stock:
                self._membership_gift_stock_move(gift, qty, key)
        return move

    def _membership_gift_stock_move(self, gift, qty, key):
        # sudo: cashiers hand out gifts without inventory rights; the move is traced by key.
        StockMove = self.env["stock.move"].sudo().with_company(self.company_id)
        product = gift.product_id
        available = (
            self.env["stock.quant"].sudo()._get_available_quantity(product, gift.location_id)
        )
        if float_compare(available, qty, precision_rounding=product.uom_id.rounding) < 0:
            raise UserError(
                self.env._(
                    "%(gift)s is out of stock in %(location)s (%(available)s left).",
                    gift=product.display_name,
                    location=gift.location_id.display_name,
                    available=available,
                )
            )
        move = StockMove.create(
            {
                "product_id": product.id,
                "product_uom_qty": qty,
                "product_uom": product.uom_id.id,
                "location_id": gift.location_id.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "origin": self.env._("Loyalty gift %s", key),
            }
        )
        move._action_confirm()
        move._action_assign()
        if float_compare(move.quantity, qty, precision_rounding=product.uom_id.rounding) < 0:
            raise UserError(
                self.env._("%s could not be reserved: out of stock.", product.display_name)
            )
        move.picked = True
        move._action_done()
        return move

    @api.private
    def _membership_redeem_coupon(self, key, card=None):
        """Turn the company's coupon price in points into a coupon of its coupon program.

        The coupon is an ordinary ``loyalty.card``: tills and sales accept it as is.
        Returns the points move; the coupon is on its ``loyalty_card_id``.
        """
        self.ensure_one()
        Points = self.env["membership.points.move"]
        existing = Points._membership_find_posted(key)
        if existing:
            return existing._membership_check_same({"account_id": self.id})
        company = self.company_id
        program = company.membership_coupon_program_id
        cost = company.membership_coupon_points_cost
        if not program or program.program_type != "coupons" or cost <= 0:
            raise UserError(self.env._("No e-coupon can be bought with points in this company."))
        if not program.active:
            raise UserError(self.env._("The e-coupon program %s has ended.", program.name))
        with self.env.cr.savepoint():
            # sudo: cashiers issue coupons without loyalty-program rights.
            coupon = (
                self.env["loyalty.card"]
                .sudo()
                .with_context(membership_coupon_server=COUPON_SERVER)
                .create(
                    {
                        "program_id": program.id,
                        "partner_id": self.partner_id.id,
                        "points": min(program.reward_ids.mapped("required_points"), default=1),
                    }
                )
            )
            move = self._membership_points_redeem(
                cost, key, kind="coupon", card=card, extra={"loyalty_card_id": coupon.id}
            )
        return move

    def _membership_apply_topup_bonus(self, topup_move):
        """Post the bonus credit, bonus points and e-coupon the top-up's amount band gives."""
        rule = self.env["membership.wallet.bonus.rule"]._membership_rule_for(
            topup_move.paid_amount, self.company_id
        )
        if rule.bonus_amount:
            self.env["membership.wallet.move"]._membership_post(
                {
                    "account_id": self.id,
                    "kind": "bonus",
                    "bonus_amount": rule.bonus_amount,
                    "idempotency_key": f"{topup_move.idempotency_key}:bonus",
                    **topup_move._membership_origin_copy(),
                }
            )
        if rule.bonus_points:
            self.env["membership.points.move"]._membership_post(
                {
                    "account_id": self.id,
                    "kind": "bonus",
                    "points": rule.bonus_points,
                    "idempotency_key": f"{topup_move.idempotency_key}:bonus-points",
                    **topup_move._membership_origin_copy(),
                    "expire_date": self._membership_expire_date(fields.Date.context_today(self)),
                }
            )
        if rule.coupon_program_id:
            self._membership_topup_coupon(rule.coupon_program_id, topup_move)
        return topup_move

    def _membership_topup_coupon(self, program, topup_move):
        """Give the member one coupon of ``program`` for ``topup_move``: at most one per
        top-up (a unique link; the top-up itself is posted once per key). A program that
        has ended gives nothing: the money was taken, the top-up stands. The move's origin
        adds what it records of the coupon (``_membership_coupon_vals``,
        ``_membership_coupon_issued``)."""
        # sudo: coupons are issued by the system for whoever took the top-up.
        Card = self.env["loyalty.card"].sudo()
        coupon = Card.search([("membership_topup_move_id", "=", topup_move.id)], limit=1)
        if coupon or not program.active:
            return coupon
        coupon = Card.with_context(membership_coupon_server=COUPON_SERVER).create(
            {
                "program_id": program.id,
                "partner_id": self.partner_id.id,
                "points": min(program.reward_ids.mapped("required_points"), default=1),
                "membership_topup_move_id": topup_move.id,
                **topup_move._membership_coupon_vals(),
            }
        )
        topup_move._membership_coupon_issued(coupon)
        return coupon
