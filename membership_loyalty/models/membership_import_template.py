from odoo import api, fields, models

# Target -> (field of the template holding the file's column, default column name).
MAPPING_FIELDS = {
    "ref": "column_ref",
    "name": "column_name",
    "phone": "column_phone",
    "email": "column_email",
    "country": "column_country",
    "card": "column_card",
    "tier": "column_tier",
    "points": "column_points",
    "wallet": "column_wallet",
}


class MembershipImportTemplate(models.Model):
    """Which column of a member file holds what, saved to import the next file of the
    same system the same way."""

    _name = "membership.import.template"
    _description = "Member Import Template"
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    column_ref = fields.Char(
        string="External Reference",
        required=True,
        default="ref",
        help="Column of the member's reference in the old system: the same reference is "
        "the same member on the next import.",
    )
    column_name = fields.Char(string="Member Name", required=True, default="name")
    column_phone = fields.Char(string="Phone", default="phone")
    column_email = fields.Char(string="Email", default="email")
    column_country = fields.Char(
        string="Country", default="country", help="Country code (BE) or name."
    )
    column_card = fields.Char(string="Card Number", default="card")
    column_tier = fields.Char(string="Tier", default="tier", help="Name of a tier.")
    column_points = fields.Char(string="Points", default="points")
    column_wallet = fields.Char(
        string="Wallet", default="wallet", help="Money the member paid in and has not spent."
    )

    @api.model
    def _membership_mapping_fields(self):
        return MAPPING_FIELDS

    def _membership_mapping(self):
        """{target: column name} of this template (unmapped targets left out)."""
        self.ensure_one()
        return {target: self[fname] for target, fname in MAPPING_FIELDS.items() if self[fname]}
