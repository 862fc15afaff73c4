from odoo import api, fields, models

from ..tools.input_checks import MAX_AMOUNT, check_bounds


class MembershipGift(models.Model):
    """A product members can take for points, out of the loyalty gifts stock location."""

    _name = "membership.gift"
    _inherit = ["pos.load.mixin"]
    _description = "Loyalty Gift"
    _order = "sequence, points_cost, id"
    _rec_name = "product_id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        domain="[('is_storable', '=', True)]",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    points_cost = fields.Float(required=True, digits=(16, 2))
    location_id = fields.Many2one(
        "stock.location",
        string="Gift Stock Location",
        required=True,
        domain="[('usage', '=', 'internal')]",
        default=lambda self: self.env.ref(
            "membership_loyalty.stock_location_loyalty_gifts", raise_if_not_found=False
        ),
        check_company=True,
    )
    qty_available = fields.Float(
        string="In Stock", compute="_compute_qty_available", digits="Product Unit"
    )
    active = fields.Boolean(default=True)

    _points_cost_positive = models.Constraint(
        "CHECK (points_cost > 0)", "A gift costs a positive number of points."
    )
    _product_uniq = models.Constraint(
        "UNIQUE (company_id, product_id)", "This product is already in the gift catalogue."
    )

    @api.depends("product_id", "location_id")
    def _compute_qty_available(self):
        Quant = self.env["stock.quant"].sudo()  # sudo: cashiers see stock levels, not quants
        for gift in self:
            gift.qty_available = (
                Quant._get_available_quantity(gift.product_id, gift.location_id)
                if gift.product_id and gift.location_id
                else 0.0
            )

    @api.constrains("points_cost")
    def _check_membership_bounds(self):
        check_bounds(
            self,
            {"points_cost": (0, MAX_AMOUNT)},
        )

    @api.model
    def _load_pos_data_domain(self, data, config):
        return [("company_id", "=", config.company_id.id)]

    @api.model
    def _load_pos_data_fields(self, config):
        return ["id", "display_name", "points_cost", "sequence", "write_date"]
