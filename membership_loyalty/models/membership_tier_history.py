from odoo import fields, models


class MembershipTierHistory(models.Model):
    _name = "membership.tier.history"
    _description = "Membership Tier Change"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    from_tier_id = fields.Many2one("membership.tier", string="From")
    to_tier_id = fields.Many2one("membership.tier", string="To")
    reason = fields.Selection(
        [("upgrade", "Upgrade"), ("downgrade", "Downgrade at Review"), ("manual", "Manual")],
        required=True,
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    qualifying_value = fields.Float(
        help="Spend or points over the window when the change happened."
    )
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user)
    note = fields.Char(help="Why a manager changed the tier by hand.")
