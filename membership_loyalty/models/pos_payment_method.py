from odoo import api, fields, models
from odoo.exceptions import ValidationError


class PosPaymentMethod(models.Model):
    _inherit = "pos.payment.method"

    membership_is_wallet = fields.Boolean(
        string="Membership Wallet",
        help="Payments with this method are paid from the member's wallet. Its outstanding "
        "account is the company's customer-deposits account: closing a session debits the "
        "deposits with the wallet payments, never Outstanding Receipts.",
    )

    @api.constrains("membership_is_wallet", "journal_id")
    def _check_membership_wallet_journal(self):
        for method in self.filtered("membership_is_wallet"):
            if method.journal_id.type == "cash":
                raise ValidationError(
                    self.env._(
                        "The member wallet payment method %s cannot use a cash journal: "
                        "wallet money is no cash in the drawer. Use a journal of type Bank; "
                        "its payments are booked on the customer-deposits account.",
                        method.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        methods = super().create(vals_list)
        methods.filtered("membership_is_wallet").company_id._membership_wallet_configure()
        return methods

    def write(self, vals):
        res = super().write(vals)
        if {"membership_is_wallet", "outstanding_account_id", "journal_id"} & set(vals):
            self.filtered("membership_is_wallet").company_id._membership_wallet_configure()
        return res

    @api.model
    def _load_pos_data_fields(self, config):
        return [*super()._load_pos_data_fields(config), "membership_is_wallet"]
