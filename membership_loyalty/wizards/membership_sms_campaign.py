import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.safe_eval import safe_eval


class MembershipSmsCampaign(models.TransientModel):
    _name = "membership.sms.campaign"
    _description = "Send an SMS campaign to members"

    name = fields.Char(string="Campaign", required=True)
    domain = fields.Char(string="Recipients", required=True, default="[('is_member', '=', True)]")
    template_id = fields.Many2one(
        "sms.template", string="Template", domain=[("model", "=", "res.partner")]
    )
    body = fields.Text(compute="_compute_body", store=True, readonly=False, required=True)
    campaign_key = fields.Char(default=lambda self: uuid.uuid4().hex, readonly=True)
    scheduled_at = fields.Datetime(
        string="Send At",
        help="Leave empty to send now. The SMS wait in the outbox until then (quiet hours "
        "still apply at that time); the text is written with the members' figures of today.",
    )
    recipient_count = fields.Integer(compute="_compute_counts", string="Matching Members")
    valid_count = fields.Integer(compute="_compute_counts", string="Will Receive")
    blacklisted_count = fields.Integer(compute="_compute_counts", string="Opted Out")
    invalid_count = fields.Integer(compute="_compute_counts", string="Without Valid Number")
    preview_partner_id = fields.Many2one(
        "res.partner", compute="_compute_preview", string="Preview For"
    )
    preview_body = fields.Text(compute="_compute_preview", string="Preview")

    @api.depends("template_id")
    def _compute_body(self):
        for wizard in self:
            if wizard.template_id:
                wizard.body = wizard.template_id.body

    def _partner_domain(self):
        self.ensure_one()
        try:
            domain = safe_eval(self.domain or "[]")
        except Exception as error:
            raise UserError(self.env._("The recipient filter is not valid: %s", error)) from error
        return list(domain)

    def _sendable_domain(self):
        return [
            *self._partner_domain(),
            ("phone_sanitized", "!=", False),
            ("phone_sanitized_blacklisted", "=", False),
        ]

    @api.depends("domain")
    def _compute_counts(self):
        Partner = self.env["res.partner"]
        for wizard in self:
            domain = wizard._partner_domain()
            wizard.recipient_count = Partner.search_count(domain)
            wizard.invalid_count = Partner.search_count([*domain, ("phone_sanitized", "=", False)])
            wizard.blacklisted_count = Partner.search_count(
                [
                    *domain,
                    ("phone_sanitized", "!=", False),
                    ("phone_sanitized_blacklisted", "=", True),
                ]
            )
            wizard.valid_count = (
                wizard.recipient_count - wizard.invalid_count - wizard.blacklisted_count
            )

    @api.depends("domain", "body")
    def _compute_preview(self):
        for wizard in self:
            partner = self.env["res.partner"].search(wizard._sendable_domain(), limit=1)
            wizard.preview_partner_id = partner
            wizard.preview_body = (
                self.env["membership.sms"]._membership_render(partner, body=wizard.body)[partner.id]
                if partner and wizard.body
                else False
            )

    def action_send(self):
        self.ensure_one()
        if not self.body:
            raise UserError(self.env._("Write the message first."))
        if self.scheduled_at and self.scheduled_at <= fields.Datetime.now():
            raise UserError(
                self.env._("Send At is in the past: pick a later time or leave it empty.")
            )
        partners = self.env["res.partner"].search(self._sendable_domain())
        if not partners:
            raise UserError(self.env._("No member with a valid number matches this filter."))
        keys = {p.id: f"campaign:{self.campaign_key}:{p.id}" for p in partners}
        self.env["membership.sms"]._membership_queue(
            partners,
            "campaign",
            template=self.template_id,
            body=self.body,
            keys=keys,
            campaign_name=self.name,
            send_at=self.scheduled_at or None,
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "membership_loyalty.membership_sms_action"
        )
        action["domain"] = [("campaign_name", "=", self.name)]
        action["context"] = {}
        return action
