from odoo import api, fields, models
from odoo.tools import SQL


class MembershipPackageReconciliation(models.Model):
    """Per company: the deferred package revenue in the books against the value left in
    the members' packages.

    What the till moved in sessions still open reaches the books when the session
    closes: it is shown apart and the books are compared with the packages without it."""

    _name = "membership.package.reconciliation"
    _description = "Package Reconciliation"
    _auto = False
    _order = "company_id"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    liability_balance = fields.Monetary(string="Deferred Revenue (books)", readonly=True)
    package_value_total = fields.Monetary(string="Value Left in Packages", readonly=True)
    pos_pending_total = fields.Monetary(
        string="In Open POS Sessions",
        readonly=True,
        help="Package value moved by orders of POS sessions not closed yet: the session "
        "closing books it.",
    )
    difference = fields.Monetary(readonly=True)
    balanced = fields.Boolean(readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """SELECT c.id AS id, c.id AS company_id, c.currency_id AS currency_id,
                      COALESCE(l.balance, 0) AS liability_balance,
                      COALESCE(v.value_left, 0) AS package_value_total,
                      COALESCE(o.amount, 0) AS pos_pending_total,
                      COALESCE(l.balance, 0) - COALESCE(v.value_left, 0) + COALESCE(o.amount, 0)
                          AS difference,
                      COALESCE(l.balance, 0) = COALESCE(v.value_left, 0) - COALESCE(o.amount, 0)
                          AS balanced
                 FROM res_company c
            LEFT JOIN (SELECT aml.company_id, SUM(aml.credit - aml.debit) AS balance
                         FROM account_move_line aml
                         JOIN res_company rc
                           ON rc.id = aml.company_id
                          AND aml.account_id = rc.membership_package_liability_account_id
                        WHERE aml.parent_state = 'posted'
                     GROUP BY aml.company_id) l ON l.company_id = c.id
            LEFT JOIN (SELECT company_id, SUM(value_left) AS value_left
                         FROM membership_package
                     GROUP BY company_id) v ON v.company_id = c.id
            LEFT JOIN (SELECT m.company_id, SUM(m.amount) AS amount
                         FROM membership_package_move m
                         JOIN pos_order o ON o.id = m.pos_order_id
                         JOIN pos_session s ON s.id = o.session_id
                        WHERE s.state != 'closed'
                     GROUP BY m.company_id) o ON o.company_id = c.id
                WHERE c.membership_package_liability_account_id IS NOT NULL
                   OR v.value_left IS NOT NULL"""
        )

    @api.model
    @api.private
    def _membership_figures(self, company=None):
        """The reconciliation row of ``company`` as a dict (for tests and scripts)."""
        company = company or self.env.company
        self.env.flush_all()
        self.invalidate_model()
        # sudo: figures for tests and scripts (private, never reached over RPC)
        row = self.sudo().search([("company_id", "=", company.id)], limit=1)
        return {
            "liability": row.liability_balance,
            "packages": row.package_value_total,
            "pending": row.pos_pending_total,
            "difference": row.difference,
        }
