import hashlib
import logging
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessDenied, UserError
from odoo.tools import SQL

from ..tools import bus_notify, card_codes
from .membership_card import LIVE_STATES, normalise_uid
from .pos_session_reader import OPEN_STATES

_logger = logging.getLogger(__name__)

# Unambiguous characters for a code an administrator reads aloud or types on the box.
PAIRING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PAIRING_CODE_LENGTH = 10
PAIRING_VALIDITY = timedelta(minutes=15)
# Per device: at most READ_RATE_MAX reads pushed per READ_RATE_WINDOW seconds.
READ_RATE_MAX = 20
READ_RATE_WINDOW = 10
# A read older than this (box clock) is never pushed to a till: it belongs to a past customer.
READ_MAX_AGE = 60
# A read dated further ahead than this (box clock) is refused: a box clock that wrong is not
# trusted to date reads.
READ_MAX_AHEAD = 30
MAX_EVENTS_PER_FRAME = 50
LAST_SEEN_GRANULARITY = timedelta(seconds=30)
NOTIFICATION = "MEMBERSHIP_CARD_READ"


def _digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def _normalise_pairing_code(code):
    return "".join(ch for ch in str(code or "").upper() if ch in PAIRING_ALPHABET)


class MembershipReaderDevice(models.Model):
    _name = "membership.reader.device"
    _description = "Card reader box"
    _inherit = ["mail.thread"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    pos_config_id = fields.Many2one(
        "pos.config",
        string="Point of Sale",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        help="The till this box's card reads go to; the box reaches no other.",
    )
    state = fields.Selection(
        [
            ("unpaired", "Not paired"),
            ("pairing", "Waiting for the box"),
            ("paired", "Paired"),
            ("revoked", "Revoked"),
        ],
        default="unpaired",
        required=True,
        readonly=True,
        tracking=True,
    )
    last_seen = fields.Datetime(readonly=True, copy=False)
    pairing_expires = fields.Datetime(readonly=True, copy=False)
    # Only digests are stored: the code and the token are shown/sent once.
    pairing_code_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    token_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    event_ids = fields.One2many("membership.reader.event", "device_id", string="Card reads")
    event_count = fields.Integer(compute="_compute_event_count", string="Reads")

    _token_hash_unique = models.Constraint(
        "UNIQUE(token_hash)", "A device token is already in use by another reader."
    )
    _pairing_code_hash_unique = models.Constraint(
        "UNIQUE(pairing_code_hash)", "This pairing code is already in use."
    )

    def _compute_event_count(self):
        counts = dict(
            self.env["membership.reader.event"]._read_group(
                [("device_id", "in", self.ids)], ["device_id"], ["__count"]
            )
        )
        for device in self:
            device.event_count = counts.get(device, 0)

    def action_generate_pairing_code(self):
        """Show a one-time code the box exchanges for its token (``iot-reader-box --pair``)."""
        self.ensure_one()
        code = self._issue_pairing_code()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Pairing code for %s", self.name),
                "message": self.env._(
                    "On the box, run: iot-reader-box --pair %(code)s (valid until %(until)s UTC, "
                    "once). Any token the box had is revoked.",
                    code=code,
                    until=fields.Datetime.to_string(self.pairing_expires),
                ),
                "sticky": True,
                "type": "warning",
            },
        }

    def action_revoke(self):
        self.check_access("write")  # before the sudo below: only who may edit a box revokes it
        for device in self:
            # sudo: token_hash is readable/writable by Settings administrators only; the
            # Membership administrator revoking a box must be able to clear it.
            device.sudo().write(
                {"token_hash": False, "pairing_code_hash": False, "pairing_expires": False}
            )
        self.write({"state": "revoked"})
        for device in self:
            device.message_post(body=self.env._("Device token revoked."))
        return True

    @api.private
    def _issue_pairing_code(self):
        self.ensure_one()
        if not self.env.user.has_group("membership_loyalty.membership_loyalty_group_admin"):
            raise UserError(self.env._("Only a Membership administrator can pair card readers."))
        code = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_CODE_LENGTH))
        # sudo: the digests are Settings-administrator fields (see action_revoke).
        self.sudo().write(
            {
                "pairing_code_hash": _digest(code),
                "pairing_expires": fields.Datetime.now() + PAIRING_VALIDITY,
                "token_hash": False,
                "state": "pairing",
            }
        )
        self.message_post(body=self.env._("Pairing code issued."))
        return f"{code[:5]}-{code[5:]}"

    @api.model
    @api.private
    def _exchange_pairing_code(self, code, remote_addr=None):
        """Called (sudo) by the pairing route: a valid code becomes the box's token, once."""
        normalised = _normalise_pairing_code(code)
        device = self.search(
            [
                ("pairing_code_hash", "=", _digest(normalised)),
                ("state", "=", "pairing"),
                ("pairing_expires", ">", fields.Datetime.now()),
            ],
            limit=1,
        )
        if len(normalised) != PAIRING_CODE_LENGTH or not device:
            _logger.warning(
                "card reader pairing refused from %s: unknown or expired code", remote_addr
            )
            raise AccessDenied(self.env._("This pairing code is unknown, used or expired."))
        device.lock_for_update()
        token = secrets.token_urlsafe(32)
        device.write(
            {
                "token_hash": _digest(token),
                "pairing_code_hash": False,
                "pairing_expires": False,
                "state": "paired",
                "last_seen": fields.Datetime.now(),
            }
        )
        device.message_post(body=self.env._("Paired from %s.", remote_addr or "?"))
        _logger.info("card reader %s (id %s) paired from %s", device.name, device.id, remote_addr)
        return {"token": token, "device": device.name}

    @api.model
    @api.private
    def _authenticate_token(self, token):
        """The paired, active device holding ``token``, or an empty recordset."""
        if not isinstance(token, str) or not 20 <= len(token) <= 200:
            return self.browse()
        # sudo: the box is not an Odoo user; its token is its only credential.
        return (
            self.sudo()
            .with_context(active_test=True)
            .search_fetch(
                [("token_hash", "=", _digest(token)), ("state", "=", "paired")],
                ["name", "company_id", "pos_config_id", "last_seen"],
                limit=1,
            )
        )

    @api.private
    def _touch(self):
        """Record that the box is alive, at most every LAST_SEEN_GRANULARITY (fewer writes)."""
        now = fields.Datetime.now()
        for device in self:
            if not device.last_seen or now - device.last_seen > LAST_SEEN_GRANULARITY:
                device.last_seen = now

    @api.model
    @api.private
    def _receive_frame(self, token, events):
        """A frame of reads a box sent with its device ``token``: (the device, the event
        records created). The device is empty when the token is refused (unknown, revoked,
        box archived): nothing is recorded then.

        The usual frame is authenticated, locked and checked in one query (see
        ``_reader_frame_state``): each query a read waits for is a wait for the cores
        when the tills keep them busy."""
        # sudo: the box is not an Odoo user; its token is its only credential (checked in
        # the frame's query or by _authenticate_token, which also runs as superuser).
        devices = self.sudo()
        Event = devices.env["membership.reader.event"]
        now = fields.Datetime.now()
        valid, dropped = devices._valid_reads(events)
        if valid and isinstance(token, str) and 20 <= len(token) <= 200:
            state = devices._reader_frame_state(valid, now, token_hash=_digest(token))
            if state:
                device = devices.browse(state["device_id"])
                device._log_malformed(dropped)
                return device, device._push_reads(valid, state, now)
        # No read to record, a refused token, or the box's row locked by another of its
        # frames (the usual path below waits for it as Odoo's lock does).
        device = devices._authenticate_token(token)
        if not device:
            return device, Event
        return device, device._receive_reads(events, now)

    @api.model
    @api.private
    def _valid_reads(self, events):
        """(the well-formed events of a frame (``_parse_box_event``), each event id once;
        how many were malformed)."""
        Event = self.env["membership.reader.event"]
        valid, seen, dropped = [], set(), 0
        for event in (events or [])[:MAX_EVENTS_PER_FRAME]:
            parsed = Event._parse_box_event(event)
            if parsed is None:
                dropped += 1
            elif parsed["event_id"] not in seen:
                seen.add(parsed["event_id"])
                valid.append(parsed)
        return valid, dropped

    @api.private
    def _log_malformed(self, dropped):
        for _n in range(dropped):
            _logger.warning("card reader %s sent a malformed event: dropped", self.id)

    @api.private
    def _receive_reads(self, events, now=None):
        """Check, deduplicate, rate-limit and push the reads a box sent (self is sudo).

        A read goes to the bus channel of the bound till's open session (a secret only that
        session's user may subscribe to) with a one-time read id, never the card's code.

        Returns the event records created (duplicates excluded), for tests and callers.
        """
        self.ensure_one()
        now = now or fields.Datetime.now()
        valid, dropped = self._valid_reads(events)
        self._log_malformed(dropped)
        if not valid:
            return self.env["membership.reader.event"]
        state = self._reader_frame_state(valid, now)
        if not state:
            self.lock_for_update()  # raises Odoo's LockError: another frame holds the box
            state = self._reader_frame_state(valid, now)
        return self._push_reads(valid, state, now)

    @api.private
    def _push_reads(self, valid, state, now):
        """Record the reads ``valid`` of this box (locked, its frame's ``state``) and push
        the fresh ones to its till's channel; the event records created."""
        self.ensure_one()
        Event = self.env["membership.reader.event"]
        known = set(state["known"] or ())
        if known:
            _logger.info("card reader %s: %s duplicate event(s) dropped", self.id, len(known))
        fresh = [item for item in valid if item["event_id"] not in known]
        if not fresh:
            return Event
        companies = self.env["res.company"].browse(
            int(company_id) for company_id in state["parent_path"].split("/") if company_id
        )
        budget = max(0, READ_RATE_MAX - state["recent"])
        vals_list, read_ids = [], []
        for item in fresh:
            age = (now - item["read_at"]).total_seconds()
            if age < -READ_MAX_AHEAD:
                status, card_id, partner_id = "future", False, False
            elif age > READ_MAX_AGE:
                status, card_id, partner_id = "stale", False, False
            elif budget <= 0:
                status, card_id, partner_id = "rate_limited", False, False
            else:
                budget -= 1
                status, card_id, partner_id = self._frame_card(item, state["cards"], companies)
            item.pop("aliases")
            item["code"] = self._loggable_code(item["code"], card_id, companies)
            read_id = secrets.token_urlsafe(24)  # the till turns it into a lookup, once
            read_ids.append(read_id)
            vals_list.append(
                {
                    **item,
                    "device_id": self.id,
                    "company_id": state["company_id"],
                    "status": status,
                    "card_ref": card_id,
                    "partner_id": partner_id,
                    "read_token_hash": _digest(read_id),
                }
            )
        limited = [vals for vals in vals_list if vals["status"] == "rate_limited"]
        if limited:
            _logger.warning("card reader %s: %s read(s) over the rate limit", self.id, len(limited))
        channel = state["channel"]
        messages = [
            Event._pos_payload(vals, read_id, state["name"])
            for vals, read_id in zip(vals_list, read_ids, strict=True)
            if channel and vals["status"] not in ("rate_limited", "stale", "future")
        ]
        created = self._insert_reads(vals_list, channel, messages)
        last_seen = state["last_seen"]
        if not last_seen or fields.Datetime.now() - last_seen > LAST_SEEN_GRANULARITY:
            self.last_seen = fields.Datetime.now()
        return created

    @api.private
    def _insert_reads(self, vals_list, channel, messages):
        """Write the reads ``vals_list`` and the bus rows of the ``messages`` pushed to
        ``channel`` in one statement; the event records created.

        A read's log row and its notification are all its transaction writes: one round
        trip instead of the ORM's three (the transaction's date, the reads, the bus row at
        the commit). The columns written are those ``create`` writes (the log access
        fields included); the bus rows are ``bus_notify``'s."""
        Event = self.env["membership.reader.event"]
        columns = [
            "device_id", "company_id", "event_id", "code", "reader", "read_at", "status",
            "card_ref", "partner_id", "read_token_hash",
        ]  # fmt: skip
        rows = SQL(", ").join(
            SQL(
                "(%s, %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC')",
                SQL(", ").join(SQL("%s", vals[column] or None) for column in columns),
                self.env.uid,
                self.env.uid,
            )
            for vals in vals_list
        )
        bus_rows = [bus_notify.bus_row(self.env, channel, NOTIFICATION, m) for m in messages]
        bus = SQL()
        if bus_rows:
            bus = SQL(
                """, bus AS (
                       INSERT INTO bus_bus (channel, message, create_uid, create_date,
                                            write_uid, write_date)
                       VALUES %s RETURNING id)""",
                SQL(", ").join(
                    SQL(
                        "(%s, %s, %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC')",
                        target,
                        message,
                        self.env.uid,
                        self.env.uid,
                    )
                    for target, message in bus_rows
                ),
            )
            bus_notify.notify_after_commit(self.env, channel)
        Event.flush_model()
        ids = self.env.execute_query(
            SQL(
                """WITH events AS (
                       INSERT INTO membership_reader_event (%s, create_uid, create_date,
                                                            write_uid, write_date)
                       VALUES %s RETURNING id)%s
                   SELECT id FROM events ORDER BY id""",
                SQL(", ").join(SQL.identifier(column) for column in columns),
                rows,
                bus,
            )
        )
        return Event.browse(row[0] for row in ids)

    @api.private
    def _reader_frame_state(self, valid, now, token_hash=None):
        """What checking a frame of reads ``valid`` needs, in one query, the box's row
        locked (FOR UPDATE, as ``lock_for_update``): the box (this one, or the paired,
        active one whose token digest is ``token_hash``), which of the reads it sent
        before, its reads counted by the rate limit, the companies its cards may belong
        to (its company's parent_path), the reader channel of its till's open session and
        the cards the reads' codes name (see ``_frame_card``). None when no box matches or
        its row is locked by another frame.

        The frame's transaction commits without waiting for the disk (in the same round
        trip): a read is pushed to the till as soon as it commits, and a read lost to a
        database crash only makes the cashier tap again."""
        if token_hash is None:
            self.ensure_one()
            device = SQL("d.id = %s", self.id)
        else:
            device = SQL("d.token_hash = %s AND d.state = 'paired' AND d.active", token_hash)
        codes = {
            code
            for item in valid
            if not card_codes.is_swipe(item["code"])
            for code in (item["code"], *(alias.strip() for alias in item["aliases"]))
        }
        uids = {normalise_uid(code) for code in codes} - {False}
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            SQL(
                """SET LOCAL synchronous_commit TO OFF;
                   SELECT d.id AS device_id, d.name, d.company_id, d.last_seen,
                          ARRAY(SELECT e.event_id FROM membership_reader_event e
                                 WHERE e.device_id = d.id AND e.event_id = ANY(%(events)s)
                               ) AS known,
                          (SELECT count(*) FROM membership_reader_event e
                            WHERE e.device_id = d.id AND e.status != 'rate_limited'
                              AND e.create_date > %(since)s) AS recent,
                          company.parent_path,
                          (SELECT s.membership_reader_channel FROM pos_session s
                            WHERE s.config_id = d.pos_config_id AND s.state IN %(open)s
                              AND s.membership_reader_channel IS NOT NULL
                              AND s.membership_reader_channel != ''
                         ORDER BY s.id DESC LIMIT 1) AS channel,
                          -- the active cards of the box's companies a code names, newest
                          -- first (the cards model's order)
                          (SELECT json_agg(json_build_object(
                                      'id', c.id, 'number', c.number, 'chip_uid', c.chip_uid,
                                      'state', c.state, 'partner_id', c.partner_id
                                  ) ORDER BY c.id DESC)
                             FROM membership_card c
                            WHERE (c.number = ANY(%(codes)s) OR c.chip_uid = ANY(%(uids)s))
                              AND c.active
                              AND c.company_id = ANY(string_to_array(
                                      rtrim(company.parent_path, '/'), '/')::int[])
                          ) AS cards
                     FROM membership_reader_device d
                     JOIN res_company company ON company.id = d.company_id
                    WHERE %(device)s
                      FOR UPDATE OF d SKIP LOCKED""",
                events=[item["event_id"] for item in valid],
                since=now - timedelta(seconds=READ_RATE_WINDOW),
                open=OPEN_STATES,
                codes=sorted(codes),
                uids=sorted(uids),
                device=device,
            )
        )
        return rows[0] if rows else None

    @api.private
    def _frame_card(self, item, cards, companies):
        """(status, card id, partner id) of the read ``item`` (code and aliases) from the
        frame's ``cards`` (``_reader_frame_state``): what ``_check_card`` finds, without
        another query. A swipe is read with the card types' layouts by ``_check_card``."""
        if card_codes.is_swipe(item["code"]):
            status, card_id, partner = self._check_card(item["code"], item["aliases"], companies)
            return status, card_id, partner.id
        for code in (item["code"], *(alias.strip() for alias in item["aliases"])):
            uid = normalise_uid(code)
            found = [
                card
                for card in cards or ()
                if card["number"] == code or (uid and card["chip_uid"] == uid)
            ]
            if found:
                # A live card first when a returned card carried the same code.
                card = next((c for c in found if c["state"] in LIVE_STATES), found[0])
                return self._card_status(card["state"]), card["id"], card["partner_id"] or False
        return "unknown", False, False

    @api.model
    @api.private
    def _card_status(self, state):
        """The status of a read of a card in ``state``."""
        if state == "active":
            return "ok"
        if state in ("lost", "blocked"):
            return state
        return "inactive"

    @api.private
    def _card_reader_cards(self, companies=None):
        """The cards model as this box reads them: its company's cards and card types (the
        stripe layouts) and those of the companies above it."""
        if companies is None:
            companies = self.company_id | self.company_id.parent_ids
        # sudo: the box is no Odoo user; a card is looked up only to tell the till its state.
        return self.env["membership.card"].sudo().with_context(allowed_company_ids=companies.ids)

    @api.private
    def _loggable_code(self, code, card_id, companies=None):
        """What the read log keeps of a code: a swipe's tracks may hold a bank card's name
        and data, so a swipe is kept as the number a card type read from it (or why none
        did), never as its tracks."""
        Card = self._card_reader_cards(companies)
        if not card_codes.is_swipe(code):
            return code
        if card_id:
            return Card.browse(card_id).number
        return Card._membership_code_label(code) or Card._membership_swipe_refusal(code)

    @api.private
    def _check_card(self, code, aliases=(), companies=None):
        """(status, card id, partner) of a code read by this box.

        ``aliases`` are the other printed forms of a chip/125 kHz UID (reversed bytes,
        decimal, Wiegand-26) the box computed: tried in order when the code itself is unknown.
        ``companies``: this box's company and those above it, when the caller has them.
        """
        no_partner = self.env["res.partner"]
        if companies is None:
            companies = self.company_id | self.company_id.parent_ids
        Card = self._card_reader_cards(companies)
        card = Card._find_by_code(code, typed=False)
        for alias in aliases:
            if card:
                break
            card = Card._find_by_code(alias, typed=False)
        if not card or (card.company_id and card.company_id not in companies):
            return "unknown", False, no_partner
        card.ensure_one()
        return self._card_status(card.state), card.id, card.partner_id
