from odoo import api, fields, models

from ..tools.input_checks import MAX_AMOUNT, check_bounds


class MembershipPackageType(models.Model):
    """A prepaid service package the shop sells ("10 haircuts", "6 cuts + 6 blow-dries").

    Sold at the till as its own service product: the product is made and kept in step
    with the type (name, price, the deferred-revenue income account)."""

    _name = "membership.package.type"
    _description = "Prepaid Service Package Type"
    _order = "sequence, name, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    price = fields.Monetary(required=True, help="What the member pays for the package.")
    validity_months = fields.Integer(
        string="Validity (months)",
        help="Unused uses lapse this many months after the sale; 0: they never lapse.",
    )
    line_ids = fields.One2many(
        "membership.package.type.line", "type_id", string="Services", copy=True
    )
    uses_total = fields.Integer(
        string="Uses", compute="_compute_uses_total", store=True, help="Uses of all services."
    )
    product_id = fields.Many2one(
        "product.product",
        string="Sold as",
        readonly=True,
        copy=False,
        ondelete="restrict",
        help="The product the till sells this package as (made with the type).",
    )
    active = fields.Boolean(default=True)

    _price_positive = models.Constraint("CHECK (price > 0)", "A package has a price.")
    _validity_positive = models.Constraint(
        "CHECK (validity_months >= 0)", "A validity cannot be negative."
    )

    @api.depends("line_ids.uses")
    def _compute_uses_total(self):
        for package_type in self:
            package_type.uses_total = sum(package_type.line_ids.mapped("uses"))

    @api.constrains("price", "validity_months")
    def _check_membership_bounds(self):
        check_bounds(self, {"price": (0, MAX_AMOUNT), "validity_months": (0, 1200)})

    @api.model_create_multi
    def create(self, vals_list):
        types = super().create(vals_list)
        types._membership_sync_product()
        return types

    def write(self, vals):
        result = super().write(vals)
        if {"name", "price", "active", "company_id"} & set(vals):
            self._membership_sync_product()
        return result

    def _membership_sync_product(self):
        """Make or update the product the till sells: a service at the package's price,
        whose income account is the company's deferred package revenue (a liability).

        sudo: package types are a Membership manager's, who may have no rights on
        products or their accounts; only these fields are written."""
        for package_type in self.sudo():
            company = package_type.company_id
            vals = {
                "name": package_type.name,
                "list_price": package_type.price,
                "active": package_type.active,
            }
            product = package_type.product_id
            if not product:
                product = (
                    self.env["product.product"]
                    .sudo()
                    .create(
                        {
                            **vals,
                            "type": "service",
                            "sale_ok": True,
                            "available_in_pos": True,
                            "taxes_id": False,
                            "company_id": company.id,
                            "membership_package_type_id": package_type.id,
                        }
                    )
                )
                package_type.product_id = product
            else:
                product.write(vals)
            company._membership_package_configure(product)
