import random

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from ..tools.campaign_stats import offer_return, split_control, uplift
from ..tools.input_checks import MAX_AMOUNT, check_bounds
from .loyalty_card import COUPON_SERVER

# Fields that decide which campaigns run when (cached by _membership_running_periods).
RUNNING_FIELDS = {"state", "offer_type", "date_from", "date_to"}

OFFER_TYPES = [
    ("points_multiplier", "Points Multiplier"),
    ("coupon", "Coupon"),
    ("tier_boost", "Tier Discount Boost"),
    ("sms", "SMS Only"),
]


class MembershipCampaign(models.Model):
    """An offer to a segment over a period, with a random control group held out so the
    effect can be measured against members who got nothing."""

    _name = "membership.campaign"
    _description = "Member Campaign"
    _inherit = ["mail.thread", "membership.cached.config.mixin"]
    _membership_cache_fields = RUNNING_FIELDS
    _order = "date_from desc, id desc"

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    segment_id = fields.Many2one(
        "membership.segment", required=True, tracking=True, ondelete="restrict"
    )
    date_from = fields.Date(string="Start", required=True, tracking=True)
    date_to = fields.Date(string="End", required=True, tracking=True)
    offer_type = fields.Selection(OFFER_TYPES, required=True, default="sms", tracking=True)
    offer_value = fields.Float(
        help="Multiplier for points (e.g. 2.0), points on each coupon (usually 1), or extra "
        "discount percentage.",
        tracking=True,
    )
    coupon_program_id = fields.Many2one(
        "loyalty.program",
        string="Coupon Program",
        domain=[("program_type", "=", "coupons")],
        help="Each target member gets a coupon of this program when the campaign starts.",
    )
    coupon_ids = fields.Many2many(
        "loyalty.card",
        "membership_campaign_coupon_rel",
        "campaign_id",
        "card_id",
        string="Coupons",
        readonly=True,
        copy=False,
    )
    sms_body = fields.Text(
        string="SMS", help="Sent to the target members when the campaign starts (optional)."
    )
    cost_per_member = fields.Monetary(
        string="Cost per Member", help="Expected cost of the offer for each member reached."
    )
    control_percent = fields.Float(
        string="Control Group (%)", default=10.0, help="Share of the segment held out at random."
    )
    seed = fields.Integer(
        default=lambda self: random.SystemRandom().randrange(1, 2**31 - 1),
        readonly=True,
        copy=False,
        help="Seed of the random split, kept so the split can be reproduced.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done"), ("cancel", "Cancelled")],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    target_ids = fields.Many2many(
        "res.partner",
        "membership_campaign_target_rel",
        "campaign_id",
        "partner_id",
        string="Target Members",
        readonly=True,
        copy=False,
    )
    control_ids = fields.Many2many(
        "res.partner",
        "membership_campaign_control_rel",
        "campaign_id",
        "partner_id",
        string="Control Members",
        readonly=True,
        copy=False,
    )
    target_count = fields.Integer(compute="_compute_counts", string="Targets")
    control_count = fields.Integer(compute="_compute_counts", string="Controls")
    reached_count = fields.Integer(string="Members Reached", readonly=True, copy=False)
    redeemed_count = fields.Integer(
        string="Coupons Redeemed", readonly=True, copy=False, help="Coupons used at least once."
    )
    # Results (computed after the period by action_compute_results)
    results_date = fields.Datetime(string="Results Computed", readonly=True, copy=False)
    target_visits = fields.Float(string="Visits per Target", readonly=True, copy=False)
    control_visits = fields.Float(string="Visits per Control", readonly=True, copy=False)
    target_revenue = fields.Monetary(string="Revenue per Target", readonly=True, copy=False)
    control_revenue = fields.Monetary(string="Revenue per Control", readonly=True, copy=False)
    uplift_visits = fields.Float(string="Visit Uplift", readonly=True, copy=False)
    uplift_visits_low = fields.Float(string="Visit Uplift (95% low)", readonly=True, copy=False)
    uplift_visits_high = fields.Float(string="Visit Uplift (95% high)", readonly=True, copy=False)
    uplift_revenue = fields.Monetary(string="Revenue Uplift", readonly=True, copy=False)
    uplift_revenue_low = fields.Monetary(
        string="Revenue Uplift (95% low)", readonly=True, copy=False
    )
    uplift_revenue_high = fields.Monetary(
        string="Revenue Uplift (95% high)", readonly=True, copy=False
    )
    uplift_known = fields.Boolean(
        readonly=True, copy=False, help="False when a group is too small for an interval."
    )
    incremental_revenue = fields.Monetary(readonly=True, copy=False)
    offer_cost = fields.Monetary(readonly=True, copy=False)
    offer_return = fields.Float(
        string="Return on Offer",
        readonly=True,
        copy=False,
        help="(Incremental revenue - cost) / cost.",
    )

    _dates_ordered = models.Constraint(
        "CHECK (date_from <= date_to)", "A campaign cannot end before it starts."
    )
    _control_percent_range = models.Constraint(
        "CHECK (control_percent >= 0 AND control_percent < 100)",
        "The control group is a percentage from 0 to less than 100.",
    )

    @api.depends("target_ids", "control_ids")
    def _compute_counts(self):
        for campaign in self:
            campaign.target_count = len(campaign.target_ids)
            campaign.control_count = len(campaign.control_ids)

    @api.constrains("offer_value", "cost_per_member")
    def _check_membership_bounds(self):
        check_bounds(self, {"offer_value": (0, 1000), "cost_per_member": (0, MAX_AMOUNT)})

    @api.constrains("offer_type", "offer_value")
    def _check_offer_value(self):
        for campaign in self:
            if campaign.offer_type == "points_multiplier" and campaign.offer_value <= 1.0:
                raise ValidationError(self.env._("A points multiplier must be above 1."))
            if campaign.offer_type in ("coupon", "tier_boost") and campaign.offer_value <= 0:
                raise ValidationError(self.env._("The offer needs a positive value."))

    def write(self, vals):
        frozen = {
            "segment_id",
            "control_percent",
            "date_from",
            "offer_type",
            "offer_value",
            "coupon_program_id",
        }
        if frozen & set(vals) and any(c.state != "draft" for c in self):
            raise UserError(self.env._("A started campaign keeps its segment, offer and split."))
        return super().write(vals)

    def action_start(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("Only a draft campaign can start."))
        members = self.segment_id.with_company(self.company_id)._members()
        members = members.filtered(lambda p: p.company_id in (self.company_id, p.browse()))
        if not members:
            raise UserError(self.env._("Segment %s has no member.", self.segment_id.name))
        if self.offer_type == "coupon" and not self.coupon_program_id:
            raise UserError(self.env._("Choose the coupon program of the offer."))
        target_ids, control_ids = split_control(members.ids, self.control_percent, self.seed)
        targets = self.env["res.partner"].browse(target_ids)
        reached = len(targets)
        if self.sms_body:
            keys = {p.id: f"membership.campaign:{self.id}:{p.id}" for p in targets}
            sms = self.env["membership.sms"]._membership_queue(
                targets, "campaign", body=self.sms_body, keys=keys, campaign_name=self.name
            )
            reached = len(sms.filtered(lambda s: s.state != "cancelled"))
        coupons = self.env["loyalty.card"]
        if self.offer_type == "coupon":
            # The campaign's coupons are the server's: their points come from the offer.
            coupons = coupons.with_context(membership_coupon_server=COUPON_SERVER).create(
                [
                    {
                        "program_id": self.coupon_program_id.id,
                        "partner_id": partner_id,
                        "points": self.offer_value,
                        "expiration_date": self.date_to,
                    }
                    for partner_id in target_ids
                ]
            )
        self.write(
            {
                "state": "running",
                "coupon_ids": [fields.Command.set(coupons.ids)],
                "target_ids": [fields.Command.set(target_ids)],
                "control_ids": [fields.Command.set(control_ids)],
                "reached_count": reached,
            }
        )
        return True

    def action_cancel(self):
        self.filtered(lambda c: c.state in ("draft", "running")).state = "cancel"

    def action_compute_results(self):
        """Visits and revenue per member from the POS orders of the period, target against
        control: two grouped queries, no loop over orders."""
        for campaign in self:
            if campaign.state not in ("running", "done"):
                raise UserError(self.env._("Start the campaign before measuring it."))
            campaign._compute_results()
            if campaign.date_to < fields.Date.context_today(campaign):
                campaign.state = "done"
        return True

    def _compute_results(self):
        self.ensure_one()
        partners = self.target_ids | self.control_ids
        domain = [
            ("partner_id", "in", partners.ids),
            ("company_id", "=", self.company_id.id),
            ("state", "in", ("paid", "done")),
            ("date_order", ">=", fields.Datetime.to_datetime(self.date_from)),
            ("date_order", "<", fields.Datetime.to_datetime(self.date_to + relativedelta(days=1))),
        ]
        # sudo: managers measure campaigns without needing Point of Sale rights
        Order = self.env["pos.order"].sudo()
        revenue = dict(Order._read_group(domain, ["partner_id"], ["amount_total:sum"]))
        visits = dict(
            Order._read_group([*domain, ("amount_total", ">", 0)], ["partner_id"], ["__count"])
        )
        ids_t, ids_c = self.target_ids.ids, self.control_ids.ids
        by_id_rev = {p.id: v for p, v in revenue.items()}
        by_id_vis = {p.id: v for p, v in visits.items()}
        rev_t = [by_id_rev.get(i, 0.0) for i in ids_t]
        rev_c = [by_id_rev.get(i, 0.0) for i in ids_c]
        vis_t = [float(by_id_vis.get(i, 0)) for i in ids_t]
        vis_c = [float(by_id_vis.get(i, 0)) for i in ids_c]
        rev, vis = uplift(rev_t, rev_c), uplift(vis_t, vis_c)
        cost = self.cost_per_member * self.reached_count
        incremental = rev["difference"] * len(ids_t)
        ratio = offer_return(incremental, cost)
        redeemed = 0
        if self.coupon_ids:
            [(redeemed,)] = (
                self.env["loyalty.history"]
                .sudo()
                ._read_group(
                    [("card_id", "in", self.coupon_ids.ids), ("used", ">", 0)],
                    aggregates=["card_id:count_distinct"],
                )
            )  # sudo: coupon use is recorded by the till; managers only read the count
        self.write(
            {
                "results_date": fields.Datetime.now(),
                "redeemed_count": redeemed,
                "target_visits": sum(vis_t) / len(vis_t) if vis_t else 0.0,
                "control_visits": sum(vis_c) / len(vis_c) if vis_c else 0.0,
                "target_revenue": sum(rev_t) / len(rev_t) if rev_t else 0.0,
                "control_revenue": sum(rev_c) / len(rev_c) if rev_c else 0.0,
                "uplift_visits": vis["difference"],
                "uplift_visits_low": vis["low"] or 0.0,
                "uplift_visits_high": vis["high"] or 0.0,
                "uplift_revenue": rev["difference"],
                "uplift_revenue_low": rev["low"] or 0.0,
                "uplift_revenue_high": rev["high"] or 0.0,
                "uplift_known": rev["std_error"] is not None,
                "incremental_revenue": incremental,
                "offer_cost": cost,
                "offer_return": ratio or 0.0,
            }
        )

    def action_open_targets(self):
        return self._open_partners(self.target_ids, self.env._("Targets of %s", self.name))

    def action_open_controls(self):
        return self._open_partners(self.control_ids, self.env._("Control group of %s", self.name))

    def _open_partners(self, partners, name):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "membership_loyalty.membership_member_action"
        )
        action.update(
            name=name,
            domain=[("id", "in", partners.ids)],
            view_mode="list,form",
            views=[(False, "list"), (False, "form")],
        )
        return action

    @api.model
    @tools.ormcache("offer_type")
    def _membership_running_periods(self, offer_type):
        """((id, date_from, date_to), ...) of the running campaigns of ``offer_type``,
        cached: a member's paid order asks for them, and most days none runs."""
        # sudo: the till asks for the member; campaigns are read by managers only
        campaigns = self.sudo().search_fetch(
            [("state", "=", "running"), ("offer_type", "=", offer_type)],
            ["date_from", "date_to"],
        )
        return tuple((c.id, c.date_from, c.date_to) for c in campaigns)

    @api.model
    def _membership_running_offer(self, partner, offer_type, when=None):
        """Best value of the running ``offer_type`` campaigns that target ``partner`` on
        the day of ``when`` (None when none); control members never get it."""
        day = fields.Date.to_date(when) if when else fields.Date.context_today(self)
        running = [
            campaign_id
            for campaign_id, date_from, date_to in self._membership_running_periods(offer_type)
            if date_from <= day <= date_to
        ]
        if not running:
            return None
        campaigns = self.sudo().search(
            [("id", "in", running), ("target_ids", "in", partner.ids)]
        )  # sudo: the till asks for the member; campaigns are read by managers only
        return max(campaigns.mapped("offer_value"), default=None)

    @api.model
    def _membership_points_multiplier(self, partner, when=None):
        """Points multiplier of the member's running campaigns (1.0 when none)."""
        return self._membership_running_offer(partner, "points_multiplier", when) or 1.0

    @api.model
    def _membership_discount_boost(self, partner, when=None):
        """Extra tier discount percentage of the member's running campaigns (0.0 when
        none), for the tier discount to add."""
        return self._membership_running_offer(partner, "tier_boost", when) or 0.0
