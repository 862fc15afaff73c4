import hashlib
import logging
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Bus channels of the tills' card readers: this prefix and a random secret per session.
READER_CHANNEL_PREFIX = "membership_reader_"
# A card read pushed to a till can be turned into a member lookup once, within this delay.
READ_LOOKUP_VALIDITY = timedelta(minutes=2)
OPEN_STATES = ("opening_control", "opened")


def _new_reader_channel():
    return READER_CHANNEL_PREFIX + secrets.token_urlsafe(24)


class PosSession(models.Model):
    """The till's card readers: the secret bus channel their reads arrive on, and turning
    a pushed read into the member."""

    _inherit = "pos.session"

    def membership_pos_reader_channel(self):
        """The secret bus channel this till's card reads arrive on, for the session's own
        user while the session is open (another user's call is refused)."""
        self._membership_pos_check_user(
            self.env._("Only Point of Sale users can listen to card readers.")
        )
        if self.env.user != self.user_id or self.state not in OPEN_STATES:
            raise AccessError(
                self.env._("Only the user of an open session listens to its card readers.")
            )
        # sudo: the channel is a secret no user reads through the model; this user owns it.
        session = self.sudo()
        if not session.membership_reader_channel:
            session.lock_for_update()  # two tabs of one till get the same channel
            session.invalidate_recordset(["membership_reader_channel"])
            if not session.membership_reader_channel:
                session.membership_reader_channel = _new_reader_channel()
        return session.membership_reader_channel

    @api.model
    @api.private
    def _membership_reader_channels_of_user(self, channels):
        """Those of ``channels`` that are the reader channel of an open session of the
        current user: the only reader channels a websocket may subscribe to."""
        wanted = [c for c in channels if isinstance(c, str) and len(c) <= 100]
        if not wanted or self.env.user._is_public():
            return []
        # sudo: the channel field is hidden from every user; matched against their sessions.
        allowed = (
            self.sudo()
            .search(
                [
                    ("membership_reader_channel", "in", wanted),
                    ("user_id", "=", self.env.uid),
                    ("state", "in", OPEN_STATES),
                ]
            )
            .mapped("membership_reader_channel")
        )
        if len(allowed) < len(set(channels)):
            _logger.info(
                "user %s: subscription to %s card reader channel(s) refused",
                self.env.uid,
                len(set(channels)) - len(allowed),
            )
        return allowed

    def membership_pos_reader_lookup(self, read_id):
        """The member of a card read pushed to this till (``read_id`` from the push, valid
        once and shortly): the same answer as ``membership_pos_lookup`` with the card's
        code, which never travels on the bus."""
        self._membership_pos_check_user(self.env._("Only Point of Sale users can look members up."))
        if not isinstance(read_id, str) or not 16 <= len(read_id) <= 64:
            raise UserError(self.env._("This card read is not valid."))
        card_id = self._membership_pos_consume_read(read_id)
        if card_id is None:
            raise UserError(self.env._("This card read is unknown, used or expired: tap again."))
        # The card the server matched when the box sent the read (by its code or one of
        # its aliases): the till gets that card's member, not a new search of a code.
        found = self._membership_pos_member_row(card_ids=[card_id] if card_id else [])
        allowed = [int(company) for company in found["parent_path"].split("/") if company]
        if not found["card_id"] or (
            found["card_company_id"] and found["card_company_id"] not in allowed
        ):
            return {"status": "not_found", "message": self.env._("This card is not known here.")}
        if not found["is_member"]:
            return {
                "status": "not_found",
                "message": self.env._("No member found for card %s.", found["card_number"]),
            }
        # sudo: the read was pushed to this till; only what the till shows leaves the server.
        env = self.sudo().with_context(allowed_company_ids=[found["company_id"]]).env
        partner = env["res.partner"].browse(found["partner_id"])
        card = env["membership.card"].browse(found["card_id"])
        return self._membership_pos_answer(partner, card, found=found)

    @api.private
    def _membership_pos_consume_read(self, read_id):
        """The card id (0 for none) of the read of one of this till's boxes whose one-time
        id is ``read_id``, pushed less than READ_LOOKUP_VALIDITY ago, or None; the read's
        id is spent in the same statement (an UPDATE: two calls at a time with one id,
        one gets the card)."""
        self.ensure_one()
        Event = self.env["membership.reader.event"]
        Event.flush_model(["read_token_hash", "device_id", "card_ref"])
        rows = self.env.execute_query(
            SQL(
                """UPDATE membership_reader_event e
                      SET read_token_hash = NULL, write_uid = %s,
                          write_date = now() AT TIME ZONE 'UTC'
                     FROM membership_reader_device d
                    WHERE d.id = e.device_id AND d.pos_config_id = %s
                      AND e.read_token_hash = %s AND e.create_date > %s
                RETURNING e.id, e.card_ref""",
                self.env.uid,
                self.config_id.id,
                hashlib.sha256(read_id.encode()).hexdigest(),
                fields.Datetime.now() - READ_LOOKUP_VALIDITY,
            )
        )
        if not rows:
            return None
        Event.browse(rows[0][0]).invalidate_recordset(
            ["read_token_hash", "write_uid", "write_date"]
        )
        return rows[0][1] or 0
