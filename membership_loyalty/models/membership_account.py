import logging

from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, UserError
from odoo.tools import SQL, float_round

from ..tools import hot_members

_logger = logging.getLogger(__name__)

POINTS_DIGITS = 2
BALANCE_FIELDS = ("points_balance", "wallet_paid_balance", "wallet_bonus_balance")
# Key of ``cr.cache`` holding the ids of the accounts this transaction has locked.
LOCKED_ACCOUNTS = "membership_locked_accounts"
# Key of ``cr.cache`` holding {partner id: UPDATE of the member's figures} to run with the
# lock of the member's account (res.partner._membership_record_orders).
MEMBER_FIGURES_PENDING = "membership_member_figures_pending"
# Key of ``cr.cache`` holding the (ledger model name, idempotency key) of the moves whose
# balance deltas were applied already (_membership_apply_at_once), for their ``create``.
APPLIED_KEYS = "membership_applied_keys"


class MembershipAccount(models.Model):
    """One row per member and company holding the balances of the two ledgers.

    The balances are a cache of the ledgers: they change only inside the ``create`` of a
    points or wallet move, under a row lock, in the same transaction as the move, so that
    ``balance == sum(moves)`` always holds. Nobody writes them directly.
    """

    _name = "membership.account"
    _description = "Membership Account"
    _order = "partner_id, company_id"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    points_balance = fields.Float(digits=(16, POINTS_DIGITS), readonly=True, default=0.0)
    wallet_paid_balance = fields.Monetary(readonly=True, default=0.0)
    wallet_bonus_balance = fields.Monetary(readonly=True, default=0.0)
    wallet_balance = fields.Monetary(compute="_compute_wallet_balance")
    points_move_ids = fields.One2many("membership.points.move", "account_id", readonly=True)
    wallet_move_ids = fields.One2many("membership.wallet.move", "account_id", readonly=True)
    active = fields.Boolean(default=True)

    _partner_company_uniq = models.Constraint(
        "UNIQUE (partner_id, company_id)",
        "A member has one membership account per company.",
    )
    _points_balance_positive = models.Constraint(
        "CHECK (points_balance >= 0)", "A points balance can never be negative."
    )
    _wallet_paid_balance_positive = models.Constraint(
        "CHECK (wallet_paid_balance >= 0)", "A wallet balance can never be negative."
    )
    _wallet_bonus_balance_positive = models.Constraint(
        "CHECK (wallet_bonus_balance >= 0)", "A wallet bonus balance can never be negative."
    )

    @api.depends("wallet_paid_balance", "wallet_bonus_balance")
    def _compute_wallet_balance(self):
        for account in self:
            account.wallet_balance = account.wallet_paid_balance + account.wallet_bonus_balance

    def write(self, vals):
        forbidden = {"points_balance", "wallet_paid_balance", "wallet_bonus_balance"} & set(vals)
        if forbidden or ({"partner_id", "company_id"} & set(vals) and self._has_moves()):
            raise UserError(
                self.env._(
                    "Balances change only by posting points or wallet moves; "
                    "an account with moves keeps its member and company."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_moves(self):
        if self._has_moves():
            raise UserError(self.env._("A membership account with moves cannot be deleted."))

    def _has_moves(self):
        return bool(
            self.env["membership.points.move"]
            .sudo()
            .search_count([("account_id", "in", self.ids)], limit=1)
            or self.env["membership.wallet.move"]
            .sudo()
            .search_count([("account_id", "in", self.ids)], limit=1)
        )

    # ------------------------------------------------------------------ ledger core

    @api.model
    @api.private
    def _membership_get_account(self, partner, company=None, lock_keys=None):
        """Return the account of ``partner`` in ``company``, creating it if needed.

        ``lock_keys``: when given (a list of (ledger model name, idempotency key), maybe
        empty), the caller is about to post: the account comes locked, with its balances,
        and the keys looked up, all in one query (``_membership_lock``).

        sudo: an account is bookkeeping created on the member's first move; the caller's
        rights are checked by the posting method that asks for it.
        """
        partner.ensure_one()
        company = company or self.env.company
        Account = self.sudo().with_context(active_test=False)
        member = SQL("partner_id = %s AND company_id = %s", partner.id, company.id)
        if lock_keys is not None:
            # The member's figures waiting for the lock go out with it (the member's
            # rows are locked together, at the last moment).
            pending = self.env.cr.cache.get(MEMBER_FIGURES_PENDING, {}).pop(partner.id, None)
            account = Account._membership_lock_where(
                member, lock_keys, before=pending, partner_ids=[partner.id]
            )
        else:
            # One query: the account and the fields postings read (balances come with the
            # lock).
            account = Account.search_fetch(
                [("partner_id", "=", partner.id), ("company_id", "=", company.id)],
                ["partner_id", "company_id"],
                limit=1,
            )
        if account:
            return account
        try:
            with self.env.cr.savepoint():
                account = Account.create({"partner_id": partner.id, "company_id": company.id})
        except errors.UniqueViolation:
            account = Account.search(
                [("partner_id", "=", partner.id), ("company_id", "=", company.id)], limit=1
            )
            if not account:
                # Created by a transaction our snapshot cannot see: let Odoo replay the
                # request.
                raise ConcurrencyError("membership account created concurrently") from None
        if lock_keys is not None:
            account._membership_lock(posted_keys=lock_keys)
        return account

    @api.private
    def _membership_lock(self, posted_key=None, posted_keys=None):
        """Lock the account rows for the rest of the transaction and read their balances.

        ``SKIP LOCKED`` first, so that an idle row costs no wait; when another till holds
        the row we wait for it with a plain ``FOR UPDATE``, and at REPEATABLE READ
        PostgreSQL then raises a serialization failure if that till changed the row: Odoo
        replays the request with fresh balances. The balances come with the lock into the
        cache, so no balance is ever read stale under the lock.

        Once per account and transaction: ``cr.cache`` remembers the accounts locked. The
        cursor empties it on commit, on rollback and on the rollback of a savepoint (which
        releases the locks taken inside it), so a lock is never assumed that is not held.

        ``posted_key`` / ``posted_keys``: (ledger model name, idempotency key) the caller
        is about to post; when the lock is taken, the same query looks the keys up for
        ``_membership_find_posted`` (no query of their own in the sync).
        """
        locked = self.env.cr.cache.setdefault(LOCKED_ACCOUNTS, set())
        todo = tuple(sorted({id_ for id_ in self.ids if id_ not in locked}))
        if todo:
            keys = list(posted_keys or []) + ([posted_key] if posted_key else [])
            self._membership_lock_where(SQL("id IN %s", todo), keys, expected=len(todo))

    @api.model
    def _membership_lock_where(
        self, where, keys, expected=None, lock=True, before=None, partner_ids=None
    ):
        """Lock the accounts matching ``where`` (SQL), put their balances in the cache and
        remember which of ``keys`` [(ledger model name, idempotency key)] are posted, in
        one query; returns the accounts locked. ``expected``: how many rows ``where``
        matches (unknown when None: a plain ``FOR UPDATE`` follows an empty ``SKIP
        LOCKED`` read). ``lock=False`` reads the same without locking (what a lock taken
        later reads again, at REPEATABLE READ). ``before``: an UPDATE (SQL) of the
        member's own rows run by the same statement, once. ``partner_ids``: the members
        of the rows ``where`` matches, when the caller knows them."""
        keys = list(dict.fromkeys(keys))
        lookups = [
            SQL(
                "(SELECT id FROM %s WHERE idempotency_key = %s LIMIT 1)",
                SQL.identifier(self.env[model]._table),
                key,
            )
            for model, key in keys
        ]
        query = SQL(
            """SELECT id, partner_id, company_id,
                      points_balance, wallet_paid_balance, wallet_bonus_balance%s
                 FROM membership_account WHERE %s%s""",
            SQL("").join(SQL(", %s", lookup) for lookup in lookups),
            where,
            SQL(" FOR UPDATE") if lock else SQL(),
        )
        first = SQL("%s SKIP LOCKED", query) if lock else query
        if before:
            first = SQL("WITH member_rows AS (%s) %s", before, first)
        with hot_members.on_conflict(self.env.cr.dbname, partner_ids or ()):
            rows = self.env.execute_query(first)
        if lock and (not rows if expected is None else len(rows) != expected):
            rows = self._membership_lock_waiting(query, where, partner_ids)
        for account_id, partner_id, company_id, points, paid, bonus, *_posted in rows:
            account = self.browse(account_id)
            # The member and company postings read come with the row (never written once
            # the account has moves).
            self._fields["partner_id"]._update_cache(account, partner_id)
            self._fields["company_id"]._update_cache(account, company_id)
            account._membership_cache_balances(points, paid, bonus)
        if lock:
            self.env.cr.cache.setdefault(LOCKED_ACCOUNTS, set()).update(row[0] for row in rows)
        if rows:
            for (model, key), move_id in zip(keys, rows[0][6:], strict=True):
                self.env[model]._membership_remember_key(key, move_id)
        return self.browse(row[0] for row in rows)

    @api.model
    @api.private
    def _membership_lock_waiting(self, query, where, partner_ids=None):
        """Run ``query`` (the plain ``FOR UPDATE`` of ``_membership_lock_where``) when
        another transaction holds one of its rows. Should that transaction have changed the
        row, PostgreSQL refuses ours and Odoo replays the request: the members of those
        rows are remembered as hot, so that their next syncs queue for them before they
        start (``hot_members``)."""
        if partner_ids is None:
            held = SQL("SELECT partner_id FROM membership_account WHERE %s", where)
            partner_ids = [row[0] for row in self.env.execute_query(held)]
        with hot_members.on_conflict(self.env.cr.dbname, partner_ids):
            return self.env.execute_query(query)

    @api.model
    @api.private
    def _membership_apply_at_once(self, partner, company, posted_key, deltas, expected=None):
        """Apply the balance deltas {points, paid, bonus} of the one move about to be
        posted under ``posted_key`` (ledger model name, key) to the account of
        ``partner`` in ``company`` in one UPDATE: it locks the row, checks that the key is
        free and, with ``expected`` (the balances read earlier in this transaction, at
        REPEATABLE READ), that they still hold, and writes the member's figures waiting for
        the lock (res.partner._membership_record_orders). The ledger's ``create`` then
        posts the move without applying it again. Returns the locked account, or an empty
        recordset (no such account, the key is posted, the balances moved): nothing was
        changed then but the member's figures, and the usual posting does the rest.

        Only for deltas that cannot overdraw (the caller checked ``expected`` covers them;
        the table's constraints refuse a negative balance all the same)."""
        model, key = posted_key
        guard = SQL()
        if expected is not None:
            guard = SQL(
                """ AND points_balance = %s AND wallet_paid_balance = %s
                    AND wallet_bonus_balance = %s""",
                *expected,
            )
        query = SQL(
            """UPDATE membership_account
                  SET points_balance = points_balance + %s,
                      wallet_paid_balance = wallet_paid_balance + %s,
                      wallet_bonus_balance = wallet_bonus_balance + %s,
                      write_date = now() AT TIME ZONE 'UTC', write_uid = %s
                WHERE partner_id = %s AND company_id = %s
                  AND NOT EXISTS (SELECT FROM %s WHERE idempotency_key = %s)%s
            RETURNING id, points_balance, wallet_paid_balance, wallet_bonus_balance""",
            # rounded amounts: numeric sums of them need no rounding
            float_round(deltas.get("points", 0.0), precision_digits=POINTS_DIGITS),
            company.currency_id.round(deltas.get("paid", 0.0)),
            company.currency_id.round(deltas.get("bonus", 0.0)),
            self.env.uid,
            partner.id,
            company.id,
            SQL.identifier(self.env[model]._table),
            key,
            guard,
        )
        pending = self.env.cr.cache.get(MEMBER_FIGURES_PENDING, {}).pop(partner.id, None)
        if pending:
            query = SQL("WITH member_rows AS (%s) %s", pending, query)
        # Another till changed the rows since our snapshot: Odoo replays the request,
        # queued for the member this time.
        with hot_members.on_conflict(self.env.cr.dbname, [partner.id]):
            rows = self.env.execute_query(query)
        account = self.sudo().browse(row[0] for row in rows)
        if not account:
            return account
        account_id, points, paid, bonus = rows[0]
        self._fields["partner_id"]._update_cache(account, partner.id)
        self._fields["company_id"]._update_cache(account, company.id)
        account._membership_cache_balances(points, paid, bonus)
        self.env.cr.cache.setdefault(LOCKED_ACCOUNTS, set()).add(account_id)
        self.env.cr.cache.setdefault(APPLIED_KEYS, set()).add(posted_key)
        return account

    def _membership_cache_balances(self, points, paid, bonus):
        """Put balances read or written in SQL into the cache (and forget what derives
        from them), so that they are not read again."""
        self.ensure_one()
        for name, value in zip(BALANCE_FIELDS, (points, paid, bonus), strict=True):
            self._fields[name]._update_cache(self, float(value or 0.0))
        self.invalidate_recordset(["wallet_balance", "write_date", "write_uid"])
        self.env["res.partner"].invalidate_model(["points_balance", "wallet_balance"])

    @api.private
    def _membership_apply(self, points=0.0, paid=0.0, bonus=0.0):
        """Add signed deltas to the balances of a locked account; refuse any overdraft."""
        self.ensure_one()
        self._membership_lock()  # nothing to do when the caller locked it in this transaction
        # The UPDATE also checks that the row still holds the balances this transaction
        # saw: should a savepoint rollback have undone one of our own changes, the balances
        # are read again under a fresh lock instead of being built on a stale figure.
        for checked in (True, False):
            old = (self.points_balance, self.wallet_paid_balance, self.wallet_bonus_balance)
            new_points = float_round(old[0] + points, precision_digits=POINTS_DIGITS)
            rounding = self.currency_id.rounding
            new_paid = float_round(old[1] + paid, precision_rounding=rounding)
            new_bonus = float_round(old[2] + bonus, precision_rounding=rounding)
            if new_points < 0:
                raise UserError(
                    self.env._(
                        "%(member)s has %(balance)s points: %(asked)s cannot be used.",
                        member=self.partner_id.display_name,
                        balance=self.points_balance,
                        asked=-points,
                    )
                )
            if new_paid < 0 or new_bonus < 0:
                raise UserError(
                    self.env._(
                        "The wallet of %(member)s holds %(balance)s: not enough for this payment.",
                        member=self.partner_id.display_name,
                        balance=self.wallet_balance,
                    )
                )
            guard = SQL(
                """ AND points_balance = %s AND wallet_paid_balance = %s
                    AND wallet_bonus_balance = %s""",
                *old,
            )
            self.env.cr.execute(
                SQL(
                    """UPDATE membership_account
                          SET points_balance = %s, wallet_paid_balance = %s,
                              wallet_bonus_balance = %s,
                              write_date = now() AT TIME ZONE 'UTC', write_uid = %s
                        WHERE id = %s%s""",
                    new_points,
                    new_paid,
                    new_bonus,
                    self.env.uid,
                    self.id,
                    guard if checked else SQL(),
                )
            )
            if self.env.cr.rowcount:
                break
            self.env.cr.cache.get(LOCKED_ACCOUNTS, set()).discard(self.id)
            self._membership_lock()
        else:
            raise ConcurrencyError(f"membership account {self.id} vanished under its lock")
        self._membership_cache_balances(new_points, new_paid, new_bonus)

    @api.private
    def _membership_check_invariant(self):
        """Return the accounts whose balances differ from the sum of their moves."""
        if not self:
            return self
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                """SELECT a.id
                     FROM membership_account a
                LEFT JOIN (SELECT account_id, SUM(points) AS points
                             FROM membership_points_move GROUP BY account_id) p
                       ON p.account_id = a.id
                LEFT JOIN (SELECT account_id, SUM(paid_amount) AS paid, SUM(bonus_amount) AS bonus
                             FROM membership_wallet_move GROUP BY account_id) w
                       ON w.account_id = a.id
                    WHERE a.id IN %s
                      AND (a.points_balance <> COALESCE(p.points, 0)
                           OR a.wallet_paid_balance <> COALESCE(w.paid, 0)
                           OR a.wallet_bonus_balance <> COALESCE(w.bonus, 0))""",
                tuple(self.ids),
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    @api.private
    def _membership_wallet_reconciliation(self, company=None):
        """Compare the customer-deposit liability with the sum of paid wallet balances.

        Returns a dict: liability (credit balance of the account), wallets (sum of paid
        balances), pending (paid money of moves whose origin books them later, such as
        the orders of a till session still open), difference (liability - wallets +
        pending), all read from the Wallet Reconciliation report, and the accounts whose
        balance is not the sum of their moves.
        """
        company = company or self.env.company
        figures = self.env["membership.wallet.reconciliation"]._membership_figures(company)
        accounts = (
            self.sudo().with_context(active_test=False).search([("company_id", "=", company.id)])
        )
        return {
            "company": company,
            "liability": figures["liability"],
            "wallets": figures["held"],
            "pending": figures["pending"],
            "difference": figures["difference"],
            "drifting_accounts": accounts._membership_check_invariant(),
        }
