from odoo import fields, models


class MembershipWalletPin(models.TransientModel):
    """Supervisor: set a member's wallet PIN (stored hashed, never shown again)."""

    _name = "membership.wallet.pin"
    _description = "Set a Member's Wallet PIN"

    partner_id = fields.Many2one("res.partner", required=True, readonly=True, ondelete="cascade")
    pin = fields.Char(string="New PIN", help="4 to 8 digits.")

    def action_set_pin(self):
        self.ensure_one()
        self.partner_id._membership_pin_set(self.pin)
        # The typed PIN must not outlive the wizard row.
        self.pin = False
        return {"type": "ir.actions.act_window_close"}
