from odoo import api, fields, models
from odoo.tools import float_is_zero, float_round


class MembershipWalletMove(models.Model):
    _name = "membership.wallet.move"
    _inherit = ["membership.ledger.mixin"]
    _description = "Membership Wallet Move"

    kind = fields.Selection(
        [
            ("topup", "Top-up"),
            ("bonus", "Top-up bonus"),
            ("spend", "Payment"),
            ("refund", "Refund to wallet"),
            ("payout", "Payout"),
            ("forfeit", "Bonus forfeited"),
            ("reversal", "Reversal"),
            ("adjust", "Manual adjustment"),
        ],
        required=True,
        readonly=True,
    )
    reversed_move_id = fields.Many2one(
        "membership.wallet.move", readonly=True, index="btree_not_null"
    )
    paid_amount = fields.Monetary(
        readonly=True, help="Change of the money the member paid in (signed)."
    )
    bonus_amount = fields.Monetary(
        readonly=True, help="Change of the bonus credit the shop gave (signed)."
    )
    amount = fields.Monetary(compute="_compute_amount", store=True, precompute=True)
    payment_journal_id = fields.Many2one(
        "account.journal", readonly=True, help="Cash or bank journal of a top-up or payout."
    )
    account_move_id = fields.Many2one("account.move", readonly=True, index="btree_not_null")

    _amount_not_zero = models.Constraint(
        "CHECK (paid_amount <> 0 OR bonus_amount <> 0)", "A wallet move moves money."
    )

    @api.depends("paid_amount", "bonus_amount")
    def _compute_amount(self):
        for move in self:
            move.amount = move.paid_amount + move.bonus_amount

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("account_move_id"):
                vals["account_move_id"] = self._membership_book(vals).id
        return super().create(vals_list)

    @api.model
    def _membership_deltas(self, vals):
        return {"paid": vals.get("paid_amount", 0.0), "bonus": vals.get("bonus_amount", 0.0)}

    def _membership_reverse_vals(self, ratio):
        rounding = self.currency_id.rounding
        return {
            "kind": "reversal",
            "paid_amount": float_round(-self.paid_amount * ratio, precision_rounding=rounding),
            "bonus_amount": float_round(-self.bonus_amount * ratio, precision_rounding=rounding),
            "pos_order_id": self.pos_order_id.id,
        }

    # ------------------------------------------------------------------ accounting

    @api.model
    def _membership_book(self, vals):
        """Post the journal entry of a wallet move; nothing when the wallet accounts are unset.

        Money paid in is a customer deposit (liability), not income: a top-up debits the
        cash/bank journal and credits the liability; a payment moves the paid part from the
        liability to revenue and books the bonus part as marketing expense; a refund to the
        wallet moves revenue back to the liability; a payout pays the liability out.

        sudo: ledger postings are made by cashiers who have no accounting rights.
        """
        account = self.env["membership.account"].browse(vals["account_id"])
        company = account.company_id
        liability = company.membership_wallet_liability_account_id
        revenue = company.membership_wallet_revenue_account_id
        expense = company.membership_wallet_expense_account_id
        journal = company.membership_wallet_journal_id
        if not (liability and revenue and expense and journal):
            return self.env["account.move"]
        paid = vals.get("paid_amount", 0.0)
        bonus = vals.get("bonus_amount", 0.0)
        cash = self.env["account.journal"].browse(vals.get("payment_journal_id")).default_account_id
        kind = vals["kind"]
        lines = []  # (account, signed balance: + debit, - credit)
        if kind == "reversal":
            original = self.browse(vals["reversed_move_id"])
            ratio = abs((paid + bonus) / original.amount) if original.amount else 0.0
            lines = [
                (line.account_id, -line.balance * ratio)
                for line in original.account_move_id.line_ids
            ]
        elif kind in ("topup", "payout") and cash:
            lines = [(cash, paid), (liability, -paid)]
        elif kind == "spend":
            lines = [(liability, -paid), (expense, -bonus), (revenue, paid + bonus)]
        elif kind == "refund":
            lines = [(revenue, paid), (liability, -paid)]
        elif kind == "adjust":
            lines = [(expense, paid), (liability, -paid)]
        rounding = company.currency_id.rounding
        lines = [
            (acc, bal) for acc, bal in lines if not float_is_zero(bal, precision_rounding=rounding)
        ]
        if not lines:
            return self.env["account.move"]
        label = self.env._(
            "Wallet %(kind)s: %(member)s",
            kind=dict(self._fields["kind"]._description_selection(self.env))[kind],
            member=account.partner_id.display_name,
        )
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "ref": label,
                    "line_ids": [
                        fields.Command.create(
                            {
                                "account_id": acc.id,
                                "partner_id": account.partner_id.id,
                                "name": label,
                                "debit": max(bal, 0.0),
                                "credit": max(-bal, 0.0),
                            }
                        )
                        for acc, bal in lines
                    ],
                }
            )
        )
        move.action_post()
        return move
