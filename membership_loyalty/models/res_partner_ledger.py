from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class ResPartner(models.Model):
    """The member's side of the ledgers: accounts, points and wallet balances (derived from
    the moves), the move lists and the wallet payout."""

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
