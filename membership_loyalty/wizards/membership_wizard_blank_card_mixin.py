from odoo import api, fields, models


class MembershipWizardBlankCardMixin(models.AbstractModel):
    """A wizard that hands out a blank card: its pre-printed serial is picked among the
    blank cards of the card type on hand at a stock location of the company."""

    _name = "membership.wizard.blank.card.mixin"
    _description = "Wizard Handing Out a Blank Card"

    company_id = fields.Many2one("res.company")
    blank_product_id = fields.Many2one("product.product")
    location_id = fields.Many2one(
        "stock.location",
        string="Shop Stock",
        compute="_compute_location_id",
        store=True,
        readonly=False,
        domain="[('usage', '=', 'internal'), ('company_id', '=', company_id)]",
    )
    lot_id = fields.Many2one("stock.lot", domain="[('id', 'in', available_lot_ids)]")
    available_lot_ids = fields.Many2many(
        "stock.lot",
        compute="_compute_available_lot_ids",
        help="Blank card serials on hand at the shop stock.",
    )
    chip_uid = fields.Char()

    @api.depends("company_id")
    def _compute_location_id(self):
        for wizard in self:
            wizard.location_id = wizard._membership_company_stock()

    @api.depends("blank_product_id", "location_id")
    def _compute_available_lot_ids(self):
        Lot = self.env["stock.lot"]
        for wizard in self:
            wizard.available_lot_ids = Lot._membership_blank_in_stock(
                wizard.blank_product_id, wizard.location_id
            )

    def _membership_company_stock(self):
        """The stock location of the company's first warehouse."""
        self.ensure_one()
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_id.id)], limit=1
        )
        return warehouse.lot_stock_id
