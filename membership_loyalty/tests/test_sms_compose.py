from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import level_users
from .sms_common import SmsCase


@tagged("post_install", "-at_install")
class TestSmsCompose(SmsCase):
    """Send SMS from the member form: one message to one member, by a Membership Manager,
    through the member outbox and its gateway, with the opt-out and quiet-hour rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.membership_sms_welcome = False
        users = level_users(cls.env, "smsc", ("supervisor", "manager"))
        cls.supervisor, cls.manager = users["supervisor"], users["manager"]

    def compose(self, member, body, user=None):
        return (
            self.env["membership.sms.compose"]
            .with_user(user or self.manager)
            .with_context(default_partner_id=member.id)
            .create({"body": body})
        )

    def manual_sms(self):
        return self.Sms.search([("trigger", "=", "manual")])

    def test_manager_texts_one_member_through_the_gateway_once(self):
        member = self.make_member("Ann Lee")
        wizard = self.compose(member, "Hello {member.first_name}, your new card is ready.")
        action = wizard.action_send()
        wizard.action_send()  # a double click sends one SMS
        self.assertEqual(action["params"]["type"], "success")
        sms = self.manual_sms()
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms.create_uid, self.manager)
        self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "sent")
        [request] = self.server.received
        self.assertEqual(request["params"]["to"], "+32470123456")
        self.assertEqual(request["params"]["text"], "Hello Ann, your new card is ready.")

    def test_opted_out_or_no_number_is_refused(self):
        opted_out = self.make_member("Otto Out", "+32 470 55 56 67")
        self.env["phone.blacklist"].sudo().add("+32470555667")
        no_number = self.make_member("Nina None", False, context={"import_file": True})
        for member, reason in ((opted_out, "opted out"), (no_number, "no valid mobile number")):
            with self.assertRaisesRegex(UserError, reason):
                self.compose(member, "Hi").action_send()
        self.assertFalse(self.manual_sms())

    def test_quiet_hours_hold_a_single_sms_until_morning(self):
        self.company.write({"membership_sms_quiet_start": 21.0, "membership_sms_quiet_end": 8.0})
        member = self.make_member("Late Larry", tz="Europe/Brussels")
        with freeze_time(datetime(2026, 11, 23, 21, 0)):  # 22:00 in Brussels
            action = self.compose(member, "See you tomorrow").action_send()
            self.assertIn("Quiet hours", action["params"]["message"])
            sms = self.manual_sms()
            self.assertEqual((sms.state, sms.next_attempt_at), ("held", datetime(2026, 11, 24, 7)))
            self.Sms._membership_cron_send()
        self.assertFalse(self.server.received)
        with freeze_time(datetime(2026, 11, 24, 7, 1)):
            self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "sent")

    def test_a_supervisor_cannot_text_members(self):
        member = self.make_member("Ann Lee")
        with self.assertRaises(AccessError):
            self.compose(member, "Hi", user=self.supervisor)
        self.assertFalse(self.manual_sms())
