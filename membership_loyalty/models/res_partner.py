from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

# No member alive was born before this day.
OLDEST_BIRTHDATE = date(1900, 1, 1)

# Activity figures a paid POS order updates (see _membership_record_orders).
MEMBER_FIGURES = (
    "member_total_spent",
    "member_visit_count",
    "member_last_visit",
    "member_average_basket",
)
# Fields only the addon's own flows write: the member number and who enrolled the member
# at enrolment, the tier (tier review, entry tier, the manager's Change Tier wizard) and the
# activity figures (paid POS orders). Cashiers may edit members, never these.
MEMBER_MANAGED_FIELDS = frozenset(
    {
        "member_number",
        "member_enrolled_by_id",
        "member_tier_id",
        "member_tier_below_since",
        *MEMBER_FIGURES,
    }
)
# Context marker of those flows. A plain value could be sent in an RPC call's context;
# this object cannot, so only server code holds the key.
MEMBER_SYSTEM = object()
ADMIN_GROUP = "membership_loyalty.membership_loyalty_group_admin"
CASHIER_GROUP = "membership_loyalty.membership_loyalty_group_cashier"
CARD_STATE_ORDER = ("active", "blocked", "lost", "expired", "draft")

AGE_BANDS = [
    ("under_18", "Under 18"),
    ("18_24", "18-24"),
    ("25_34", "25-34"),
    ("35_44", "35-44"),
    ("45_54", "45-54"),
    ("55_64", "55-64"),
    ("65_plus", "65+"),
]
# Lower bound of each band, oldest first: an age falls in the first band it reaches.
_BAND_FLOORS = [
    (65, "65_plus"),
    (55, "55_64"),
    (45, "45_54"),
    (35, "35_44"),
    (25, "25_34"),
    (18, "18_24"),
]


def age_band(birthdate, today):
    if not birthdate:
        return False
    age = relativedelta(today, birthdate).years
    for floor, band in _BAND_FLOORS:
        if age >= floor:
            return band
    return "under_18"


