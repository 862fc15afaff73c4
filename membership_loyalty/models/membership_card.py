import re
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..tools import card_codes

LIVE_STATES = ("draft", "active", "lost", "blocked", "expired")
# Allowed moves of the card life cycle: draft -> active -> lost/blocked/expired ->
# replaced/returned; lost/blocked/expired cards can be reactivated by a supervisor.
TRANSITIONS = {
    "activate": ({"draft"}, "active"),
    "report_lost": ({"active", "blocked"}, "lost"),
    "block": ({"active"}, "blocked"),
    "expire": ({"active"}, "expired"),
    "reactivate": ({"lost", "blocked", "expired"}, "active"),
    "replace": ({"active", "lost", "blocked", "expired"}, "replaced"),
    "return": ({"active", "lost", "blocked", "expired"}, "returned"),
}
SUPERVISOR_ACTIONS = {"reactivate", "replace"}
# Context marker of the card's own actions. A plain value could be sent in an RPC call's
# context; this object cannot, so only server code holds the key.
TRANSITION = object()
# Context marker of the Issue flow (``_membership_issue``): the only way a card becomes
# active for the first time.
ISSUING = object()
# Fields that say who or what a card is: Supervisors and up change them, cashiers only
# through the wizards (issue, replace).
IDENTITY_FIELDS = {"number", "chip_uid", "expiry_date", "partner_id", "company_id", "card_type_id"}
# A card read by a shop's reader box within this many minutes is the card at the counter.
CARD_PRESENT_MINUTES = 10
SUPERVISOR_GROUP = "membership_loyalty.membership_loyalty_group_supervisor"
CASHIER_GROUP = "membership_loyalty.membership_loyalty_group_cashier"


