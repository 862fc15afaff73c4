from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

# A member "has a package about to lapse" when one lapses within this many days.
PACKAGE_EXPIRING_DAYS = 30


class ResPartner(models.Model):
    _inherit = "res.partner"

    membership_package_ids = fields.One2many(
        "membership.package", "partner_id", string="Prepaid Packages", readonly=True
    )
    membership_package_active_ids = fields.One2many(
        "membership.package",
        "partner_id",
        string="Active Packages",
        readonly=True,
        domain=[("state", "=", "active")],
    )
    membership_package_expiring = fields.Boolean(
        string="Package About to Lapse",
        compute="_compute_membership_package_expiring",
        search="_search_membership_package_expiring",
        help=f"The member has uses left in a package that lapses within "
        f"{PACKAGE_EXPIRING_DAYS} days.",
    )

    def _membership_package_expiring_ids(self):
        packages = self.env["membership.package"]._membership_expiring(PACKAGE_EXPIRING_DAYS)
        return set(packages.partner_id.ids)

    def _compute_membership_package_expiring(self):
        expiring = self._membership_package_expiring_ids()
        for partner in self:
            partner.membership_package_expiring = partner.id in expiring

    def _search_membership_package_expiring(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        today = fields.Date.context_today(self)
        # sudo: which members hold a lapsing package is asked by segments and reports of
        # Membership managers; only member ids leave this query.
        query = (
            self.env["membership.package"]
            .sudo()
            ._search(
                [
                    ("state", "=", "active"),
                    ("expire_date", ">=", today),
                    ("expire_date", "<=", today + relativedelta(days=PACKAGE_EXPIRING_DAYS)),
                ]
            )
        )
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", query.subselect("partner_id"))]

    @api.private
    def _membership_package_sms_values(self, package):
        """The placeholders of the package reminder SMS."""
        return {
            "package": package.type_name,
            "uses_left": package.uses_left,
            "expiry_date": fields.Date.to_string(package.expire_date),
        }
