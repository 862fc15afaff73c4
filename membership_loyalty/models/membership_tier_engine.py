from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class MembershipTier(models.Model):
    """The tier engine: which tier a member qualifies for, the upgrade when an order is
    paid, the daily review (grace period, downgrade) and moving a member to a tier.

    The member's profile (``res.partner``) only holds the tier and the day the member fell
    under it; everything that decides it lives here, next to the tiers' configuration.
    Every method reads the company's ladder through ``_membership_ladder`` (cached)."""

    _inherit = "membership.tier"

    @api.model
    def _membership_entry_tier(self, company_id):
        """Tier a new member starts in: the lowest tier of the company with no threshold."""
        ladder = self._membership_ladder(company_id)
        for tier_id, _rank, _qualification, _window, threshold, _multiplier in reversed(ladder):
            if not threshold:
                return self.browse(tier_id)
        return self.browse()

    def _membership_ladder_multiplier(self, company):
        """Earn multiplier of this tier (1.0 for no tier), read from ``company``'s cached
        ladder: every paid order asks. A tier outside the ladder (archived...) is read."""
        if not self:
            return 1.0
        self.ensure_one()
        known = {row[0]: row[5] for row in self._membership_ladder(company.id)}
        return known[self.id] if self.id in known else self.earn_multiplier

    @api.model
    def _membership_points_earned(self, partner, date_from):
        """Points ``partner`` earned in their company since ``date_from``, net of refunds."""
        company = partner.company_id or self.env.company
        # sudo: tier qualification reads the ledger whoever paid the order.
        [(total,)] = (
            self.env["membership.points.move"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", company.id),
                    ("date", ">=", date_from),
                    "|",
                    ("kind", "=", "earn"),
                    "&",
                    ("kind", "=", "reversal"),
                    ("reversed_move_id.kind", "=", "earn"),
                ],
                aggregates=["points:sum"],
            )
        )
        return total or 0.0

    @api.model
    def _membership_qualifying_total(
        self, partner, qualification, window_months, now, pending=None, pending_points=0.0
    ):
        """Spend or points of ``partner`` over ``window_months`` months ending at ``now``;
        ``pending`` {order: spend} adds orders whose spend is not written yet,
        ``pending_points`` points earned now that are not posted yet."""
        date_from = now - relativedelta(months=window_months)
        if qualification == "points":
            return self._membership_points_earned(partner, date_from) + pending_points
        company = partner.company_id or self.env.company
        extra = sum(
            amount
            for order, amount in (pending or {}).items()
            if order.company_id == company and date_from <= order.date_order <= now
        )
        # One indexed aggregate per member and window, only when an order is paid or at review.
        [(total,)] = (
            self.env["pos.order"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", company.id),
                    ("state", "in", ("paid", "done")),
                    ("date_order", ">=", date_from),
                    ("date_order", "<=", now),
                ],
                aggregates=["membership_qualifying_amount:sum"],
            )
        )  # sudo: a cashier's order triggers this; members' totals are not secret to the system
        return (total or 0.0) + extra

    @api.model
    def _membership_best_tier(self, partner, ladder, now, pending=None, pending_points=0.0):
        """First tier of ``ladder`` (rows of ``_membership_ladder``, best first) ``partner``
        qualifies for now, with the value that qualified."""
        cache = {}
        for tier_id, _rank, qualification, window_months, threshold, _multiplier in ladder:
            key = (qualification, window_months)
            if key not in cache:
                cache[key] = self._membership_qualifying_total(
                    partner, qualification, window_months, now, pending, pending_points
                )
            if cache[key] >= threshold:
                return self.browse(tier_id), cache[key]
        return self.browse(), 0.0

    @api.model
    def _membership_set_tier(self, partner, tier, reason, value=0.0, note=None):
        """Move ``partner`` to ``tier`` (none: no tier) and write the history; an upgrade
        posts the tier's entry reward (once per member and tier) and tells the member."""
        company = partner.company_id or self.env.company
        self.env["membership.tier.history"].sudo().create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "from_tier_id": partner.member_tier_id.id,
                "to_tier_id": tier.id,
                "reason": reason,
                "qualifying_value": value,
                "note": note,
            }
        )  # sudo: history is written by the system, cashiers only read it
        vals = {"member_tier_id": tier.id, "member_tier_below_since": False}
        if tier.pricelist_id:
            vals["property_product_pricelist"] = tier.pricelist_id.id
        partner._membership_system_write(vals)
        if reason != "upgrade":
            return
        if tier.entry_reward_points:
            # Once per member and tier: moving down and up again earns no second reward.
            # sudo: the reward is posted by the system when the qualifying order is paid.
            account = (
                self.env["membership.account"].sudo()._membership_get_account(partner, company)
            )
            account._membership_points_earn(
                tier.entry_reward_points, f"tier-entry:{partner.id}:{tier.id}"
            )
        self.env["membership.sms"]._membership_notify(
            "tier_upgrade", partner, {"tier": tier.name}, key=f"{tier.id}:{fields.Date.today()}"
        )

    @api.model
    def _membership_check_upgrade(self, partners, pending=None, pending_points=0.0):
        """Move members up as soon as they qualify for a better tier (never down here);
        ``pending`` {order: spend}: paid orders whose spend is not written yet;
        ``pending_points``: points they earn, not posted yet (one member)."""
        now = fields.Datetime.now()
        for partner in partners.filtered("is_member"):
            ladder = self._membership_ladder((partner.company_id or self.env.company).id)
            current = partner.member_tier_id
            ranks = {row[0]: row[1] for row in ladder}
            rank = ranks.get(current.id) or (current._rank() if current else None)
            # Only the tiers above the current one can be an upgrade: the best tier the
            # member qualifies for is above it exactly when one of them qualifies (and a
            # member on the top tier costs no query).
            better = [row for row in ladder if rank is None or row[1] > rank]
            tier, value = self._membership_best_tier(partner, better, now, pending, pending_points)
            if tier:
                self._membership_set_tier(partner, tier, "upgrade", value)

    @api.model
    def _cron_membership_tier_review(self):
        """Daily review: downgrade members under their tier for longer than its grace
        period, upgrade any who qualify, and refresh age bands."""
        members = self.env["res.partner"].search([("is_member", "=", True)])
        by_company = members.grouped(
            lambda p: p.company_id or p.member_tier_id.company_id or self.env.company
        )
        for company, partners in by_company.items():
            self.with_company(company)._membership_review_tiers(partners.with_company(company))
        members._membership_refresh_age_band()

    @api.model
    def _membership_review_tiers(self, partners):
        """Review the tier of each of ``partners`` (members of the current company)."""
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        for partner in partners:
            ladder = self._membership_ladder((partner.company_id or self.env.company).id)
            tier, value = self._membership_best_tier(partner, ladder, now)
            current = partner.member_tier_id
            if tier and (not current or tier._rank() > current._rank()):
                self._membership_set_tier(partner, tier, "upgrade", value)
            elif current and (not tier or tier._rank() < current._rank()):
                below_since = partner.member_tier_below_since
                if not below_since:
                    partner._membership_system_write({"member_tier_below_since": today})
                elif (today - below_since).days >= current.grace_days:
                    self._membership_set_tier(partner, tier, "downgrade", value)
            elif partner.member_tier_below_since:
                partner._membership_system_write({"member_tier_below_since": False})
