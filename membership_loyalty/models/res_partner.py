from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    membership_account_ids = fields.One2many(
        "membership.account", "partner_id", string="Membership Accounts", readonly=True
    )
    points_balance = fields.Float(
        compute="_compute_membership_balances", digits=(16, 2), string="Points"
    )
    wallet_balance = fields.Monetary(
        compute="_compute_membership_balances", currency_field="currency_id", string="Wallet"
    )

    @api.depends_context("company")
    @api.depends(
        "membership_account_ids.points_balance",
        "membership_account_ids.wallet_paid_balance",
        "membership_account_ids.wallet_bonus_balance",
    )
    def _compute_membership_balances(self):
        company = self.env.company
        for partner in self:
            account = partner.membership_account_ids.filtered(lambda a: a.company_id == company)
            partner.points_balance = account.points_balance
            partner.wallet_balance = account.wallet_balance

    @api.private
    def _membership_earn_multiplier(self):
        """Tier multiplier of earned points (1.0 here; the members branch's tiers supply it)."""
        self.ensure_one()
        return 1.0
