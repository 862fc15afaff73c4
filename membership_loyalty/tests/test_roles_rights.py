"""Each level's back-office rights, checked as that level: enrolment, balances, tiers."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.membership_loyalty.tests.common import MembershipCommon


@tagged("post_install", "-at_install")
class TestRolesRights(MembershipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Tier = cls.env["membership.tier"]
        cls.bronze = Tier.create({"name": "Bronze", "sequence": 1, "threshold": 0})
        cls.gold = Tier.create({"name": "Gold", "sequence": 3, "threshold": 1000})
        cls.company.country_id = cls.env.ref("base.us")
        cls.company.write(
            {"membership_adjust_max_amount": 40.0, "membership_wallet_max_topup": 300}
        )
        cls.sequence = cls.env["ir.sequence"].search([("code", "=", "membership.member")])

    def enrol(self, user, **vals):
        return self.env["res.partner"].with_user(user).create({"is_member": True, **vals})

    # ------------------------------------------------------------------ enrolment

    def test_cashier_enrols_a_member_with_entry_tier_and_member_since(self):
        # The form sends empty values for the fields it shows: they still get defaults.
        member = self.enrol(self.cashier, name="Nina New", member_since=False, member_tier_id=False)
        self.assertEqual(member.member_tier_id, self.bronze)
        self.assertTrue(member.member_since)
        self.assertTrue(member.member_number)
        member.with_user(self.cashier).write({"email": "nina@example.com"})

    def test_cashier_edits_members_only(self):
        contact = self.env["res.partner"].create({"name": "Plain Contact"})
        with self.assertRaises(AccessError):
            contact.with_user(self.cashier).write({"email": "x@example.com"})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.cashier).create({"name": "Not a member"})
        with self.assertRaises(AccessError):
            contact.with_user(self.cashier).unlink()

    def test_cashier_cannot_set_what_membership_sets(self):
        with self.assertRaises(AccessError):
            self.enrol(self.cashier, name="Gold Digger", member_tier_id=self.gold.id)
        member = self.enrol(self.cashier, name="Eve Member")
        for vals in (
            {"member_tier_id": self.gold.id},
            {"member_number": "M999999"},
            {"member_total_spent": 10000.0},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                member.with_user(self.supervisor).write(vals)
        self.assertEqual(member.member_tier_id, self.bronze)

    def test_national_phone_without_country_names_the_country_and_the_fix(self):
        number = self.sequence.number_next_actual
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.enrol(self.cashier, name="Li Wei", phone="13800138000")
        message = str(caught.exception)
        self.assertIn("United States", message)
        self.assertIn("company's country", message)
        self.assertIn("Country", message)
        self.assertIn("+86", message)
        # The refused enrolment took no member number.
        self.assertEqual(self.sequence.number_next_actual, number)
        member = self.enrol(
            self.cashier,
            name="Li Wei",
            phone="138 0013 8000",
            country_id=self.env.ref("base.cn").id,
        )
        self.assertEqual(member.phone, "+8613800138000")
        self.assertEqual(member.member_number, self.sequence.get_next_char(number))

    def test_national_phone_read_with_the_members_country_else_the_company(self):
        belgian = self.enrol(
            self.cashier, name="Bo", phone="0470 12 34 37", country_id=self.env.ref("base.be").id
        )
        self.assertEqual(belgian.phone, "+32470123437")
        american = self.enrol(self.cashier, name="Al", phone="(650) 253-0000")
        self.assertEqual(american.phone, "+16502530000")

    # ------------------------------------------------------------------ cards

    def test_replace_offers_only_serials_in_stock(self):
        card = self.issue(lot=self.lots[0], journal_id=self.cash_journal.id)
        wizard = (
            self.env["membership.card.replace.wizard"]
            .with_user(self.supervisor)
            .with_context(active_id=card.id)
            .create({"reason": "Broken"})
        )
        self.assertNotIn(self.lots[0], wizard.available_lot_ids)
        self.assertEqual(wizard.available_lot_ids, self.lots[1:])

    def test_supervisor_reads_a_deposit_card_without_its_accounting(self):
        card = self.issue(lot=self.lots[0], journal_id=self.cash_journal.id)
        self.assertTrue(card.payment_ids)
        form = self.env.ref("membership_loyalty.membership_card_view_form")
        Card = self.env["membership.card"].with_user(self.supervisor)
        arch = Card.get_views([(form.id, "form")])["views"]["form"]["arch"]
        self.assertNotIn('name="payment_ids"', arch)
        values = card.with_user(self.supervisor).web_read(
            {"deposit_amount": {}, "partner_id": {"fields": {"display_name": {}}}}
        )
        self.assertEqual(values[0]["deposit_amount"], 20.0)

    def test_cashier_prints_a_card(self):
        card = self.issue(lot=self.lots[0], journal_id=self.cash_journal.id, user=self.cashier)
        html, _type = (
            self.env["ir.actions.report"]
            .with_user(self.cashier)
            ._render_qweb_html("membership_loyalty.membership_card_report", card.ids)
        )
        self.assertIn(card.number, html.decode())
        self.assertIn(self.member.name, html.decode())

    # ------------------------------------------------------------------ balances

    def balance_wizard(self, user, **vals):
        return (
            self.env["membership.balance.wizard"]
            .with_user(user)
            .create({"partner_id": self.member.id, "reason": "Counter", **vals})
        )

    def test_counter_topup_is_a_supervisors_and_posts_once(self):
        with self.assertRaises(AccessError):
            self.balance_wizard(self.cashier, amount=50.0, journal_id=self.cash_journal.id)
        wizard = self.balance_wizard(self.supervisor, amount=50.0, journal_id=self.cash_journal.id)
        wizard.action_confirm()
        wizard.action_confirm()  # a second click posts nothing more
        self.assertEqual(self.member.wallet_paid_balance, 50.0)
        move = self.env["membership.wallet.move"].search([("partner_id", "=", self.member.id)])
        self.assertEqual(len(move), 1)
        self.assertEqual(move.payment_journal_id, self.cash_journal)

    def test_counter_operations_keep_the_settings_limits(self):
        cases = (
            {"amount": 301.0, "journal_id": self.cash_journal.id},  # over the maximum top-up
            {"operation": "wallet", "amount": 41.0},  # over the adjustment limit
            {"operation": "wallet", "amount": -10.0},  # more than the wallet holds
            {"operation": "points", "points": 0.0},
        )
        for vals in cases:
            wizard = self.balance_wizard(self.supervisor, **vals)
            with self.subTest(vals=vals), self.assertRaises(UserError):
                wizard.action_confirm()
        wizard = self.balance_wizard(self.supervisor, operation="wallet", amount=5.0, reason=" ")
        with self.assertRaisesRegex(UserError, "Reason"):
            wizard.action_confirm()
        self.assertFalse(
            self.env["membership.wallet.move"].search([("partner_id", "=", self.member.id)])
        )

    # ------------------------------------------------------------------ tiers

    def test_manual_tier_change_is_a_managers_with_a_reason(self):
        vals = {"partner_id": self.member.id, "tier_id": self.gold.id, "reason": "VIP guest"}
        Wizard = self.env["membership.tier.change.wizard"]
        with self.assertRaises(AccessError):
            Wizard.with_user(self.supervisor).create(vals)
        Wizard.with_user(self.manager).create(vals).action_confirm()
        self.assertEqual(self.member.member_tier_id, self.gold)
        history = self.member.member_tier_history_ids
        self.assertEqual(
            (history.reason, history.note, history.user_id), ("manual", "VIP guest", self.manager)
        )
