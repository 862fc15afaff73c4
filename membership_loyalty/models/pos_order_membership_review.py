from odoo import api, models
from odoo.exceptions import AccessError, UserError


class PosOrder(models.Model):
    """Member orders held for a supervisor: the review flags, their reasons in the
    chatter, and settling them."""

    _inherit = "pos.order"

    def action_membership_wallet_settle(self):
        self.ensure_one()
        self._membership_check_settle_rights()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Settle the Member Order"),
            "res_model": "membership.wallet.settle",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def _membership_check_settle_rights(self):
        if not self.env.user.has_group("membership_loyalty.membership_loyalty_group_supervisor"):
            raise AccessError(self.env._("Only Membership Supervisors settle held member orders."))
        if not (self.membership_wallet_review or self.membership_points_review):
            raise UserError(self.env._("This order has nothing held for its member to settle."))

    @api.private
    def _membership_settle_post(self):
        """Supervisor: post now what was held (wallet payment, top-up, refund), keyed as
        the sync would have; refused while the wallet does not cover the payment."""
        self.ensure_one()
        self._membership_check_settle_rights()
        # sudo: ledgers are written by the system; the supervisor's right was checked.
        order = self.sudo()
        order.membership_wallet_review = order.membership_points_review = False
        account = order._membership_post(settling=True)
        if order.membership_wallet_review:
            raise UserError(
                self.env._("The member's wallet still does not cover this order's payment.")
            )
        if order.membership_points_review:
            raise UserError(
                self.env._("The member's points still do not cover what this order used.")
            )
        order._membership_points_record({order.id: account})
        order.env["membership.tier"]._membership_check_upgrade(order.partner_id)
        order.message_post(
            body=self.env._(
                "Member order settled by %s: posted to the wallet and points ledgers.",
                self.env.user.name,
            )
        )

    @api.private
    def _membership_settle_other(self, note):
        self.ensure_one()
        self._membership_check_settle_rights()
        if not (note or "").strip():
            raise UserError(self.env._("Say how the order was settled."))
        # sudo: the flag is readonly for users; the supervisor's right was checked.
        self.sudo().write({"membership_wallet_review": False, "membership_points_review": False})
        self.message_post(
            body=self.env._(
                "Member order settled another way by %(user)s: %(note)s",
                user=self.env.user.name,
                note=note,
            )
        )

    def _membership_hold(self, reasons, points=False):
        """Keep these synced orders and hold them for a supervisor: nothing of theirs is
        posted to the member's ledgers until settled; ``reasons`` go to the chatter."""
        if points:
            self.membership_points_review = True
        else:
            self.membership_wallet_review = True
        body = self.env._(
            "Held for a supervisor, nothing was credited to the member: %s",
            " ".join(reasons),
        )
        for order in self:
            order.message_post(body=body)

    def _membership_flag_wallet_review(self, missing):
        """Flag a synced order whose wallet payment the wallet no longer covers."""
        self.membership_wallet_review = True
        for order in self:
            order.message_post(
                body=self.env._(
                    "The member's wallet lacks %(missing)s to pay this order: nothing was "
                    "taken from the wallet; a supervisor must settle it.",
                    missing=order.currency_id.format(missing),
                )
            )

    @api.model
    @api.private
    def _membership_flag_uncovered_wallet_orders(self):
        """Flag the counted sales whose wallet payment was never taken from the wallet
        nor flagged (up to version 19.0.0.3.0, a sale paid partly from a wallet that no
        longer covered it, the rest earning points, was posted that way), so that a
        supervisor settles them as any other order the wallet did not cover. Orders with
        a note in their chatter were held or settled by a supervisor already and are left
        alone. Returns the orders flagged."""
        self.env.flush_all()  # the query reads orders, payments, moves and messages
        self.env.cr.execute(
            """SELECT o.id
                 FROM pos_order o
                 JOIN pos_payment p ON p.pos_order_id = o.id
                 JOIN pos_payment_method m ON m.id = p.payment_method_id
                WHERE m.membership_is_wallet AND o.membership_counted
                  AND NOT COALESCE(o.membership_wallet_review, FALSE)
                  AND NOT EXISTS (SELECT FROM membership_wallet_move w
                                   WHERE w.idempotency_key = 'pos:' || o.uuid || ':wallet')
                  -- an order held, flagged or settled another way has said so in its chatter
                  AND NOT EXISTS (SELECT FROM mail_message mm
                                   WHERE mm.model = 'pos.order' AND mm.res_id = o.id
                                     AND mm.message_type = 'comment')
                GROUP BY o.id
               HAVING SUM(p.amount) > 0"""
        )
        orders = self.browse(row[0] for row in self.env.cr.fetchall())
        orders.membership_wallet_review = True
        for order in orders:
            order.message_post(
                body=self.env._(
                    "The member's wallet did not cover this order's wallet payment when it "
                    "was synced, and the order was not held then: nothing was taken from "
                    "the wallet; a supervisor must settle it."
                )
            )
        return orders

    def _membership_flag_points_review(self, reason):
        """Flag a synced order whose points use (cash-off, gift) the ledger refused."""
        self.membership_points_review = True
        for order in self:
            order.message_post(
                body=self.env._(
                    "Points used at the till were refused when the order was synced: "
                    "%(reason)s Nothing was taken from the member's points for it; a "
                    "supervisor must settle it.",
                    reason=reason,
                )
            )
