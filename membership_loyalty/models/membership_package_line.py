from odoo import api, fields, models


class MembershipPackageLine(models.Model):
    """One service of a member's package with its uses left (the till loads the lines of
    the member on the order, never all of them)."""

    _name = "membership.package.line"
    _inherit = ["pos.load.mixin"]
    _description = "Member's Prepaid Package Service"
    _order = "package_id, id"
    _check_company_auto = True

    package_id = fields.Many2one(
        "membership.package", required=True, index=True, ondelete="restrict", readonly=True
    )
    type_line_id = fields.Many2one(
        "membership.package.type.line", readonly=True, ondelete="set null"
    )
    partner_id = fields.Many2one(
        related="package_id.partner_id", store=True, index=True, string="Member"
    )
    company_id = fields.Many2one(related="package_id.company_id", store=True, index=True)
    expire_date = fields.Date(related="package_id.expire_date", string="Valid Until")
    state = fields.Selection(related="package_id.state")
    package_name = fields.Char(related="package_id.type_name", string="Package Name")
    product_id = fields.Many2one("product.product", string="Service", readonly=True)
    categ_id = fields.Many2one("product.category", string="Service Category", readonly=True)
    display_service = fields.Char(compute="_compute_display_service", string="Service Name")
    uses_total = fields.Integer(string="Uses Bought", readonly=True)
    uses_left = fields.Integer(readonly=True, default=0)
    max_per_visit = fields.Integer(string="Per Visit", readonly=True)

    _uses_left_positive = models.Constraint(
        "CHECK (uses_left >= 0)", "A service never has fewer than zero uses left."
    )

    @api.depends("product_id", "categ_id")
    def _compute_display_service(self):
        for line in self:
            # Names, not display names: the receipt prints them (a display name costs a
            # query per product for its variant values).
            line.display_service = line.product_id.name or line.categ_id.name

    @api.depends("package_name", "display_service", "uses_left")
    def _compute_display_name(self):
        for line in self:
            line.display_name = self.env._(
                "%(package)s: %(service)s (%(left)s left)",
                package=line.package_name,
                service=line.display_service,
                left=line.uses_left,
            )

    def _membership_covers(self, product):
        """Whether a use of this service may be ``product``."""
        self.ensure_one()
        if self.product_id:
            return product == self.product_id
        return bool(self.categ_id) and product.categ_id.parent_path.startswith(
            self.categ_id.parent_path
        )

    @api.model
    def _load_pos_data_domain(self, data, config):
        return False  # a member's packages come with the member (pos.session lookup)

    @api.model
    def _load_pos_data_fields(self, config):
        return [
            "id",
            "display_name",
            "package_name",
            "display_service",
            "product_id",
            "categ_id",
            "uses_left",
            "uses_total",
            "max_per_visit",
            "expire_date",
            "partner_id",
            "write_date",
        ]
