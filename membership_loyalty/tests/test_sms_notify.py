from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .sms_common import SmsCase


@tagged("post_install", "-at_install")
class TestSmsNotify(SmsCase):
    def test_welcome_once_per_member(self):
        member = self.make_member()
        self.assertEqual(member.membership_sms_ids.trigger, "welcome")
        self.assertIn("Ann", member.membership_sms_ids.body)
        self.assertEqual(member.membership_sms_ids.number, "+32470123456")
        member.is_member = False
        member.is_member = True
        self.Sms._membership_notify("welcome", member)
        self.assertEqual(len(member.membership_sms_ids), 1)
        self.assertEqual(member.membership_sms_count, 1)

    def test_welcome_when_a_contact_becomes_member(self):
        contact = self.env["res.partner"].create(
            {"name": "Cleo Contact", "phone": "+32 470 66 66 66", "country_id": self.belgium.id}
        )
        self.assertFalse(contact.membership_sms_ids)
        contact.write({"is_member": True})
        self.assertEqual(contact.membership_sms_ids.trigger, "welcome")
        self.assertEqual(contact.membership_sms_ids.number, "+32470666666")

    def test_event_key_deduplicates(self):
        member = self.make_member()
        first = self.Sms._membership_notify("topup", member, {"amount": "20.00"}, key="move-7")
        again = self.Sms._membership_notify("topup", member, {"amount": "20.00"}, key="move-7")
        self.assertEqual(len(first), 1)
        self.assertFalse(again)
        other = self.Sms._membership_notify("topup", member, {"amount": "5.00"}, key="move-8")
        self.assertEqual(len(other), 1)
        self.assertIn("5.00", other.body)

    def test_placeholders_and_edited_template(self):
        ann = self.make_member()
        bob = self.make_member(name="Bob Stone", phone="+32 470 99 88 77")
        template = self.env.ref("membership_loyalty.membership_sms_template_tier_upgrade")
        template.body = "{{ object.name }} is {member.tier} now"
        sms = self.Sms._membership_notify(
            "tier_upgrade", ann | bob, {ann.id: {"tier": "Gold"}, bob.id: {"tier": "Silver"}}
        )
        self.assertEqual(
            {s.partner_id.name: s.body for s in sms},
            {"Ann Lee": "Ann Lee is Gold now", "Bob Stone": "Bob Stone is Silver now"},
        )
        self.assertEqual(sms.template_id, template)

    def test_values_render_every_template(self):
        """_membership_sms_values() gives safe defaults every template can render."""
        member = self.make_member()
        values = member._membership_sms_values()[member.id]
        self.assertEqual(values["points"], 0)
        sms = self.Sms._membership_notify("points_expiring", member, key="2026-11")
        self.assertIn("Ann, 0 of your points", sms.body)
        wallet = self.Sms._membership_notify("topup", member, {"amount": 12.5}, key="t1")
        self.assertIn("topped up with 12.50. New balance: 0.00.", wallet.body)

    def test_switched_off_per_company(self):
        member = self.make_member()
        self.company.membership_sms_purchase = False
        self.assertFalse(self.Sms._membership_notify("purchase", member, key="order-1"))
        self.company.membership_sms_purchase = True
        self.assertTrue(self.Sms._membership_notify("purchase", member, key="order-1"))

    def test_switch_from_settings(self):
        settings = self.env["res.config.settings"].create(
            {"membership_sms_welcome": False, "membership_sms_quiet_start": 22.5}
        )
        settings.execute()
        self.assertFalse(self.company.membership_sms_welcome)
        self.assertEqual(self.company.membership_sms_quiet_start, 22.5)
        self.assertFalse(self.make_member().membership_sms_ids)

    def test_unknown_trigger(self):
        with self.assertRaises(UserError):
            self.Sms._membership_notify("lottery", self.make_member())

    def test_invalid_and_opted_out_numbers_never_sent(self):
        # Only an import can bring in a member with a wrong number (kept, flagged).
        invalid = self.make_member(name="No Number", phone="12", context={"import_file": True})
        self.env["phone.blacklist"].sudo().add("+32470555666")
        opted_out = self.make_member(name="Opted Out", phone="+32 470 55 56 66")
        self.assertEqual(invalid.membership_sms_ids.state, "cancelled")
        self.assertEqual(invalid.membership_sms_ids.failure_type, "invalid_number")
        self.assertFalse(invalid.membership_sms_ids.number)
        self.assertEqual(opted_out.membership_sms_ids.failure_type, "blacklisted")
        self.Sms._membership_cron_send()
        self.assertFalse(self.server.received)
        found = self.Sms.search([("failure_type", "=", "invalid_number")])
        self.assertIn(invalid.membership_sms_ids, found)
        partners = self.env["res.partner"].search(
            [("phone", "!=", False), ("phone_sanitized", "=", False)]
        )
        self.assertIn(invalid, partners)

    def test_quiet_hours_hold_until_morning(self):
        self.company.write({"membership_sms_quiet_start": 21.0, "membership_sms_quiet_end": 8.0})
        # 22:00 in Brussels (UTC+1 in winter).
        with freeze_time(datetime(2026, 11, 23, 21, 0)):
            member = self.make_member(tz="Europe/Brussels")
            sms = member.membership_sms_ids
            self.assertEqual(sms.state, "held")
            self.assertEqual(sms.next_attempt_at, datetime(2026, 11, 24, 7, 0))
            self.Sms._membership_cron_send()
        with freeze_time(datetime(2026, 11, 24, 6, 59)):
            self.Sms._membership_cron_send()
        self.assertFalse(self.server.received)
        with freeze_time(datetime(2026, 11, 24, 7, 1)):
            self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "sent")
        self.assertEqual(len(self.server.received), 1)

    def test_quiet_hours_in_member_time_zone(self):
        self.company.write({"membership_sms_quiet_start": 21.0, "membership_sms_quiet_end": 8.0})
        # 21:00 UTC is 22:00 in Brussels but 16:00 in New York.
        with freeze_time(datetime(2026, 11, 23, 21, 0)):
            member = self.make_member(tz="America/New_York")
            self.assertEqual(member.membership_sms_ids.state, "queued")

    def test_outbox_is_kept_and_frozen(self):
        sms = self.make_member().membership_sms_ids
        self.Sms._membership_cron_send()
        manager = new_test_user(
            self.env,
            login="sms_manager",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_manager",
        )
        with self.assertRaises(UserError):
            sms.with_user(manager).write({"body": "changed"})
        with self.assertRaises(AccessError):
            sms.with_user(manager).unlink()
        self.assertTrue(sms.exists())

    def test_cashier_reads_only_what_they_queued_and_does_not_send(self):
        others = self.make_member().membership_sms_ids
        cashier, supervisor = (
            new_test_user(
                self.env,
                login=f"sms_{level}",
                groups=f"base.group_user,membership_loyalty.membership_loyalty_group_{level}",
            )
            for level in ("cashier", "supervisor")
        )
        self.company.membership_sms_purchase = True
        own = self.Sms.with_user(cashier)._membership_notify(
            "purchase", self.make_member(name="Bo Till", phone="+32 470 99 88 77"), key="o-9"
        )
        self.assertEqual(own.with_user(cashier).body, own.body)
        for user in (cashier, supervisor):
            self.assertNotIn(others, self.Sms.with_user(user).search([]), user.login)
            with self.assertRaises(AccessError):
                others.with_user(user).read(["number", "body"])
        with self.assertRaises(AccessError):
            own.with_user(cashier).action_cancel()

    def test_cancel_queued(self):
        sms = self.make_member().membership_sms_ids
        sms.action_cancel()
        self.assertEqual(sms.state, "cancelled")
        self.Sms._membership_cron_send()
        self.assertFalse(self.server.received)

    def test_other_company_rows_hidden(self):
        other = self.env["res.company"].create({"name": "Other Shop"})
        member = self.make_member(company_id=other.id)
        sms = member.membership_sms_ids
        self.assertEqual(sms.company_id, other)
        user = new_test_user(
            self.env,
            login="sms_main_only",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_manager",
        )
        self.assertNotIn(sms, self.Sms.with_user(user).search([]))

    def test_cashier_enrolment_queues_the_welcome(self):
        cashier = new_test_user(
            self.env,
            login="sms_cashier_enrol",
            groups="base.group_user,base.group_partner_manager,"
            "membership_loyalty.membership_loyalty_group_cashier",
        )
        member = (
            self.env["res.partner"]
            .with_user(cashier)
            .create({"name": "Tess Till", "phone": "+32 470 44 44 44", "is_member": True})
        )
        sms = member.membership_sms_ids
        self.assertEqual(sms.trigger, "welcome")
        self.assertEqual(sms.create_uid, cashier, "the outbox shows who queued it")
        self.company.membership_sms_purchase = True
        sent = self.Sms.with_user(cashier)._membership_notify("purchase", member, key="o-1")
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent.env.user, cashier)

    def test_manager_edits_member_templates_only(self):
        manager = new_test_user(
            self.env,
            login="sms_tpl_manager",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_manager",
        )
        template = self.env.ref("membership_loyalty.membership_sms_template_birthday")
        template.with_user(manager).body = "Joyeux anniversaire {member.first_name}"
        self.assertIn("Joyeux", template.body)
        other = self.env["sms.template"].create(
            {"name": "Other app", "model_id": self.env.ref("base.model_res_users").id, "body": "x"}
        )
        with self.assertRaises(AccessError):
            other.with_user(manager).body = "y"

    def test_points_expiring_reminder_queued_once_per_batch(self):
        self.company.membership_points_expiry_months = 12
        member = self.make_member()
        account = self.env["membership.account"]._membership_get_account(member, self.company)
        with freeze_time("2025-06-10 09:00:00"):
            account._membership_points_earn(120, "expiring-test:earn")
        with freeze_time("2026-05-20 09:00:00"):  # 21 days before: not yet
            self.assertFalse(self.Sms._membership_cron_points_expiring())
        with freeze_time("2026-06-01 09:00:00"):  # 9 days before the lapse
            first = self.Sms._membership_cron_points_expiring()
            again = self.Sms._membership_cron_points_expiring()
        reminders = member.membership_sms_ids.filtered(lambda s: s.trigger == "points_expiring")
        self.assertEqual(len(reminders), 1)
        self.assertEqual(first, reminders)
        self.assertFalse(again - first)
        self.assertIn("120", reminders.body)

    def test_topup_queues_one_sms_even_when_posted_again(self):
        member = self.make_member()
        account = self.env["membership.account"]._membership_get_account(member, self.company)
        journal = self.env["account.journal"].search(
            [("type", "=", "cash"), ("company_id", "=", self.company.id)], limit=1
        )
        account._membership_wallet_topup(25, "topup-sms-test", journal=journal)
        account._membership_wallet_topup(25, "topup-sms-test", journal=journal)  # a retry
        topups = member.membership_sms_ids.filtered(lambda s: s.trigger == "topup")
        self.assertEqual(len(topups), 1)
        self.assertIn("25", topups.body)
