from odoo import fields, models


class MembershipOpeningWizardMixin(models.AbstractModel):
    """What the member import and the migration from Odoo's loyalty share: the company
    they open balances in, the opening journal entry they post, and reopening themselves
    on their result."""

    _name = "membership.opening.wizard.mixin"
    _description = "Wizard Opening Member Balances"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    opening_move_id = fields.Many2one(
        "account.move",
        string="Opening Entry",
        readonly=True,
        # Accounting records: the Manager without accounting rights reads the totals.
        groups="account.group_account_readonly",
    )

    def _membership_set_entry(self, entry):
        """sudo: the entry is shown to accounting users only (the field's groups); the
        Manager who imported may have no accounting rights."""
        self.sudo().opening_move_id = entry

    def _membership_reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env["ir.model"]._get(self._name).name,
        }
