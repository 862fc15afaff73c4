from datetime import timedelta

from odoo import api, fields, models

# Members hear of their lapsing points this many days before.
EXPIRY_NOTICE_DAYS = 14


class MembershipSms(models.Model):
    """The scheduled reminders: points about to lapse (daily) and birthdays (hourly, on
    the member's local date)."""

    _inherit = "membership.sms"

    # ---------------------------------------------------------------- points expiring

    @api.model
    def _membership_cron_points_expiring(self):
        """Scheduled action (daily): remind members whose points lapse within the notice
        period. Keyed by the first lapse date, so each batch of points is announced once."""
        Account = self.env["membership.account"]
        created = self.browse()
        for company in self.env["res.company"].search(
            [("membership_sms_points_expiring", "=", True)]
        ):
            rows = Account._membership_points_expiring(EXPIRY_NOTICE_DAYS, company=company)
            members = [row for row in rows if row["partner"].is_member]
            for row in members:
                created |= self._membership_notify(
                    "points_expiring",
                    row["partner"],
                    {
                        "expiring_points": row["points"],
                        "expiry_date": fields.Date.to_string(row["expire_date"]),
                    },
                    key=fields.Date.to_string(row["expire_date"]),
                )
        return created

    # ---------------------------------------------------------------- birthday

    @api.model
    def _membership_cron_birthday(self):
        """Scheduled action (hourly): queue the birthday SMS of members whose local date
        is their birthday. The key ``birthday:<local year>:<partner>`` makes it once a year
        whatever the number of runs; 29 February birthdays get theirs on 28 February in
        other years."""
        now = fields.Datetime.now()
        partners = self._membership_birthday_partners(now)
        by_year = partners.grouped(lambda p: p._membership_local_today(now).year)
        created = self.browse()
        for year, members in by_year.items():
            created |= self._membership_notify("birthday", members, key=str(year))
        return created

    @api.model
    def _membership_birthday_partners(self, now):
        # A local date is at most one day away from the UTC date: read the members born
        # on those three days in SQL, then check each one's own local date.
        utc_today = now.date()
        days = [utc_today + timedelta(days=d) for d in (-1, 0, 1)]
        month_days = {(d.month, d.day) for d in days}
        if (2, 28) in month_days:
            month_days.add((2, 29))
        self.env["res.partner"].flush_model(["is_member", "member_birthdate", "active"])
        self.env.cr.execute(
            """
            SELECT id FROM res_partner
             WHERE is_member AND active AND member_birthdate IS NOT NULL
               AND (EXTRACT(MONTH FROM member_birthdate)::int,
                    EXTRACT(DAY FROM member_birthdate)::int) IN %s
            """,
            [tuple(month_days)],
        )
        candidates = self.env["res.partner"].browse(r[0] for r in self.env.cr.fetchall())
        return candidates.filtered(lambda p: p._membership_is_birthday(now))
