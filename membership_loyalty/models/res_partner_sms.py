import calendar

import pytz

from odoo import fields, models


class ResPartner(models.Model):
    """What member SMS need of the member: their messages, the template placeholders and
    their local date (birthday greetings)."""

    _inherit = "res.partner"

    membership_sms_ids = fields.One2many("membership.sms", "partner_id", string="Member SMS")
    membership_sms_count = fields.Integer(
        string="SMS Count", compute="_compute_membership_sms_count"
    )

    def _compute_membership_sms_count(self):
        counts = dict(
            self.env["membership.sms"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.membership_sms_count = counts.get(partner, 0)

    def action_view_membership_sms(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "membership_loyalty.membership_sms_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id, "search_default_group_trigger": 0}
        return action

    def _membership_sms_values(self):
        """Placeholders offered to member SMS templates as ``member``, one dict per partner.

        The values every template can use; a trigger adds its own (the order's amount,
        the points expiring...) as the ``extra_values`` of ``membership.sms._membership_render``.
        The defaults here keep every template renderable.
        """
        return {
            partner.id: {
                "name": partner.name or "",
                "first_name": (partner.name or "").split(" ")[0],
                "company": (partner.company_id or self.env.company).name,
                "points": partner.points_balance,
                "wallet": partner.wallet_balance,
                "tier": partner.member_tier_id.name or "",
                "expiring_points": 0,
                "expiry_date": "",
                "amount": 0.0,
            }
            for partner in self
        }

    def _membership_local_today(self, now):
        """The member's local date at UTC ``now``: their time zone, else their company's."""
        self.ensure_one()
        name = self.tz or (self.company_id or self.env.company).partner_id.tz or "UTC"
        try:
            tz = pytz.timezone(name)
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc
        return pytz.utc.localize(now).astimezone(tz).date()

    def _membership_is_birthday(self, now):
        self.ensure_one()
        born = self.member_birthdate
        if not born:
            return False
        today = self._membership_local_today(now)
        if (born.month, born.day) == (today.month, today.day):
            return True
        # 29 February: celebrated on 28 February in the other years.
        return (
            (born.month, born.day) == (2, 29)
            and (today.month, today.day) == (2, 28)
            and not calendar.isleap(today.year)
        )
