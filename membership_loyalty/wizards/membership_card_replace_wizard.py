from odoo import api, fields, models


class MembershipCardReplaceWizard(models.TransientModel):
    _name = "membership.card.replace.wizard"
    _description = "Replace a Membership Card"

    card_id = fields.Many2one(
        "membership.card", required=True, default=lambda self: self.env.context.get("active_id")
    )
    company_id = fields.Many2one(related="card_id.company_id")
    blank_product_id = fields.Many2one(related="card_id.card_type_id.blank_product_id")
    location_id = fields.Many2one(
        "stock.location",
        string="Shop Stock",
        compute="_compute_location_id",
        store=True,
        readonly=False,
        domain="[('usage', '=', 'internal'), ('company_id', '=', company_id)]",
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="New Blank Card Serial",
        domain="[('id', 'in', available_lot_ids)]",
    )
    available_lot_ids = fields.Many2many(
        "stock.lot",
        compute="_compute_available_lot_ids",
        help="Blank card serials on hand at the shop stock.",
    )
    chip_uid = fields.Char(string="New Chip UID")
    currency_id = fields.Many2one(related="card_id.currency_id")
    fee_amount = fields.Monetary(
        related="card_id.card_type_id.replacement_fee",
        string="Replacement Fee",
        currency_field="currency_id",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Fee Paid In",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
        domain="[('type', 'in', ('cash', 'bank')), ('company_id', '=', company_id)]",
        help="Cash or bank journal that received the replacement fee.",
    )
    reason = fields.Char(required=True)

    @api.depends("card_id")
    def _compute_journal_id(self):
        for wizard in self:
            wizard.journal_id = self.env["account.journal"].search(
                [("type", "=", "cash"), ("company_id", "=", wizard.card_id.company_id.id)],
                limit=1,
            )

    @api.depends("blank_product_id", "location_id")
    def _compute_available_lot_ids(self):
        Lot = self.env["stock.lot"]
        for wizard in self:
            wizard.available_lot_ids = Lot._membership_blank_in_stock(
                wizard.blank_product_id, wizard.location_id
            )

    @api.depends("card_id")
    def _compute_location_id(self):
        for wizard in self:
            warehouse = self.env["stock.warehouse"].search(
                [("company_id", "=", wizard.card_id.company_id.id)], limit=1
            )
            wizard.location_id = warehouse.lot_stock_id

    def action_confirm(self):
        self.ensure_one()
        new_card = self.card_id._membership_replace(
            self.reason,
            lot=self.lot_id,
            location=self.location_id,
            chip_uid=self.chip_uid,
            journal=self.journal_id,
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "membership.card",
            "res_id": new_card.id,
            "view_mode": "form",
        }
