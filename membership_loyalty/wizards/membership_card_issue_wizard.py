from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

CASHIER_GROUP = "membership_loyalty.membership_loyalty_group_cashier"


class MembershipCardIssueWizard(models.TransientModel):
    _name = "membership.card.issue.wizard"
    _inherit = ["membership.wizard.journal.mixin", "membership.wizard.blank.card.mixin"]
    _description = "Issue a Membership Card"

    card_id = fields.Many2one(
        "membership.card",
        string="Draft Card",
        domain="[('state', '=', 'draft'), ('partner_id', '=', partner_id)]",
        help="A draft card prepared for the member: issuing it gives it its number, serial "
        "and deposit and makes it active.",
    )
    partner_id = fields.Many2one("res.partner", string="Member", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    card_type_id = fields.Many2one(
        "membership.card.type",
        string="Card Type",
        compute="_compute_card_type_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        domain="[('company_id', 'in', (company_id, False))]",
    )
    blank_product_id = fields.Many2one(related="card_type_id.blank_product_id")
    pos_config_id = fields.Many2one(
        "pos.config",
        string="Shop",
        domain="[('company_id', '=', company_id)]",
        help="Point of Sale issuing the card: blank cards come from its stock location, and a "
        "member enrolled here is recorded as enrolled by this shop.",
    )
    lot_id = fields.Many2one(
        string="Blank Card Serial",
        help="Serial number pre-printed on the blank card: it becomes the card number.",
    )
    chip_uid = fields.Char(string="Chip UID")
    currency_id = fields.Many2one(related="company_id.currency_id")
    charge_type = fields.Selection(related="card_type_id.charge_type")
    amount = fields.Monetary(
        string="To Collect", compute="_compute_amount", currency_field="currency_id"
    )
    journal_id = fields.Many2one(
        string="Paid In", help="Cash or bank journal that received the card's fee or deposit."
    )
    reason = fields.Char(default=lambda self: self.env._("New member card"))

    @api.depends("company_id", "pos_config_id")
    def _compute_location_id(self):
        for wizard in self:
            shop_location = wizard.pos_config_id.picking_type_id.default_location_src_id
            wizard.location_id = shop_location or wizard._membership_company_stock()

    @api.depends("partner_id")
    def _compute_card_type_id(self):
        for wizard in self:
            wizard.card_type_id = wizard.partner_id.member_tier_id.card_type_id

    @api.depends("card_type_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.card_type_id.amount if wizard.charge_type != "none" else 0.0

    def action_issue(self):
        self.ensure_one()
        if not self.env.user.has_group(CASHIER_GROUP):
            raise AccessError(self.env._("Only a Membership Cashier may issue cards."))
        partner = self.partner_id
        if not partner.active:
            raise UserError(
                self.env._(
                    "%s is archived: restore the contact before issuing a card.",
                    partner.display_name,
                )
            )
        if not partner.is_member:
            # sudo: enrolling an existing contact is a cashier's job, but a cashier may edit
            # members only; just the enrolment fields are written, after the check above.
            partner.sudo().write(
                {"is_member": True, "member_enrol_config_id": self.pos_config_id.id}
            )
        card = self.env["membership.card"]._membership_issue(
            partner,
            self.card_type_id,
            self.company_id,
            lot=self.lot_id,
            location=self.location_id,
            chip_uid=self.chip_uid,
            reason=self.reason,
            journal=self.journal_id,
            draft=self.card_id,
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "membership.card",
            "res_id": card.id,
            "view_mode": "form",
        }
