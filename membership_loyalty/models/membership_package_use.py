from odoo import api, models
from odoo.exceptions import UserError

from .membership_package import STATES


class MembershipPackage(models.Model):
    """Using a package at the till: take uses of a service, give back the uses of a
    refunded service line."""

    _inherit = "membership.package"

    @api.private
    def _membership_use(self, pline, uses, key, day, order_line=None):
        """Take ``uses`` of the service ``pline`` of this package (a locked count: never
        below zero, even with tills racing), recognising their share of the deferred
        revenue. Refused after the package lapsed on ``day``."""
        self.ensure_one()
        Move = self.env["membership.package.move"]
        existing = self._membership_lock(posted_key=key)
        if existing:
            return existing
        if self.expire_date and day > self.expire_date:
            raise UserError(
                self.env._(
                    "%(package)s lapsed on %(date)s.",
                    package=self.type_name,
                    date=self.expire_date,
                )
            )
        if self.state != "active" or pline.uses_left < uses:
            raise UserError(
                self.env._(
                    "%(member)s has %(left)s use(s) of %(service)s left: %(asked)s cannot be used.",
                    member=self.partner_id.display_name,
                    left=pline.uses_left if self.state == "active" else 0,
                    service=pline.display_service,
                    asked=uses,
                )
            )
        return Move._membership_post(
            {
                "package_id": self.id,
                "package_line_id": pline.id,
                "kind": "use",
                "uses": -uses,
                "amount": -self._membership_value_of(uses),
                "idempotency_key": key,
                "pos_order_id": order_line.order_id.id if order_line else False,
                "pos_order_line_id": order_line.id if order_line else False,
            },
            looked_up=True,
        )

    @api.private
    def _membership_give_back(self, use_move, uses, key, reason, order_line=None):
        """Give back ``uses`` taken by ``use_move`` (a refunded service line), with the
        revenue they recognised; never more than it took, never to a lapsed or refunded
        package."""
        self.ensure_one()
        Move = self.env["membership.package.move"]
        existing = Move._membership_find_posted(key)
        if existing:
            return existing
        self._membership_lock()
        if self.state in ("expired", "refunded"):
            raise UserError(
                self.env._(
                    "%(package)s is %(state)s: the use cannot be given back.",
                    package=self.type_name,
                    state=dict(STATES)[self.state].lower(),
                )
            )
        taken = -use_move.uses
        # sudo: every earlier give-back of this use counts, whoever recorded it
        given = sum(Move.sudo().search([("origin_move_id", "=", use_move.id)]).mapped("uses"))
        if uses > taken - given:
            raise UserError(
                self.env._(
                    "%(given)s of the %(taken)s use(s) were already given back.",
                    given=given,
                    taken=taken,
                )
            )
        amount = self.currency_id.round(-use_move.amount * uses / taken)
        return Move._membership_post(
            {
                "package_id": self.id,
                "package_line_id": use_move.package_line_id.id,
                "kind": "return",
                "uses": uses,
                "amount": amount,
                "idempotency_key": key,
                "reason": reason,
                "origin_move_id": use_move.id,
                "pos_order_id": order_line.order_id.id if order_line else False,
                "pos_order_line_id": order_line.id if order_line else False,
            }
        )
