from odoo import fields, models


class MembershipImportIssue(models.TransientModel):
    """One error of one row, as the dry run of an import or a migration lists it."""

    _name = "membership.import.issue"
    _description = "Member Import Error"
    _order = "line, id"

    wizard_id = fields.Many2one("membership.import.wizard", ondelete="cascade", index=True)
    migrate_id = fields.Many2one("membership.loyalty.migrate", ondelete="cascade", index=True)
    line = fields.Integer(help="Line of the file (or id of the loyalty card).")
    ref = fields.Char(string="Reference")
    column = fields.Char()
    value = fields.Char()
    message = fields.Char(string="Error")
