from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero, float_round


class MembershipAccount(models.Model):
    """The wallet side of the account: top-up, spend, refund, payout, adjustments."""

    _inherit = "membership.account"

    def _membership_round(self, amount):
        return float_round(amount, precision_rounding=self.currency_id.rounding)

    def _membership_check_amount(self, amount):
        if not isinstance(amount, (int, float)) or amount != amount:  # NaN
            raise UserError(self.env._("The amount must be a number."))
        if float_compare(amount, 0.0, precision_rounding=self.currency_id.rounding) <= 0:
            raise UserError(self.env._("The amount must be greater than zero."))
        return self._membership_round(amount)

    def _membership_existing_wallet_move(self, key):
        return self.env["membership.wallet.move"]._membership_find_posted(key)

    @api.private
    def _membership_wallet_topup(
        self,
        amount,
        key,
        payment_method=None,
        journal=None,
        card=None,
        reason=None,
        origin=None,
    ):
        """Credit money paid in (cash, card...) and the bonus its amount band earns.

        ``payment_method`` (a payment method flagged ``membership_is_wallet`` when it is
        the wallet itself) or ``journal`` (account.journal) says how it was paid; a wallet
        can never be topped up from a wallet. ``reason``: why a top-up was taken at the
        counter. ``origin``: the record the top-up was sold on (its moves name it).
        """
        self.ensure_one()
        existing = self._membership_existing_wallet_move(key)
        if existing:
            return existing._membership_check_same({"account_id": self.id})
        amount = self._membership_check_amount(amount)
        company = self.company_id
        if float_compare(amount, company.membership_wallet_max_topup, 2) > 0:
            raise UserError(
                self.env._(
                    "A top-up cannot exceed %(max)s.", max=company.membership_wallet_max_topup
                )
            )
        if payment_method and payment_method.membership_is_wallet:
            raise UserError(self.env._("A wallet cannot be topped up with wallet money."))
        vals = {
            "account_id": self.id,
            "kind": "topup",
            "paid_amount": amount,
            "idempotency_key": key,
            "payment_journal_id": journal.id if journal else False,
            "reason": reason or False,
            **self.env["membership.wallet.move"]._membership_origin_vals(origin),
        }
        move = self.env["membership.wallet.move"]._membership_post(vals, card=card)
        self._membership_apply_topup_bonus(move)
        if self.partner_id.is_member:
            # sudo: the outbox is written by the system for whoever took the money.
            self.env["membership.sms"].sudo()._membership_notify(
                "topup", self.partner_id, {"amount": amount}, key=key
            )
        return move

    @api.private
    def _membership_wallet_shortfall(self, amount, key):
        """What the wallet lacks to pay ``amount`` now (0.0 when it covers it, or when the
        payment under ``key`` was already posted). Locks the account for the transaction, so
        a spend that follows in it sees the same balance."""
        self.ensure_one()
        if not key:
            raise UserError(self.env._("A wallet operation needs an idempotency key."))
        self._membership_lock(posted_key=("membership.wallet.move", key))
        if self._membership_existing_wallet_move(key):
            return 0.0
        amount = self._membership_check_amount(amount)
        return max(self._membership_round(amount - self.wallet_balance), 0.0)

    @api.private
    def _membership_wallet_split(self, amount):
        """(paid, bonus): how a spend of ``amount`` (no more than the wallet holds) takes
        from the paid and the bonus balances, in the order the company's setting says."""
        self.ensure_one()
        if self.company_id.membership_wallet_bonus_first:
            bonus = min(amount, self.wallet_bonus_balance)
            return self._membership_round(amount - bonus), bonus
        paid = min(amount, self.wallet_paid_balance)
        return paid, self._membership_round(amount - paid)

    @api.private
    def _membership_wallet_spend(self, amount, key, card=None, origin=None):
        """Pay ``amount`` from the wallet; never overdraws, even with tills racing."""
        self.ensure_one()
        existing = self._membership_existing_wallet_move(key)
        if existing:
            return existing._membership_check_same({"account_id": self.id})
        amount = self._membership_check_amount(amount)
        self._membership_lock()
        if float_compare(amount, self.wallet_balance, precision_rounding=0.0001) > 0:
            raise UserError(
                self.env._(
                    "The wallet of %(member)s holds %(balance)s: %(amount)s cannot be paid.",
                    member=self.partner_id.display_name,
                    balance=self.wallet_balance,
                    amount=amount,
                )
            )
        paid, bonus = self._membership_wallet_split(amount)
        return self.env["membership.wallet.move"]._membership_post(
            {
                "account_id": self.id,
                "kind": "spend",
                "paid_amount": -paid,
                "bonus_amount": -bonus,
                "idempotency_key": key,
                **self.env["membership.wallet.move"]._membership_origin_vals(origin),
            },
            card=card,
        )

    @api.private
    def _membership_wallet_refund(self, amount, key, origin=None, reason=None):
        """Give money back to the wallet for a refunded sale (credited as paid money)."""
        self.ensure_one()
        existing = self._membership_existing_wallet_move(key)
        if existing:
            return existing._membership_check_same({"account_id": self.id})
        amount = self._membership_check_amount(amount)
        return self.env["membership.wallet.move"]._membership_post(
            {
                "account_id": self.id,
                "kind": "refund",
                "paid_amount": amount,
                "idempotency_key": key,
                "reason": reason,
                **self.env["membership.wallet.move"]._membership_origin_vals(origin),
            }
        )

    @api.private
    def _membership_wallet_payout(self, key, journal=None, card=None):
        """Pay the member's money out (card return); the bonus is forfeited per setting.

        Returns the amount paid out.
        """
        self.ensure_one()
        existing = self._membership_existing_wallet_move(key)
        if existing:
            return -existing._membership_check_same({"account_id": self.id}).paid_amount
        self._membership_lock()
        Move = self.env["membership.wallet.move"]
        paid = self.wallet_paid_balance
        bonus = self.wallet_bonus_balance
        if not float_is_zero(paid, precision_rounding=self.currency_id.rounding):
            Move._membership_post(
                {
                    "account_id": self.id,
                    "kind": "payout",
                    "paid_amount": -paid,
                    "idempotency_key": key,
                    "payment_journal_id": journal.id if journal else False,
                },
                card=card,
            )
        if bonus and self.company_id.membership_payout_forfeit_bonus:
            Move._membership_post(
                {
                    "account_id": self.id,
                    "kind": "forfeit",
                    "bonus_amount": -bonus,
                    "idempotency_key": f"{key}:forfeit",
                    "reason": self.env._("Bonus credit forfeited on payout"),
                }
            )
        return paid

    @api.private
    def _membership_wallet_adjust(self, amount, reason, key):
        """Manual correction of the paid balance: Supervisors and up, within the limit."""
        self.ensure_one()
        self._membership_check_adjust_rights(reason)
        existing = self._membership_existing_wallet_move(key)
        if existing:
            return existing._membership_check_same({"account_id": self.id})
        if not amount or abs(amount) > self.company_id.membership_adjust_max_amount:
            raise UserError(
                self.env._(
                    "A manual wallet adjustment must be non-zero and at most %(max)s.",
                    max=self.company_id.membership_adjust_max_amount,
                )
            )
        return self.env["membership.wallet.move"]._membership_post(
            {
                "account_id": self.id,
                "kind": "adjust",
                "paid_amount": self._membership_round(amount),
                "reason": reason,
                "idempotency_key": key,
            }
        )

    def _membership_check_adjust_rights(self, reason):
        if not self.env.user.has_group("membership_loyalty.membership_loyalty_group_supervisor"):
            raise AccessError(self.env._("Only Membership Supervisors may adjust balances."))
        if not (reason or "").strip():
            raise UserError(self.env._("A manual adjustment needs a reason."))
