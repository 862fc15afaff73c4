from odoo import api, models
from odoo.tools import SQL

from ..tools.bulk_create import bulk_create
from .membership_account import BALANCE_FIELDS
from .membership_ledger_mixin import KNOWN_KEYS

# The columns of an opening move given by ``_membership_open``'s rows (kind, company,
# member and audit columns are added to them).
POINTS_OPENING = ("account_id", "points", "reason", "idempotency_key", "expire_date")
WALLET_OPENING = ("account_id", "paid_amount", "reason", "idempotency_key", "account_move_id")


class MembershipAccount(models.Model):
    """Opening balances of many accounts at once (member import, loyalty migration)."""

    _inherit = "membership.account"

    @api.private
    def _membership_open(self, points_rows, wallet_rows):
        """Post opening moves (kind ``opening``) on these accounts: ``points_rows`` are
        tuples of ``POINTS_OPENING``, ``wallet_rows`` of ``WALLET_OPENING``.

        Under the accounts' lock, each ledger's moves are inserted in one statement and the
        balances raised by their sums in one UPDATE, in the same transaction: balances stay
        the sum of the moves, and the CHECK constraints still refuse a negative balance.

        SQL: the ledger's ``create`` locks, applies and creates move by move; an import of
        100,000 members posts 200,000 opening moves, which this does in a few statements.
        The caller checked every amount and that no key is posted yet (the unique index on
        the keys still refuses a second posting)."""
        if not (points_rows or wallet_rows):
            return
        self._membership_lock()
        accounts = {account.id: account for account in self}
        deltas = dict.fromkeys(self.ids, (0.0, 0.0))
        for account_id, points, *_rest in points_rows:
            deltas[account_id] = (deltas[account_id][0] + points, deltas[account_id][1])
        for account_id, paid, *_rest in wallet_rows:
            deltas[account_id] = (deltas[account_id][0], deltas[account_id][1] + paid)
        # A wallet move's amount is its paid amount here (no bonus): given, not computed.
        for model, columns, extra, rows in (
            ("membership.points.move", POINTS_OPENING, (), points_rows),
            ("membership.wallet.move", WALLET_OPENING, ("amount",), wallet_rows),
        ):
            if not rows:
                continue
            # sudo: nobody holds create rights on a ledger; the callers (Manager's import,
            # Administrator's migration) checked every row and the amounts come from them.
            bulk_create(
                self.env[model].sudo(),
                (*columns, *extra, "kind", "partner_id", "company_id"),
                [
                    (
                        *row,
                        *row[1 : 1 + len(extra)],
                        "opening",
                        accounts[row[0]].partner_id.id,
                        accounts[row[0]].company_id.id,
                    )
                    for row in rows
                ],
            )
        self.env.cr.cache.pop(KNOWN_KEYS, None)
        self._membership_raise_balances(deltas)

    def _membership_raise_balances(self, deltas):
        """Add {account id: (points, paid)} to the balances in one query."""
        ids = [id_ for id_, delta in deltas.items() if any(delta)]
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
