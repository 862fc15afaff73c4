from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.safe_eval import safe_eval


class MembershipSegment(models.Model):
    """A saved group of members: a domain on contacts, always restricted to members."""

    _name = "membership.segment"
    _description = "Member Segment"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    company_id = fields.Many2one("res.company", index=True)
    domain = fields.Char(
        string="Members Matching",
        required=True,
        default="[]",
        help="Filter on contacts; only members are ever counted.",
    )
    is_predefined = fields.Boolean(string="Predefined", readonly=True)
    member_count = fields.Integer(string="Members", compute="_compute_member_count")

    @api.depends("domain")
    def _compute_member_count(self):
        for segment in self:
            segment.member_count = self.env["res.partner"].search_count(segment._member_domain())

    @api.constrains("domain")
    def _check_domain(self):
        for segment in self:
            segment._member_domain()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_predefined(self):
        if any(segment.is_predefined for segment in self):
            raise UserError(self.env._("Predefined segments cannot be deleted: archive them."))

    @api.private
    def _member_domain(self):
        self.ensure_one()
        try:
            domain = safe_eval(self.domain or "[]")
            self.env["res.partner"]._search(domain)
        except Exception as error:
            raise ValidationError(
                self.env._(
                    "The filter of segment %(name)s is not valid: %(error)s",
                    name=self.name,
                    error=error,
                )
            ) from error
        members = [("is_member", "=", True)]
        if self.company_id:
            members.append(("company_id", "in", (self.company_id.id, False)))
        # Complete prefix expressions side by side are ANDed.
        return [*members, *domain]

    def _members(self):
        self.ensure_one()
        return self.env["res.partner"].search(self._member_domain())

    def action_open_members(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "membership_loyalty.membership_member_action"
        )
        action["name"] = self.name
        action["domain"] = self._member_domain()
        action["view_mode"] = "list,kanban,form"
        action["views"] = [(False, "list"), (False, "kanban"), (False, "form")]
        return action

    def action_sms_campaign(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("SMS to %s", self.name),
            "res_model": "membership.sms.campaign",
            "view_mode": "form",
            "target": "new",
            "context": {"default_name": self.name, "default_domain": repr(self._member_domain())},
        }
