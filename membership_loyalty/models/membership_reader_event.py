from datetime import UTC, datetime, timedelta

from odoo import api, fields, models

# Card reads are an operational log, not member history: kept this many days.
RETENTION_DAYS = 90

STATUSES = [
    ("ok", "Member card"),
    ("unknown", "Unknown card"),
    ("lost", "Lost card"),
    ("blocked", "Blocked card"),
    ("inactive", "Card not active"),
    ("rate_limited", "Over the rate limit"),
    ("stale", "Too old"),
    ("future", "Dated in the future"),
]


class MembershipReaderEvent(models.Model):
    """One card read a box sent: keeps event ids unique per box (duplicates are dropped)."""

    _name = "membership.reader.event"
    _description = "Card read from a reader box"
    _order = "id desc"
    _log_access = True

    device_id = fields.Many2one(
        "membership.reader.device", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="device_id.company_id", store=True, index=True)
    event_id = fields.Char(required=True, readonly=True)
    code = fields.Char(
        readonly=True,
        help="The code as the reader gave it; for a magnetic-stripe swipe, the number read "
        "from it (or why none was), never its tracks",
    )
    reader = fields.Char(readonly=True, help="The reader on the box (PC/SC name or serial port)")
    read_at = fields.Datetime(required=True, readonly=True)
    status = fields.Selection(STATUSES, required=True, readonly=True)
    card_ref = fields.Integer("Card ID", readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Member", readonly=True, index="btree_not_null"
    )
    # Digest of the one-time id pushed to the till with the read; cleared once looked up.
    read_token_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")

    _device_event_unique = models.Constraint(
        "UNIQUE(device_id, event_id)", "A reader box sent the same event twice."
    )
    _device_date_idx = models.Index("(device_id, create_date)")

    @api.autovacuum
    def _gc_old_reads(self):
        limit = fields.Datetime.now() - timedelta(days=RETENTION_DAYS)
        self.search([("create_date", "<", limit)]).unlink()

    @api.model
    @api.private
    def _parse_box_event(self, event):
        """The values of one event as the box sends it, or None when malformed."""
        if not isinstance(event, dict):
            return None
        event_id, code = event.get("id"), event.get("code")
        reader, stamp = event.get("reader", ""), event.get("at")
        if not (isinstance(event_id, str) and 8 <= len(event_id) <= 64):
            return None
        # A swipe of three tracks is up to 256 characters (the box relays the tracks).
        if not (isinstance(code, str) and 0 < len(code.strip()) <= 256):
            return None
        if not isinstance(reader, str) or not isinstance(stamp, int | float):
            return None
        aliases = event.get("aliases") or []
        if not isinstance(aliases, list) or not all(
            isinstance(alias, str) and 0 < len(alias) <= 128 for alias in aliases
        ):
            return None
        try:
            read_at = datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None, microsecond=0)
        except (OverflowError, OSError, ValueError):
            return None
        return {
            "event_id": event_id,
            "code": code.strip(),
            "reader": reader[:128],
            "read_at": read_at,
            "aliases": aliases[:8],
        }

    @api.model
    @api.private
    def _pos_payload(self, values, read_id, device_name):
        """What the till receives of a read (``values``: the read's values as created, of
        the box named ``device_name``): its state and its one-time ``read_id`` (the till asks
        the server for the member with it); neither the code nor the member travel."""
        return {
            "event_id": values["event_id"],
            "read_id": read_id,
            "device_id": values["device_id"],
            "device": device_name,
            "status": values["status"],
            "read_at": fields.Datetime.to_string(values["read_at"]),
        }
