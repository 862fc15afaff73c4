from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

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

    @api.private
    def _membership_earn_multiplier(self):
        """Tier multiplier of earned points (1.0 here; the members branch's tiers supply it)."""
        self.ensure_one()
        return 1.0
