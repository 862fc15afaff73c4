from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MembershipLedgerCommon


@tagged("post_install", "-at_install")
class TestMembershipPackageLedger(MembershipLedgerCommon):
    """Prepaid packages outside the till: the ledger, lapsing, reminders and reports."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Account = cls.env["account.account"]
        cls.deferred = Account.create(
            {"name": "Package deferred", "code": "ML2200", "account_type": "liability_current"}
        )
        cls.package_revenue = Account.create(
            {"name": "Package revenue", "code": "ML4200", "account_type": "income"}
        )
        cls.company.write(
            {
                "membership_package_liability_account_id": cls.deferred.id,
                "membership_package_revenue_account_id": cls.package_revenue.id,
            }
        )
        Product = cls.env["product.product"]
        cls.cut = Product.create({"name": "Cut", "type": "service", "list_price": 30})
        cls.dry = Product.create({"name": "Dry", "type": "service", "list_price": 20})
        cls.package_type = cls.env["membership.package.type"].create(
            {
                "name": "3 cuts + 2 dries",
                "price": 100.0,
                "validity_months": 2,
                "line_ids": [
                    (0, 0, {"product_id": cls.cut.id, "uses": 3, "max_per_visit": 1}),
                    (0, 0, {"product_id": cls.dry.id, "uses": 2}),
                ],
            }
        )
        cls.member.write({"is_member": True, "phone": "+32470000001"})

    def _sell(self, key="sale:1", value=100.0):
        with freeze_time("2026-01-10 10:00:00"):
            return self.env["membership.package"]._membership_sell(
                self.package_type, self.member, key, value, fields.Datetime.now()
            )

    def _line(self, package, product):
        return package.line_ids.filtered(lambda line: line.product_id == product)

    def _deferred_balance(self):
        lines = self.env["account.move.line"].search(
            [("account_id", "=", self.deferred.id), ("parent_state", "=", "posted")]
        )
        return -sum(lines.mapped("balance"))

    def test_type_sells_as_a_product_into_deferred_revenue(self):
        product = self.package_type.product_id
        self.assertEqual(product.membership_package_type_id, self.package_type)
        self.assertEqual((product.type, product.lst_price), ("service", 100.0))
        self.assertTrue(product.available_in_pos)
        self.assertEqual(product.property_account_income_id, self.deferred)
        self.package_type.price = 120.0
        self.assertEqual(product.lst_price, 120.0, "the product follows the type's price")
        self.assertEqual(self.package_type.uses_total, 5)

    def test_sale_use_give_back_and_counts(self):
        package = self._sell()
        self.assertEqual(self._sell(), package, "the same sale makes one package")
        self.assertEqual((package.uses_left, package.value_left), (5, 100.0))
        self.assertEqual(package.expire_date, fields.Date.to_date("2026-03-10"))
        cut = self._line(package, self.cut)
        self.assertEqual((cut.uses_left, self._line(package, self.dry).uses_left), (3, 2))
        day = fields.Date.to_date("2026-01-20")
        use = package._membership_use(cut, 1, "use:1", day)
        self.assertEqual(package._membership_use(cut, 1, "use:1", day), use, "posted once")
        self.assertEqual((use.uses, use.amount), (-1, -20.0))
        self.assertEqual((package.uses_left, cut.uses_left, package.value_left), (4, 2, 80.0))
        package._membership_use(cut, 2, "use:2", day)
        with self.assertRaisesRegex(UserError, "0 use"):
            package._membership_use(cut, 1, "use:3", day)
        back = package._membership_give_back(use, 1, "back:1", "refund")
        self.assertEqual((back.uses, back.amount), (1, 20.0))
        with self.assertRaisesRegex(UserError, "already given back"):
            package._membership_give_back(use, 1, "back:2", "refund")
        self.assertEqual((package.uses_left, cut.uses_left, package.value_left), (3, 1, 60.0))
        self.assertFalse(package._membership_check_invariant())

    def test_the_last_use_takes_the_rounding(self):
        package = self._sell(value=100.0)
        values = [
            -package._membership_use(pline, 1, f"use:{pline.id}:{i}", package.date.date()).amount
            for pline in package.line_ids
            for i in range(pline.uses_total)
        ]
        self.assertEqual(sum(values), 100.0)
        self.assertEqual((package.value_left, package.state), (0.0, "used"))

    def test_ledger_is_append_only_and_not_writable_by_staff(self):
        package = self._sell()
        move = package.move_ids[:1]
        with self.assertRaises(UserError):
            move.write({"uses": 99})
        with self.assertRaises(UserError):
            move.unlink()
        with self.assertRaises(UserError):
            package.write({"uses_left": 99})
        with self.assertRaises(AccessError):
            package.with_user(self.supervisor).check_access("write")
        with self.assertRaises(AccessError):
            self.env["membership.package.move"].with_user(self.cashier).create(
                {
                    "package_id": package.id,
                    "package_line_id": package.line_ids[0].id,
                    "kind": "sale",
                    "uses": 5,
                    "idempotency_key": "forged",
                }
            )

    def test_expiry_posts_once_and_the_books_match_the_ledger(self):
        package = self._sell()
        package._membership_use(self._line(package, self.cut), 1, "use:1", package.date.date())
        with freeze_time("2026-03-10"):
            self.assertFalse(self.env["membership.package"]._membership_cron_expire())
        with freeze_time("2026-03-11"):
            moves = self.env["membership.package"]._membership_cron_expire()
            self.assertEqual(sum(moves.mapped("uses")), -4)
            self.assertEqual(sum(moves.mapped("amount")), -80.0)
            self.assertFalse(self.env["membership.package"]._membership_cron_expire(), "once")
            with self.assertRaisesRegex(UserError, "lapsed"):
                package._membership_use(
                    self._line(package, self.dry), 1, "use:late", fields.Date.today()
                )
        self.assertEqual((package.state, package.uses_left, package.value_left), ("expired", 0, 0))
        entries = moves.account_move_id
        self.assertEqual(len(entries), 2, "one entry per service lapsed")
        self.assertEqual(
            sum(
                entries.line_ids.filtered(lambda ml: ml.account_id == self.package_revenue).mapped(
                    "credit"
                )
            ),
            80.0,
        )
        # Outside the till the sale itself was booked by nobody: the deferred account moved
        # by the lapse alone (-80), the ledger by the sale (+100), the use (-20), the lapse.
        self.assertEqual(self._deferred_balance(), -80.0)
        self.assertFalse(package._membership_check_invariant())

    def test_reminder_sms_before_lapsing_once_and_never_after(self):
        package = self._sell()
        Sms = self.env["membership.sms"]
        with freeze_time("2026-02-01"):
            self.assertFalse(Sms._membership_cron_package_expiring(), "too early")
        with freeze_time("2026-03-01"):
            sms = Sms._membership_cron_package_expiring()
            self.assertEqual(len(sms), 1)
            self.assertEqual(sms.trigger, "package_expiring")
            self.assertIn("5 use(s) of your 3 cuts + 2 dries lapse after 2026-03-10", sms.body)
            self.assertFalse(Sms._membership_cron_package_expiring(), "once per package")
            self.assertTrue(package.reminded)
        other = self._sell(key="sale:2")
        with freeze_time("2026-03-11"):
            self.env["membership.package"]._membership_cron_expire()
            self.assertEqual(other.state, "expired")
            self.assertFalse(Sms._membership_cron_package_expiring(), "never after lapsing")

    def test_members_about_to_lapse_feed_a_segment_and_the_report(self):
        package = self._sell()
        segment = self.env.ref("membership_loyalty.membership_segment_package_expiring")
        with freeze_time("2026-02-01"):
            self.assertFalse(self.member in segment._members())
        with freeze_time("2026-02-20"):
            self.assertIn(self.member, segment._members())
            self.assertTrue(self.member.membership_package_expiring)
        package._membership_use(self._line(package, self.dry), 2, "use:dries", package.date.date())
        self.env.flush_all()
        row = self.env["membership.report.package"].search([("id", "=", package.id)])
        self.assertEqual(
            (row.uses_total, row.uses_used, row.uses_left, row.value_left, row.revenue),
            (5, 2, 3, 60.0, 40.0),
        )
        self.assertEqual(self.member.membership_package_active_ids, package)
