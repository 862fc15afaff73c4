from odoo import fields, models


class MembershipWalletSettle(models.TransientModel):
    """Supervisor: settle a POS order flagged Member Wallet or Member Points to Review."""

    _name = "membership.wallet.settle"
    _description = "Settle a Held Member Order"

    order_id = fields.Many2one("pos.order", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one(related="order_id.partner_id")
    currency_id = fields.Many2one(related="order_id.currency_id")
    wallet_review = fields.Boolean(related="order_id.membership_wallet_review")
    points_review = fields.Boolean(related="order_id.membership_points_review")
    wallet_balance = fields.Monetary(related="order_id.partner_id.wallet_balance")
    points_balance = fields.Float(related="order_id.partner_id.points_balance")
    mode = fields.Selection(
        [("post", "Post to the member's ledgers now"), ("other", "Settled another way")],
        required=True,
        default="post",
        help="Post now: take the wallet payment and the points used (cash-off, gifts) from "
        "the member (the balances must cover them now), or credit the held top-up or "
        "refund. Settled another way: the difference was paid or returned outside the "
        "member's ledgers; say how.",
    )
    note = fields.Text()

    def action_settle(self):
        self.ensure_one()
        if self.mode == "post":
            self.order_id._membership_settle_post()
        else:
            self.order_id._membership_settle_other(self.note)
        return {"type": "ir.actions.act_window_close"}
