import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import card_codes

LIVE_STATES = ("draft", "active", "lost", "blocked", "expired")
# Context marker of the card's own actions. A plain value could be sent in an RPC call's
# context; this object cannot, so only server code holds the key.
TRANSITION = object()
# Context marker of the Issue flow (``_membership_issue``): the only way a card becomes
# active for the first time.
ISSUING = object()
# Fields that say who or what a card is: Supervisors and up change them, cashiers only
# through the wizards (issue, replace).
IDENTITY_FIELDS = {"number", "chip_uid", "expiry_date", "partner_id", "company_id", "card_type_id"}
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
    """A member's card: its number (Luhn check digit), chip and card type, and who may
    change what. Finding a card from a read is in ``membership_card_lookup.py``, issuing
    in ``membership_card_issue.py``, the later life cycle in
    ``membership_card_lifecycle.py``."""

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
