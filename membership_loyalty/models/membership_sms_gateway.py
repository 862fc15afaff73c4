import ipaddress
import json
import logging
import re
import socket
from urllib.parse import parse_qsl, urlsplit

import requests

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools.input_checks import check_bounds

_logger = logging.getLogger(__name__)

PLACEHOLDER = re.compile(r"\{(number|body|key|sender)\}")
# Odoo's SMS API (IAP, or Twilio when sms_twilio is installed) answers per number.
ODOO_SENT_STATES = {"success", "processing", "sent", "delivered"}
ODOO_RETRY_STATES = {"server_error"}
# Read from the reply to match the success pattern.
REPLY_READ = 2000
# System parameter: when set, a gateway may be on loopback, link-local or private addresses
# (a gateway in the shop's own network; the tests' local gateway).
ALLOW_PRIVATE_PARAM = "membership_loyalty.sms_gateway_allow_private"


def _is_internal(address):
    """Whether ``address`` (an IP address text) is one no member gateway lives on."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_unspecified
        or ip.is_multicast
        or ip.is_reserved
    )


class MembershipSmsGateway(models.Model):
    _name = "membership.sms.gateway"
    _description = "Member SMS Gateway"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10, help="The first active gateway of a company sends.")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    provider = fields.Selection(
        [
            ("http", "Generic HTTP gateway"),
            ("odoo", "Odoo SMS (IAP, or Twilio with sms_twilio)"),
        ],
        required=True,
        default="http",
    )
    url = fields.Char(string="URL", help="Endpoint of the regional SMS gateway.")
    http_method = fields.Selection(
        [("GET", "GET"), ("POST", "POST")], string="Method", default="POST", required=True
    )
    payload_format = fields.Selection(
        [("form", "Form / query string"), ("json", "JSON")], default="form", required=True
    )
    parameter_template = fields.Text(
        default="to={number}&text={body}&ref={key}",
        help="Parameters sent to the gateway. Form: a query string such as "
        "to={number}&text={body}; JSON: an object such as "
        '{"to": "{number}", "text": "{body}"}. Placeholders: {number} (E.164), {body}, '
        "{key} (the SMS's idempotency key, for gateways that drop duplicates), {sender}.",
    )
    sender = fields.Char(help="Sender name or number, for {sender}.")
    auth_header = fields.Char(
        string="Authentication Header",
        groups="base.group_system",
        help="A full header line, e.g. 'Authorization: Bearer <token>'.",
    )
    success_pattern = fields.Char(
        default=r"^\s*(OK|ACCEPTED|SENT)\b",
        required=True,
        help="Regular expression the reply body must match for the SMS to count as sent. "
        "Any other reply is retried.",
    )
    credit_pattern = fields.Char(
        help="Regular expression reading the remaining credit from the provider's reply: "
        "its first group, e.g. credit=([0-9.]+). Leave empty when the provider does not "
        "report it.",
    )
    credit_balance = fields.Float(
        string="Credit Left",
        readonly=True,
        help="The remaining credit the provider reported with the last SMS sent.",
    )
    credit_date = fields.Datetime(string="Credit Reported On", readonly=True)
    timeout = fields.Float(string="Timeout (s)", default=10.0, required=True)
    max_attempts = fields.Integer(default=5, required=True)
    retry_delay = fields.Integer(
        string="First Retry After (s)",
        default=60,
        required=True,
        help="Each later retry waits twice as long (at most 6 hours).",
    )
    sms_count = fields.Integer(compute="_compute_sms_count", string="SMS")

    _timeout_positive = models.Constraint(
        "CHECK (timeout > 0 AND timeout <= 120)", "The timeout must be between 0 and 120 seconds."
    )
    _max_attempts_positive = models.Constraint(
        "CHECK (max_attempts >= 1)", "A gateway needs at least one attempt."
    )
    _retry_delay_positive = models.Constraint(
        "CHECK (retry_delay >= 1)", "The retry delay must be at least one second."
    )

    @api.constrains("max_attempts", "retry_delay")
    def _check_membership_bounds(self):
        check_bounds(self, {"max_attempts": (1, 50), "retry_delay": (1, 86400)})

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("url") for vals in vals_list):
            self._membership_check_url_rights()
        return super().create(vals_list)

    def write(self, vals):
        if "url" in vals and any(gateway.url != vals["url"] for gateway in self):
            self._membership_check_url_rights()
        return super().write(vals)

    def _compute_sms_count(self):
        counts = dict(
            self.env["membership.sms"]._read_group(
                [("gateway_id", "in", self.ids)], ["gateway_id"], ["__count"]
            )
        )
        for gateway in self:
            gateway.sms_count = counts.get(gateway, 0)

    @api.constrains("credit_pattern")
    def _check_credit_pattern(self):
        for gateway in self.filtered("credit_pattern"):
            try:
                groups = re.compile(gateway.credit_pattern).groups
            except re.error as error:
                raise ValidationError(
                    self.env._("The credit pattern is not a valid regular expression: %s", error)
                ) from error
            if groups < 1:
                raise ValidationError(
                    self.env._("The credit pattern needs a group around the amount: (...).")
                )

    @api.constrains("provider", "url", "success_pattern", "parameter_template", "payload_format")
    def _check_http_settings(self):
        for gateway in self.filtered(lambda g: g.provider == "http"):
            if not gateway.url or not gateway.url.startswith(("http://", "https://")):
                raise ValidationError(self.env._("Gateway %s needs an http(s) URL.", gateway.name))
            # Best effort at save (a name that does not resolve yet is checked at send time).
            refusal = gateway._membership_url_refusal(unresolved_ok=True)
            if refusal:
                raise ValidationError(refusal)
            try:
                re.compile(gateway.success_pattern or "")
            except re.error as error:
                raise ValidationError(
                    self.env._("The success pattern is not a valid regular expression: %s", error)
                ) from error
            if gateway.payload_format == "json":
                try:
                    json.loads(gateway.parameter_template or "{}")
                except ValueError as error:
                    raise ValidationError(
                        self.env._("The JSON parameter template is not valid JSON: %s", error)
                    ) from error

    @api.model
    @api.private
    def _membership_check_url_rights(self):
        """Only Settings administrators point a gateway somewhere: the server fetches it."""
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(
                self.env._("Only Settings administrators can set an SMS gateway's URL.")
            )

    @api.private
    def _membership_url_refusal(self, unresolved_ok=False):
        """Why the server must not connect to this gateway's URL (empty when it may): its
        host resolves to a loopback, link-local, private, unspecified or multicast address,
        unless the system parameter ALLOW_PRIVATE_PARAM allows them."""
        self.ensure_one()
        # sudo: system parameters are read by the system; the switch is set by admins only.
        if self.env["ir.config_parameter"].sudo().get_param(ALLOW_PRIVATE_PARAM):
            return ""
        try:
            parts = urlsplit(self.url or "")
            host, port = parts.hostname, parts.port
        except ValueError:
            return self.env._("The gateway URL %s is not valid.", self.url)
        if not host:
            return self.env._("The gateway URL %s has no host.", self.url)
        try:
            infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            if unresolved_ok:
                return ""
            return self.env._("The gateway host %s cannot be resolved.", host)
        if any(_is_internal(info[4][0]) for info in infos):
            return self.env._(
                "The gateway host %s is on a loopback, link-local or private network address: "
                "refused.",
                host,
            )
        return ""

    @api.model
    def _membership_for_company(self, company):
        return self.search([("company_id", "=", company.id)], limit=1)

    def action_view_sms(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "membership_loyalty.membership_sms_action"
        )
        action["domain"] = [("gateway_id", "=", self.id)]
        return action

    # -------------------------------------------------------------- delivery

    def _membership_deliver(self, sms):
        """Hand one SMS to the provider. Returns a dict: ``status`` (sent, retry or
        failed), ``reply`` (what the provider answered) and ``reason`` when not sent."""
        self.ensure_one()
        if self.provider == "odoo":
            return self._membership_deliver_odoo(sms)
        return self._membership_deliver_http(sms)

    def _membership_http_request(self, sms):
        values = {
            "number": sms.number,
            "body": sms.body,
            "key": sms.idempotency_key,
            "sender": self.sender or "",
        }

        def fill(text):
            return PLACEHOLDER.sub(lambda m: values[m[1]], text)

        def fill_json(node):
            if isinstance(node, str):
                return fill(node)
            if isinstance(node, list):
                return [fill_json(item) for item in node]
            if isinstance(node, dict):
                return {key: fill_json(item) for key, item in node.items()}
            return node

        gateway = self.sudo()  # the auth header is readable by Settings admins only; the cron sends
        headers = {}
        if gateway.auth_header and ":" in gateway.auth_header:
            name, value = gateway.auth_header.split(":", 1)
            headers[name.strip()] = value.strip()
        kwargs = {"headers": headers}
        template = self.parameter_template or ""
        if self.payload_format == "json":
            payload = fill_json(json.loads(template or "{}"))
            if self.http_method == "GET":
                kwargs["params"] = payload
            else:
                kwargs["json"] = payload
        else:
            payload = [(k, fill(v)) for k, v in parse_qsl(template, keep_blank_values=True)]
            kwargs["params" if self.http_method == "GET" else "data"] = payload
        return kwargs

    def _membership_deliver_http(self, sms):
        kwargs = self._membership_http_request(sms)
        # Checked again right before connecting: the name may resolve elsewhere by now.
        refusal = self._membership_url_refusal()
        if refusal:
            return {"status": "failed", "failure_type": "rejected", "reason": refusal}
        try:
            response = requests.request(
                self.http_method,
                self.url,
                timeout=self.timeout,
                allow_redirects=False,  # a redirect could lead anywhere, inside included
                **kwargs,
            )
        except requests.Timeout:
            return {"status": "retry", "reason": self.env._("No reply within %s s.", self.timeout)}
        except requests.RequestException as error:
            _logger.info("SMS gateway %s: connection failed: %s", self.id, error)
            return {"status": "retry", "reason": self.env._("Connection failed.")}
        reply = (response.text or "")[:REPLY_READ]
        code = response.status_code
        if 300 <= code < 400:
            return {
                "status": "failed",
                "failure_type": "rejected",
                "reason": self.env._("The gateway redirects (HTTP %s): not followed.", code),
            }
        if code >= 500 or code in (408, 429):
            return {
                "status": "retry",
                "reply": reply,
                "reason": self.env._("Gateway error HTTP %s", code),
            }
        if code >= 400:
            return {
                "status": "failed",
                "reply": reply,
                "failure_type": "rejected",
                "reason": self.env._("Rejected by the gateway: HTTP %s", code),
            }
        if not re.search(self.success_pattern, reply):
            return {
                "status": "retry",
                "reply": reply,
                "reason": self.env._("Unexpected reply from the gateway (HTTP %s).", code),
            }
        return {"status": "sent", "reply": reply, "credit": self._membership_read_credit(reply)}

    def _membership_read_credit(self, reply):
        """The remaining credit in a provider's reply (None when it says nothing of it)."""
        self.ensure_one()
        match = self.credit_pattern and re.search(self.credit_pattern, reply or "")
        if not match or not match.group(1):
            return None
        try:
            credit = float(match.group(1).replace(",", "."))
        except ValueError:
            return None
        return credit if abs(credit) < 1e12 else None

    @api.private
    def _membership_record_credit(self, credit, when):
        """Keep the credit the provider reported (shown on the gateway and in the outbox)."""
        # sudo: managers send from the outbox without the right to edit gateways; only the
        # provider's own figure is written.
        self.sudo().write({"credit_balance": credit, "credit_date": when})

    def _membership_deliver_odoo(self, sms):
        company = sms.company_id
        api_class = company._get_sms_api_class()
        sms_api = api_class(self.env)
        sms_api._set_company(company)
        messages = [
            {"content": sms.body, "numbers": [{"number": sms.number, "uuid": sms.idempotency_key}]}
        ]
        try:
            results = sms_api._send_sms_batch(messages, delivery_reports_url=False)
        except Exception as error:
            return {"status": "retry", "reason": self.env._("Provider error: %s", error)}
        result = next(iter(results or []), {})
        state = result.get("state")
        reply = json.dumps(results, default=str)
        if state in ODOO_SENT_STATES:
            return {"status": "sent", "reply": reply}
        reason = (
            sms_api._get_sms_api_error_messages().get(state)
            or result.get("failure_reason")
            or state
            or self.env._("empty reply")
        )
        if state in ODOO_RETRY_STATES or not state:
            return {"status": "retry", "reply": reply, "reason": str(reason)}
        return {
            "status": "failed",
            "reply": reply,
            "failure_type": "rejected",
            "reason": str(reason),
        }
