from odoo import fields, models


class MembershipWalletReconciliation(models.Model):
    """Per company: the customer-deposit liability against the paid money in wallets (the
    rule and its SQL: membership.reconciliation.mixin)."""

    _name = "membership.wallet.reconciliation"
    _inherit = ["membership.reconciliation.mixin"]
    _description = "Wallet Reconciliation"
    _auto = False

    _membership_liability_account = "membership_wallet_liability_account_id"
    _membership_held = ("membership_account", "wallet_paid_balance")
    _membership_moves = ("membership_wallet_move", "paid_amount")
    _membership_held_field = "wallet_paid_total"

    liability_balance = fields.Monetary(string="Customer Deposits (ledger)")
    wallet_paid_total = fields.Monetary(string="Paid Money in Wallets", readonly=True)
    pos_pending_total = fields.Monetary(
        help="Paid wallet money moved by orders of POS sessions not closed yet: the "
        "session closing books it."
    )
