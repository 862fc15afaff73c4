from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import MembershipCommon


@tagged("post_install", "-at_install")
class TestMembers(MembershipCommon):
    def test_enrolment_numbers_and_dates(self):
        with freeze_time("2026-03-10"):
            partner = self.env["res.partner"].create({"name": "Bo", "is_member": True})
        self.assertTrue(partner.member_number.startswith("M"))
        self.assertEqual(str(partner.member_since), "2026-03-10")
        other = self.env["res.partner"].create({"name": "Cy"})
        self.assertFalse(other.member_number)
        other.is_member = True
        self.assertTrue(other.member_number)
        self.assertNotEqual(other.member_number, partner.member_number)

    def test_phone_normalised_to_e164(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Di",
                "is_member": True,
                "country_id": self.env.ref("base.be").id,
                "phone": "0470 12 34 56",
            }
        )
        self.assertEqual(partner.phone, "+32470123456")
        partner.phone = "+33 6 12 34 56 78"
        self.assertEqual(partner.phone, "+33612345678")

    def test_invalid_phone_at_enrolment_names_the_field(self):
        with self.assertRaisesRegex(ValidationError, "Phone"), self.env.cr.savepoint():
            self.env["res.partner"].create(
                {
                    "name": "Ed",
                    "is_member": True,
                    "country_id": self.env.ref("base.be").id,
                    "phone": "12",
                }
            )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Ed")]))

    def test_invalid_phone_on_import_keeps_row_and_flags(self):
        partner = (
            self.env["res.partner"]
            .with_context(import_file=True)
            .create(
                {
                    "name": "Flo",
                    "is_member": True,
                    "country_id": self.env.ref("base.be").id,
                    "phone": "12",
                }
            )
        )
        self.assertTrue(partner.exists())
        self.assertEqual(partner.phone, "12")
        self.assertTrue(partner.member_phone_invalid)
        partner.phone = "0470 12 34 56"
        self.assertFalse(partner.member_phone_invalid)

    def test_non_member_phone_untouched(self):
        partner = self.env["res.partner"].create({"name": "Gus", "phone": "12"})
        self.assertEqual(partner.phone, "12")

    @freeze_time("2026-06-15")
    def test_age_band_region_birthday_filter(self):
        texas = self.env.ref("base.state_us_44")
        partner = self.env["res.partner"].create(
            {
                "name": "Hal",
                "is_member": True,
                "member_birthdate": "1990-06-20",
                "state_id": texas.id,
                "country_id": self.env.ref("base.us").id,
            }
        )
        self.assertEqual(partner.member_age_band, "35_44")
        self.assertEqual(partner.member_region, texas.name)
        partner.state_id = False
        self.assertEqual(partner.member_region, "United States")
        birthday = self.env["res.partner"].search(
            [("member_birth_month", "=", 6), ("id", "=", partner.id)]
        )
        self.assertEqual(birthday, partner)
        with self.assertRaises(ValidationError):
            partner.member_birthdate = "2030-01-01"

    def test_inactive_filter_uses_setting(self):
        self.company.membership_inactive_days = 30
        with freeze_time("2026-01-01"):
            # Set by paid orders only; the test stands in for one.
            self.member.sudo().member_last_visit = "2026-01-01 10:00:00"
        with freeze_time("2026-01-20"):
            self.assertFalse(
                self.env["res.partner"].search(
                    [("member_inactive", "=", True), ("id", "=", self.member.id)]
                )
            )
        with freeze_time("2026-02-15"):
            found = self.env["res.partner"].search(
                [("member_inactive", "=", True), ("id", "=", self.member.id)]
            )
            self.assertEqual(found, self.member)

    def test_wallet_payout_hook_defaults_to_zero(self):
        self.assertEqual(
            self.member._membership_wallet_payout(self.env["membership.card"], False), 0.0
        )
        self.assertEqual(self.member._membership_earn_multiplier(), 1.0)
