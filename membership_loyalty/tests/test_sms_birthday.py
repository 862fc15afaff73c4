from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .sms_common import SmsCase


@tagged("post_install", "-at_install")
class TestSmsBirthday(SmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.membership_sms_welcome = False

    def birthday_sms(self, partner):
        return partner.membership_sms_ids.filtered(lambda s: s.trigger == "birthday")

    def test_year_boundary_and_time_zones(self):
        auckland_jan1 = self.make_member(
            name="Aroha", tz="Pacific/Auckland", member_birthdate=date(2000, 1, 1)
        )
        la_dec31 = self.make_member(
            name="Lou",
            phone="+32 470 11 11 11",
            tz="America/Los_Angeles",
            member_birthdate=date(1990, 12, 31),
        )
        auckland_dec31 = self.make_member(
            name="Nia",
            phone="+32 470 22 22 22",
            tz="Pacific/Auckland",
            member_birthdate=date(1985, 12, 31),
        )
        # 31 Dec 23:30 UTC: 1 Jan 12:30 in Auckland, 31 Dec 15:30 in Los Angeles.
        with freeze_time(datetime(2026, 12, 31, 23, 30)):
            self.Sms._membership_cron_birthday()
            self.Sms._membership_cron_birthday()  # a re-run changes nothing
        self.assertEqual(
            self.birthday_sms(auckland_jan1).idempotency_key, f"birthday:2027:{auckland_jan1.id}"
        )
        self.assertEqual(
            self.birthday_sms(la_dec31).idempotency_key, f"birthday:2026:{la_dec31.id}"
        )
        self.assertFalse(self.birthday_sms(auckland_dec31), "already 1 January in Auckland")
        self.assertIn("Happy birthday, Aroha", self.birthday_sms(auckland_jan1).body)
        # Later on 1 January (UTC): still Aroha's birthday locally, but it was sent.
        with freeze_time(datetime(2027, 1, 1, 10, 0)):
            self.Sms._membership_cron_birthday()
        self.assertEqual(len(self.birthday_sms(auckland_jan1)), 1)
        self.assertEqual(len(self.birthday_sms(la_dec31)), 1)
        # A year later, Lou gets the next one.
        with freeze_time(datetime(2027, 12, 31, 23, 30)):
            self.Sms._membership_cron_birthday()
        self.assertEqual(len(self.birthday_sms(la_dec31)), 2)

    def test_earlier_in_the_day_in_auckland(self):
        # 30 Dec 11:30 UTC is 31 Dec 00:30 in Auckland: Nia's birthday starts there first.
        nia = self.make_member(
            name="Nia", tz="Pacific/Auckland", member_birthdate=date(1985, 12, 31)
        )
        lou = self.make_member(
            name="Lou",
            phone="+32 470 11 11 11",
            tz="America/Los_Angeles",
            member_birthdate=date(1990, 12, 31),
        )
        with freeze_time(datetime(2026, 12, 30, 11, 30)):
            self.Sms._membership_cron_birthday()
        self.assertTrue(self.birthday_sms(nia))
        self.assertFalse(self.birthday_sms(lou))

    def test_company_time_zone_when_member_has_none(self):
        self.company.partner_id.tz = "Asia/Tokyo"
        member = self.make_member(tz=False, member_birthdate=date(1970, 6, 2))
        # 1 June 16:00 UTC is already 2 June 01:00 in Tokyo.
        with freeze_time(datetime(2026, 6, 1, 16, 0)):
            self.Sms._membership_cron_birthday()
        self.assertTrue(self.birthday_sms(member))

    def test_leap_day_birthdays(self):
        member = self.make_member(tz="UTC", member_birthdate=date(2004, 2, 29))
        with freeze_time(datetime(2027, 2, 28, 12, 0)):
            self.Sms._membership_cron_birthday()
        self.assertEqual(len(self.birthday_sms(member)), 1)
        with freeze_time(datetime(2028, 2, 28, 12, 0)):
            self.Sms._membership_cron_birthday()
        self.assertEqual(len(self.birthday_sms(member)), 1, "2028 has a 29 February")
        with freeze_time(datetime(2028, 2, 29, 12, 0)):
            self.Sms._membership_cron_birthday()
        self.assertEqual(len(self.birthday_sms(member)), 2)

    def test_only_active_members_of_enabled_companies(self):
        former = self.make_member(tz="UTC", member_birthdate=date(1990, 3, 3))
        former.is_member = False
        member = self.make_member(
            name="Kim", phone="+32 470 33 33 33", tz="UTC", member_birthdate=date(1990, 3, 3)
        )
        self.company.membership_sms_birthday = False
        with freeze_time(datetime(2026, 3, 3, 9, 0)):
            self.Sms._membership_cron_birthday()
        self.assertFalse(self.birthday_sms(member))
        self.company.membership_sms_birthday = True
        with freeze_time(datetime(2026, 3, 3, 9, 0)):
            self.Sms._membership_cron_birthday()
        self.assertTrue(self.birthday_sms(member))
        self.assertFalse(self.birthday_sms(former))
