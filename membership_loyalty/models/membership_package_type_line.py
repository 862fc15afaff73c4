from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MembershipPackageTypeLine(models.Model):
    """One service of a package type, with its own number of uses."""

    _name = "membership.package.type.line"
    _description = "Prepaid Service Package Service"
    _order = "type_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    type_id = fields.Many2one(
        "membership.package.type", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="type_id.company_id", store=True, index=True)
    product_id = fields.Many2one(
        "product.product",
        string="Service",
        check_company=True,
        help="The service a use covers; or leave empty and choose a category.",
    )
    categ_id = fields.Many2one(
        "product.category",
        string="Service Category",
        help="A use covers any product of this category (and its subcategories).",
    )
    uses = fields.Integer(required=True, default=1)
    max_per_visit = fields.Integer(
        string="Per Visit",
        default=0,
        help="Most uses of this service on one order; 0: no limit.",
    )

    _uses_positive = models.Constraint(
        "CHECK (uses > 0 AND uses <= 10000)", "A service has from 1 to 10000 uses."
    )
    _per_visit_positive = models.Constraint(
        "CHECK (max_per_visit >= 0)", "A per-visit limit cannot be negative."
    )

    @api.constrains("product_id", "categ_id")
    def _check_service(self):
        for line in self:
            if bool(line.product_id) == bool(line.categ_id):
                raise ValidationError(
                    self.env._("A package service is a product or a product category.")
                )

    @api.depends("product_id", "categ_id", "uses")
    def _compute_display_name(self):
        for line in self:
            service = line.product_id.display_name or line.categ_id.display_name or ""
            line.display_name = f"{line.uses} x {service}"
