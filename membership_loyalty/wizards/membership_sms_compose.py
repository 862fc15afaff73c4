import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError


class MembershipSmsCompose(models.TransientModel):
    """One SMS to one member, from the member's form: it goes through the member outbox
    and its gateway like every member SMS (opt-out refused, quiet hours hold it)."""

    _name = "membership.sms.compose"
    _description = "Send an SMS to a member"

    partner_id = fields.Many2one("res.partner", string="Member", required=True, readonly=True)
    number = fields.Char(compute="_compute_reach", string="Number (E.164)")
    opted_out = fields.Boolean(compute="_compute_reach", string="Opted Out")
    template_id = fields.Many2one(
        "sms.template", string="Template", domain=[("model", "=", "res.partner")]
    )
    body = fields.Text(compute="_compute_body", store=True, readonly=False, required=True)
    # One click, one SMS: a second click on the same wizard finds the same key.
    key = fields.Char(default=lambda self: uuid.uuid4().hex, readonly=True)

    @api.depends("partner_id")
    def _compute_reach(self):
        # sudo: opt-outs are checked whatever the sender's rights on the blacklist
        Blacklist = self.env["phone.blacklist"].sudo()
        for wizard in self:
            number = wizard.partner_id.phone_sanitized
            wizard.number = number
            wizard.opted_out = bool(number) and bool(
                Blacklist.search_count([("number", "=", number)], limit=1)
            )

    @api.depends("template_id")
    def _compute_body(self):
        for wizard in self:
            if wizard.template_id:
                wizard.body = wizard.template_id.body

    def action_send(self):
        self.ensure_one()
        partner = self.partner_id
        if not (self.body or "").strip():
            raise UserError(self.env._("Write the message first."))
        if not self.number:
            raise UserError(
                self.env._(
                    "%(name)s has no valid mobile number (%(phone)s): correct it first.",
                    name=partner.name,
                    phone=partner.phone or "-",
                )
            )
        if self.opted_out:
            raise UserError(self.env._("%s opted out of SMS: nothing is sent.", partner.name))
        sms = self.env["membership.sms"]._membership_queue(
            partner,
            "manual",
            template=self.template_id,
            body=self.body,
            keys={partner.id: f"manual:{self.key}:{partner.id}"},
        )
        if sms.state == "held":
            message = self.env._(
                "Quiet hours: the SMS waits in the outbox until %s.",
                fields.Datetime.to_string(
                    fields.Datetime.context_timestamp(self, sms.next_attempt_at)
                )[:16],
            )
        else:
            message = self.env._("The SMS is in the outbox and goes out in a few minutes.")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("SMS to %s", partner.name),
                "message": message,
                "type": "success" if sms.state == "queued" else "warning",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
