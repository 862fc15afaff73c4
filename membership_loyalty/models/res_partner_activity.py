from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .membership_account import MEMBER_FIGURES_PENDING
from .res_partner import MEMBER_FIGURES


class ResPartner(models.Model):
    """The member's activity figures (visits, spend, average basket, inactivity): written
    when a POS order is paid, in one UPDATE per member (``_membership_record_orders``)."""

    _inherit = "res.partner"

    # Updated when a POS order is paid, never by scanning a card.
    member_last_visit = fields.Datetime(string="Last Visit", readonly=True, copy=False)
    member_visit_count = fields.Integer(string="Visits", readonly=True, copy=False)
    member_total_spent = fields.Monetary(
        string="Total Spent", readonly=True, copy=False, currency_field="member_currency_id"
    )
    member_average_basket = fields.Monetary(
        string="Average Basket",
        compute="_compute_member_average_basket",
        store=True,
        currency_field="member_currency_id",
    )
    member_inactive = fields.Boolean(
        string="Inactive Member",
        compute="_compute_member_inactive",
        search="_search_member_inactive",
        help="No visit for the number of days set in the Membership settings.",
    )

    def _member_inactive_limit(self):
        days = self.env.company.membership_inactive_days
        return fields.Datetime.now() - relativedelta(days=days)

    @api.depends("member_last_visit", "member_since")
    def _compute_member_inactive(self):
        limit = self._member_inactive_limit()
        for partner in self:
            partner.member_inactive = partner.is_member and (
                not partner.member_last_visit or partner.member_last_visit < limit
            )

    def _search_member_inactive(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        inactive = [
            ("is_member", "=", True),
            "|",
            ("member_last_visit", "=", False),
            ("member_last_visit", "<", self._member_inactive_limit()),
        ]
        if (operator == "=") == value:
            return inactive
        return ["!", *inactive]

    @api.depends("member_total_spent", "member_visit_count")
    def _compute_member_average_basket(self):
        for partner in self:
            visits = partner.member_visit_count
            partner.member_average_basket = partner.member_total_spent / visits if visits else 0.0

    def _membership_record_orders(self, orders, spend=None, with_lock=False):
        """Add paid POS orders to the member's stored activity figures (refunds subtract):
        what each order counts is the spend the server verified when it posted it
        (``membership_qualifying_amount``: goods paid, not top-ups, not what is held;
        ``spend`` {order: amount} gives it for orders not written yet).

        ``with_lock``: the UPDATE waits to go out with the lock of the member's account
        that posting takes next, in the same statement (one query less, and the member's
        row is locked no earlier than the account); ``_membership_record_pending`` runs
        it when nothing took that lock."""
        self.ensure_one()
        spend = spend or {order: order.membership_qualifying_amount for order in orders}
        visits = orders.filtered(lambda o: spend.get(o, 0.0) > 0)
        currency = self.member_currency_id
        spent = sum(spend.get(order, 0.0) for order in orders)
        total = currency.round(self.member_total_spent + spent)
        count = self.member_visit_count + len(visits)
        last = self.member_last_visit
        if visits and (not last or max(visits.mapped("date_order")) > last):
            last = max(visits.mapped("date_order"))
        average = currency.round(total / count) if count else 0.0
        # One UPDATE instead of ORM write (whose res.partner part reads the partner's users
        # and children, and whose tracking reads the tracked relations: none of these
        # figures is tracked or synced). Two tills paying for the same member at once do
        # not lose an update: the UPDATE waits for the other till's row lock and, at
        # REPEATABLE READ, fails with a serialization error when that till changed the row
        # after our snapshot, and Odoo replays the request on the new figures.
        self.flush_recordset(MEMBER_FIGURES)
        update = SQL(
            """UPDATE res_partner
                  SET member_total_spent = %s, member_visit_count = %s,
                      member_last_visit = %s, member_average_basket = %s,
                      write_date = now() AT TIME ZONE 'UTC', write_uid = %s
                WHERE id = %s""",
            total,
            count,
            last or None,
            average,
            self.env.uid,
            self.id,
        )
        if with_lock:
            self._membership_record_pending()  # an earlier one never waits behind this one
            self.env.cr.cache.setdefault(MEMBER_FIGURES_PENDING, {})[self.id] = update
        else:
            self.env.cr.execute(update)
        values = (total, count, last, average)
        for name, value in zip(MEMBER_FIGURES, values, strict=True):
            self._fields[name]._update_cache(self, value)
        self.invalidate_recordset(["member_inactive", "write_date", "write_uid"])

    def _membership_record_pending(self):
        """Write the member's figures still waiting for the lock of their account."""
        self.ensure_one()
        update = self.env.cr.cache.get(MEMBER_FIGURES_PENDING, {}).pop(self.id, None)
        if update:
            self.env.cr.execute(update)