class ResPartner(models.Model):
    """The member's profile: enrolment (number, date, where and by whom), personal data
    for the analytics, the tier held, the cards. What decides the tier is the tier engine
    (``membership_tier_engine.py``); activity figures, ledger balances and wallet payout, phone
    numbers and SMS are in the other ``res_partner_*.py`` files."""

    _inherit = "res.partner"

    is_member = fields.Boolean(string="Member", tracking=True, copy=False)
    member_number = fields.Char(copy=False, readonly=True, index="btree_not_null", tracking=True)
    member_since = fields.Date(copy=False)
    member_birthdate = fields.Date(string="Birthdate")
    member_birth_month = fields.Integer(
        compute="_compute_member_birth_month", store=True, help="Used by the birthday filter."
    )
    member_gender = fields.Selection(
        [("male", "Male"), ("female", "Female"), ("other", "Other")], string="Gender"
    )
    member_age_band = fields.Selection(
        AGE_BANDS, string="Age Band", compute="_compute_member_age_band", store=True
    )
    member_region = fields.Char(
        string="Region",
        compute="_compute_member_region",
        store=True,
        help="State of the address, or its country when there is no state.",
    )
    member_enrol_config_id = fields.Many2one(
        "pos.config",
        string="Enrolled At",
        copy=False,
        help="Point of Sale that enrolled the member.",
    )
    member_enrolled_by_id = fields.Many2one(
        "res.partner",
        string="Enrolled By",
        copy=False,
        index="btree_not_null",
        help="Who enrolled the member at the till: the employee logged in (Point of Sale "
        "HR) or the till's user. Members per Salesperson counts it.",
    )
    member_tier_id = fields.Many2one(
        "membership.tier", string="Tier", tracking=True, copy=False, index="btree_not_null"
    )
    member_tier_below_since = fields.Date(
        string="Below Tier Since",
        copy=False,
        readonly=True,
        help="First review that found the member under their tier's threshold "
        "(start of the grace period).",
    )
    member_tier_history_ids = fields.One2many(
        "membership.tier.history", "partner_id", string="Tier History"
    )
    membership_card_ids = fields.One2many("membership.card", "partner_id", string="Cards")
    # Analytics: one row, rebuilt by the segment refresh.
    membership_score_ids = fields.One2many(
        "membership.member.score",
        "partner_id",
        string="Member Scores",
        groups="membership_loyalty.membership_loyalty_group_manager",
    )
    member_card_state = fields.Selection(
        [
            ("active", "Active"),
            ("blocked", "Blocked"),
            ("lost", "Lost"),
            ("expired", "Expired"),
            ("draft", "Draft"),
            ("none", "No card"),
        ],
        string="Card",
        compute="_compute_member_card_state",
        groups=CASHIER_GROUP,
        help="State of the member's current card: an active one if any, else the most "
        "recent card still held.",
    )
    membership_card_count = fields.Integer(
        compute="_compute_membership_card_count", string="Card Count"
    )
    member_currency_id = fields.Many2one(
        "res.currency", compute="_compute_member_currency_id", string="Member Currency"
    )

    _member_number_unique = models.UniqueIndex(
        "(member_number) WHERE member_number IS NOT NULL",
        "This member number is already used by another member.",
    )

    @api.depends("member_birthdate")
    def _compute_member_birth_month(self):
        for partner in self:
            partner.member_birth_month = (
                partner.member_birthdate.month if partner.member_birthdate else 0
            )

    @api.depends("member_birthdate")
    def _compute_member_age_band(self):
        today = fields.Date.context_today(self)
        for partner in self:
            partner.member_age_band = age_band(partner.member_birthdate, today)

    @api.depends("state_id", "country_id")
    def _compute_member_region(self):
        for partner in self:
            partner.member_region = partner.state_id.name or partner.country_id.name or False

    def _compute_membership_card_count(self):
        counts = dict(
            self.env["membership.card"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.membership_card_count = counts.get(partner, 0)

    @api.depends("company_id")
    def _compute_member_currency_id(self):
        for partner in self:
            partner.member_currency_id = (partner.company_id or self.env.company).currency_id

    def _compute_member_card_state(self):
        cards = self.env["membership.card"].search_fetch(
            [("partner_id", "in", self.ids), ("state", "in", CARD_STATE_ORDER)],
            ["partner_id", "state"],
        )
        best = {}
        for card in cards:  # newest first (the card model's order)
            current = best.get(card.partner_id.id)
            if not current or CARD_STATE_ORDER.index(card.state) < CARD_STATE_ORDER.index(current):
                best[card.partner_id.id] = card.state
        for partner in self:
            partner.member_card_state = best.get(partner.id, "none")

    @api.constrains("member_birthdate")
    def _check_member_birthdate(self):
        today = fields.Date.context_today(self)
        for partner in self:
            if partner.member_birthdate and partner.member_birthdate > today:
                raise ValidationError(
                    self.env._("The birthdate of %s cannot be in the future.", partner.display_name)
                )
            if partner.member_birthdate and partner.member_birthdate < OLDEST_BIRTHDATE:
                raise ValidationError(
                    self.env._(
                        "The birthdate of %(member)s cannot be before %(oldest)s.",
                        member=partner.display_name,
                        oldest=OLDEST_BIRTHDATE,
                    )
                )

    @api.constrains("name", "is_member")
    def _check_member_name(self):
        for partner in self.filtered("is_member"):
            if not (partner.name or "").strip():
                raise ValidationError(self.env._("A member needs a name."))

    @api.model_create_multi
    def create(self, vals_list):
        self._membership_check_managed(
            {name for vals in vals_list for name, value in vals.items() if value}
        )
        today = fields.Date.context_today(self)
        for vals in vals_list:
            if vals.get("is_member"):
                # The form sends empty values for these: an explicit False gets the default too.
                if not vals.get("member_since"):
                    vals["member_since"] = today
                if not vals.get("member_tier_id"):
                    company_id = vals.get("company_id") or self.env.company.id
                    vals["member_tier_id"] = (
                        self.env["membership.tier"]._membership_entry_tier(company_id).id
                    )
        partners = super().create(vals_list)
        members = partners.filtered("is_member")
        # The phone is checked before the member number is taken: a refused enrolment
        # uses no number.
        members._membership_normalise_phone()
        members._membership_assign_number()
        if members:
            self.env["membership.sms"]._membership_notify("welcome", members)
        return partners

    def write(self, vals):
        self._membership_check_managed(set(vals))
        if vals.get("is_member"):
            new_members = self.filtered(lambda p: not p.is_member)
        else:
            new_members = self.browse()
        res = super().write(vals)
        if not self.env.context.get("membership_phone_normalised") and (
            {"phone", "is_member", "country_id"} & set(vals)
        ):
            self.filtered("is_member")._membership_normalise_phone()
        if new_members:
            new_members.filtered(
                lambda p: not p.member_since
            ).member_since = fields.Date.context_today(self)
            for partner in new_members.filtered(lambda p: not p.member_tier_id):
                tier = self.env["membership.tier"]._membership_entry_tier(
                    (partner.company_id or self.env.company).id
                )
                if tier:
                    partner._membership_system_write({"member_tier_id": tier.id})
            new_members._membership_assign_number()
            self.env["membership.sms"]._membership_notify("welcome", new_members)
        return res

    def _membership_check_managed(self, field_names):
        """Refuse a user's write of the fields only the addon's own flows set."""
        managed = MEMBER_MANAGED_FIELDS & field_names
        if (
            not managed
            or self.env.su
            or self.env.context.get("membership_partner_system") is MEMBER_SYSTEM
            or self.env.user.has_group(ADMIN_GROUP)
        ):
            return
        labels = ", ".join(sorted(self._fields[name].string for name in managed))
        raise AccessError(
            self.env._(
                "%(fields)s: set by Membership itself (member number at enrolment, tier by "
                "the review, activity by paid orders). A Membership Manager changes a "
                "member's tier with Change Tier.",
                fields=labels,
            )
        )

    def _membership_system_write(self, vals):
        """Write fields only the addon's own flows set (see MEMBER_MANAGED_FIELDS)."""
        return self.with_context(membership_partner_system=MEMBER_SYSTEM).write(vals)

    def action_membership_cards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "membership_loyalty.membership_card_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def _membership_assign_number(self):
        for partner in self.filtered(lambda p: not p.member_number):
            sequence = self.env["ir.sequence"].with_company(partner.company_id or self.env.company)
            partner._membership_system_write(
                {"member_number": sequence.next_by_code("membership.member")}
            )

    def _membership_earn_multiplier(self):
        """Points multiplier of the member: their tier's (1.0 without a tier), times the
        best running points campaign that targets them."""
        self.ensure_one()
        tier_multiplier = self.member_tier_id._membership_ladder_multiplier(
            self.company_id or self.env.company
        )
        campaign_multiplier = self.env["membership.campaign"]._membership_points_multiplier(self)
        return tier_multiplier * campaign_multiplier

    def _membership_refresh_age_band(self):
        """Recompute the age bands a birthday moved since they were stored (the daily tier
        review calls it: a band depends on today's date, which no field change signals)."""
        today = fields.Date.context_today(self)
        stale = self.filtered(lambda p: p.member_age_band != age_band(p.member_birthdate, today))
        stale._compute_member_age_band()
