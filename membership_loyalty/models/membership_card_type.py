from odoo import api, fields, models
from odoo.exceptions import ValidationError

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

    @api.constrains("amount", "validity_months", "replacement_fee")
    def _check_membership_bounds(self):
        check_bounds(
            self,
            {
                "amount": (0, MAX_AMOUNT),
                "validity_months": (0, 1200),
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
