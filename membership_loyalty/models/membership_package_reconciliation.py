from odoo import fields, models


class MembershipPackageReconciliation(models.Model):
    """Per company: the deferred package revenue in the books against the value left in
    the members' packages (the rule and its SQL: membership.reconciliation.mixin)."""

    _name = "membership.package.reconciliation"
    _inherit = ["membership.reconciliation.mixin"]
    _description = "Package Reconciliation"
    _auto = False

    _membership_liability_account = "membership_package_liability_account_id"
    _membership_held = ("membership_package", "value_left")
    _membership_moves = ("membership_package_move", "amount")
    _membership_held_field = "package_value_total"

    liability_balance = fields.Monetary(string="Deferred Revenue (books)")
    package_value_total = fields.Monetary(string="Value Left in Packages", readonly=True)
    pos_pending_total = fields.Monetary(
        help="Package value moved by orders of POS sessions not closed yet: the session "
        "closing books it."
    )
