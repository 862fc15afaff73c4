"""A real HTTP server on 127.0.0.1 standing in for the SMS gateway (the far edge)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from odoo.tests import TransactionCase
from odoo.tests.common import _super_send


class GatewayDouble(ThreadingHTTPServer):
    """Answers each request with the next scripted reply and records what it received.

    A reply is ``(status, body)``, or ``("sleep", seconds)`` to answer only after the
    client's timeout. When the script is used up it answers ``200 OK``; with ``credit``
    set, it charges one unit per SMS and reports what is left (``OK credit=41.00``), as
    prepaid providers do.
    """

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.script = []
        self.received = []
        self.credit = None
        self.lock = threading.Lock()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/send"

    def next_reply(self):
        with self.lock:
            if self.script:
                return self.script.pop(0)
            if self.credit is None:
                return (200, "OK")
            self.credit -= 1
            return (200, f"OK credit={self.credit:.2f}")


class GatewayHandler(BaseHTTPRequestHandler):
    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        query = dict(parse_qsl(urlsplit(self.path).query))
        if self.headers.get("Content-Type", "").startswith("application/json"):
            params = json.loads(raw)
        else:
            params = {**query, **dict(parse_qsl(raw))}
        self.server.received.append(
            {"method": self.command, "params": params, "headers": dict(self.headers)}
        )
        status, body = self.server.next_reply()
        if status == "sleep":
            time.sleep(body)
            status, body = 200, "OK late"
        payload = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout test)

    do_GET = _handle
    do_POST = _handle

    def log_message(self, format, *args):
        pass


class SmsCase(TransactionCase):
    """Members with numbers, a company gateway pointing at the local double."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Odoo's test framework raises every timeout under 10 s to 10 s; the gateway double
        # on loopback keeps the gateway's own timeout so the timeout test stays short.
        if urlsplit(r.url).hostname == "127.0.0.1":
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = GatewayDouble()
        cls.server_thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.server_thread.start()
        cls.addClassCleanup(cls.server_thread.join, 5)
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)

        cls.company = cls.env.company
        cls.company.write(
            {
                "membership_sms_quiet_start": 0.0,
                "membership_sms_quiet_end": 0.0,  # no quiet hours unless a test sets them
                "country_id": cls.env.ref("base.be").id,
            }
        )
        cls.company.partner_id.tz = "Europe/Brussels"
        # The local double is on loopback: the switch for gateways on internal addresses.
        cls.env["ir.config_parameter"].set_param(
            "membership_loyalty.sms_gateway_allow_private", "1"
        )
        # Only our gateway sends in these tests.
        cls.env["membership.sms.gateway"].search([]).active = False
        cls.gateway = cls.env["membership.sms.gateway"].create(
            {
                "name": "Local gateway",
                "url": cls.server.url,
                "http_method": "POST",
                "parameter_template": "to={number}&text={body}&ref={key}",
                "auth_header": "Authorization: Bearer s3cret",
                "success_pattern": r"^OK\b",
                "timeout": 2.0,
                "max_attempts": 3,
                "retry_delay": 60,
            }
        )
        cls.Sms = cls.env["membership.sms"]
        cls.belgium = cls.env.ref("base.be")

    def setUp(self):
        super().setUp()
        self.server.script.clear()
        self.server.received.clear()
        self.server.credit = None

    def make_member(self, name="Ann Lee", phone="+32 470 12 34 56", context=None, **vals):
        return (
            self.env["res.partner"]
            .with_context(**(context or {}))
            .create(
                {
                    "name": name,
                    "phone": phone,
                    "country_id": self.belgium.id,
                    "is_member": True,
                    **vals,
                }
            )
        )
