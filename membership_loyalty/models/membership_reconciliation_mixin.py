from odoo import api, fields, models
from odoo.tools import SQL


class MembershipReconciliationMixin(models.AbstractModel):
    """Per company: a liability account of the books against the value members hold in a
    ledger (paid wallet money, the value left in packages).

    What the till moved in POS sessions still open reaches the books when the session
    closes: it is shown apart and the books are compared with the ledger without it, so
    ``difference = liability - held + pending`` is 0 when they agree. Each report says
    where its figures are (``_membership_liability_account``, ``_membership_held``,
    ``_membership_moves``); the rule is written here once."""

    _name = "membership.reconciliation.mixin"
    _description = "Liability Reconciliation"
    _order = "company_id"

    # res.company field of the liability account.
    _membership_liability_account = None
    # (table, column): what members hold, one row per holding (account, package).
    _membership_held = None
    # (table, amount column) of the moves; a move names the POS order that made it.
    _membership_moves = None
    # Field of the report that shows the held total.
    _membership_held_field = None

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    liability_balance = fields.Monetary(readonly=True)
    pos_pending_total = fields.Monetary(string="In Open POS Sessions", readonly=True)
    difference = fields.Monetary(readonly=True)
    balanced = fields.Boolean(readonly=True)

    @property
    def _table_query(self):
        account = SQL.identifier(self._membership_liability_account)
        held_table, held_column = self._membership_held
        moves_table, moves_amount = self._membership_moves
        return SQL(
            """SELECT c.id AS id, c.id AS company_id, c.currency_id AS currency_id,
                      COALESCE(l.balance, 0) AS liability_balance,
                      COALESCE(h.amount, 0) AS %(held_field)s,
                      COALESCE(p.amount, 0) AS pos_pending_total,
                      COALESCE(l.balance, 0) - COALESCE(h.amount, 0) + COALESCE(p.amount, 0)
                          AS difference,
                      COALESCE(l.balance, 0) = COALESCE(h.amount, 0) - COALESCE(p.amount, 0)
                          AS balanced
                 FROM res_company c
            LEFT JOIN (SELECT aml.company_id, SUM(aml.credit - aml.debit) AS balance
                         FROM account_move_line aml
                         JOIN res_company rc
                           ON rc.id = aml.company_id AND aml.account_id = rc.%(account)s
                        WHERE aml.parent_state = 'posted'
                     GROUP BY aml.company_id) l ON l.company_id = c.id
            LEFT JOIN (SELECT company_id, SUM(%(held_column)s) AS amount
                         FROM %(held_table)s
                     GROUP BY company_id) h ON h.company_id = c.id
            LEFT JOIN (SELECT m.company_id, SUM(m.%(moves_amount)s) AS amount
                         FROM %(moves_table)s m
                         JOIN pos_order o ON o.id = m.pos_order_id
                         JOIN pos_session s ON s.id = o.session_id
                        WHERE s.state != 'closed'
                     GROUP BY m.company_id) p ON p.company_id = c.id
                WHERE c.%(account)s IS NOT NULL OR h.amount IS NOT NULL""",
            held_field=SQL.identifier(self._membership_held_field),
            account=account,
            held_table=SQL.identifier(held_table),
            held_column=SQL.identifier(held_column),
            moves_table=SQL.identifier(moves_table),
            moves_amount=SQL.identifier(moves_amount),
        )

    @api.model
    @api.private
    def _membership_figures(self, company=None):
        """The row of ``company`` as a dict: liability, held, pending, difference (all 0
        for a company with neither the account nor any holdings)."""
        company = company or self.env.company
        self.env.flush_all()
        self.invalidate_model()
        # sudo: figures for the ledger's own checks, tests and scripts (private, never
        # reached over RPC); the report itself is read under the multi-company rule.
        row = self.sudo().search([("company_id", "=", company.id)], limit=1)
        return {
            "liability": row.liability_balance,
            "held": row[self._membership_held_field],
            "pending": row.pos_pending_total,
            "difference": row.difference,
        }
