from odoo import api, models
from odoo.tools import SQL

from .membership_account import BALANCE_FIELDS

# Context marker of a batch of opening moves whose deltas ``_membership_open_balances``
# applied in one query. A plain value could be sent in an RPC call's context; this
# object cannot, so only server code holds it.
OPENING_APPLIED = object()


class MembershipAccount(models.Model):
    """Opening balances of many accounts at once (member import, loyalty migration)."""

    _inherit = "membership.account"

    @api.private
    def _membership_open_balances(self, deltas):
        """Add {account id: (points, paid)} to the balances of these accounts in one query,
        under the accounts' lock; the caller then creates the moves with the context
        ``membership_opening_applied=OPENING_APPLIED`` so each move's create does not
        apply its delta a second time. Balances stay the sum of the moves: both happen in
        the same transaction, and the CHECK constraints still refuse a negative balance.

        SQL: the ledger's create applies each move with an UPDATE of its own; an import of
        100,000 members posts 200,000 opening moves, which one UPDATE per batch replaces."""
        if not deltas:
            return
        self._membership_lock()
        ids = list(deltas)
        self.env.cr.execute(
            SQL(
                """UPDATE membership_account a
                      SET points_balance = a.points_balance + v.points,
                          wallet_paid_balance = a.wallet_paid_balance + v.paid,
                          write_date = now() AT TIME ZONE 'UTC', write_uid = %s
                     FROM unnest(%s::int[], %s::numeric[], %s::numeric[]) AS v(id, points, paid)
                    WHERE a.id = v.id""",
                self.env.uid,
                ids,
                [deltas[id_][0] for id_ in ids],
                [deltas[id_][1] for id_ in ids],
            )
        )
        self.browse(ids).invalidate_recordset([*BALANCE_FIELDS, "wallet_balance"])
        self.env["res.partner"].invalidate_model(["points_balance", "wallet_balance"])

    @api.private
    def _membership_apply(self, points=0.0, paid=0.0, bonus=0.0):
        if self.env.context.get("membership_opening_applied") is OPENING_APPLIED:
            return  # applied with the whole batch by _membership_open_balances
        return super()._membership_apply(points=points, paid=paid, bonus=bonus)
