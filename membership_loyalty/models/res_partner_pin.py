from datetime import timedelta

from passlib.context import CryptContext

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

# A PIN has few digits: the lock after a few wrong tries protects it at the till; the
# salted slow hash protects it in a database dump.
PIN_CRYPT = CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=50000)
SUPERVISOR = "membership_loyalty.membership_loyalty_group_supervisor"
CASHIER = "membership_loyalty.membership_loyalty_group_cashier"


class ResPartner(models.Model):
    """The member's optional wallet PIN, asked at the till above the company threshold.

    The hash lives in a column the ORM does not know (like a user's password): nothing,
    RPC included, can read it; it is written and checked by the methods below only."""

    _inherit = "res.partner"

    membership_pin_set = fields.Boolean(
        string="Wallet PIN Set", readonly=True, copy=False, groups=CASHIER
    )
    membership_pin_failures = fields.Integer(
        string="Wrong PIN Entries", readonly=True, copy=False, groups=SUPERVISOR
    )
    membership_pin_locked = fields.Boolean(
        string="Wallet PIN Locked", compute="_compute_membership_pin_locked", groups=SUPERVISOR
    )

    def _membership_wallet_spent_recently(self, company):
        """What the member's wallet paid in ``company`` over the company's PIN window
        (``membership_pin_window_hours`` up to now; nothing when the window is 0)."""
        self.ensure_one()
        hours = company.membership_pin_window_hours
        if hours <= 0:
            return 0.0
        since = fields.Datetime.now() - timedelta(hours=hours)
        # sudo: the PIN rule reads the member's wallet payments whoever sends the order.
        [(spent,)] = (
            self.env["membership.wallet.move"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "=", self.id),
                    ("company_id", "=", company.id),
                    ("kind", "=", "spend"),
                    ("date", ">=", since),
                ],
                aggregates=["amount:sum"],
            )
        )
        return -(spent or 0.0)

    def init(self):
        super().init()
        self.env.cr.execute(
            "ALTER TABLE res_partner ADD COLUMN IF NOT EXISTS membership_pin_hash varchar"
        )

    @api.depends("membership_pin_failures")
    def _compute_membership_pin_locked(self):
        for partner in self:
            partner.membership_pin_locked = (
                partner.membership_pin_failures >= partner._membership_pin_max_tries()
            )

    def action_membership_pin_unlock(self):
        self.ensure_one()
        self._membership_pin_check_rights()
        # sudo: the counter is readonly bookkeeping; the supervisor's right was checked.
        self.sudo().membership_pin_failures = 0
        self._membership_pin_log(self.env._("Wallet PIN unlocked."))

    def action_membership_pin_clear(self):
        self.ensure_one()
        self._membership_pin_check_rights()
        self._membership_pin_write(False)
        self._membership_pin_log(self.env._("Wallet PIN removed."))

    def _membership_pin_log(self, body):
        # sudo: supervisors manage PINs without the right to edit contacts; the message
        # is signed with their name.
        self.sudo().message_post(body=body, author_id=self.env.user.partner_id.id)

    def _membership_pin_check_rights(self):
        if not self.env.user.has_group(SUPERVISOR):
            raise AccessError(self.env._("Only Membership Supervisors may manage wallet PINs."))

    def _membership_pin_max_tries(self):
        return (self.company_id or self.env.company).membership_pin_max_tries

    @api.private
    def _membership_pin_set(self, pin):
        self.ensure_one()
        self._membership_pin_check_rights()
        pin = (pin or "").strip()
        if not (pin.isdigit() and pin.isascii() and 4 <= len(pin) <= 8):
            raise UserError(self.env._("A wallet PIN is 4 to 8 digits."))
        self._membership_pin_write(PIN_CRYPT.hash(pin))
        self._membership_pin_log(self.env._("Wallet PIN changed."))

    def _membership_pin_write(self, pin_hash):
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET membership_pin_hash = %s WHERE id = %s",
                pin_hash or None,
                self.id,
            )
        )
        # sudo: PIN state is bookkeeping written for the supervisor who set the PIN.
        self.sudo().write({"membership_pin_set": bool(pin_hash), "membership_pin_failures": 0})

    @api.private
    def _membership_pin_verify(self, pin):
        """Check a PIN typed at the till: "ok", "wrong" or "locked" (too many wrong
        tries in a row; a right PIN resets the count). Counts every wrong try."""
        self.ensure_one()
        partner = self.sudo()  # sudo: the till's user checks, never reads, the PIN
        if partner.membership_pin_failures >= partner._membership_pin_max_tries():
            return "locked"
        self.env.cr.execute(
            SQL("SELECT membership_pin_hash FROM res_partner WHERE id = %s FOR UPDATE", self.id)
        )
        row = self.env.cr.fetchone()
        pin_hash = row and row[0]
        if pin_hash and isinstance(pin, str) and len(pin) <= 64 and PIN_CRYPT.verify(pin, pin_hash):
            if partner.membership_pin_failures:
                partner.membership_pin_failures = 0
            return "ok"
        partner.membership_pin_failures += 1
        if partner.membership_pin_failures >= partner._membership_pin_max_tries():
            partner._membership_pin_log(
                self.env._("Wallet PIN locked after too many wrong entries.")
            )
            return "locked"
        return "wrong"
