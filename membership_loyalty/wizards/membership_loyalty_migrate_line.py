from odoo import fields, models


class MembershipLoyaltyMigrateLine(models.TransientModel):
    """What the migration did with one card of Odoo's loyalty: the report's line."""

    _name = "membership.loyalty.migrate.line"
    _description = "Loyalty Migration Line"
    _order = "partner_id, id"

    migrate_id = fields.Many2one("membership.loyalty.migrate", ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", string="Member")
    program_id = fields.Many2one("loyalty.program", string="Old Program")
    old_code = fields.Char()
    points = fields.Float(digits=(16, 2))
    currency_id = fields.Many2one("res.currency")
    wallet = fields.Monetary()
    card_number = fields.Char(string="Membership Card")
    kept_as = fields.Selection(
        [
            ("number", "Card number"),
            ("alias", "Chip alias"),
            ("new", "New number"),
            ("existing", "Card held already"),
        ],
        string="Old Code Kept As",
    )
    status = fields.Selection(
        [("moved", "Moved"), ("already", "Moved before"), ("preview", "To move")]
    )
