import logging

from odoo import models

from odoo.addons.bus.websocket import CloseCode, wsrequest

_logger = logging.getLogger(__name__)

READS_EVENT = "membership_reader_reads"
HELLO_EVENT = "membership_reader_hello"


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _serve_ir_websocket(self, event_name, data):
        """Card reader boxes send their reads over Odoo's own /websocket.

        Each frame carries the box's device token; a refused token closes the connection
        with 1008 and is logged (never the token). The box gets nothing back.
        """
        super()._serve_ir_websocket(event_name, data)
        if event_name not in (READS_EVENT, HELLO_EVENT):
            return
        token = data.get("token") if isinstance(data, dict) else None
        device = self.env["membership.reader.device"]._authenticate_token(token)
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
            return
        events = data.get("events")
        device._receive_reads(events if isinstance(events, list) else [])
