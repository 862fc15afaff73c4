from odoo import api, fields, models


class MembershipWizardJournalMixin(models.AbstractModel):
    """A counter wizard that takes or pays money through a cash or bank journal of its
    company; the company's first cash journal is proposed."""

    _name = "membership.wizard.journal.mixin"
    _description = "Counter Wizard Paid Through a Journal"

    company_id = fields.Many2one("res.company")
    journal_id = fields.Many2one(
        "account.journal",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
        domain="[('type', 'in', ('cash', 'bank')), ('company_id', '=', company_id)]",
    )

    @api.depends("company_id")
    def _compute_journal_id(self):
        for wizard in self:
            wizard.journal_id = self.env["account.journal"].search(
                [("type", "=", "cash"), ("company_id", "=", wizard.company_id.id)], limit=1
            )
