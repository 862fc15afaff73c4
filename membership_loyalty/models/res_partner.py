import calendar
from datetime import date

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

# Activity figures a paid POS order updates (see _membership_record_orders).
# No member alive was born before this day.
OLDEST_BIRTHDATE = date(1900, 1, 1)

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
# Lower bound of each band, in the order of AGE_BANDS.
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
    member_phone_invalid = fields.Boolean(
        string="Invalid Phone",
        copy=False,
        help="Set when an imported phone number could not be read as an international number.",
    )
    # Activity figures: updated when a POS order is paid (see pos_order.py), never by scanning.
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
    membership_sms_ids = fields.One2many("membership.sms", "partner_id", string="Member SMS")
    # Analytics: one row, rebuilt by the segment refresh.
    membership_score_ids = fields.One2many(
        "membership.member.score",
        "partner_id",
        string="Member Scores",
        groups="membership_loyalty.membership_loyalty_group_manager",
    )
    membership_sms_count = fields.Integer(
        string="SMS Count", compute="_compute_membership_sms_count"
    )
    membership_account_ids = fields.One2many(
        "membership.account",
        "partner_id",
        string="Membership Accounts",
        readonly=True,
        groups="membership_loyalty.membership_loyalty_group_cashier",
    )
    points_balance = fields.Float(
        compute="_compute_membership_balances", digits=(16, 2), string="Points"
    )
    wallet_balance = fields.Monetary(
        compute="_compute_membership_balances", currency_field="currency_id", string="Wallet"
    )
    wallet_paid_balance = fields.Monetary(
        compute="_compute_membership_balances",
        currency_field="member_currency_id",
        string="Wallet (paid in)",
        help="Money the member paid into the wallet: paid back when the card is returned.",
    )
    wallet_bonus_balance = fields.Monetary(
        compute="_compute_membership_balances",
        currency_field="member_currency_id",
        string="Wallet (bonus)",
        help="Bonus credit the shop gave with top-ups: spent like money, never paid out.",
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
    # The till finds a member by the phone typed at the counter (E.164, see the POS lookup).
    _member_phone_idx = models.Index("(phone_sanitized) WHERE is_member IS TRUE")

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

    @api.depends_context("company")
    def _compute_membership_balances(self):
        # sudo: the balances are shown to whoever may see the partner (the till's customer
        # screen, the receipt); the ledger itself stays restricted to Membership users.
        accounts = (
            self.env["membership.account"]
            .sudo()
            .search([("partner_id", "in", self.ids), ("company_id", "=", self.env.company.id)])
        )
        by_partner = {account.partner_id.id: account for account in accounts}
        for partner in self:
            account = by_partner.get(partner.id, accounts.browse())
            partner.points_balance = account.points_balance
            partner.wallet_balance = account.wallet_balance
            partner.wallet_paid_balance = account.wallet_paid_balance
            partner.wallet_bonus_balance = account.wallet_bonus_balance

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

    def _compute_membership_sms_count(self):
        counts = dict(
            self.env["membership.sms"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.membership_sms_count = counts.get(partner, 0)

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
                    vals["member_tier_id"] = self._membership_entry_tier(company_id).id
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
                tier = self._membership_entry_tier((partner.company_id or self.env.company).id)
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

    @api.model
    def _membership_entry_tier(self, company_id):
        """Tier a new member starts in: the lowest tier of the company with no threshold."""
        ladder = self.env["membership.tier"]._membership_ladder(company_id)
        for tier_id, _rank, _qualification, _window, threshold, _multiplier in reversed(ladder):
            if not threshold:
                return self.env["membership.tier"].browse(tier_id)
        return self.env["membership.tier"]

    def action_membership_cards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "membership_loyalty.membership_card_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_membership_points_moves(self):
        self.ensure_one()
        return self._membership_ledger_action("membership_loyalty.membership_points_move_action")

    def action_membership_wallet_moves(self):
        self.ensure_one()
        return self._membership_ledger_action("membership_loyalty.membership_wallet_move_action")

    def _membership_ledger_action(self, xml_id):
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_view_membership_sms(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "membership_loyalty.membership_sms_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id, "search_default_group_trigger": 0}
        return action

    def _membership_sms_values(self):
        """Placeholders offered to member SMS templates as ``member``, one dict per partner.

        Other parts of the addon extend this (points, wallet, tier) by calling super()
        and updating the dicts; the defaults here keep every template renderable.
        """
        return {
            partner.id: {
                "name": partner.name or "",
                "first_name": (partner.name or "").split(" ")[0],
                "company": (partner.company_id or self.env.company).name,
                "points": partner.points_balance,
                "wallet": partner.wallet_balance,
                "tier": partner.member_tier_id.name or "",
                "expiring_points": 0,
                "expiry_date": "",
                "amount": 0.0,
            }
            for partner in self
        }

    def _membership_local_today(self, now):
        """The member's local date at UTC ``now``: their time zone, else their company's."""
        self.ensure_one()
        name = self.tz or (self.company_id or self.env.company).partner_id.tz or "UTC"
        try:
            tz = pytz.timezone(name)
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc
        return pytz.utc.localize(now).astimezone(tz).date()

    def _membership_is_birthday(self, now):
        self.ensure_one()
        born = self.member_birthdate
        if not born:
            return False
        today = self._membership_local_today(now)
        if (born.month, born.day) == (today.month, today.day):
            return True
        # 29 February: celebrated on 28 February in the other years.
        return (
            (born.month, born.day) == (2, 29)
            and (today.month, today.day) == (2, 28)
            and not calendar.isleap(today.year)
        )

    def _membership_assign_number(self):
        for partner in self.filtered(lambda p: not p.member_number):
            sequence = self.env["ir.sequence"].with_company(partner.company_id or self.env.company)
            partner._membership_system_write(
                {"member_number": sequence.next_by_code("membership.member")}
            )

    def _membership_phone_country(self):
        """Country that reads a national phone number of the member, and where it comes
        from: the member's country, else the country of the shop that enrolled them, else
        the company's."""
        self.ensure_one()
        if self.country_id:
            return self.country_id, self.env._("the member's country")
        shop_country = self.member_enrol_config_id.company_id.country_id
        if shop_country:
            return shop_country, self.env._("the member has no country: the shop's country")
        company_country = (self.company_id or self.env.company).country_id
        return company_country, self.env._("the member has no country: the company's country")

    def _membership_normalise_phone(self):
        """Store member phones as E.164. A wrong number is refused at enrolment; during an
        import the row is kept and the number flagged, so no member is lost."""
        importing = self.env.context.get("import_file")
        for partner in self:
            if not partner.phone:
                if partner.member_phone_invalid:
                    partner.with_context(
                        membership_phone_normalised=True
                    ).member_phone_invalid = False
                continue
            country, origin = partner._membership_phone_country()
            try:
                formatted = partner._phone_format(
                    number=partner.phone, country=country, raise_exception=True
                )
            except UserError as error:
                if importing:
                    partner.with_context(
                        membership_phone_normalised=True
                    ).member_phone_invalid = True
                    continue
                raise ValidationError(
                    self.env._(
                        "Phone: %(number)s is not a valid phone number in %(country)s "
                        "(%(origin)s) for %(member)s. Set the member's Country, or type the "
                        "number with its international prefix: + and the country code, "
                        "e.g. +86 138 0013 8000 for China.",
                        number=partner.phone,
                        country=country.name or self.env._("no country"),
                        origin=origin,
                        member=partner.display_name,
                    )
                ) from error
            vals = {}
            if formatted != partner.phone:
                vals["phone"] = formatted
            if partner.member_phone_invalid:
                vals["member_phone_invalid"] = False
            if vals:
                partner.with_context(membership_phone_normalised=True).write(vals)

    def _membership_record_orders(self, orders, spend=None):
        """Add paid POS orders to the member's stored activity figures (refunds subtract):
        what each order counts is the spend the server verified when it posted it
        (``membership_qualifying_amount``: goods paid, not top-ups, not what is held;
        ``spend`` {order: amount} gives it for orders not written yet)."""
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
        self.env.cr.execute(
            SQL(
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
        )
        values = (total, count, last, average)
        for name, value in zip(MEMBER_FIGURES, values, strict=True):
            self._fields[name]._update_cache(self, value)
        self.invalidate_recordset(["member_inactive", "write_date", "write_uid"])

    def _membership_wallet_payout(self, card, journal):
        """Pay the member's wallet out on card return.

        Pays out the money paid in through ``journal`` (cash/bank), forfeits the bonus
        credit per the company setting and returns the amount paid out. Posting the same
        card's payout again pays nothing more.
        """
        self.ensure_one()
        # On a card return, the card checks the cashier refund limit over deposit + wallet;
        # any other payout is a Supervisor's.
        if not card and not self.env.user.has_group(
            "membership_loyalty.membership_loyalty_group_supervisor"
        ):
            raise AccessError(self.env._("Only Membership Supervisors may pay a wallet out."))
        if card and card.partner_id != self:
            raise UserError(self.env._("This card belongs to another member."))
        account = self.env["membership.account"]._membership_get_account(self)
        if card:
            key = f"payout:card:{card._name}:{card.id}"
        else:
            # Keyed by the last move before the payout: asking again pays nothing more.
            before = account.wallet_move_ids.filtered(
                lambda move: move.kind not in ("payout", "forfeit")
            )
            key = f"payout:{account.id}:{max(before.ids, default=0)}"
        return account._membership_wallet_payout(key, journal=journal)

    def _membership_earn_multiplier(self):
        """Points multiplier of the member's tier (1.0 without a tier), times the best
        running points campaign that targets the member."""
        self.ensure_one()
        tier = self.member_tier_id
        multiplier = 1.0
        if tier:
            # The company's ladder is cached; a tier outside it (archived...) is read.
            company = self.company_id or self.env.company
            ladder = self.env["membership.tier"]._membership_ladder(company.id)
            known = {row[0]: row[5] for row in ladder}
            multiplier = known[tier.id] if tier.id in known else tier.earn_multiplier
        return multiplier * self.env["membership.campaign"]._membership_points_multiplier(self)

    def _membership_points_earned(self, date_from):
        """Points earned in the member's company since ``date_from``, net of refunds."""
        self.ensure_one()
        company = self.company_id or self.env.company
        # sudo: tier qualification reads the ledger whoever paid the order.
        [(total,)] = (
            self.env["membership.points.move"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "=", self.id),
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

    def _membership_qualifying_total(self, qualification, window_months, now, pending=None):
        """Spend or points of the member over ``window_months`` months ending at ``now``;
        ``pending`` {order: spend} adds orders whose spend is not written yet."""
        self.ensure_one()
        date_from = now - relativedelta(months=window_months)
        if qualification == "points":
            return self._membership_points_earned(date_from)
        company = self.company_id or self.env.company
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
                    ("partner_id", "=", self.id),
                    ("company_id", "=", company.id),
                    ("state", "in", ("paid", "done")),
                    ("date_order", ">=", date_from),
                    ("date_order", "<=", now),
                ],
                aggregates=["membership_qualifying_amount:sum"],
            )
        )  # sudo: a cashier's order triggers this; members' totals are not secret to the system
        return (total or 0.0) + extra

    def _membership_qualified_tier(self, now):
        """Best tier the member qualifies for now, with the value that qualified."""
        self.ensure_one()
        company = self.company_id or self.env.company
        return self._membership_best_tier(
            self.env["membership.tier"]._membership_ladder(company.id), now
        )

    def _membership_best_tier(self, ladder, now, pending=None):
        """First tier of ``ladder`` (rows of ``membership.tier._membership_ladder``, best
        first) the member qualifies for now, with the value that qualified."""
        self.ensure_one()
        cache = {}
        for tier_id, _rank, qualification, window_months, threshold, _multiplier in ladder:
            key = (qualification, window_months)
            if key not in cache:
                cache[key] = self._membership_qualifying_total(
                    qualification, window_months, now, pending
                )
            if cache[key] >= threshold:
                return self.env["membership.tier"].browse(tier_id), cache[key]
        return self.env["membership.tier"], 0.0

    def _membership_set_tier(self, tier, reason, value=0.0, note=None):
        self.ensure_one()
        self.env["membership.tier.history"].sudo().create(
            {
                "partner_id": self.id,
                "company_id": (self.company_id or self.env.company).id,
                "from_tier_id": self.member_tier_id.id,
                "to_tier_id": tier.id,
                "reason": reason,
                "qualifying_value": value,
                "note": note,
            }
        )  # sudo: history is written by the system, cashiers only read it
        vals = {"member_tier_id": tier.id, "member_tier_below_since": False}
        if tier.pricelist_id:
            vals["property_product_pricelist"] = tier.pricelist_id.id
        self._membership_system_write(vals)
        if reason == "upgrade" and tier.entry_reward_points:
            # Once per member and tier: moving down and up again earns no second reward.
            # sudo: the reward is posted by the system when the qualifying order is paid.
            account = (
                self.env["membership.account"]
                .sudo()
                ._membership_get_account(self, self.company_id or self.env.company)
            )
            account._membership_points_earn(
                tier.entry_reward_points, f"tier-entry:{self.id}:{tier.id}"
            )
        if reason == "upgrade":
            self.env["membership.sms"]._membership_notify(
                "tier_upgrade", self, {"tier": tier.name}, key=f"{tier.id}:{fields.Date.today()}"
            )

    def _membership_check_upgrade(self, pending=None):
        """Move members up as soon as they qualify for a better tier (never down here);
        ``pending`` {order: spend}: paid orders whose spend is not written yet."""
        now = fields.Datetime.now()
        Tier = self.env["membership.tier"]
        for partner in self.filtered("is_member"):
            ladder = Tier._membership_ladder((partner.company_id or self.env.company).id)
            current = partner.member_tier_id
            ranks = {row[0]: row[1] for row in ladder}
            rank = ranks.get(current.id) or (current._rank() if current else None)
            # Only the tiers above the current one can be an upgrade: the best tier the
            # member qualifies for is above it exactly when one of them qualifies (and a
            # member on the top tier costs no query).
            better = [row for row in ladder if rank is None or row[1] > rank]
            tier, value = partner._membership_best_tier(better, now, pending)
            if tier:
                partner._membership_set_tier(tier, "upgrade", value)

    @api.model
    def _cron_membership_tier_review(self):
        """Periodic review: downgrade members under their tier for longer than its grace
        period, upgrade any who qualify, and refresh age bands."""
        members = self.search([("is_member", "=", True)])
        by_company = members.grouped(
            lambda p: p.company_id or p.member_tier_id.company_id or self.env.company
        )
        for company, partners in by_company.items():
            partners.with_company(company)._membership_review_tiers()

    def _membership_review_tiers(self):
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        members = self
        for partner in members:
            tier, value = partner._membership_qualified_tier(now)
            current = partner.member_tier_id
            if tier and (not current or tier._rank() > current._rank()):
                partner._membership_set_tier(tier, "upgrade", value)
            elif current and (not tier or tier._rank() < current._rank()):
                below_since = partner.member_tier_below_since
                if not below_since:
                    partner._membership_system_write({"member_tier_below_since": today})
                elif (today - below_since).days >= current.grace_days:
                    partner._membership_set_tier(tier, "downgrade", value)
            elif partner.member_tier_below_since:
                partner._membership_system_write({"member_tier_below_since": False})
        stale = members.filtered(lambda p: p.member_age_band != age_band(p.member_birthdate, today))
        stale._compute_member_age_band()
