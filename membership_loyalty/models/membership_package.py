from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, UserError
from odoo.tools import SQL

# Key of ``cr.cache`` holding the ids of the packages this transaction has locked.
LOCKED_PACKAGES = "membership_locked_packages"
# Key of ``cr.cache`` holding {idempotency key: move id, or False when free} for the keys
# looked up with a package's lock in this transaction (posting a key forgets it).
KNOWN_PACKAGE_KEYS = "membership_known_package_keys"
STATES = [
    ("active", "Active"),
    ("used", "Used up"),
    ("expired", "Lapsed"),
    ("refunded", "Refunded"),
]


class MembershipPackage(models.Model):
    """A package a member bought: its services with the uses left, its validity, and the
    deferred revenue it still holds.

    The counts and the value left are a cache of the package's moves
    (``membership.package.move``): they change only inside the ``create`` of a move,
    under a row lock on the package, in the same transaction, and never go below zero.
    Nobody writes them directly."""

    _name = "membership.package"
    _description = "Member's Prepaid Package"
    _order = "date desc, id desc"
    _check_company_auto = True

    type_id = fields.Many2one(
        "membership.package.type",
        string="Package",
        required=True,
        index=True,
        ondelete="restrict",
        readonly=True,
    )
    type_name = fields.Char(
        string="Package Name", readonly=True, help="The package's name when it was sold."
    )
    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Datetime(string="Sold On", required=True, readonly=True)
    expire_date = fields.Date(
        string="Valid Until",
        readonly=True,
        index="btree_not_null",
        help="The uses left lapse after this day (empty: never).",
    )
    pos_order_id = fields.Many2one(
        "pos.order", string="Sold on Order", readonly=True, index="btree_not_null"
    )
    pos_order_line_id = fields.Many2one("pos.order.line", readonly=True, index="btree_not_null")
    config_id = fields.Many2one(
        related="pos_order_id.config_id", store=True, string="Store", index="btree_not_null"
    )
    sale_key = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        help="Identifies the sale (order, line and unit): a package is made once per sale.",
    )
    price = fields.Monetary(readonly=True, help="What the member paid (taxes excluded).")
    uses_total = fields.Integer(string="Uses Bought", readonly=True)
    uses_left = fields.Integer(readonly=True, default=0)
    value_left = fields.Monetary(
        string="Deferred Revenue",
        readonly=True,
        default=0.0,
        help="The price of the uses left: revenue not recognised yet (a liability).",
    )
    state = fields.Selection(STATES, required=True, default="active", readonly=True, index=True)
    line_ids = fields.One2many("membership.package.line", "package_id", readonly=True)
    move_ids = fields.One2many("membership.package.move", "package_id", readonly=True)
    reminded = fields.Boolean(
        readonly=True, help="The member was told by SMS that the package is about to lapse."
    )

    _sale_key_uniq = models.Constraint("UNIQUE (sale_key)", "This package was already sold.")
    _uses_left_positive = models.Constraint(
        "CHECK (uses_left >= 0)", "A package never has fewer than zero uses left."
    )
    _value_left_positive = models.Constraint(
        "CHECK (value_left >= 0)", "A package's deferred revenue is never negative."
    )

    @api.depends("type_name", "uses_left")
    def _compute_display_name(self):
        for package in self:
            package.display_name = self.env._(
                "%(package)s (%(left)s left)", package=package.type_name, left=package.uses_left
            )

    def write(self, vals):
        if set(vals) - {"reminded"}:
            raise UserError(self.env._("A package changes only through its moves."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("A sold package cannot be deleted."))

    # ------------------------------------------------------------------ ledger core

    @api.private
    def _membership_lock(self, posted_key=None):
        """Lock the package rows for the rest of the transaction (once per transaction,
        remembered in ``cr.cache``, emptied on commit and rollback) and read their counts
        with the lock. At REPEATABLE READ, a package another till changed meanwhile makes
        PostgreSQL raise a serialization failure: Odoo replays the request with fresh
        counts, so no use is ever taken from a stale count (nor from a stale service
        count: a service's count changes only with its package's row).

        ``posted_key``: an idempotency key the caller is about to post; the same query
        looks it up. Returns the move posted under it, or an empty recordset."""
        # sudo: the server checks a claim against the whole ledger, whoever the till's user is
        Move = self.env["membership.package.move"].sudo()
        locked = self.env.cr.cache.setdefault(LOCKED_PACKAGES, set())
        known = self.env.cr.cache.setdefault(KNOWN_PACKAGE_KEYS, {})
        todo = tuple(sorted({id_ for id_ in self.ids if id_ not in locked}))
        if not todo:
            if not posted_key:
                return Move
            if posted_key in known:
                return Move.browse(known[posted_key] or [])
            return Move._membership_find_posted(posted_key)
        lookup = SQL("NULL")
        if posted_key:
            lookup = SQL(
                "(SELECT id FROM membership_package_move WHERE idempotency_key = %s)",
                posted_key,
            )
        # The fields a use checks come with the lock (no query of their own).
        names = (
            "uses_left",
            "value_left",
            "state",
            "partner_id",
            "company_id",
            "expire_date",
            "type_id",
            "type_name",
        )
        # So do the ids of its services (the receipt lists them), in their order.
        rows = self.env.execute_query(
            SQL(
                """SELECT id, uses_left, value_left, state, partner_id, company_id,
                          expire_date, type_id, type_name,
                          ARRAY(SELECT line.id FROM membership_package_line line
                                 WHERE line.package_id = membership_package.id
                                 ORDER BY line.id),
                          %s
                     FROM membership_package WHERE id IN %s FOR UPDATE""",
                lookup,
                todo,
            )
        )
        for package_id, *values, line_ids, _posted in rows:
            package = self.browse(package_id)
            package._fields["line_ids"]._update_cache(package, tuple(line_ids))
            for name, value in zip(names, values, strict=True):
                field = package._fields[name]
                if name == "value_left":
                    value = float(value or 0.0)
                else:
                    value = field.convert_to_cache(value, package, validate=False)
                field._update_cache(package, value)
        locked.update(todo)
        posted = rows[0][-1] if rows and rows[0][-1] else False
        if posted_key:
            known[posted_key] = posted
        return Move.browse(posted or [])

    @api.private
    def _membership_apply(self, line_id, uses, amount, kind):
        """Add signed deltas to the counts of a locked package and of its service line;
        refuse any use or value the package does not hold."""
        self.ensure_one()
        self._membership_lock()
        line = self.env["membership.package.line"].browse(line_id)
        if line.package_id != self:
            raise UserError(self.env._("This service is not part of the package."))
        currency = self.currency_id
        uses_left = self.uses_left + uses
        line_left = line.uses_left + uses
        value_left = currency.round(self.value_left + amount)
        if uses_left < 0 or line_left < 0:
            raise UserError(
                self.env._(
                    "%(member)s has %(left)s use(s) of %(service)s left: %(asked)s cannot be used.",
                    member=self.partner_id.display_name,
                    left=line.uses_left,
                    service=line.display_service,
                    asked=-uses,
                )
            )
        if currency.compare_amounts(value_left, 0.0) < 0:
            raise UserError(self.env._("The package holds no more value to take."))
        if uses_left > 0:
            state = "active"
        else:
            state = {"expire": "expired", "refund": "refunded"}.get(kind, "used")
        # One statement for both counts; the package's guard checks that the row still
        # holds what this transaction saw.
        self.env.cr.execute(
            SQL(
                """WITH package AS (
                        UPDATE membership_package SET uses_left = %s, value_left = %s,
                               state = %s, write_date = now() AT TIME ZONE 'UTC',
                               write_uid = %s
                         WHERE id = %s AND uses_left = %s RETURNING id)
                   UPDATE membership_package_line SET uses_left = %s,
                          write_date = now() AT TIME ZONE 'UTC', write_uid = %s
                    WHERE id = %s AND package_id IN (SELECT id FROM package)""",
                uses_left,
                value_left,
                state,
                self.env.uid,
                self.id,
                self.uses_left,
                line_left,
                self.env.uid,
                line.id,
            )
        )
        if not self.env.cr.rowcount:
            raise ConcurrencyError(f"membership package {self.id} changed under its lock")
        self._fields["uses_left"]._update_cache(self, uses_left)
        self._fields["value_left"]._update_cache(self, value_left)
        self._fields["state"]._update_cache(self, state)
        line._fields["uses_left"]._update_cache(line, line_left)
        # The till loads package lines changed since its last sync by their write date.
        line.invalidate_recordset(["write_date"])
        self.invalidate_recordset(["write_date", "display_name"])

    @api.private
    def _membership_value_of(self, uses):
        """The deferred revenue ``uses`` of the uses left carry: an equal share each, the
        last use takes what rounding left."""
        self.ensure_one()
        if uses >= self.uses_left:
            return self.value_left
        return self.currency_id.round(self.value_left * uses / self.uses_left)

    @api.private
    def _membership_check_invariant(self):
        """The packages whose counts or value differ from the sum of their moves."""
        if not self:
            return self
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT p.id FROM membership_package p
                LEFT JOIN (SELECT package_id, SUM(uses) AS uses, SUM(amount) AS amount
                             FROM membership_package_move GROUP BY package_id) m
                       ON m.package_id = p.id
                    WHERE p.id IN %s
                      AND (p.uses_left <> COALESCE(m.uses, 0)
                           OR p.value_left <> COALESCE(m.amount, 0)
                           OR EXISTS (SELECT 1 FROM membership_package_line l
                                   LEFT JOIN (SELECT package_line_id, SUM(uses) AS uses
                                                FROM membership_package_move
                                            GROUP BY package_line_id) lm
                                          ON lm.package_line_id = l.id
                                       WHERE l.package_id = p.id
                                         AND l.uses_left <> COALESCE(lm.uses, 0)))""",
                tuple(self.ids),
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    # ------------------------------------------------------------------ selling

    @api.model
    @api.private
    def _membership_sell(self, package_type, partner, key, value, date, order_line=None):
        """Make the package ``key`` names for ``partner`` and credit its uses and its
        ``value`` (the price paid, taxes excluded); a package already made under ``key``
        is returned as it is."""
        # sudo: packages are the system's bookkeeping; callers checked the sale.
        Package = self.sudo()
        package = Package.search([("sale_key", "=", key)], limit=1)
        if package:
            return package
        months = package_type.validity_months
        day = fields.Date.context_today(self, date)
        package = Package.create(
            {
                "type_id": package_type.id,
                "type_name": package_type.name,
                "partner_id": partner.id,
                "company_id": package_type.company_id.id,
                "date": date,
                "expire_date": day + relativedelta(months=months) if months else False,
                "pos_order_id": order_line.order_id.id if order_line else False,
                "pos_order_line_id": order_line.id if order_line else False,
                "sale_key": key,
                "price": value,
                "uses_total": package_type.uses_total,
                "line_ids": [
                    fields.Command.create(
                        {
                            "type_line_id": tline.id,
                            "product_id": tline.product_id.id,
                            "categ_id": tline.categ_id.id,
                            "uses_total": tline.uses,
                            "max_per_visit": tline.max_per_visit,
                        }
                    )
                    for tline in package_type.line_ids
                ],
            }
        )
        Move = self.env["membership.package.move"]
        remaining, uses_remaining = value, package_type.uses_total
        for pline in package.line_ids:
            share = package.currency_id.round(value * pline.uses_total / package_type.uses_total)
            if pline.uses_total >= uses_remaining:
                share = remaining  # the last service takes what rounding left
            remaining -= share
            uses_remaining -= pline.uses_total
            Move._membership_post(
                {
                    "package_id": package.id,
                    "package_line_id": pline.id,
                    "kind": "sale",
                    "uses": pline.uses_total,
                    "amount": share,
                    "idempotency_key": f"{key}:{pline.type_line_id.id}",
                    "pos_order_id": order_line.order_id.id if order_line else False,
                    "pos_order_line_id": order_line.id if order_line else False,
                }
            )
        return package
