from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, UserError

from .membership_package import KNOWN_PACKAGE_KEYS


class MembershipPackageMove(models.Model):
    """The ledger of a member's prepaid package: uses credited, used, given back, refunded
    or lapsed, with the deferred revenue each one moves.

    Append-only like the points and wallet ledgers: a move is created under a row lock on
    its package, which changes the package's and the service's counts in the same
    transaction (they never go below zero), and is never written nor deleted. Each move
    has an idempotency key naming what it posts (an order line, an expiry), so the same
    thing is never posted twice."""

    _name = "membership.package.move"
    _description = "Prepaid Package Move"
    _order = "date desc, id desc"
    _check_company_auto = True

    package_id = fields.Many2one(
        "membership.package", required=True, index=True, ondelete="restrict", readonly=True
    )
    package_line_id = fields.Many2one(
        "membership.package.line",
        string="Service",
        required=True,
        index=True,
        ondelete="restrict",
        readonly=True,
    )
    partner_id = fields.Many2one(
        related="package_id.partner_id", store=True, precompute=True, index=True, string="Member"
    )
    company_id = fields.Many2one(
        related="package_id.company_id", store=True, precompute=True, index=True
    )
    type_id = fields.Many2one(
        related="package_id.type_id",
        store=True,
        precompute=True,
        index=True,
        string="Package Type",
    )
    currency_id = fields.Many2one(related="package_id.currency_id")
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    kind = fields.Selection(
        [
            ("sale", "Sold"),
            ("use", "Used"),
            ("return", "Use given back"),
            ("refund", "Refunded"),
            ("expire", "Lapsed"),
        ],
        required=True,
        readonly=True,
    )
    uses = fields.Integer(required=True, readonly=True, help="Change of the uses left (signed).")
    amount = fields.Monetary(
        readonly=True,
        help="Change of the deferred revenue the package still holds (signed): a sale adds "
        "its price, a use recognises its share, a lapse recognises what was left.",
    )
    idempotency_key = fields.Char(required=True, readonly=True, copy=False)
    reason = fields.Char(readonly=True)
    pos_order_id = fields.Many2one(
        "pos.order", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    pos_order_line_id = fields.Many2one(
        "pos.order.line", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    origin_move_id = fields.Many2one(
        "membership.package.move",
        readonly=True,
        index="btree_not_null",
        help="The use a given-back use reverses.",
    )
    account_move_id = fields.Many2one("account.move", readonly=True, index="btree_not_null")

    _idempotency_key_uniq = models.Constraint(
        "UNIQUE (idempotency_key)", "This package operation has already been posted."
    )
    _moves_something = models.Constraint(
        "CHECK (uses <> 0 OR amount <> 0)", "A package move moves uses or value."
    )

    @api.model_create_multi
    def create(self, vals_list):
        packages = self.env["membership.package"].browse({vals["package_id"] for vals in vals_list})
        packages._membership_lock()
        for vals in vals_list:
            packages.browse(vals["package_id"])._membership_apply(
                vals["package_line_id"], vals.get("uses", 0), vals.get("amount", 0.0), vals["kind"]
            )
        for vals in vals_list:
            if not vals.get("account_move_id"):
                vals["account_move_id"] = self._membership_book(vals).id
        moves = super().create(vals_list)
        known = self.env.cr.cache.get(KNOWN_PACKAGE_KEYS)
        if known:
            for vals in vals_list:
                known.pop(vals["idempotency_key"], None)
        # A till's move posted once its session is closed (a held order settled later):
        # the session's package entry follows at once.
        moves.pos_order_id.session_id.filtered(
            lambda session: session.state == "closed"
        )._membership_book_packages()
        return moves

    def write(self, vals):
        if self:
            raise UserError(
                self.env._("Posted package moves cannot be changed: post a new move instead.")
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Posted package moves cannot be deleted."))

    @api.model
    @api.private
    def _membership_find_posted(self, key):
        """The move posted under ``key``, or an empty recordset (sudo: keys are unique over
        every member and company)."""
        if not key:
            raise UserError(self.env._("A package operation needs an idempotency key."))
        return self.sudo().search([("idempotency_key", "=", key)], limit=1)

    @api.model
    @api.private
    def _membership_post(self, vals, looked_up=False):
        """Post one move, or return the move already posted under the same key.

        ``looked_up``: the caller found no move under the key in this transaction (a
        move posted meanwhile by another till changed the package row, which the lock
        reports as a serialization failure: the key need not be looked up again).

        sudo: nobody holds create rights on the ledger; callers check who may post what
        and compute uses and amounts on the server before reaching this method."""
        key = vals["idempotency_key"]
        package = self.env["membership.package"].browse(vals["package_id"])
        # Lock first: a till posting this key for this package changes the package row
        # under the same lock, which PostgreSQL reports to us as a serialization failure
        # (Odoo replays the request, and the replay finds the move).
        package._membership_lock()
        existing = not looked_up and self._membership_find_posted(key)
        if existing:
            if existing.package_id != package:
                raise UserError(
                    self.env._("This package operation was already posted for another package.")
                )
            return existing
        try:
            return self.sudo().create(vals)
        except errors.UniqueViolation:
            raise ConcurrencyError(f"package key {key} posted concurrently") from None

    # ------------------------------------------------------------------ accounting

    @api.model
    def _membership_book(self, vals):
        """The journal entry of a move made outside the till (a lapse): the deferred
        revenue left is recognised (debit the liability, credit package revenue). A move
        of a POS order is booked by its session's closing (pos.session); nothing is booked
        while the package accounts are unset."""
        if vals.get("pos_order_id") or vals["kind"] != "expire":
            return self.env["account.move"]
        package = self.env["membership.package"].browse(vals["package_id"])
        company = package.company_id
        books = company._membership_package_books()
        amount = -vals.get("amount", 0.0)
        if not books or company.currency_id.is_zero(amount):
            return self.env["account.move"]
        label = self.env._(
            "Package lapsed: %(package)s, %(member)s",
            package=package.type_name,
            member=package.partner_id.display_name,
        )
        return self.env["membership.wallet.move"]._membership_post_entry(
            company,
            label,
            [(books["liability"], amount), (books["revenue"], -amount)],
            partner=package.partner_id,
        )
