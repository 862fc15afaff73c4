from odoo import api, models

# Members hear of their lapsing package this many days before.
PACKAGE_NOTICE_DAYS = 14


class MembershipSms(models.Model):
    _inherit = "membership.sms"

    @api.model
    def _membership_cron_package_expiring(self):
        """Scheduled action (daily): remind members whose package uses lapse within the
        notice period; once per package (keyed by it), and never once they lapsed."""
        created = self.browse()
        Package = self.env["membership.package"]
        for company in self.env["res.company"].search(
            [("membership_sms_package_expiring", "=", True)]
        ):
            packages = Package._membership_expiring(PACKAGE_NOTICE_DAYS, company=company)
            for package in packages.filtered(lambda p: p.partner_id.is_member):
                partner = package.partner_id
                created |= self._membership_notify(
                    "package_expiring",
                    partner,
                    partner._membership_package_sms_values(package),
                    key=f"package{package.id}",
                )
            packages.write({"reminded": True})
        return created