def luhn_check_digit(digits):
    """Check digit that makes ``digits`` + digit pass the Luhn test."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


# Card numbers are at most 19 digits (ISO/IEC 7812), the check digit included.
MAX_NUMBER_LENGTH = 19


def luhn_valid(number):
    return (
        bool(number)
        and number.isdigit()
        and len(number) > 1
        and (luhn_check_digit(number[:-1]) == number[-1])
    )


def normalise_uid(uid):
    """Chip UIDs are stored as uppercase hex without separators."""
    if not uid:
        return False
    return re.sub(r"[\s:\-]", "", uid).upper() or False


class MembershipCard(models.Model):
    _name = "membership.card"
    _description = "Membership Card"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _rec_name = "number"

    number = fields.Char(required=True, readonly=True, copy=False, tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Member",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    card_type_id = fields.Many2one(
        "membership.card.type",
        string="Card Type",
        required=True,
        tracking=True,
        check_company=True,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("lost", "Lost"),
            ("blocked", "Blocked"),
            ("expired", "Expired"),
            ("replaced", "Replaced"),
            ("returned", "Returned"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    chip_uid = fields.Char(string="Chip UID", copy=False, tracking=True)
    magstripe_data = fields.Char(string="Magstripe Data", copy=False, groups=SUPERVISOR_GROUP)
    stripe_encoding = fields.Char(
        string="Encode on Stripe",
        compute="_compute_stripe_encoding",
        help="What a magnetic-stripe encoder writes on a blank card for this number, on the "
        "track its card type reads (track 2 by default), as a reader sends it back: % starts "
        "track 1, ; track 2, + track 3 (encoders write track 3 with ;), ? ends the track. "
        "Every reader (reader box, till, search field) reads it back as the number. Empty "
        "when the number does not have the length the card type expects.",
    )
    lot_id = fields.Many2one("stock.lot", string="Blank Card Serial", readonly=True, copy=False)
    issue_date = fields.Date(readonly=True, copy=False)
    expiry_date = fields.Date(tracking=True, copy=False)
    currency_id = fields.Many2one(related="company_id.currency_id")
    deposit_amount = fields.Monetary(
        string="Deposit Held",
        readonly=True,
        copy=False,
        currency_field="currency_id",
        help="Refundable deposit collected at issue and paid back when the card is returned.",
    )
    payment_ids = fields.Many2many(
        "account.payment",
        string="Card Payments",
        readonly=True,
        copy=False,
        # Accounting records: only invoicing users may read them (a supervisor opening a
        # card sees the deposit held, not the payments).
        groups="account.group_account_invoice",
    )
    replaced_by_id = fields.Many2one(
        "membership.card", string="Replaced By", readonly=True, copy=False
    )
    replaces_id = fields.Many2one("membership.card", string="Replaces", readonly=True, copy=False)
    active = fields.Boolean(default=True)

    _number_live_unique = models.UniqueIndex(
        "(company_id, number) WHERE state NOT IN ('replaced', 'returned')",
        "Another live card of this company already has this number.",
    )
    _chip_uid_live_unique = models.UniqueIndex(
        "(company_id, chip_uid) WHERE chip_uid IS NOT NULL"
        " AND state NOT IN ('replaced', 'returned')",
        "Another live card of this company already has this chip UID.",
    )
    # The till and the reader boxes find cards by number or chip UID (_find_by_code) with
    # no state in the query: the partial unique indexes above cannot serve it.
    _number_idx = models.Index("(number)")
    _chip_uid_idx = models.Index("(chip_uid) WHERE chip_uid IS NOT NULL")
    # A 125 kHz tag typed as decimal gives the UID's last bytes only (_find_by_uid_ending).
    _chip_uid_ending_idx = models.Index(
        "(reverse(chip_uid) text_pattern_ops) WHERE chip_uid IS NOT NULL"
    )
    _deposit_positive = models.Constraint(
        "CHECK (deposit_amount >= 0)", "A card deposit cannot be negative."
    )

    @api.depends(
        "number",
        "card_type_id.stripe_track",
        "card_type_id.stripe_field",
        "card_type_id.stripe_start",
        "card_type_id.stripe_length",
    )
    def _compute_stripe_encoding(self):
        for card in self:
            layout = card.card_type_id._membership_stripe_layout()
            card.stripe_encoding = card_codes.encode_stripe(card.number, layout) or False

    @api.constrains("number")
    def _check_number(self):
        for card in self:
            if not luhn_valid(card.number) or len(card.number) > MAX_NUMBER_LENGTH:
                raise ValidationError(
                    self.env._("Number: %s is not a valid card number (check digit).", card.number)
                )

    @api.constrains("chip_uid")
    def _check_chip_uid(self):
        for card in self.filtered("chip_uid"):
            if not re.fullmatch(r"[0-9A-F]{8,20}", card.chip_uid):
                raise ValidationError(
                    self.env._("Chip UID: %s is not a hexadecimal chip UID.", card.chip_uid)
                )

    def _check_live_duplicates(self, company_id, number=None, chip_uid=None):
        """Refuse a number or chip UID already carried by a live card of the company.

        Runs before writing so the user reads which field clashes; the partial unique
        indexes above still guard the database against concurrent writers."""
        domain = [
            ("id", "not in", self.ids),
            ("company_id", "=", company_id),
            ("state", "in", LIVE_STATES),
            ("active", "in", (True, False)),
        ]
        # sudo: the clash may be with a card the operator cannot read; only its existence leaks.
        cards = self.sudo()
        if number and cards.search_count([*domain, ("number", "=", number)], limit=1):
            raise ValidationError(
                self.env._("Number: another live card already has the number %s.", number)
            )
        if chip_uid and cards.search_count([*domain, ("chip_uid", "=", chip_uid)], limit=1):
            raise ValidationError(
                self.env._("Chip UID: another live card already has the UID %s.", chip_uid)
            )

    @api.constrains("partner_id", "state")
    def _check_partner_active(self):
        for card in self.filtered(lambda c: c.state == "active"):
            if not card.partner_id.active:
                raise ValidationError(
                    self.env._(
                        "Member: %s is archived and cannot hold an active card.",
                        card.partner_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            guarded = (
                vals.get("state", "draft") != "draft"
                or vals.get("lot_id")
                or vals.get("deposit_amount")
            )
            if guarded and not self._membership_in_transition():
                raise UserError(self.env._("A new card starts as a draft; use the Issue wizard."))
            if not self._membership_in_transition():
                self._membership_check_identity_rights()
            if not vals.get("number"):
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["number"] = self.with_company(company)._next_number()
            if "chip_uid" in vals:
                vals["chip_uid"] = normalise_uid(vals["chip_uid"])
            self.browse()._check_live_duplicates(
                vals.get("company_id") or self.env.company.id, vals["number"], vals.get("chip_uid")
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self._membership_in_transition() and (
            {
                "state",
                "deposit_amount",
                "lot_id",
                "issue_date",
                "replaced_by_id",
                "replaces_id",
                "payment_ids",
            }
            & set(vals)
        ):
            raise UserError(
                self.env._(
                    "The state, deposit and history of a card change only through its actions."
                )
            )
        if IDENTITY_FIELDS & set(vals) and not self._membership_in_transition():
            self._membership_check_identity_rights()
        if (
            {"number", "company_id", "partner_id"} & set(vals)
            and not self._membership_in_transition()
            and self.filtered(lambda c: c.state != "draft")
        ):
            raise UserError(
                self.env._("The number, member and company of an issued card cannot change.")
            )
        if "chip_uid" in vals:
            vals["chip_uid"] = normalise_uid(vals["chip_uid"])
        if vals.get("number") or vals.get("chip_uid"):
            for card in self:
                card._check_live_duplicates(
                    vals.get("company_id") or card.company_id.id,
                    vals.get("number"),
                    vals.get("chip_uid"),
                )
        return super().write(vals)

    def _membership_in_transition(self):
        """True inside the card's own actions (or data files loaded by the superuser)."""
        marker = self.env.context.get("membership_card_transition")
        return marker is TRANSITION or bool(marker and self.env.su)

    def _membership_check_identity_rights(self):
        """Cashiers create cards and change what identifies one only through the
        wizards: a new draft, a chip, a later expiry or another member is a
        Supervisor's."""
        if not self.env.su and not self.env.user.has_group(SUPERVISOR_GROUP):
            raise AccessError(
                self.env._(
                    "Only a Membership Supervisor may create a card or change its number, "
                    "chip, expiry date, member, type or company: cashiers issue and replace "
                    "cards with the wizards."
                )
            )

    def action_activate(self):
        """A draft card becomes active only by being issued: open the Issue wizard."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("Card %s was already issued.", self.number))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Issue a Membership Card"),
            "res_model": "membership.card.issue.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_card_id": self.id,
                "default_partner_id": self.partner_id.id,
                "default_card_type_id": self.card_type_id.id,
                "default_company_id": self.company_id.id,
                "default_chip_uid": self.chip_uid,
            },
        }

    def action_block(self):
        return self._membership_transition("block", self.env._("Blocked"))

    @api.model
    def _next_number(self):
        base = self.env["ir.sequence"].next_by_code("membership.card")
        if not base:
            raise UserError(self.env._("The membership card sequence is missing."))
        return base + luhn_check_digit(base)

    @api.model
    def _find_by_code(self, code, typed=True):
        """Card matching what a reader read: its number (printed, barcode, QR or a
        magnetic-stripe swipe, read with the stripe layout of its card type) or its chip
        UID in any printed form (hex, reversed bytes, 10 decimal digits, Wiegand-26). A
        swipe that carries no number where a card type keeps it finds nothing
        (``_membership_swipe_refusal`` says why).

        ``typed``: the code may be a tag number typed by a wedge reader, which holds only
        the UID's last bytes. A reader box knows the whole UID: its reads pass False, so a
        stranger's chip that merely ends like a member's finds no one."""
        code = (code or "").strip()
        if not card_codes.is_swipe(code):
            return self._find_by_read(code, typed) if code else self.browse()
        # Each layout's number names only cards of the types read that way; when two card
        # types read two numbers that both name a card, the type higher in the list wins.
        for number, card_types in self._membership_read_swipe(code)[0]:
            card = self._find_by_read(number, typed, card_types)
            if card:
                return card
        return self.browse()

    @api.model
    def _find_by_read(self, code, typed, card_types=None):
        """The card of a number or chip UID (see ``_find_by_code``), among the cards of
        ``card_types`` when given."""
        # A box sends the printed forms of its UID itself; a typed code gets them here.
        uids = {normalise_uid(code), *(card_codes.aliases(code) if typed else ())} - {False}
        domain = [
            "|",
            ("number", "=", code),
            ("chip_uid", "in", list(uids)),
            ("company_id", "in", self.env.companies.ids),
        ]
        if card_types is not None:
            domain.append(("card_type_id", "in", card_types.ids))
        cards = self.search(domain)
        # Prefer a live card when an old, returned card carried the same code.
        live = cards.filtered(lambda c: c.state in LIVE_STATES)
        if cards or not typed:
            return (live or cards)[:1]
        return self._find_by_uid_ending(card_codes.uid_endings(code), card_types)

    @api.model
    def _find_by_uid_ending(self, endings, card_types=None):
        """The one live card whose chip UID ends with one of ``endings`` (a tag typed as
        decimal or Wiegand-26 holds only the UID's last bytes); none when several do."""
        if not endings:
            return self.browse()
        self.flush_model(["chip_uid"])
        # Served by the index on reverse(chip_uid): the ending becomes a prefix.
        matches = SQL(" OR ").join(
            SQL("reverse(chip_uid) LIKE %s", ending[::-1] + "%") for ending in endings
        )
        rows = self.env.execute_query(
            SQL("SELECT id FROM membership_card WHERE chip_uid IS NOT NULL AND (%s)", matches)
        )
        # The search applies the access rules and the companies the raw query did not.
        domain = [
            ("id", "in", [row[0] for row in rows]),
            ("company_id", "in", self.env.companies.ids),
        ]
        if card_types is not None:
            domain.append(("card_type_id", "in", card_types.ids))
        live = self.search(domain).filtered(lambda c: c.state in LIVE_STATES)
        return live if len(live) == 1 else self.browse()

    @api.model
    def _membership_stripe_layouts(self):
        """[(stripe layout, card types read with it)] of the companies in use, in the
        order of the card types. Archived types count: their cards are still in wallets."""
        card_types = (
            self.env["membership.card.type"]
            .with_context(active_test=False)
            .search([("company_id", "in", [False, *self.env.companies.ids])])
        )
        layouts = {}
        for card_type in card_types:
            layout = card_type._membership_stripe_layout()
            layouts[layout] = layouts.get(layout, card_type.browse()) | card_type
        return list(layouts.items()) or [(card_codes.DEFAULT_LAYOUT, card_types)]

    @api.model
    def _membership_read_swipe(self, swipe):
        """What the card types make of a swipe: ([(number, card types)], [CardCodeError])
        - the number each stripe layout in use reads, and why the others read none."""
        numbers, errors = [], []
        for layout, card_types in self._membership_stripe_layouts():
            try:
                numbers.append((card_codes.swipe_number(swipe, layout), card_types))
            except card_codes.CardCodeError as error:
                errors.append(error)
        return numbers, errors

    @api.model
    def _membership_code_label(self, code):
        """How to name a code to the cashier: a swipe by the number read from it."""
        if not card_codes.is_swipe(code):
            return (code or "").strip()
        numbers = self._membership_read_swipe(code.strip())[0]
        return numbers[0][0] if numbers else ""

    @api.model
    def _membership_swipe_refusal(self, code):
        """Why a magnetic-stripe swipe identifies no card, for the cashier; False when it
        is no swipe or a card type reads a number from it."""
        if not card_codes.is_swipe(code):
            return False
        numbers, errors = self._membership_read_swipe(code.strip())
        if numbers:
            return False
        reasons = {(error.reason, error.track) for error in errors}
        if any(reason == "unreadable" for reason, _track in reasons):
            return self.env._("The card's stripe could not be read: swipe it again.")
        if len(reasons) > 1:
            return self.env._(
                "This card's stripe carries no card number where its card type keeps it."
            )
        reason, track = reasons.pop()
        if reason == "disagree":
            return self.env._(
                "The tracks of this card carry different numbers: it was badly encoded."
            )
        if reason == "no_track":
            return self.env._(
                "This card's stripe has no track %s, where its card type keeps the number.",
                track,
            )
        return self.env._("This card's stripe carries no card number.")

    def _check_usable(self):
        """Raise unless the card may be used to identify the member, earn or pay."""
        for card in self:
            if card.state != "active":
                raise UserError(
                    self.env._(
                        "Card %(number)s cannot be used: it is %(state)s.",
                        number=card.number,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            card.state
                        ],
                    )
                )
            if card.expiry_date and card.expiry_date < fields.Date.context_today(self):
                raise UserError(self.env._("Card %s has expired.", card.number))
            if not card.partner_id.active:
                raise UserError(self.env._("The member of card %s is archived.", card.number))
        return True

    def _membership_transition(self, action, reason, extra_vals=None):
        """Move the cards through the life cycle and note who, why and when in the chatter."""
        sources, target = TRANSITIONS[action]
        if action in SUPERVISOR_ACTIONS:
            group = SUPERVISOR_GROUP
        else:
            group = CASHIER_GROUP
        if not self.env.su and not self.env.user.has_group(group):
            raise AccessError(
                self.env._(
                    "Only a Membership %s may do this.",
                    "Supervisor" if group == SUPERVISOR_GROUP else "Cashier",
                )
            )
        if (
            action == "activate"
            and not self.env.su
            and self.env.context.get("membership_card_issuing") is not ISSUING
        ):
            raise UserError(self.env._("A card becomes active only by being issued."))
        self.lock_for_update()
        labels = dict(self._fields["state"]._description_selection(self.env))
        for card in self:
            if card.state not in sources:
                raise UserError(
                    self.env._(
                        "Card %(number)s is %(state)s: it cannot become %(target)s.",
                        number=card.number,
                        state=labels[card.state],
                        target=labels[target],
                    )
                )
        vals = {"state": target, **(extra_vals or {})}
        if target == "active":
            today = fields.Date.context_today(self)
            for card in self:
                card_vals = dict(vals)
                if not card.issue_date:
                    card_vals["issue_date"] = today
                    months = card.card_type_id.validity_months
                    if months and not card.expiry_date:
                        card_vals["expiry_date"] = today + relativedelta(months=months)
                elif card.expiry_date and card.expiry_date < today:
                    raise UserError(
                        self.env._(
                            "Card %s is past its expiry date: replace it instead.", card.number
                        )
                    )
                card.with_context(membership_card_transition=TRANSITION).write(card_vals)
        else:
            self.with_context(membership_card_transition=TRANSITION).write(vals)
        for card in self:
            card._membership_log(labels[target], reason)
        return True

    @api.private
    def _membership_hold_deposit(self, amount, order):
        """Hold on this card the deposit paid on a POS ``order`` (a member enrolled at the
        till): from now on it is paid back when the card is returned."""
        self.ensure_one()
        self.with_context(membership_card_transition=TRANSITION).write({"deposit_amount": amount})
        self._membership_log(
            self.env._(
                "Deposit of %(amount)s paid on order %(order)s",
                amount=self.currency_id.format(amount),
                order=order.name,
            ),
            False,
        )

    @api.private
    def _membership_log_fee_paid(self, amount, order):
        """Say in the chatter that a card fee was paid on a POS ``order``."""
        self.ensure_one()
        self._membership_log(
            self.env._(
                "Card fee of %(amount)s paid on order %(order)s",
                amount=self.currency_id.format(amount),
                order=order.name,
            ),
            False,
        )

    def _membership_log(self, what, reason):
        self.ensure_one()
        self.message_post(
            body=self.env._(
                "%(what)s by %(operator)s on %(when)s. Reason: %(reason)s",
                what=what,
                operator=self.env.user.name,
                when=fields.Datetime.to_string(fields.Datetime.now()),
                reason=reason or "-",
            )
        )

    def _cron_expire_cards(self):
        today = fields.Date.context_today(self)
        cards = self.search([("state", "=", "active"), ("expiry_date", "<", today)])
        cards._membership_transition("expire", self.env._("Expiry date reached"))

    @api.model
    def _membership_issue(
        self,
        partner,
        card_type,
        company,
        lot=None,
        location=None,
        chip_uid=None,
        reason=None,
        deposit=None,
        journal=None,
        draft=None,
        charge_on_order=False,
    ):
        """Create and activate a card for ``partner`` (or issue the ``draft`` card prepared
        for them); with a blank-card serial, the card takes its pre-printed number and the
        serial leaves the shop's stock. A new deposit or issue fee is booked as a posted
        customer payment in ``journal``, unless the till sells it on its order
        (``charge_on_order``); a deposit carried over from a replaced card (``deposit``
        given) is not paid again. The chatter says what was charged and how. The only way
        a card becomes active for the first time."""
        if not partner.active:
            raise UserError(
                self.env._("%s is archived and cannot receive a card.", partner.display_name)
            )
        if card_type.company_id and card_type.company_id != company:
            raise UserError(self.env._("Card type %s belongs to another company.", card_type.name))
        if card_type.blank_product_id and not lot:
            raise UserError(
                self.env._(
                    "Blank Card Serial: pick the serial of the blank card handed to the member."
                )
            )
        collect = deposit is None
        if collect:
            deposit = card_type.amount if card_type.charge_type == "deposit" else 0.0
        if charge_on_order:
            # Sold on the till's order: held on the card only once that order is paid
            # (pos.order), so an order abandoned at the till leaves no deposit to pay back.
            collect, deposit = True, 0.0
        vals = {
            "partner_id": partner.id,
            "card_type_id": card_type.id,
            "company_id": company.id,
            "chip_uid": chip_uid or False,
            "deposit_amount": deposit,
        }
        if lot:
            if lot.product_id != card_type.blank_product_id:
                raise UserError(
                    self.env._("Blank Card Serial: %s is not a blank card of this type.", lot.name)
                )
            vals.update(number=lot.name, lot_id=lot.id)
        if draft:
            if draft.state != "draft" or (draft.partner_id, draft.company_id) != (partner, company):
                raise UserError(
                    self.env._(
                        "Card %s is no draft of this member: it cannot be issued.", draft.number
                    )
                )
            card = draft.with_context(membership_card_transition=TRANSITION)
            card.write(vals)
        else:
            card = (
                self.with_company(company)
                .with_context(membership_card_transition=TRANSITION)
                .create(vals)
            )
        card = card.with_context(membership_card_transition=False)
        if lot:
            card._membership_consume_blank(lot, location)
        card.with_context(membership_card_issuing=ISSUING)._membership_transition(
            "activate", reason or self.env._("Card issued")
        )
        if collect and card_type.charge_type != "none" and card_type.amount:
            label = dict(card_type._fields["charge_type"]._description_selection(self.env))[
                card_type.charge_type
            ]
            card._membership_charge(label, card_type.amount, journal, charge_on_order, reason)
        elif not collect and deposit:
            card._membership_log(
                self.env._(
                    "Deposit of %(amount)s carried over from the replaced card",
                    amount=card.currency_id.format(deposit),
                ),
                reason,
            )
        return card

    def _membership_charge(self, label, amount, journal, on_order, reason):
        """Charge ``amount`` for this card (``label``: issue fee, deposit, replacement
        fee): on the till's order (``on_order``: paid with it, said in the chatter when it
        is), else as a posted customer payment in ``journal``. The chatter says which."""
        self.ensure_one()
        money = self.currency_id.format(amount)
        if on_order:
            what = self.env._(
                "%(charge)s of %(amount)s charged on the till's order", charge=label, amount=money
            )
        else:
            payment = self._membership_book_payment(
                amount,
                journal,
                "inbound",
                memo=self.env._("%(charge)s, card %(number)s", charge=label, number=self.number),
            )
            what = self.env._(
                "%(charge)s of %(amount)s paid through %(journal)s (%(payment)s)",
                charge=label,
                amount=money,
                journal=journal.name,
                payment=payment.name,
            )
        self._membership_log(what, reason)

    def _membership_consume_blank(self, lot, location):
        """Move the blank card's serial out of the shop's stock to the member."""
        self.ensure_one()
        if not location:
            raise UserError(
                self.env._("Shop Stock: choose the stock location the blank card comes from.")
            )
        quant = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("lot_id", "=", lot.id),
                    ("location_id", "child_of", location.id),
                    ("quantity", ">", 0),
                ],
                limit=1,
            )
        )  # sudo: cashiers hand out cards without Inventory rights; the move is checked here.
        if not quant:
            raise UserError(
                self.env._(
                    "Blank Card Serial: %(serial)s is not in stock at %(location)s.",
                    serial=lot.name,
                    location=location.display_name,
                )
            )
        product = lot.product_id
        destination = self.partner_id.property_stock_customer or self.env.ref(
            "stock.stock_location_customers"
        )
        move = (
            self.env["stock.move"]
            .sudo()
            .create(
                {
                    "product_id": product.id,
                    "product_uom": product.uom_id.id,
                    "product_uom_qty": 1.0,
                    "location_id": quant.location_id.id,
                    "location_dest_id": destination.id,
                    "company_id": self.company_id.id,
                    "origin": self.number,
                    "partner_id": self.partner_id.id,
                    "move_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_id": product.uom_id.id,
                                "lot_id": lot.id,
                                "quantity": 1.0,
                                "location_id": quant.location_id.id,
                                "location_dest_id": destination.id,
                                "company_id": self.company_id.id,
                            }
                        )
                    ],
                }
            )
        )  # sudo: same reason as above
        move._action_confirm()
        move.picked = True
        move._action_done()
        if move.state != "done":
            raise UserError(self.env._("The blank card %s could not leave the stock.", lot.name))
        return move

    def _membership_book_payment(self, amount, journal, direction, memo=None):
        """Book a deposit or fee taken (inbound) or a deposit paid back (outbound) as a
        posted payment."""
        self.ensure_one()
        if not journal:
            raise UserError(
                self.env._(
                    "Journal: choose the cash or bank journal of the money taken or paid back "
                    "for card %s.",
                    self.number,
                )
            )
        if journal.company_id != self.company_id or journal.type not in ("cash", "bank"):
            raise UserError(
                self.env._("%s is not a cash or bank journal of the card's company.", journal.name)
            )
        # sudo: cashiers take and refund deposits at the till without accounting rights; the
        # amount comes from the card and the journal was checked just above.
        payment = (
            self.env["account.payment"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "payment_type": direction,
                    "partner_type": "customer",
                    "partner_id": self.partner_id.commercial_partner_id.id,
                    "amount": amount,
                    "currency_id": self.currency_id.id,
                    "journal_id": journal.id,
                    "memo": memo or self.env._("Card deposit %s", self.number),
                }
            )
        )
        payment.action_post()
        # sudo: the payment list is hidden from cashiers, who still take the deposit.
        self.sudo().with_context(membership_card_transition=TRANSITION).payment_ids = [
            Command.link(payment.id)
        ]
        return payment

    def _membership_replace(
        self, reason, lot=None, location=None, chip_uid=None, journal=None, charge_on_order=False
    ):
        """Close this card for good and give the member a new one of the same type; the
        deposit moves to the new card, balances stay with the member. The card type's
        replacement fee is charged like an issue fee: a posted payment in ``journal``, or
        on the till's order (``charge_on_order``)."""
        self.ensure_one()
        deposit = self.deposit_amount
        self._membership_transition("replace", reason, {"deposit_amount": 0.0})
        new_card = self._membership_issue(
            self.partner_id,
            self.card_type_id,
            self.company_id,
            lot=lot,
            location=location,
            chip_uid=chip_uid,
            reason=self.env._(
                "Replaces card %(number)s: %(reason)s", number=self.number, reason=reason
            ),
            deposit=deposit,
        )
        new_card.with_context(membership_card_transition=TRANSITION).replaces_id = self
        self.with_context(membership_card_transition=TRANSITION).replaced_by_id = new_card
        fee = self.card_type_id.replacement_fee
        if fee:
            new_card._membership_charge(
                self.env._("Replacement fee"), fee, journal, charge_on_order, reason
            )
        return new_card

    def _membership_return(self, reason, journal, pin_verified=False):
        """Close the card, refund its deposit and pay out the wallet's paid balance.

        Paying the wallet out needs the card's or a Supervisor's authority: below
        Supervisor, the card read by one of the shop's reader boxes a moment ago, or the
        member's wallet PIN (``pin_verified``: checked by the caller, see the Return
        wizard)."""
        self.ensure_one()
        deposit = self.deposit_amount
        # Only a card that was issued can be returned (raises for a draft). The checks
        # below run on what was really paid out: a refusal undoes it all with the
        # transaction.
        self._membership_transition("return", reason, {"deposit_amount": 0.0})
        if deposit:
            self._membership_book_payment(deposit, journal, "outbound")
        wallet = self.partner_id._membership_wallet_payout(self, journal) or 0.0
        self._membership_check_return_authority(deposit + wallet, wallet, pin_verified)
        self._membership_log(
            self.env._(
                "Deposit %(deposit)s and wallet %(wallet)s paid back through %(journal)s",
                deposit=deposit,
                wallet=wallet,
                journal=journal.name or "-",
            ),
            reason,
        )
        return deposit + wallet

    def _membership_check_return_authority(self, total, wallet, pin_verified):
        """Below Supervisor: refunds within the cashier limit, and a wallet paid out only
        on the card's authority (read by a shop reader, or the member's PIN)."""
        if self.env.su or self.env.user.has_group(SUPERVISOR_GROUP):
            return
        limit = self.company_id.membership_cashier_refund_limit
        if self.currency_id.compare_amounts(total, limit) > 0:
            raise AccessError(
                self.env._(
                    "Refunding %(amount)s is over the cashier limit of %(limit)s: "
                    "ask a Supervisor.",
                    amount=total,
                    limit=limit,
                )
            )
        if (
            self.currency_id.compare_amounts(wallet, 0.0) > 0
            and not pin_verified
            and not self._membership_card_present()
        ):
            raise AccessError(
                self.env._(
                    "Paying out the wallet of %(member)s (%(amount)s) needs the member's card "
                    "read by a shop reader, the member's wallet PIN or a Membership Supervisor.",
                    member=self.partner_id.display_name,
                    amount=wallet,
                )
            )

    def _membership_card_present(self):
        """True when one of the company's reader boxes read this card a moment ago: the
        card itself is at the counter. Reads are written by the boxes only.

        sudo: cashiers cannot read the readers' log; only the existence of a read is used."""
        self.ensure_one()
        since = fields.Datetime.now() - timedelta(minutes=CARD_PRESENT_MINUTES)
        return bool(
            self.env["membership.reader.event"]
            .sudo()
            .search_count(
                [
                    ("card_ref", "=", self.id),
                    ("status", "=", "ok"),
                    ("company_id", "=", self.company_id.id),
                    ("create_date", ">=", since),
                ],
                limit=1,
            )
        )
