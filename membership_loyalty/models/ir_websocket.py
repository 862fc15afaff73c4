import logging

from odoo import models

from odoo.addons.bus.websocket import CloseCode, wsrequest

from .pos_session_reader import READER_CHANNEL_PREFIX

_logger = logging.getLogger(__name__)

READS_EVENT = "membership_reader_reads"
HELLO_EVENT = "membership_reader_hello"


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        """A till's card reader channel is subscribed to only by the user of its open
        session: any other asked-for reader channel is dropped (anonymous, portal, another
        till, another company), whoever learnt its name."""
        readers = [
            c for c in channels if isinstance(c, str) and c.startswith(READER_CHANNEL_PREFIX)
        ]
        if readers:
            channels = [c for c in channels if c not in readers]
            channels += self.env["pos.session"]._membership_reader_channels_of_user(readers)
        return super()._build_bus_channel_list(channels)

    def _serve_ir_websocket(self, event_name, data):
        """Card reader boxes send their reads over Odoo's own /websocket.

        Each frame carries the box's device token; a refused token closes the connection
        with 1008 and is logged (never the token). The box gets nothing back.
        """
        super()._serve_ir_websocket(event_name, data)
        if event_name not in (READS_EVENT, HELLO_EVENT):
            return
        token = data.get("token") if isinstance(data, dict) else None
        Device = self.env["membership.reader.device"]
        if event_name == READS_EVENT:
            events = data.get("events") if isinstance(data, dict) else None
            device = Device._receive_frame(token, events if isinstance(events, list) else [])[0]
        else:
            device = Device._authenticate_token(token)
        if not device:
            _logger.warning(
                "card reader websocket from %s refused: unknown or revoked device token",
                wsrequest.httprequest.remote_addr if wsrequest else "?",
            )
            if wsrequest:
                wsrequest.ws.close(CloseCode.MESSAGE_VIOLATING_POLICY, "device token refused")
            return
        if event_name == HELLO_EVENT:
            device._touch()
