import uuid

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

SUPERVISOR_GROUP = "membership_loyalty.membership_loyalty_group_supervisor"


class MembershipBalanceWizard(models.TransientModel):
    """Supervisor at the counter: top up a member's wallet with money taken in the shop,
    correct the wallet or the points with a reason, or convert points into wallet credit.

    A top-up is booked like one at the till (cash or bank journal to the customer
    deposits account, bonus from the bands); corrections stay within the company's
    manual adjustment limits. Each wizard posts once: its key makes a second click a
    no-op.
    """

    _name = "membership.balance.wizard"
    _inherit = ["membership.wizard.journal.mixin"]
    _description = "Adjust a Member's Balance"

    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, domain=[("is_member", "=", True)]
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    operation = fields.Selection(
        [
            ("topup", "Top up the wallet (money taken now)"),
            ("wallet", "Correct the wallet"),
            ("points", "Correct the points"),
            ("convert", "Convert points into wallet credit"),
        ],
        required=True,
        default="topup",
    )
    amount = fields.Monetary(
        currency_field="currency_id",
        help="Top-up: the money taken. Correction: added to the money paid in "
        "(negative to take off).",
    )
    points = fields.Float(
        string="Points to Add", digits=(16, 2), help="Added to the points (negative to take off)."
    )
    convert_points = fields.Float(
        string="Points to Convert",
        digits=(16, 2),
        help="Taken off the points and given as wallet bonus credit at the company's rate.",
    )
    convert_credit = fields.Monetary(
        string="Wallet Credit",
        compute="_compute_convert_credit",
        currency_field="currency_id",
        help="Bonus credit: spent like money, never paid out on a card return.",
    )
    convert_rate = fields.Float(related="company_id.membership_convert_rate")
    convert_min_points = fields.Float(related="company_id.membership_convert_min_points")
    journal_id = fields.Many2one(
        string="Paid In", help="Cash or bank journal that received the money of the top-up."
    )
    reason = fields.Char(required=True)
    wallet_paid_balance = fields.Monetary(
        related="partner_id.wallet_paid_balance", string="Wallet (paid in)"
    )
    wallet_bonus_balance = fields.Monetary(
        related="partner_id.wallet_bonus_balance", string="Wallet (bonus)"
    )
    points_balance = fields.Float(related="partner_id.points_balance", string="Points Now")
    bonus_amount = fields.Monetary(
        string="Bonus Credit", compute="_compute_bonus", currency_field="currency_id"
    )
    bonus_points = fields.Float(compute="_compute_bonus", digits=(16, 2))
    max_amount = fields.Monetary(compute="_compute_limits", currency_field="currency_id")
    max_points = fields.Float(compute="_compute_limits", digits=(16, 2))
    key = fields.Char(default=lambda self: str(uuid.uuid4()), readonly=True, copy=False)

    @api.depends("operation", "amount", "company_id")
    def _compute_bonus(self):
        Rule = self.env["membership.wallet.bonus.rule"]
        for wizard in self:
            rule = Rule.browse()
            if wizard.operation == "topup" and wizard.amount > 0:
                rule = Rule._membership_rule_for(wizard.amount, wizard.company_id)
            wizard.bonus_amount = rule.bonus_amount
            wizard.bonus_points = rule.bonus_points

    @api.depends("convert_points", "company_id")
    def _compute_convert_credit(self):
        for wizard in self:
            rate = wizard.company_id.membership_convert_rate
            points = wizard.convert_points if wizard.convert_points > 0 else 0.0
            wizard.convert_credit = wizard.currency_id.round(points * rate)

    @api.depends("operation", "company_id")
    def _compute_limits(self):
        for wizard in self:
            company = wizard.company_id
            wizard.max_amount = (
                company.membership_wallet_max_topup
                if wizard.operation == "topup"
                else company.membership_adjust_max_amount
            )
            wizard.max_points = company.membership_adjust_max_points

    def action_confirm(self):
        self.ensure_one()
        if not self.env.user.has_group(SUPERVISOR_GROUP):
            raise AccessError(self.env._("Only Membership Supervisors may adjust balances."))
        if not (self.reason or "").strip():
            raise UserError(self.env._("Reason: say why the balance changes."))
        if not self.partner_id.is_member:
            raise UserError(self.env._("%s is not a member.", self.partner_id.display_name))
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(self.env._("You do not work for %s.", self.company_id.name))
        account = (
            self.env["membership.account"]
            ._membership_get_account(self.partner_id, self.company_id)
            .sudo(False)
        )
        key = f"counter:{self.operation}:{self.key}"
        if self.operation == "topup":
            self._check_topup()
            account._membership_wallet_topup(
                self.amount, key, journal=self.journal_id, reason=self.reason
            )
        elif self.operation == "wallet":
            account._membership_wallet_adjust(self.amount, self.reason, key)
        elif self.operation == "convert":
            account._membership_convert_points(self.convert_points, key, reason=self.reason)
        else:
            account._membership_points_adjust(self.points, self.reason, key)
        return {"type": "ir.actions.act_window_close"}

    def _check_topup(self):
        journal = self.journal_id
        if not journal:
            raise UserError(self.env._("Paid In: choose the cash or bank journal of the money."))
        if journal.company_id != self.company_id or journal.type not in ("cash", "bank"):
            raise UserError(
                self.env._("%s is not a cash or bank journal of the company.", journal.name)
            )
        if not journal.default_account_id:
            raise UserError(
                self.env._("%s has no default account to book the money.", journal.name)
            )
