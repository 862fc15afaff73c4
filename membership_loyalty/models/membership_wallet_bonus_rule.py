from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.input_checks import MAX_AMOUNT, check_bounds


class MembershipWalletBonusRule(models.Model):
    """Top-up bonus by amount band: e.g. top up 500 or more, get 50 bonus credit, 100
    points and an e-coupon."""

    _name = "membership.wallet.bonus.rule"
    _description = "Wallet Top-up Bonus"
    _order = "company_id, amount_from desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_from = fields.Monetary(string="Top-up From", required=True)
    bonus_amount = fields.Monetary(string="Bonus Credit")
    bonus_points = fields.Float(digits=(16, 2))
    coupon_program_id = fields.Many2one(
        "loyalty.program",
        string="E-coupon",
        domain="[('program_type', '=', 'coupons'), ('company_id', 'in', (company_id, False))]",
        check_company=True,
        help="Each top-up of this band also gives the member one coupon of this Odoo coupon "
        "program (printed on the till's receipt).",
    )
    active = fields.Boolean(default=True)

    _amount_from_positive = models.Constraint(
        "CHECK (amount_from > 0)", "A bonus band starts above zero."
    )
    _bonus_sane = models.Constraint(
        "CHECK (bonus_amount >= 0 AND bonus_points >= 0 AND bonus_amount < amount_from)",
        "A bonus is positive and smaller than the top-up that earns it.",
    )
    _amount_from_uniq = models.Constraint(
        "UNIQUE (company_id, amount_from)", "Two bonus bands cannot start at the same amount."
    )

    @api.constrains("amount_from", "bonus_amount", "bonus_points")
    def _check_membership_bounds(self):
        check_bounds(
            self,
            {
                "amount_from": (0, MAX_AMOUNT),
                "bonus_amount": (0, MAX_AMOUNT),
                "bonus_points": (0, MAX_AMOUNT),
            },
        )

    @api.constrains("coupon_program_id")
    def _check_coupon_program(self):
        for rule in self.filtered("coupon_program_id"):
            if rule.coupon_program_id.program_type != "coupons":
                raise ValidationError(
                    self.env._("E-coupon: %s is not a coupon program.", rule.coupon_program_id.name)
                )

    @api.model
    def _membership_rule_for(self, amount, company):
        # sudo: bonus bands are configuration applied to every top-up, whoever takes it.
        return self.sudo().search(
            [("company_id", "=", company.id), ("amount_from", "<=", amount)], limit=1
        )
