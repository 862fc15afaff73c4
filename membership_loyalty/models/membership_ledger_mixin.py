from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, UserError

from .membership_account import APPLIED_KEYS

# Key of ``cr.cache`` holding {(model, idempotency key): move id, or False when free}
# for the keys looked up in this transaction.
KNOWN_KEYS = "membership_known_keys"


class MembershipLedgerMixin(models.AbstractModel):
    """What the points and wallet ledgers share: append-only moves with an idempotency key.

    A move is only ever created, never written or deleted (for everyone, superuser
    included, through the ORM); a correction is a reversing move with a reason. Its
    ``create`` locks the account, checks and changes the balances in the same transaction,
    so the balances are always the sum of the moves.
    """

    _name = "membership.ledger.mixin"
    _description = "Membership Ledger Move"
    _order = "date desc, id desc"
    _check_company_auto = True

    account_id = fields.Many2one(
        "membership.account", required=True, index=True, ondelete="restrict", readonly=True
    )
    partner_id = fields.Many2one(
        related="account_id.partner_id", store=True, precompute=True, index=True, string="Member"
    )
    company_id = fields.Many2one(
        related="account_id.company_id", store=True, precompute=True, index=True
    )
    currency_id = fields.Many2one(related="account_id.currency_id")
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    idempotency_key = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        help="Identifies what was posted (order and line, top-up payment...): "
        "the same thing can never be posted twice.",
    )
    reason = fields.Char(readonly=True)
    # What the move was posted for (an order, a wizard's record...), named generically so
    # that the ledger depends on no application: the side that posts reads it back.
    origin_model = fields.Char(string="Origin Model", readonly=True)
    origin_id = fields.Many2oneReference(string="Origin", model_field="origin_model", readonly=True)

    _idempotency_key_uniq = models.Constraint(
        "UNIQUE (idempotency_key)", "This operation has already been posted."
    )

    @api.model_create_multi
    def create(self, vals_list):
        accounts = self.env["membership.account"].browse({vals["account_id"] for vals in vals_list})
        accounts._membership_lock()
        applied = self.env.cr.cache.get(APPLIED_KEYS) or set()
        for vals in vals_list:
            if (self._name, vals["idempotency_key"]) in applied:
                # Applied with the account's lock (_membership_apply_at_once), in this
                # transaction, by the server alone (cr.cache is no client's input).
                applied.discard((self._name, vals["idempotency_key"]))
                continue
            account = accounts.browse(vals["account_id"])
            account._membership_apply(**self._membership_deltas(vals))
        moves = super().create(vals_list)
        known = self.env.cr.cache.get(KNOWN_KEYS)
        if known:
            for vals in vals_list:
                known.pop((self._name, vals["idempotency_key"]), None)
        return moves

    def write(self, vals):
        if self:
            raise UserError(
                self.env._("Posted moves cannot be changed: post a reversing move with a reason.")
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._("Posted moves cannot be deleted: post a reversing move with a reason.")
        )

    @api.model
    def _membership_origin_vals(self, origin):
        """The values linking a move to the record ``origin`` it is posted for (none when
        ``origin`` is empty or None)."""
        if not origin:
            return {}
        origin.ensure_one()
        return {"origin_model": origin._name, "origin_id": origin.id}

    def _membership_origin_copy(self):
        """The origin values of this move, for a move that follows from it (a reversal,
        a top-up's bonus)."""
        self.ensure_one()
        if not self.origin_model:
            return {}
        return {"origin_model": self.origin_model, "origin_id": self.origin_id}

    @api.model
    def _membership_deltas(self, vals):
        """Return the balance deltas of a move's values: {points, paid, bonus}."""
        raise NotImplementedError

    @api.model
    @api.private
    def _membership_find_posted(self, key):
        """The move posted under ``key``, or an empty recordset (sudo: keys are unique over
        every member and company).

        A key looked up is remembered for the rest of the transaction in ``cr.cache``
        (emptied on commit, rollback and savepoint rollback), so that a sync asks once per
        key however many steps check it: at REPEATABLE READ no other transaction's move can
        appear in our snapshot, moves are never deleted, and posting the key here forgets
        it. ``membership.account._membership_lock`` may look the key up with the lock.
        """
        if not key:
            raise UserError(self.env._("A ledger operation needs an idempotency key."))
        known = self.env.cr.cache.setdefault(KNOWN_KEYS, {})
        # sudo: a key is unique across the ledger, including moves the caller cannot read.
        Move = self.sudo()
        if (self._name, key) in known:
            return Move.browse(known[(self._name, key)] or [])
        move = Move.search([("idempotency_key", "=", key)], limit=1)
        self._membership_remember_key(key, move.id)
        return move

    @api.model
    def _membership_remember_key(self, key, move_id):
        """Remember for the transaction the move posted under ``key`` (False: none)."""
        self.env.cr.cache.setdefault(KNOWN_KEYS, {})[(self._name, key)] = move_id or False

    @api.model
    @api.private
    def _membership_post(self, vals, card=None):
        """Post one move, or return the move already posted under the same key.

        sudo: nobody holds create rights on a ledger; callers check who may post what
        before reaching this method, and amounts are computed on the server.
        """
        if card:
            card._check_usable()
            account = self.env["membership.account"].browse(vals["account_id"])
            if card.partner_id != account.partner_id:
                raise UserError(self.env._("This card belongs to another member."))
        key = vals["idempotency_key"]
        # The first posting of the account in the transaction takes the lock here and looks
        # the key up in the same query; later ones find both remembered.
        account = self.env["membership.account"].browse(vals["account_id"])
        account._membership_lock(posted_key=(self._name, key))
        existing = self._membership_find_posted(key)
        if existing:
            return existing._membership_check_same(vals)
        try:
            # No savepoint (and no early flush): the account is locked, and any till
            # posting this key for this account changes the account row under the same
            # lock, which PostgreSQL reports to us as a serialization failure (Odoo
            # replays the request, and the replay finds the move). Only a move committed
            # under this key for another account after our snapshot began is left to
            # collide here; the transaction is then lost, so Odoo replays it too.
            # sudo: moves are written only through this method, after the caller's checks.
            return self.sudo().create(vals)
        except errors.UniqueViolation:
            raise ConcurrencyError(f"ledger key {key} posted concurrently") from None

    def _membership_check_same(self, vals):
        if self.account_id.id != vals["account_id"]:
            raise UserError(self.env._("This operation was already posted for another member."))
        return self

    @api.private
    def _membership_reverse(self, reason, ratio=1.0, key=None):
        """Post a move reversing ``ratio`` of this one; a reason is mandatory."""
        self.ensure_one()
        if not (reason or "").strip():
            raise UserError(self.env._("A reversing move needs a reason."))
        if not 0 < ratio <= 1:
            raise UserError(self.env._("A move can only be reversed by a share between 0 and 1."))
        key = key or f"reverse:{self.idempotency_key}"
        existing = self._membership_find_posted(key)
        if existing:
            return existing
        vals = self._membership_reverse_vals(ratio)
        if not any(self._membership_deltas(vals | {"account_id": self.account_id.id}).values()):
            return self.browse()  # already fully reversed
        vals.update(
            account_id=self.account_id.id,
            reason=reason,
            reversed_move_id=self.id,
            idempotency_key=key,
        )
        return self._membership_post(vals)

    def _membership_reverse_vals(self, ratio):
        raise NotImplementedError
