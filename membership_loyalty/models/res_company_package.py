from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """Prepaid service packages: where their deferred revenue is booked."""

    _inherit = "res.company"

    membership_package_liability_account_id = fields.Many2one(
        "account.account",
        string="Package Deferred Revenue Account",
        check_company=True,
        help="Liability holding the price of the package uses not taken yet: the package "
        "products sell into it; each use and each lapse moves its share to revenue.",
    )
    membership_package_revenue_account_id = fields.Many2one(
        "account.account",
        string="Package Revenue Account",
        check_company=True,
        help="Income recognised use by use, and for the uses that lapsed.",
    )
    membership_sms_package_expiring = fields.Boolean(
        string="Package Expiring SMS",
        default=True,
        help="Remind members by SMS before the uses left of a package lapse.",
    )

    @api.constrains(
        "membership_package_liability_account_id", "membership_wallet_liability_account_id"
    )
    def _check_membership_package_accounts(self):
        for company in self:
            account = company.membership_package_liability_account_id
            if account and account == company.membership_wallet_liability_account_id:
                raise ValidationError(
                    self.env._(
                        "Package deferred revenue and wallet customer deposits need their own "
                        "accounts: each is reconciled with its own ledger."
                    )
                )

    def write(self, vals):
        result = super().write(vals)
        if "membership_package_liability_account_id" in vals:
            # sudo: see _membership_package_configure.
            products = (
                self.env["membership.package.type"]
                .sudo()
                .with_context(active_test=False)
                .search([("company_id", "in", self.ids)])
                .product_id
            )
            for product in products:
                product.company_id._membership_package_configure(product)
        return result

    def _membership_package_books(self):
        """The accounts of package entries (journal, liability, revenue, review), or an
        empty dict while they are not all set."""
        self.ensure_one()
        books = {
            "journal": self.membership_wallet_journal_id,
            "liability": self.membership_package_liability_account_id,
            "revenue": self.membership_package_revenue_account_id,
            "review": self.membership_wallet_review_account_id
            or self.account_journal_suspense_account_id,
        }
        return books if all(books.values()) else {}

    def _membership_package_configure(self, product):
        """A package product sells into the deferred revenue account, so that the session
        closing books its sale as a liability, never as revenue.

        sudo: run when a Membership manager changes a package type or the company's
        account, without rights on products' accounts."""
        self.ensure_one()
        liability = self.membership_package_liability_account_id
        product = product.sudo().with_company(self)
        if liability and product.property_account_income_id != liability:
            product.property_account_income_id = liability
