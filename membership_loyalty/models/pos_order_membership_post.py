from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, UserError, ValidationError
from odoo.tools import SQL

from .membership_account import APPLIED_KEYS
from .pos_order import PAID_STATES


class PosOrder(models.Model):
    """Posting a paid member order to the ledgers: what it uses, spends, earns and tops
    up, and what a refund gives back. The order decides what to post and flags its own
    reviews; the ledger (``membership.account``) only posts moves whose origin is the
    order, keyed by its uuid, so a re-sent order posts nothing more."""

    _inherit = "pos.order"

    @api.private
    def _membership_post(self, figures=None, settling=False, plan=None):
        """Post what this paid order means for its member, keyed by the order's uuid.

        Points used (cash-off lines, gifts), wallet payments, points earned and wallet
        top-ups are all computed from the stored order with the server's own figures
        (``_membership_figures``): points are earned on the money received for goods only,
        a top-up is credited up to the money received for it. An order whose figures do
        not add up is held for a supervisor with nothing posted; when the supervisor
        settles it (``settling``), what the money received backs is posted. Posting the
        same order again changes nothing. Returns the member's account (empty when the
        order has no customer or is not paid).

        ``plan``: what ``_membership_plan`` foresaw before the account was locked; the
        points it computed are posted as they are.
        """
        self.ensure_one()
        Account = self.env["membership.account"]
        if self.state not in PAID_STATES or not self.partner_id:
            return Account
        figures = figures or self._membership_figures()
        if self.lines.refunded_orderline_id:
            return self._membership_refund(figures, settling=settling)
        if figures["reasons"] and not settling:
            self._membership_hold(figures["reasons"])
            self._membership_set_qualifying(figures, 0.0)
            return Account._membership_get_account(self.partner_id, self.company_id)
        # An order flagged for review before posting (rights, PIN) keeps its wallet
        # money held: a supervisor settles it (_membership_settle_post).
        held = self.membership_wallet_review
        points_lines, topup_lines, sale_lines = self._membership_order_lines()
        wallet_paid = figures["wallet"]
        if topup_lines and wallet_paid > 0 and not held:
            raise UserError(self.env._("A wallet cannot be topped up with wallet money."))
        if plan is not None:
            move = self._membership_post_at_once(
                plan, figures, points_lines, topup_lines, sale_lines
            )
            if move is not None:
                earned = move if move._name == "membership.points.move" else None
                self.membership_points_earned = earned.points if earned else 0.0
                self.membership_points_redeemed = 0.0
                self._membership_set_qualifying(
                    figures, self._membership_earn_base(figures, plan["wallet_taken"])[1]
                )
                return move.account_id
        # The account comes locked, with the keys this order may post looked up, in one
        # query.
        account = Account._membership_get_account(
            self.partner_id,
            self.company_id,
            lock_keys=self._membership_post_keys(points_lines, topup_lines, sale_lines, figures),
        )
        used = self._membership_post_points_used(account, figures, points_lines, sale_lines)
        wallet_taken = bool(
            wallet_paid > 0 and not held and self._membership_post_wallet(account, wallet_paid)
        )
        if plan is not None and wallet_taken != plan["wallet_taken"]:
            # At REPEATABLE READ the lock reads the balance the plan read, or PostgreSQL
            # reports the other till's change; should they still differ, replay.
            raise ConcurrencyError(f"wallet of order {self.uuid} changed under its plan")
        earn_money, qualifying = self._membership_earn_base(figures, wallet_taken)
        earned = self._membership_post_earn(
            account,
            figures,
            sale_lines,
            earn_money,
            points=None if plan is None else plan["earn"],
        )
        # What the receipt prints; written with the order's own update (no query of its
        # own): the moves were just posted, their points are at hand.
        self.membership_points_earned = sum(earned.mapped("points"))
        self.membership_points_redeemed = -sum(used.mapped("points"))
        # A top-up is credited up to the money received for it, never from the wallet.
        topup = min(figures["topup"], figures["received"])
        if topup > 0 and not held and not wallet_paid > 0:
            account._membership_wallet_topup(
                topup,
                f"pos:{self.uuid}:topup",
                payment_method=self.payment_ids.payment_method_id.filtered(
                    lambda method: not method.membership_is_wallet
                )[:1],
                origin=self,
            )
        self._membership_set_qualifying(figures, qualifying)
        return account

    def _membership_post_keys(self, points_lines, topup_lines, sale_lines, figures):
        """The ledger keys (model, idempotency key) posting this order may use."""
        points, wallet = "membership.points.move", "membership.wallet.move"
        keys = [(points, f"pos:{self.uuid}:earn")]
        if points_lines:
            keys.append((points, f"pos:{self.uuid}:redeem"))
        keys += [
            (points, f"pos:{self.uuid}:gift:{line.uuid}")
            for line in sale_lines.filtered("membership_gift_id")
        ]
        if figures["wallet"] > 0:
            keys.append((wallet, f"pos:{self.uuid}:wallet"))
        if topup_lines:
            keys.append((wallet, f"pos:{self.uuid}:topup"))
        return keys

    def _membership_post_points_used(self, account, figures, points_lines, sale_lines):
        """Debit the points this order used (a cash-off, gifts); a use the ledger refuses
        flags the order instead. Returns the points moves posted."""
        amounts = figures["amounts"]
        used = self.env["membership.points.move"]
        value = -sum(amounts[line] for line in points_lines)
        if points_lines and value > 0:
            order_amount = sum(amounts[line] for line in sale_lines)
            used |= self._membership_points_use_or_flag(
                lambda: account._membership_points_redeem(
                    account._membership_cash_off_points(value, order_amount),
                    f"pos:{self.uuid}:redeem",
                    origin=self,
                )
            )
        for gift_line in sale_lines.filtered("membership_gift_id"):
            used |= self._membership_points_use_or_flag(
                lambda line=gift_line: self._membership_redeem_gift_line(account, line)
            )
        return used

    def _membership_post_wallet(self, account, wallet_paid):
        """Take this order's wallet payment of ``wallet_paid``; returns whether it was
        taken. An offline till may have taken a payment the wallet no longer covers: the
        sale is kept, nothing is spent and the order is flagged for a supervisor (a
        wallet is never overdrawn)."""
        key = f"pos:{self.uuid}:wallet"
        missing = account._membership_wallet_shortfall(wallet_paid, key)
        if missing:
            self._membership_flag_wallet_review(missing)
            return False
        account._membership_wallet_spend(wallet_paid, key, origin=self)
        return True

    @api.private
    def _membership_plan(self, figures):
        """What posting this sale will do, foreseen before the member's account is locked,
        so that what does not need the lock (the tier check) is done before it: a dict
        {"wallet_taken": whether the wallet payment is taken, "earn": points earned,
        "qualifying": what the order counts for the tier and spend}, or None for an
        order whose outcome depends on the ledger (a refund) or that posts nothing.

        The wallet balance is read without the lock: at REPEATABLE READ the lock then
        reads the same balance, or PostgreSQL reports another till's change and the
        request is replayed. The points are computed with the member's tier as it is now,
        as posting first always did."""
        self.ensure_one()
        if self.state not in PAID_STATES or not self.partner_id or self.lines.refunded_orderline_id:
            return None
        if figures["reasons"]:
            return {"wallet_taken": False, "earn": 0.0, "qualifying": 0.0}
        wallet_paid = figures["wallet"]
        account = self.env["membership.account"]
        if wallet_paid > 0 and not self.membership_wallet_review:
            account = self._membership_wallet_account()
        wallet_taken = bool(account and self._membership_wallet_covers(account, wallet_paid))
        earn_money, qualifying = self._membership_earn_base(figures, wallet_taken)
        sale_lines = self._membership_order_lines()[2]
        return {
            "wallet_taken": wallet_taken,
            "earn": self._membership_earn_points(figures, sale_lines, earn_money),
            "qualifying": qualifying,
            "account": account,  # read without the lock, for a wallet payment only
        }

    def _membership_wallet_account(self):
        """The member's account with its balances and whether this order's wallet
        payment was posted already, read in one query without locking."""
        key = f"pos:{self.uuid}:wallet"
        Move = self.env["membership.wallet.move"]
        # sudo: the wallet is read by the system for whoever sends the order.
        account = (
            self.env["membership.account"]
            .sudo()
            .with_context(active_test=False)
            ._membership_lock_where(
                SQL(
                    "partner_id = %s AND company_id = %s",
                    self.partner_id.id,
                    self.company_id.id,
                ),
                [(Move._name, key)],
                lock=False,
            )
        )
        return account

    def _membership_wallet_covers(self, account, amount):
        """Whether ``account`` pays ``amount`` from its wallet for this order, as
        ``_membership_wallet_shortfall`` decides under the lock."""
        if self.env["membership.wallet.move"]._membership_find_posted(f"pos:{self.uuid}:wallet"):
            return True
        amount = account._membership_check_amount(amount)
        return not max(account._membership_round(amount - account.wallet_balance), 0.0)

    def _membership_post_at_once(self, plan, figures, points_lines, topup_lines, sale_lines):
        """Post an order that makes one move only (it earns, or it is paid from the
        wallet), with the deltas ``plan`` foresaw: the account's UPDATE locks it, checks
        the key and applies them in one statement (``_membership_apply_at_once``), then
        the move is inserted. Returns the move, or None when the usual posting must do it
        (the order uses points or tops up, the account is new, the key is posted...)."""
        if points_lines or topup_lines or sale_lines.filtered("membership_gift_id"):
            return None
        wallet, earn = plan["wallet_taken"], plan["earn"]
        if bool(wallet) == bool(earn > 0):
            return None
        if figures["wallet"] > 0 and not wallet and not self.membership_wallet_review:
            # The wallet does not cover the till's wallet payment: the usual posting
            # checks it under the lock and flags the order for a supervisor.
            return None
        Account = self.env["membership.account"]
        if wallet:
            account = plan["account"]
            Move = self.env["membership.wallet.move"]
            key = f"pos:{self.uuid}:wallet"
            amount = account._membership_check_amount(figures["wallet"])
            paid, bonus = account._membership_wallet_split(amount)
            vals = {"kind": "spend", "paid_amount": -paid, "bonus_amount": -bonus}
            deltas = {"paid": -paid, "bonus": -bonus}
            expected = (
                account.points_balance,
                account.wallet_paid_balance,
                account.wallet_bonus_balance,
            )
        else:
            Move = self.env["membership.points.move"]
            key = f"pos:{self.uuid}:earn"
            points = Account._membership_check_points(earn)
            day = fields.Date.context_today(self, self.date_order)
            vals = {"kind": "earn", "points": points}
            deltas = {"points": points}
            expected = None
        locked = Account._membership_apply_at_once(
            self.partner_id, self.company_id, (Move._name, key), deltas, expected=expected
        )
        if not locked:
            return None
        # The account first: the amounts are converted in its currency.
        vals = {
            "account_id": locked.id,
            **vals,
            "idempotency_key": key,
            **Move._membership_origin_vals(self),
        }
        if not wallet:
            vals["expire_date"] = locked._membership_expire_date(day)
        try:
            # sudo: moves are written only by the server, after the order's checks.
            return Move.sudo().create(vals)
        finally:
            self.env.cr.cache.get(APPLIED_KEYS, set()).discard((Move._name, key))

    def _membership_earn_base(self, figures, wallet_taken):
        """(money that earns points, what counts for the tier) of a sale whose wallet
        payment was taken or not: the tier counts what was paid for goods, and wallet
        money earns (when the company says so) only once the wallet was really taken."""
        earn_money, qualifying = figures["earn_money"], figures["qualifying"]
        if figures["wallet"] > 0 and not wallet_taken:
            cash_for_goods = max(min(figures["for_goods"], figures["goods"]), 0.0)
            earn_money = min(earn_money, cash_for_goods)
            qualifying = min(qualifying, cash_for_goods)
        return earn_money, qualifying

    def _membership_earn_points(self, figures, sale_lines, earn_money):
        """Points this order earns on ``earn_money`` (the member's tier, campaigns...)."""
        return self.env["membership.account"]._membership_compute_earn(
            self.partner_id,
            self._membership_earn_lines(sale_lines, figures["amounts"], earn_money),
            self.company_id,
            day=fields.Date.context_today(self, self.date_order),
        )

    def _membership_post_earn(self, account, figures, sale_lines, earn_money, points=None):
        """Credit the points this order earns on ``earn_money`` (``points``: computed
        already); returns the move."""
        day = fields.Date.context_today(self, self.date_order)
        earned = (
            self._membership_earn_points(figures, sale_lines, earn_money)
            if points is None
            else points
        )
        if earned <= 0:
            return self.env["membership.points.move"]
        return account._membership_points_earn(
            earned, f"pos:{self.uuid}:earn", origin=self, day=day
        )

    def _membership_set_qualifying(self, figures, amount):
        """Record what this order counts for its member's tier and spend. Within the sync
        (context ``membership_defer_qualifying``) the caller writes it once the member's
        figures are updated, from ``figures["qualifying_posted"]``: the tier check then
        reads the member's other orders without flushing this one first."""
        figures["qualifying_posted"] = amount
        if not self.env.context.get("membership_defer_qualifying"):
            self.membership_qualifying_amount = amount

    def _membership_points_use_or_flag(self, use):
        """Run ``use`` (a cash-off or gift debit of this order); when a ledger rule refuses
        it (points spent meanwhile by another till, a share or minimum changed while the
        till was offline), undo it, keep the sale and flag the order for a supervisor."""
        try:
            with self.env.cr.savepoint():
                return use()
        except (UserError, ValidationError) as error:
            self._membership_flag_points_review(str(error))
            return self.env["membership.points.move"]

    def _membership_redeem_gift_line(self, account, line):
        """Debit from ``account`` the points of a gift handed out on ``line`` of this order
        (kind "gift"), keyed by the order's uuid and the line's: a re-sent order debits
        once. The stock leaves in the order's own picking, from the gift location (see
        stock.picking)."""
        qty = line.qty
        if qty != int(qty):
            raise UserError(self.env._("A gift is handed out in whole units."))
        if self.currency_id.compare_amounts(line.price_subtotal_incl, 0.0) < 0:
            raise UserError(self.env._("A gift line cannot take money off an order."))
        return account._membership_redeem_gift(
            line.membership_gift_id,
            f"pos:{self.uuid}:gift:{line.uuid}",
            qty=int(qty),
            origin=self,
            move_stock=False,
        )

    # ------------------------------------------------------------------ refunds

    @api.private
    def _membership_refund(self, figures=None, settling=False):
        """Reverse what the refunded orders posted, in proportion to what this refund
        gives back.

        Points earned go back, points and wallet money used come back, bounded by the
        sale: per original line, never more than its quantity not refunded yet (whatever
        the refund's uuid), never for an order that was not paid, and never more money
        into the wallet than the sale took from it less what earlier refunds gave back.
        A refund claiming more, or one the ledger cannot honour (points spent since), is
        kept and held for a supervisor with nothing posted; settling it posts what the
        sale backs. Returns the accounts posted to.
        """
        self.ensure_one()
        Account = self.env["membership.account"]
        figures = figures or self._membership_figures()
        self._membership_set_qualifying(figures, figures["qualifying"])
        bounds = self._membership_refund_bounds(figures)
        if bounds["reasons"] and not settling:
            self._membership_hold(bounds["reasons"])
            return Account
        try:
            with self.env.cr.savepoint():
                return self._membership_refund_post(bounds)
        except (UserError, ValidationError) as error:
            self._membership_hold(
                [self.env._("The ledger cannot give this refund back: %s", error)], points=True
            )
            return Account

    def _membership_refund_post(self, bounds):
        """Post the reversals of this refund within ``bounds`` (_membership_refund_bounds)."""
        Account = self.env["membership.account"]
        # sudo: the moves to reverse are found by key, whoever refunds.
        Points = self.env["membership.points.move"].sudo()
        reason = self.env._("Refund %s", self.name)
        takes, sold = bounds["takes"], bounds["sold"]
        accounts = Account
        for original in self.lines.refunded_orderline_id.order_id:
            if not original.partner_id:
                continue
            accounts |= Account._membership_get_account(original.partner_id, original.company_id)
            points_lines, _topup_lines, sale_lines = original._membership_order_lines()
            for what, lines in (("earn", sale_lines | points_lines), ("redeem", points_lines)):
                move = Points._membership_find_posted(f"pos:{original.uuid}:{what}")
                base = sum(sold.get(line, 0.0) for line in lines)
                refunded = sum(
                    takes[line] / line.qty * sold[line]
                    for line in lines
                    if takes.get(line) and line.qty
                )
                if move and base and refunded and refunded / base > 0:
                    move._membership_reverse(
                        reason,
                        ratio=min(1.0, refunded / base),
                        key=f"pos:{self.uuid}:{what}:{original.uuid}",
                    )
            self._membership_refund_gifts(original, takes, reason)
        wallet_back = bounds["wallet_back"]
        if wallet_back > 0 and not self.membership_wallet_review:
            partner = self.lines.refunded_orderline_id.order_id.partner_id[:1] or self.partner_id
            account = Account._membership_get_account(partner, self.company_id)
            account._membership_wallet_refund(
                wallet_back, f"pos:{self.uuid}:wallet", origin=self, reason=reason
            )
            accounts |= account
        return accounts

    def _membership_refund_gifts(self, original, takes, reason):
        """Give back the points of the gifts of ``original`` that come back in this refund,
        in proportion to the quantity returned (``takes``: {original line: quantity this
        refund may take back}), never more than was debited."""
        # sudo: the gift moves to reverse are found by key, whoever refunds.
        Points = self.env["membership.points.move"].sudo()
        for line in original.lines.filtered("membership_gift_id"):
            returned = takes.get(line, 0.0)
            if returned <= 0 or not line.qty:
                continue
            move = Points._membership_find_posted(f"pos:{original.uuid}:gift:{line.uuid}")
            if move:
                move._membership_reverse(
                    reason,
                    ratio=min(1.0, returned / line.qty),
                    key=f"pos:{self.uuid}:gift:{line.uuid}",
                )
