from odoo import api, fields, models, tools

from ..tools.input_checks import MAX_AMOUNT, check_bounds


class MembershipTier(models.Model):
    _name = "membership.tier"
    _inherit = ["membership.cached.config.mixin"]
    # The mixin clears _membership_ladder and _membership_discount_map on any change.
    _description = "Membership Tier"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(
        default=10, help="Tiers are ranked by sequence: a higher one is a better tier."
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    qualification = fields.Selection(
        [("spend", "Spend"), ("points", "Points Earned")],
        required=True,
        default="spend",
        help="What the member must reach over the rolling window to hold this tier.",
    )
    threshold = fields.Float(
        string="Threshold",
        help="Spend (company currency) or points over the window; 0 = entry tier.",
    )
    window_months = fields.Integer(string="Window (months)", default=12, required=True)
    grace_days = fields.Integer(
        string="Grace Period (days)",
        default=30,
        help="Days a member may stay below the threshold before the review moves them down.",
    )
    earn_multiplier = fields.Float(default=1.0, digits=(16, 2))
    discount_ids = fields.One2many(
        "membership.tier.discount", "tier_id", string="Category Discounts"
    )
    pricelist_id = fields.Many2one("product.pricelist", string="Pricelist", check_company=True)
    card_type_id = fields.Many2one(
        "membership.card.type", string="Default Card Type", check_company=True
    )
    entry_reward_points = fields.Float(
        string="Entry Reward (points)", help="Points granted when a member reaches this tier."
    )
    member_count = fields.Integer(compute="_compute_member_count")

    _threshold_positive = models.Constraint(
        "CHECK (threshold >= 0)", "A tier threshold cannot be negative."
    )
    _window_positive = models.Constraint(
        "CHECK (window_months > 0)", "The qualification window must be at least one month."
    )
    _grace_positive = models.Constraint(
        "CHECK (grace_days >= 0)", "The grace period cannot be negative."
    )
    _multiplier_positive = models.Constraint(
        "CHECK (earn_multiplier >= 0)", "The earn multiplier cannot be negative."
    )
    _entry_reward_positive = models.Constraint(
        "CHECK (entry_reward_points >= 0)", "The entry reward cannot be negative."
    )

    @api.depends("company_id")
    def _compute_currency_id(self):
        for tier in self:
            tier.currency_id = (tier.company_id or self.env.company).currency_id

    def _compute_member_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("member_tier_id", "in", self.ids)], ["member_tier_id"], ["__count"]
            )
        )
        for tier in self:
            tier.member_count = counts.get(tier, 0)

    @api.constrains(
        "threshold", "window_months", "grace_days", "earn_multiplier", "entry_reward_points"
    )
    def _check_membership_bounds(self):
        check_bounds(
            self,
            {
                "threshold": (0, MAX_AMOUNT),
                "window_months": (1, 120),
                "grace_days": (0, 3650),
                "earn_multiplier": (0, 100),
                "entry_reward_points": (0, MAX_AMOUNT),
            },
        )

    def _rank(self):
        """Sort key: position in the tier ladder (sequence, then id)."""
        self.ensure_one()
        return (self.sequence, self.id)

    def _membership_category_discounts(self, boost=0.0):
        """Discount (%) per product category id for this tier, sub-categories included.

        A line on a sub-category overrides its parent's: the deepest category wins.
        ``boost``: percentage points a running campaign adds to each of the tier's
        discounts (at most 100%); categories the tier does not discount stay undiscounted."""
        self.ensure_one()
        discounts = self._membership_discount_map(self.id)
        if not boost:
            return dict(discounts)
        return {category: min(rate + boost, 100.0) for category, rate in discounts.items()}

    @api.model
    @tools.ormcache("tier_id")
    def _membership_discount_map(self, tier_id):
        """Cached body of :meth:`_membership_category_discounts` (every member's order is
        checked against it); cleared when tiers, their discounts or categories change.

        sudo: tier discounts are configuration every till applies, whoever sells.
        """
        tier = self.sudo().browse(tier_id)
        result = {}
        lines = tier.discount_ids.sorted(lambda d: len(d.category_id.parent_path or ""))
        for line in lines:
            for category in (
                self.env["product.category"]
                .sudo()
                .search([("id", "child_of", line.category_id.id)])
            ):
                result[category.id] = line.discount
        return tools.frozendict(result)

    @api.model
    @tools.ormcache("tier_id", "self.env.lang")
    def _membership_tier_name(self, tier_id):
        """The name of tier ``tier_id`` in the current language; cached, for the receipt
        figures of every paid member order (sudo: tiers are configuration)."""
        return self.sudo().browse(tier_id).name if tier_id else False

    @api.model
    @tools.ormcache("company_id")
    def _membership_ladder(self, company_id):
        """The active tiers of a company (and the shared ones), best first, as tuples
        (id, rank, qualification, window_months, threshold, earn_multiplier); cached, for
        the earn multiplier and the upgrade check of every paid order.

        sudo: tiers are configuration; the domain names the company.
        """
        tiers = self.sudo().search_fetch(
            [("company_id", "in", (company_id, False))],
            ["sequence", "qualification", "window_months", "threshold", "earn_multiplier"],
            order="sequence desc, id desc",
        )
        return tuple(
            (
                tier.id,
                tier._rank(),
                tier.qualification,
                tier.window_months,
                tier.threshold,
                tier.earn_multiplier,
            )
            for tier in tiers
        )
