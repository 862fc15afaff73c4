from odoo import models
from odoo.exceptions import UserError

# The append-only ledgers: uninstalling the addon drops their tables with every member's
# points, paid-in wallet money and prepaid services.
LEDGER_MODELS = ("membership.points.move", "membership.wallet.move", "membership.package.move")


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def button_uninstall(self):
        """Refuse to uninstall the addon (directly, or because a module it depends on is
        being uninstalled) once its ledgers hold history: the uninstall would delete members'
        balances and the record of the money they paid in. Without history the addon
        uninstalls like any other."""
        removed = self | self.downstream_dependencies()
        if "membership_loyalty" in removed.mapped("name"):
            self._membership_check_no_ledger_history()
        return super().button_uninstall()

    def module_uninstall(self):
        """The step that drops the data (called by the registry after ``button_uninstall``,
        or directly over RPC): the same refusal."""
        if "membership_loyalty" in self.mapped("name"):
            self._membership_check_no_ledger_history()
        return super().module_uninstall()

    def _membership_check_no_ledger_history(self):
        # sudo: the count covers every company's ledger, whatever the uninstalling admin's
        # companies are; only counts are read.
        counts = {
            model: self.env[model].sudo().with_context(active_test=False).search_count([])
            for model in LEDGER_MODELS
            if model in self.env
        }
        if not any(counts.values()):
            return
        raise UserError(
            self.env._(
                "Membership & Loyalty cannot be uninstalled (nor a module it depends on, "
                "such as Point of Sale): its ledgers hold %(points)s points moves, "
                "%(wallet)s wallet moves and %(packages)s package moves, and uninstalling "
                "would delete members' balances and the record of the money they paid in. "
                "Nothing was changed; the addon stays installed.",
                points=counts.get("membership.points.move", 0),
                wallet=counts.get("membership.wallet.move", 0),
                packages=counts.get("membership.package.move", 0),
            )
        )
