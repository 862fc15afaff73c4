import math

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare, float_round

from .membership_account import POINTS_DIGITS


class MembershipAccount(models.Model):
    """The points side of the account: earning from orders, redeeming, refunds, expiry."""

    _inherit = "membership.account"

    # ------------------------------------------------------------------ earning

    @api.model
    @api.private
    def _membership_compute_earn(
        self, partner, lines_data, company=None, day=None, wallet_paid=0.0
    ):
        """Points an order earns, computed on the server from its lines.

        ``lines_data``: list of {"product": product.product, "amount": amount incl. taxes}
        read from records the server holds (never a client's points figure). Stages,
        product/category multipliers, campaigns and the member's tier all apply; the share
        paid from the wallet earns nothing unless the company says so.
        """
        company = company or self.env.company
        day = day or fields.Date.context_today(self)
        products = self.env["product.product"].union(*(line["product"] for line in lines_data))
        multipliers = self.env["membership.earn.product.rule"]._membership_multipliers(
            products, company
        )
        total = weighted = 0.0
        for line in lines_data:
            amount = line["amount"]
            if not isinstance(amount, (int, float)) or not math.isfinite(amount):
                raise UserError(self.env._("An order line amount must be a number."))
            total += amount
            weighted += amount * multipliers[line["product"].id]
        if weighted <= 0:
            return 0.0
        if wallet_paid > 0 and not company.membership_wallet_earns and total > 0:
            weighted *= max(0.0, 1.0 - wallet_paid / total)
        points = self.env["membership.earn.band"]._membership_points_for(weighted, company)
        points *= self.env["membership.earn.campaign"]._membership_multiplier(company, day)
        points *= partner._membership_earn_multiplier()
        return float_round(points, precision_digits=0, rounding_method="DOWN")

    @api.private
    def _membership_points_earn(self, points, key, pos_order=None, day=None, card=None):
        """Credit earned points, which lapse after the company's expiry period."""
        self.ensure_one()
        points = self._membership_check_points(points)
        day = day or fields.Date.context_today(self)
        return self.env["membership.points.move"]._membership_post(
            {
                "account_id": self.id,
                "kind": "earn",
                "points": points,
                "idempotency_key": key,
                "pos_order_id": pos_order.id if pos_order else False,
                "expire_date": self._membership_expire_date(day),
            },
            card=card,
        )

    def _membership_expire_date(self, day):
        """The day points earned on ``day`` lapse (False: they never do)."""
        months = self.company_id.membership_points_expiry_months
        return day + relativedelta(months=months) if months else False

    def _membership_check_points(self, points):
        if not isinstance(points, (int, float)) or not math.isfinite(points):
            raise UserError(self.env._("A number of points must be a number."))
        points = float_round(points, precision_digits=POINTS_DIGITS)
        if points <= 0:
            raise UserError(self.env._("The number of points must be greater than zero."))
        return points

    # ------------------------------------------------------------------ redeeming

    @api.private
    def _membership_points_redeem(
        self, points, key, kind="redeem", pos_order=None, card=None, extra=None
    ):
        """Debit points (cash-off, gift, coupon); expired points are never usable."""
        self.ensure_one()
        existing = self.env["membership.points.move"]._membership_find_posted(key)
        if existing:
            return existing._membership_check_same({"account_id": self.id})
        points = self._membership_check_points(points)
        self._membership_expire(fields.Date.context_today(self))
        return self.env["membership.points.move"]._membership_post(
            {
                "account_id": self.id,
                "kind": kind,
                "points": -points,
                "idempotency_key": key,
                "pos_order_id": pos_order.id if pos_order else False,
                **(extra or {}),
            },
            card=card,
        )

    @api.private
    def _membership_cash_off_points(self, value, order_amount):
        """Points a cash-off of ``value`` costs, within the company's minimum and maximum
        share of the order."""
        self.ensure_one()
        company = self.company_id
        if company.membership_point_value <= 0:
            raise UserError(self.env._("Points have no cash value in this company."))
        value = self._membership_check_amount(value)
        points = float_round(value / company.membership_point_value, precision_digits=2)
        if points < company.membership_redeem_min_points:
            raise UserError(
                self.env._(
                    "At least %(min)s points must be used at once.",
                    min=company.membership_redeem_min_points,
                )
            )
        cap = order_amount * company.membership_redeem_max_share / 100.0
        if float_compare(value, cap, precision_rounding=self.currency_id.rounding) > 0:
            raise UserError(
                self.env._(
                    "Points can pay at most %(share)s%% of an order (%(cap)s here).",
                    share=company.membership_redeem_max_share,
                    cap=self._membership_round(max(cap, 0.0)),
                )
            )
        return points

    @api.private
    def _membership_points_adjust(self, points, reason, key):
        """Manual points correction: Supervisors and up, within the limit, with a reason."""
        self.ensure_one()
        self._membership_check_adjust_rights(reason)
        limit = self.company_id.membership_adjust_max_points
        if not points or not math.isfinite(points) or abs(points) > limit:
            raise UserError(
                self.env._("A manual points adjustment must be non-zero and at most %s.", limit)
            )
        return self.env["membership.points.move"]._membership_post(
            {
                "account_id": self.id,
                "kind": "adjust",
                "points": float_round(points, precision_digits=POINTS_DIGITS),
                "reason": reason,
                "idempotency_key": key,
            }
        )

    # ------------------------------------------------------------------ orders

    def _membership_order_lines(self, order):
        """Split an order's lines into (points cash-off lines, top-up lines, sale lines)."""
        company = order.company_id
        points_lines = order.lines.filtered(
            lambda line: (
                company.membership_points_product_id
                and line.product_id == company.membership_points_product_id
            )
        )
        topup_lines = order.lines.filtered(
            lambda line: (
                company.membership_topup_product_id
                and line.product_id == company.membership_topup_product_id
            )
        )
        # A card's fee or deposit sold at enrolment earns no points.
        charge_id = self._membership_card_charge_id()
        sale_lines = (order.lines - points_lines - topup_lines).filtered(
            lambda line: line.product_id.id != charge_id
        )
        return points_lines, topup_lines, sale_lines

    @api.model
    def _membership_card_charge_id(self):
        """Id of the product of a card's fee or deposit sold on a till's order (0 when
        deleted). From the cached xmlid lookup: unlike ``env.ref`` it costs no query, and
        the sync of every member order asks for it."""
        return (
            self.env["ir.model.data"]._xmlid_to_res_id(
                "membership_loyalty.product_membership_card_charge", raise_if_not_found=False
            )
            or 0
        )

    @api.model
    @api.private
    def _membership_post_order(self, order, figures=None, settling=False):
        """Post what a paid POS order means for its member, keyed by the order's uuid.

        Points used (cash-off lines), wallet payments, points earned and wallet top-ups are
        all computed here from the stored order, with the server's own figures
        (``pos.order._membership_figures``): points are earned on the money received for
        goods only, a top-up is credited up to the money received for it. An order whose
        figures do not add up is held for a supervisor with nothing posted; when the
        supervisor settles it (``settling``), what the money received backs is posted.
        Posting the same order again changes nothing. Returns the account (empty when the
        order has no customer).
        """
        order.ensure_one()
        if order.state not in ("paid", "done", "invoiced") or not order.partner_id:
            return self.browse()
        figures = figures or order._membership_figures()
        if order.lines.refunded_orderline_id:
            return self._membership_refund_order(order, figures, settling=settling)
        company = order.company_id
        account = self._membership_get_account(order.partner_id, company)
        if figures["reasons"] and not settling:
            order._membership_hold(figures["reasons"])
            self._membership_set_qualifying(order, figures, 0.0)
            return account
        uuid = order.uuid
        # An order flagged for review before posting (rights, PIN) keeps its wallet
        # money held: a supervisor settles it (pos.order._membership_settle_post).
        held = order.membership_wallet_review
        amounts = figures["amounts"]
        points_lines, topup_lines, sale_lines = self._membership_order_lines(order)
        wallet_paid = figures["wallet"]
        if topup_lines and wallet_paid > 0 and not held:
            raise UserError(self.env._("A wallet cannot be topped up with wallet money."))
        used = self.env["membership.points.move"]
        value = -sum(amounts[line] for line in points_lines)
        if points_lines and value > 0:
            order_amount = sum(amounts[line] for line in sale_lines)
            used |= account._membership_points_use_or_flag(
                order,
                lambda: account._membership_points_redeem(
                    account._membership_cash_off_points(value, order_amount),
                    f"pos:{uuid}:redeem",
                    pos_order=order,
                ),
            )
        for gift_line in sale_lines.filtered("membership_gift_id"):
            used |= account._membership_points_use_or_flag(
                order, lambda line=gift_line: account._membership_redeem_pos_gift(line)
            )
        wallet_taken = False
        if wallet_paid > 0 and not held:
            key = f"pos:{uuid}:wallet"
            missing = account._membership_wallet_shortfall(wallet_paid, key)
            if missing:
                # An offline till took a wallet payment the wallet no longer covers: keep
                # the sale, spend nothing and leave it to a supervisor (never overdraw).
                order._membership_flag_wallet_review(missing)
            else:
                account._membership_wallet_spend(wallet_paid, key, pos_order=order)
                wallet_taken = True
        # The tier counts what was paid for goods, and wallet money earns (when the company
        # says so) only once the wallet was really taken.
        earn_money, qualifying = figures["earn_money"], figures["qualifying"]
        if wallet_paid > 0 and not wallet_taken:
            cash_for_goods = max(min(figures["for_goods"], figures["goods"]), 0.0)
            earn_money = min(earn_money, cash_for_goods)
            qualifying = min(qualifying, cash_for_goods)
        day = fields.Date.context_today(self, order.date_order)
        earned = self._membership_compute_earn(
            order.partner_id,
            self._membership_earn_lines(sale_lines, amounts, earn_money),
            company,
            day=day,
        )
        earn_move = self.env["membership.points.move"]
        if earned > 0:
            earn_move = account._membership_points_earn(
                earned, f"pos:{uuid}:earn", pos_order=order, day=day
            )
        # What the receipt prints; written with the order's own update (no query of its
        # own): the moves were just posted, their points are at hand.
        order.membership_points_earned = sum(earn_move.mapped("points"))
        order.membership_points_redeemed = -sum(used.mapped("points"))
        # A top-up is credited up to the money received for it, never from the wallet.
        topup = min(figures["topup"], figures["received"])
        if topup > 0 and not held and not wallet_paid > 0:
            account._membership_wallet_topup(
                topup,
                f"pos:{uuid}:topup",
                payment_method=order.payment_ids.payment_method_id.filtered(
                    lambda method: not method.membership_is_wallet
                )[:1],
                pos_order=order,
            )
        self._membership_set_qualifying(order, figures, qualifying)
        return account

    @api.model
    def _membership_set_qualifying(self, order, figures, amount):
        """Record what ``order`` counts for its member's tier and spend. Within the sync
        (context ``membership_defer_qualifying``) the caller writes it once the member's
        figures are updated, from ``figures["qualifying_posted"]``: the tier check then
        reads the member's other orders without flushing this one first."""
        figures["qualifying_posted"] = amount
        if not self.env.context.get("membership_defer_qualifying"):
            order.membership_qualifying_amount = amount

    @api.model
    def _membership_earn_lines(self, sale_lines, amounts, earn_money):
        """The lines that earn points, each for its share of ``earn_money`` (the money
        received for goods): the goods sold (positive lines) share it in proportion to
        their amounts, so a discount or a negative line never lets a multiplied product
        earn beyond the money received."""
        positive = [line for line in sale_lines if amounts[line] > 0]
        base = sum(amounts[line] for line in positive)
        if base <= 0 or earn_money <= 0:
            return []
        share = min(earn_money / base, 1.0)
        return [{"product": line.product_id, "amount": amounts[line] * share} for line in positive]

    @api.private
    def _membership_points_use_or_flag(self, order, use):
        """Run ``use`` (a cash-off or gift debit of ``order``); when a ledger rule refuses
        it (points spent meanwhile by another till, a share or minimum changed while the
        till was offline), undo it, keep the sale and flag the order for a supervisor."""
        try:
            with self.env.cr.savepoint():
                return use()
        except (UserError, ValidationError) as error:
            order._membership_flag_points_review(str(error))
            return self.env["membership.points.move"]

    @api.model
    @api.private
    def _membership_refund_order(self, refund_order, figures=None, settling=False):
        """Reverse what the refunded orders posted, in proportion to what is refunded.

        Points earned go back, points and wallet money used come back, bounded by the
        sale: per original line, never more than its quantity not refunded yet (whatever
        the refund's uuid), never for an order that was not paid, and never more money
        into the wallet than the sale took from it less what earlier refunds gave back.
        A refund claiming more, or one the ledger cannot honour (points spent since), is
        kept and held for a supervisor with nothing posted; settling it posts what the
        sale backs.
        """
        refund_order.ensure_one()
        figures = figures or refund_order._membership_figures()
        self._membership_set_qualifying(refund_order, figures, figures["qualifying"])
        bounds = refund_order._membership_refund_bounds(figures)
        if bounds["reasons"] and not settling:
            refund_order._membership_hold(bounds["reasons"])
            return self.browse()
        try:
            with self.env.cr.savepoint():
                return self._membership_refund_post(refund_order, bounds)
        except (UserError, ValidationError) as error:
            refund_order._membership_hold(
                [self.env._("The ledger cannot give this refund back: %s", error)], points=True
            )
            return self.browse()

    @api.model
    def _membership_refund_post(self, refund_order, bounds):
        """Post the reversals of a refund within ``bounds`` (pos.order refund bounds)."""
        # sudo: the moves to reverse are found by key, whoever refunds.
        Points = self.env["membership.points.move"].sudo()
        reason = self.env._("Refund %s", refund_order.name)
        uuid = refund_order.uuid
        takes, sold = bounds["takes"], bounds["sold"]
        accounts = self.browse()
        for original in refund_order.lines.refunded_orderline_id.order_id:
            if not original.partner_id:
                continue
            accounts |= self._membership_get_account(original.partner_id, original.company_id)
            points_lines, _topup_lines, sale_lines = self._membership_order_lines(original)
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
                        key=f"pos:{uuid}:{what}:{original.uuid}",
                    )
            self._membership_refund_gift_lines(original, takes, reason, uuid)
        wallet_back = bounds["wallet_back"]
        if wallet_back > 0 and not refund_order.membership_wallet_review:
            partner = refund_order.lines.refunded_orderline_id.order_id.partner_id[:1]
            partner = partner or refund_order.partner_id
            account = self._membership_get_account(partner, refund_order.company_id)
            account._membership_wallet_refund(
                wallet_back, f"pos:{uuid}:wallet", pos_order=refund_order, reason=reason
            )
            accounts |= account
        return accounts

    @api.private
    def _membership_redeem_pos_gift(self, line):
        """Debit the points of a gift handed out on a POS order line (kind "gift").

        Keyed by the order's uuid and the line's: a re-sent order debits once. The stock
        leaves in the order's own picking, from the gift location (see stock.picking)."""
        self.ensure_one()
        qty = line.qty
        if qty != int(qty):
            raise UserError(self.env._("A gift is handed out in whole units."))
        if line.order_id.currency_id.compare_amounts(line.price_subtotal_incl, 0.0) < 0:
            raise UserError(self.env._("A gift line cannot take money off an order."))
        return self._membership_redeem_gift(
            line.membership_gift_id,
            f"pos:{line.order_id.uuid}:gift:{line.uuid}",
            qty=int(qty),
            pos_order=line.order_id,
            move_stock=False,
        )

    @api.model
    def _membership_refund_gift_lines(self, original, takes, reason, uuid):
        """Give back the points of the gifts of ``original`` that come back in a refund,
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
                    key=f"pos:{uuid}:gift:{line.uuid}",
                )

    # ------------------------------------------------------------------ expiry

    def _membership_points_due(self, day):
        """{account id: points that have lapsed by ``day`` and are still on the balance}.

        Points are consumed first in, first out: every debit (use, reversal, earlier
        expiry) eats the oldest points first, so what lapses by ``day`` is what was earned
        with an expiry on or before it, less everything debited so far.
        """
        self.env["membership.points.move"].flush_model()
        query = SQL(
            """SELECT account_id,
                      SUM(CASE WHEN points > 0 AND expire_date <= %s THEN points ELSE 0 END)
                    + SUM(CASE WHEN points < 0 THEN points ELSE 0 END)
                 FROM membership_points_move
                WHERE %s
             GROUP BY account_id""",
            day,
            SQL("account_id IN %s", tuple(self.ids)) if self else SQL("TRUE"),
        )
        self.env.cr.execute(query)
        return {account_id: due for account_id, due in self.env.cr.fetchall() if due and due > 0}

    @api.private
    def _membership_expire(self, day):
        """Post the expiry of the points of these accounts that lapsed by ``day``."""
        moves = self.env["membership.points.move"]
        for account_id, due in self._membership_points_due(day).items():
            account = self.browse(account_id)
            account._membership_lock()
            # Under the lock the balance cannot move: never expire more than it holds.
            due = min(float(due), account.points_balance)
            if due > 0:
                moves |= moves._membership_post(
                    {
                        "account_id": account.id,
                        "kind": "expire",
                        "points": -due,
                        "idempotency_key": f"expire:{account.id}:{day}",
                        "reason": self.env._("Points earned before %s lapsed", day),
                    }
                )
        return moves

    @api.model
    def _membership_cron_expire_points(self):
        """Scheduled action: post the expiry of every member's lapsed points."""
        accounts = self.sudo().with_context(active_test=False).search([])
        return accounts._membership_expire(fields.Date.context_today(self))

    @api.model
    @api.private
    def _membership_points_expiring(self, days, company=None, day=None):
        """Members whose points lapse within ``days`` days.

        Returns a list of dicts {account, partner, points, expire_date (the first date)},
        for the SMS reminders.
        """
        company = company or self.env.company
        day = day or fields.Date.context_today(self)
        limit = day + relativedelta(days=days)
        accounts = self.sudo().search([("company_id", "=", company.id)])
        if not accounts:
            return []
        due_limit = accounts._membership_points_due(limit)
        due_now = accounts._membership_points_due(day)
        self.env.cr.execute(
            SQL(
                """SELECT account_id, MIN(expire_date) FROM membership_points_move
                    WHERE account_id IN %s AND points > 0 AND expire_date > %s
                      AND expire_date <= %s
                 GROUP BY account_id""",
                tuple(due_limit) or (0,),
                day,
                limit,
            )
        )
        first_dates = dict(self.env.cr.fetchall())
        result = []
        for account in accounts.browse(sorted(due_limit)):
            points = float(due_limit[account.id]) - float(due_now.get(account.id, 0.0))
            if points > 0:
                result.append(
                    {
                        "account": account,
                        "partner": account.partner_id,
                        "points": points,
                        "expire_date": first_dates.get(account.id),
                    }
                )
        return result
