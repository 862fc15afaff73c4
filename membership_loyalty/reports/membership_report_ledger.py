from odoo import api, fields, models

LEDGERS = [("points", "Points"), ("wallet", "Wallet")]


class MembershipReportLedger(models.Model):
    """One row per points or wallet move: what was issued, used, deposited and spent."""

    _name = "membership.report.ledger"
    _description = "Points and Wallet Analysis"
    _auto = False
    _order = "date desc, id desc"
    _depends = {
        "membership.points.move": ["account_id", "kind", "points", "date", "company_id"],
        "membership.wallet.move": [
            "account_id",
            "kind",
            "paid_amount",
            "bonus_amount",
            "date",
            "company_id",
        ],
        "membership.account": ["partner_id"],
        "res.partner": ["member_tier_id"],
    }

    date = fields.Datetime(readonly=True)
    ledger = fields.Selection(LEDGERS, readonly=True)
    kind = fields.Selection(
        selection="_selection_kind",
        readonly=True,
        help="The move's kind (earned, redeemed, top-up, payment...).",
    )
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    tier_id = fields.Many2one("membership.tier", string="Tier", readonly=True)
    points_issued = fields.Float(digits=(16, 2), readonly=True)
    points_used = fields.Float(digits=(16, 2), readonly=True, help="Redeemed, expired, reversed.")
    wallet_deposited = fields.Float(string="Paid In", readonly=True, help="Paid top-ups.")
    wallet_bonus = fields.Float(string="Bonus Credit", readonly=True)
    wallet_spent = fields.Float(string="Paid Out or Spent", readonly=True)
    points_moved = fields.Float(
        digits=(16, 2), readonly=True, help="Points the move added or took, without sign."
    )
    wallet_moved = fields.Float(
        string="Paid Money Moved", readonly=True, help="Paid wallet money the move added or took."
    )
    wallet_outstanding = fields.Float(
        string="Paid Money Held",
        readonly=True,
        help="The move's change of the paid money members hold (summed: what is outstanding).",
    )

    @api.model
    def _selection_kind(self):
        """The kinds of both ledgers, each with its own label (a kind both ledgers know,
        such as a reversal, keeps the points ledger's label)."""
        kinds = {}
        for model in ("membership.points.move", "membership.wallet.move"):
            for value, label in self.env[model]._fields["kind"]._description_selection(self.env):
                kinds.setdefault(value, label)
        return list(kinds.items())

    @property
    def _table_query(self):
        # Ids: points moves even, wallet moves odd, so each row has its own id.
        return """
            SELECT m.id * 2 AS id, m.date, 'points' AS ledger, m.kind,
                   m.company_id, a.partner_id, p.member_tier_id AS tier_id,
                   GREATEST(m.points, 0) AS points_issued,
                   GREATEST(-m.points, 0) AS points_used,
                   0.0 AS wallet_deposited, 0.0 AS wallet_bonus, 0.0 AS wallet_spent,
                   ABS(m.points) AS points_moved, 0.0 AS wallet_moved, 0.0 AS wallet_outstanding
              FROM membership_points_move m
              JOIN membership_account a ON a.id = m.account_id
              JOIN res_partner p ON p.id = a.partner_id
            UNION ALL
            SELECT w.id * 2 + 1, w.date, 'wallet', w.kind,
                   w.company_id, a.partner_id, p.member_tier_id,
                   0.0, 0.0,
                   GREATEST(w.paid_amount, 0),
                   w.bonus_amount,
                   GREATEST(-w.paid_amount, 0),
                   0.0, ABS(w.paid_amount), w.paid_amount
              FROM membership_wallet_move w
              JOIN membership_account a ON a.id = w.account_id
              JOIN res_partner p ON p.id = a.partner_id
        """
