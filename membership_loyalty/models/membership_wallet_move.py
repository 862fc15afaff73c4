from odoo import api, fields, models
from odoo.tools import float_round


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
            ("convert", "Points converted"),
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
            **self._membership_origin_copy(),
        }

    def _membership_coupon_vals(self):
        """Values of the coupon this top-up earns that come from its origin (none here:
        the side that posted the top-up adds its own)."""
        self.ensure_one()
        return {}

    def _membership_coupon_issued(self, coupon):
        """Called once ``coupon`` was issued for this top-up, for its origin to record it."""
        self.ensure_one()

    # ------------------------------------------------------------------ accounting

    @api.model
    def _membership_booked_by_origin(self, vals):
        """Whether the move of ``vals`` is booked by its origin's own accounting (a sale
        whose closing books the money it moved) rather than here: never, on the ledger's
        side."""
        return False

    @api.model
    def _membership_book(self, vals):
        """Post the journal entry of a wallet move; nothing when the wallet accounts are
        unset or when its origin books it (``_membership_booked_by_origin``).

        Money paid in is a customer deposit (liability), not income: a top-up debits the
        cash/bank journal and credits the liability; a payment moves the paid part from the
        liability to revenue and books the bonus part as marketing expense; a refund to the
        wallet moves revenue back to the liability; a payout pays the liability out; a
        manual adjustment is an expense. Bonus credit is no money: given, converted from
        points or forfeited, it is booked only when spent (marketing expense into the
        deposits). A top-up or payout without a journal is booked on the review account,
        never lost.
        """
        if self._membership_booked_by_origin(vals):
            return self.env["account.move"]
        account = self.env["membership.account"].browse(vals["account_id"])
        company = account.company_id
        books = company._membership_wallet_books()
        if not books:
            return self.env["account.move"]
        liability, revenue, expense = books["liability"], books["revenue"], books["expense"]
        paid = vals.get("paid_amount", 0.0)
        bonus = vals.get("bonus_amount", 0.0)
        journal = self.env["account.journal"].browse(vals.get("payment_journal_id"))
        cash = journal.default_account_id or books["review"]
        kind = vals["kind"]
        lines = []  # (account, signed balance: + debit, - credit)
        if kind == "reversal":
            original = self.browse(vals["reversed_move_id"])
            ratio = abs((paid + bonus) / original.amount) if original.amount else 0.0
            lines = [
                (line.account_id, -line.balance * ratio)
                for line in original.account_move_id.line_ids
            ]
        elif kind in ("topup", "payout"):
            lines = [(cash, paid), (liability, -paid)]
        elif kind == "spend":
            lines = [(liability, -paid), (expense, -bonus), (revenue, paid + bonus)]
        elif kind == "refund":
            lines = [(revenue, paid), (liability, -paid)]
        elif kind == "adjust":
            lines = [(expense, paid), (liability, -paid)]
        label = self.env._(
            "Wallet %(kind)s: %(member)s",
            kind=dict(self._fields["kind"]._description_selection(self.env))[kind],
            member=account.partner_id.display_name,
        )
        return self._membership_post_entry(company, label, lines, partner=account.partner_id)

    @api.model
    @api.private
    def _membership_post_entry(self, company, label, lines, partner=None):
        """Post one entry in the company's wallet journal; ``lines``: [(account, balance)],
        debit positive. Lines rounding to zero are left out; nothing is posted without any.

        sudo: wallet entries are made for cashiers, who have no accounting rights; the
        amounts come from the ledger (or from the entries of the origin that books them).
        """
        currency = company.currency_id
        lines = [(acc, currency.round(bal)) for acc, bal in lines]
        lines = [(acc, bal) for acc, bal in lines if not currency.is_zero(bal)]
        if not lines:
            return self.env["account.move"]
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": company.membership_wallet_journal_id.id,
                    "ref": label,
                    "line_ids": [
                        fields.Command.create(
                            {
                                "account_id": acc.id,
                                "partner_id": partner.id if partner else False,
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
