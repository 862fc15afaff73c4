from odoo import http
from odoo.http import request


class MembershipReaderController(http.Controller):
    @http.route(
        "/membership/reader/pair",
        type="jsonrpc",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def pair(self, code=None):
        """A reader box trades the one-time pairing code for its device token."""
        # sudo: the box is not an Odoo user; the one-time code is its only credential.
        devices = request.env["membership.reader.device"].sudo()
        return devices._exchange_pairing_code(code, request.httprequest.remote_addr)
