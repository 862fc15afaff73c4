from odoo import fields, models
from odoo.exceptions import AccessError, UserError

MANAGER_GROUP = "membership_loyalty.membership_loyalty_group_manager"


class MembershipTierChangeWizard(models.TransientModel):
    """Manager: move a member to another tier by hand, with a reason kept in the history."""

    _name = "membership.tier.change.wizard"
    _description = "Change a Member's Tier"

    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, domain=[("is_member", "=", True)]
    )
    current_tier_id = fields.Many2one(related="partner_id.member_tier_id", string="Current Tier")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    tier_id = fields.Many2one(
        "membership.tier",
        string="New Tier",
        required=True,
        domain="[('company_id', 'in', (company_id, False))]",
    )
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only Membership Managers may change a tier by hand."))
        if not (self.reason or "").strip():
            raise UserError(self.env._("Reason: say why the tier changes."))
        partner = self.partner_id
        if not partner.is_member:
            raise UserError(self.env._("%s is not a member.", partner.display_name))
        company = partner.company_id or self.env.company
        if self.tier_id.company_id and self.tier_id.company_id != company:
            raise UserError(self.env._("Tier %s belongs to another company.", self.tier_id.name))
        if self.tier_id == partner.member_tier_id:
            raise UserError(
                self.env._(
                    "%(member)s is already %(tier)s.",
                    member=partner.display_name,
                    tier=self.tier_id.name,
                )
            )
        self.env["membership.tier"]._membership_set_tier(
            partner, self.tier_id, "manual", note=self.reason.strip()
        )
        return {"type": "ir.actions.act_window_close"}
