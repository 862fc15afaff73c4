from odoo import fields, models
from odoo.tools import SQL


class MembershipWalletReconciliation(models.Model):
    """Per company: customer-deposit liability against the money held in wallets.

    Money the till moved in sessions still open reaches the books when the session
    closes: it is shown apart and the liability is compared with the wallets without it.
    """

    _name = "membership.wallet.reconciliation"
    _description = "Wallet Reconciliation"
    _auto = False
    _order = "company_id"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    liability_balance = fields.Monetary(string="Customer Deposits (ledger)", readonly=True)
    wallet_paid_total = fields.Monetary(string="Paid Money in Wallets", readonly=True)
    pos_pending_total = fields.Monetary(
        string="In Open POS Sessions",
        readonly=True,
        help="Paid wallet money moved by orders of POS sessions not closed yet: the "
        "session closing books it.",
    )
    difference = fields.Monetary(readonly=True)
    balanced = fields.Boolean(readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """SELECT c.id AS id, c.id AS company_id, c.currency_id AS currency_id,
                      COALESCE(l.balance, 0) AS liability_balance,
                      COALESCE(w.paid, 0) AS wallet_paid_total,
                      COALESCE(p.paid, 0) AS pos_pending_total,
                      COALESCE(l.balance, 0) - COALESCE(w.paid, 0) + COALESCE(p.paid, 0)
                          AS difference,
                      COALESCE(l.balance, 0) = COALESCE(w.paid, 0) - COALESCE(p.paid, 0)
                          AS balanced
                 FROM res_company c
            LEFT JOIN (SELECT aml.company_id, SUM(aml.credit - aml.debit) AS balance
                         FROM account_move_line aml
                         JOIN res_company rc
                           ON rc.id = aml.company_id
                          AND aml.account_id = rc.membership_wallet_liability_account_id
                        WHERE aml.parent_state = 'posted'
                     GROUP BY aml.company_id) l ON l.company_id = c.id
            LEFT JOIN (SELECT company_id, SUM(wallet_paid_balance) AS paid
                         FROM membership_account
                     GROUP BY company_id) w ON w.company_id = c.id
            LEFT JOIN (SELECT m.company_id, SUM(m.paid_amount) AS paid
                         FROM membership_wallet_move m
                         JOIN pos_order o ON o.id = m.pos_order_id
                         JOIN pos_session s ON s.id = o.session_id
                        WHERE s.state != 'closed'
                     GROUP BY m.company_id) p ON p.company_id = c.id
                WHERE c.membership_wallet_liability_account_id IS NOT NULL
                   OR w.paid IS NOT NULL"""
        )
