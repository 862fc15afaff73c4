import math

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare, float_round

from .membership_account import POINTS_DIGITS


class MembershipAccount(models.Model):
    """The points side of the account: earning, redeeming, manual adjustments, expiry."""

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
    def _membership_points_earn(self, points, key, origin=None, day=None, card=None):
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
                "expire_date": self._membership_expire_date(day),
                **self.env["membership.points.move"]._membership_origin_vals(origin),
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
        self, points, key, kind="redeem", origin=None, card=None, extra=None
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
                **self.env["membership.points.move"]._membership_origin_vals(origin),
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
