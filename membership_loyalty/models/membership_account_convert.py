from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .membership_account import POINTS_DIGITS


class MembershipAccount(models.Model):
    """Points converted into wallet credit: a points debit and a wallet bonus credit."""

    _inherit = "membership.account"

    @api.private
    def _membership_convert_points(self, points, key, card=None, reason=None):
        """Convert ``points`` into wallet bonus credit at the company's rate, once per key.

        Both moves are posted under ``key`` (each ledger's keys are its own) in one
        savepoint: either both are posted or neither. The credit is computed here from the
        rate, never taken from the caller, and is bonus credit: spent like money, booked as
        a marketing expense into the deposits when spent, never paid out on a card return.
        Asking again under the same key returns the conversion already posted (the same
        number of points), so a retried call converts once. Returns (points move, wallet
        move).
        """
        self.ensure_one()
        Points = self.env["membership.points.move"]
        Wallet = self.env["membership.wallet.move"]
        existing = Points._membership_find_posted(key)
        if existing:
            existing._membership_check_same({"account_id": self.id})
            if existing.kind != "convert" or float_compare(
                -existing.points, float(points or 0.0), precision_digits=POINTS_DIGITS
            ):
                raise UserError(
                    self.env._("This conversion was already posted with other figures.")
                )
            return existing, Wallet._membership_find_posted(key)
        points = self._membership_check_points(points)
        credit = self._membership_convert_credit(points)
        with self.env.cr.savepoint():
            points_move = self._membership_points_redeem(
                points,
                key,
                kind="convert",
                card=card,
                extra={"reason": reason or False},
            )
            wallet_move = Wallet._membership_post(
                {
                    "account_id": self.id,
                    "kind": "convert",
                    "bonus_amount": credit,
                    "idempotency_key": key,
                    "reason": reason or self.env._("%(points)s points converted", points=points),
                }
            )
        return points_move, wallet_move

    def _membership_convert_credit(self, points):
        """The wallet credit ``points`` buy, or a clear refusal (no conversion offered,
        below the minimum)."""
        self.ensure_one()
        company = self.company_id
        if company.membership_convert_rate <= 0:
            raise UserError(self.env._("Points cannot be converted into wallet credit here."))
        minimum = company.membership_convert_min_points
        if float_compare(points, minimum, precision_digits=POINTS_DIGITS) < 0:
            raise UserError(
                self.env._(
                    "At least %(min)s points must be converted at once (%(asked)s asked).",
                    min=minimum,
                    asked=points,
                )
            )
        credit = self._membership_round(points * company.membership_convert_rate)
        if credit <= 0:
            raise UserError(self.env._("%s points buy no wallet credit.", points))
        return credit

    @api.private
    def _membership_convert_preview(self):
        """What the till shows of the conversion: rate, minimum, or False when off."""
        self.ensure_one()
        company = self.company_id
        if company.membership_convert_rate <= 0:
            return False
        return {
            "rate": company.membership_convert_rate,
            "min_points": company.membership_convert_min_points,
        }
