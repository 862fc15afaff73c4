from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import level_users
from .sms_common import SmsCase


@tagged("post_install", "-at_install")
class TestSmsCampaign(SmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.membership_sms_welcome = False
        cls.env["res.partner"].search([("is_member", "=", True)]).is_member = False
        cls.env["phone.blacklist"].sudo().add("+32470555666")
        cls.valid = cls.env["res.partner"].create(
            [
                {"name": f"Valid {i}", "phone": f"+32 470 00 00 0{i}", "is_member": True}
                for i in range(3)
            ]
        )
        cls.opted_out = cls.env["res.partner"].create(
            {"name": "Opted Out", "phone": "+32 470 55 56 66", "is_member": True}
        )
        # A wrong number is refused at enrolment; an import keeps the member, flagged.
        cls.invalid = (
            cls.env["res.partner"]
            .with_context(import_file=True)
            .create(
                [
                    {"name": "Bad Number", "phone": "12", "is_member": True},
                    {"name": "No Number", "is_member": True},
                ]
            )
        )
        cls.not_member = cls.env["res.partner"].create(
            {"name": "Walk In", "phone": "+32 470 77 77 77"}
        )

    def open_wizard(self, **vals):
        form = Form(self.env["membership.sms.campaign"])
        form.name = vals.get("name", "Holidays")
        form.body = vals.get("body", "Happy holidays {{ object.name }}!")
        return form.save()

    def test_count_and_preview_before_sending(self):
        wizard = self.open_wizard()
        self.assertEqual(wizard.recipient_count, 6)
        self.assertEqual(wizard.valid_count, 3)
        self.assertEqual(wizard.blacklisted_count, 1)
        self.assertEqual(wizard.invalid_count, 2)
        self.assertIn(wizard.preview_partner_id, self.valid)
        self.assertEqual(wizard.preview_body, f"Happy holidays {wizard.preview_partner_id.name}!")
        self.assertFalse(self.Sms.search([("trigger", "=", "campaign")]), "nothing queued yet")

    def test_send_queues_only_reachable_members_once(self):
        wizard = self.open_wizard()
        wizard.action_send()
        wizard.action_send()  # a double click queues nothing more
        sms = self.Sms.search([("trigger", "=", "campaign")])
        self.assertEqual(sms.partner_id, self.valid)
        self.assertEqual(set(sms.mapped("campaign_name")), {"Holidays"})
        self.assertEqual(
            sms.filtered(lambda s: s.partner_id == self.valid[0]).body, "Happy holidays Valid 0!"
        )
        self.Sms._membership_cron_send()
        self.assertEqual(set(sms.mapped("state")), {"sent"})
        self.assertEqual(
            sorted(r["params"]["to"] for r in self.server.received),
            ["+32470000000", "+32470000001", "+32470000002"],
        )

    def test_template_and_filter(self):
        template = self.env["sms.template"].create(
            {
                "name": "Promo",
                "model_id": self.env.ref("base.model_res_partner").id,
                "body": "{member.first_name}: -20% this weekend",
            }
        )
        form = Form(self.env["membership.sms.campaign"])
        form.name = "Promo"
        form.template_id = template
        form.domain = f"[('id', 'in', {self.valid[:2].ids})]"
        wizard = form.save()
        self.assertEqual(wizard.body, template.body)
        self.assertEqual(wizard.valid_count, 2)
        self.assertEqual(wizard.preview_body, "Valid: -20% this weekend")
        wizard.action_send()
        sms = self.Sms.search([("campaign_name", "=", "Promo")])
        self.assertEqual(sms.partner_id, self.valid[:2])
        self.assertEqual(sms.template_id, template)

    def test_nobody_to_send_to(self):
        form = Form(self.env["membership.sms.campaign"])
        form.name = "Empty"
        form.body = "Hi"
        form.domain = f"[('id', 'in', {self.invalid.ids})]"
        wizard = form.save()
        with self.assertRaises(UserError):
            wizard.action_send()

    def test_bad_filter(self):
        wizard = self.env["membership.sms.campaign"].create({"name": "x", "body": "x"})
        wizard.domain = "[('id', '=',"
        with self.assertRaises(UserError):
            wizard.action_send()

    def test_scheduled_campaign_goes_out_at_its_time_and_once(self):
        """Holiday greetings written on the 20th for Christmas Eve 17:00 (UTC), by a
        Membership Manager: nothing leaves before, everything once at that time, and a
        member who opted out in between gets nothing."""
        manager = level_users(self.env, "smsq", ("manager",))["manager"]
        with freeze_time(datetime(2026, 12, 20, 10, 0)):
            form = Form(self.env["membership.sms.campaign"].with_user(manager))
            form.name = "Christmas"
            form.body = "Merry Christmas {member.first_name}!"
            form.scheduled_at = datetime(2026, 12, 24, 17, 0)
            wizard = form.save()
            wizard.action_send()
            sms = self.Sms.search([("campaign_name", "=", "Christmas")])
            self.assertEqual(sms.partner_id, self.valid)
            self.assertEqual(set(sms.mapped("state")), {"queued"})
            self.assertEqual(set(sms.mapped("next_attempt_at")), {datetime(2026, 12, 24, 17, 0)})
            self.Sms._membership_cron_send()
        with freeze_time(datetime(2026, 12, 24, 16, 59)):
            self.Sms._membership_cron_send()
            wizard.action_send()  # a second click on the same wizard queues nothing more
        self.assertFalse(self.server.received, "nothing before its time")
        self.env["phone.blacklist"].sudo().add("+32470000002")  # Valid 2 opts out meanwhile
        with freeze_time(datetime(2026, 12, 24, 17, 0, 30)):
            self.Sms._membership_cron_send()
        with freeze_time(datetime(2026, 12, 24, 18, 0)):
            self.Sms._membership_cron_send()
        self.assertEqual(
            sorted(r["params"]["to"] for r in self.server.received),
            ["+32470000000", "+32470000001"],
        )
        self.assertEqual(len(self.Sms.search([("campaign_name", "=", "Christmas")])), 3)
        opted_out = sms.filtered(lambda s: s.partner_id == self.valid[2])
        self.assertEqual((opted_out.state, opted_out.failure_type), ("cancelled", "blacklisted"))

    def test_scheduled_in_quiet_hours_waits_for_the_morning(self):
        self.company.write({"membership_sms_quiet_start": 21.0, "membership_sms_quiet_end": 8.0})
        with freeze_time(datetime(2026, 12, 20, 10, 0)):
            wizard = self.open_wizard(name="New Year")
            # 23:30 in Brussels: held until 08:00 there (07:00 UTC).
            wizard.scheduled_at = datetime(2026, 12, 31, 22, 30)
            wizard.action_send()
        sms = self.Sms.search([("campaign_name", "=", "New Year")])
        self.assertEqual(set(sms.mapped("state")), {"held"})
        self.assertEqual(set(sms.mapped("next_attempt_at")), {datetime(2027, 1, 1, 7, 0)})

    def test_schedule_in_the_past_is_refused(self):
        wizard = self.open_wizard(name="Late")
        wizard.scheduled_at = datetime(2020, 1, 1, 10, 0)
        with self.assertRaisesRegex(UserError, "in the past"):
            wizard.action_send()
        self.assertFalse(self.Sms.search([("campaign_name", "=", "Late")]))
