from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import card_codes
from ..tools.input_checks import MAX_AMOUNT, check_bounds


class MembershipCardType(models.Model):
    _name = "membership.card.type"
    _description = "Membership Card Type"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id", string="Currency")
    charge_type = fields.Selection(
        [("none", "Free"), ("fee", "Issue Fee"), ("deposit", "Refundable Deposit")],
        string="Charge",
        required=True,
        default="none",
    )
    amount = fields.Monetary(
        string="Fee / Deposit",
        currency_field="currency_id",
        help="Collected when a card is issued.",
    )
    replacement_fee = fields.Monetary(
        currency_field="currency_id",
        help="Charged when a card of this type is replaced (lost, damaged): a line of the "
        "till's order, or a posted payment in the back office. 0: free.",
    )
    blank_product_id = fields.Many2one(
        "product.product",
        string="Blank Card Product",
        domain="[('is_storable', '=', True), ('tracking', '=', 'serial')]",
        help="Storable product tracked by serial: issuing a card takes one serial out of stock "
        "and the card gets the pre-printed number of that serial.",
    )
    validity_months = fields.Integer(
        string="Validity (months)",
        help="Cards of this type expire after this many months; 0 = never.",
    )
    # Where the magnetic stripe of these cards keeps the member number (card_codes).
    stripe_track = fields.Selection(
        [
            ("any", "Any track"),
            ("1", "Track 1"),
            ("2", "Track 2"),
            ("3", "Track 3"),
        ],
        string="Stripe Track",
        required=True,
        default="any",
        help="The track of the magnetic stripe that carries the card number. Any track: "
        "the number is read from track 2, else track 1, else track 3 (the tracks that carry "
        "one must agree), as on most membership cards and on bank cards. Choose a track "
        "when the other tracks carry something else, such as the shop's code.",
    )
    stripe_field = fields.Integer(
        string="Stripe Field",
        required=True,
        default=1,
        help="Which field of the track holds the number. Fields are separated by = on "
        "tracks 2 and 3 and by ^ on track 1. 1 = the start of the track: a track holding "
        "only the number, or the card number of a bank card. 2 = what follows the first "
        "separator, and so on.",
    )
    stripe_start = fields.Integer(
        string="From Character",
        help="When the number is only part of the field: the position of its first "
        "character in the field, as written on the stripe (1 = the first; on track 1 the "
        "format letter, such as B, is character 1). 0 = the whole field.",
    )
    stripe_length = fields.Integer(
        string="Number Length",
        help="When the number is only part of the field: how many characters it has "
        "(0 = up to the end of the field). A swipe whose field is shorter is refused.",
    )

    _amount_positive = models.Constraint(
        "CHECK (amount >= 0)", "The fee or deposit of a card type cannot be negative."
    )
    _replacement_fee_positive = models.Constraint(
        "CHECK (replacement_fee >= 0)", "A card's replacement fee cannot be negative."
    )
    _validity_positive = models.Constraint(
        "CHECK (validity_months >= 0)", "The validity of a card type cannot be negative."
    )

    @api.depends("company_id")
    def _compute_currency_id(self):
        for card_type in self:
            card_type.currency_id = (card_type.company_id or self.env.company).currency_id

    @api.constrains(
        "amount",
        "validity_months",
        "replacement_fee",
        "stripe_field",
        "stripe_start",
        "stripe_length",
    )
    def _check_membership_bounds(self):
        check_bounds(
            self,
            {
                "amount": (0, MAX_AMOUNT),
                "validity_months": (0, 1200),
                # A track holds at most 79 characters (track 1), a number 19 digits.
                "stripe_field": (1, 40),
                "stripe_start": (0, 79),
                "stripe_length": (0, card_codes.MAX_NUMBER_DIGITS),
                "replacement_fee": (0, MAX_AMOUNT),
            },
        )

    @api.constrains("blank_product_id")
    def _check_blank_product(self):
        for card_type in self.filtered("blank_product_id"):
            product = card_type.blank_product_id
            if not product.is_storable or product.tracking != "serial":
                raise ValidationError(
                    self.env._(
                        "Blank Card Product: %s must be a storable product tracked by serial "
                        "number.",
                        product.display_name,
                    )
                )

    @api.private
    def _membership_stripe_layout(self):
        """Where the stripe of this type's cards keeps the number (default layout when
        there is no type)."""
        if not self:
            return card_codes.DEFAULT_LAYOUT
        self.ensure_one()
        return card_codes.StripeLayout(
            track=0 if self.stripe_track == "any" else int(self.stripe_track),
            field=self.stripe_field,
            start=self.stripe_start,
            length=self.stripe_length,
        )
