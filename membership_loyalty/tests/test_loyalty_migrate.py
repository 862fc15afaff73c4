from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import luhn_number
from .test_member_import import MemberImportCommon


@tagged("post_install", "-at_install")
class TestLoyaltyMigrate(MemberImportCommon):
    """A shop running Odoo's own loyalty points and eWallet switches to memberships."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Program = cls.env["loyalty.program"]
        cls.points_program = Program.create({"name": "Old points", "program_type": "loyalty"})
        cls.ewallet = Program.create({"name": "Old eWallet", "program_type": "ewallet"})
        Partner = cls.env["res.partner"]
        cls.zoe = Partner.create({"name": "Zoe Loyal", "phone": "not a phone"})
        cls.yan = Partner.create({"name": "Yan Loyal"})
        cls.number_code = luhn_number("7400000001")
        Card = cls.env["loyalty.card"]
        cls.zoe_points = Card.create(
            {
                "program_id": cls.points_program.id,
                "partner_id": cls.zoe.id,
                "points": 250,
                "code": "044a-1b2c-3d4e",
            }
        )
        cls.yan_points = Card.create(
            {
                "program_id": cls.points_program.id,
                "partner_id": cls.yan.id,
                "points": 80,
                "code": cls.number_code,
            }
        )
        cls.zoe_wallet = Card.create(
            {
                "program_id": cls.ewallet.id,
                "partner_id": cls.zoe.id,
                "points": 42.5,
                "code": "gift zoe",
            }
        )
        # An anonymous card with nothing on it is left behind without a word.
        Card.create({"program_id": cls.points_program.id, "points": 0, "code": "ANON-0"})

    def migrate(self, **values):
        wizard = self.env(user=self.manager)["membership.loyalty.migrate"].create(
            {
                "program_id": self.points_program.id,
                "ewallet_program_id": self.ewallet.id,
                "card_type_id": self.card_type.id,
                "counterpart_account_id": self.opening_account.id,
                **values,
            }
        )
        wizard.action_check()
        return wizard

    def test_points_and_ewallet_become_members_cards_and_openings(self):
        wizard = self.migrate()
        self.assertFalse(wizard.issue_ids)
        self.assertEqual(set(wizard.line_ids.mapped("status")), {"preview"})
        self.assertFalse(self.zoe.is_member, "the dry run writes nothing")
        wizard.action_migrate()
        self.assertTrue(self.zoe.is_member and self.yan.is_member)
        self.assertTrue(self.zoe.member_number)
        self.assertEqual(self.zoe.phone, "not a phone", "the contact is left as it was")
        self.assertEqual((self.zoe.points_balance, self.zoe.wallet_paid_balance), (250.0, 42.5))
        self.assertEqual(self.yan.points_balance, 80.0)
        yan_card = self.yan.membership_card_ids
        self.assertEqual(yan_card.number, self.number_code, "a valid card number stays the number")
        alias_card = self.zoe.membership_card_ids.filtered("chip_uid")
        self.assertEqual(alias_card.chip_uid, "044A1B2C3D4E", "Odoo's code stays as an alias")
        self.assertEqual(
            self.env["membership.card"]._find_by_code("044a-1b2c-3d4e"),
            alias_card,
            "the till finds the member by the old code",
        )
        self.assertEqual(len(self.zoe.membership_card_ids), 1, "one new card is enough")
        self.assertFalse(self.points_program.active or self.ewallet.active, "programs archived")
        report = {line.old_code: line for line in wizard.line_ids}
        self.assertEqual(set(report), {"044a-1b2c-3d4e", self.number_code, "gift zoe"})
        self.assertEqual(report["gift zoe"].wallet, 42.5)
        self.assertEqual(report["044a-1b2c-3d4e"].kept_as, "alias")
        self.assertEqual(report["gift zoe"].kept_as, "existing")
        self.assertEqual(set(wizard.line_ids.mapped("status")), {"moved"})
        accounts = (self.zoe | self.yan).membership_account_ids
        self.assertFalse(accounts._membership_check_invariant())
        deposits = wizard.with_env(self.env).opening_move_id.line_ids.filtered(
            lambda line: line.account_id == self.liability_account
        )
        self.assertEqual(sum(deposits.mapped("credit")), 42.5)

        before = self.figures()
        again = self.migrate()
        again.action_migrate()
        self.assertEqual(self.figures(), before, "migrating twice moves nothing twice")
        self.assertEqual(set(again.line_ids.mapped("status")), {"already"})
        self.assertEqual(self.zoe.points_balance, 250.0)

    def test_an_anonymous_card_with_points_stops_the_migration(self):
        self.env["loyalty.card"].create(
            {"program_id": self.points_program.id, "points": 9, "code": "ANON-9"}
        )
        wizard = self.migrate()
        self.assertEqual(wizard.issue_ids.ref, "ANON-9")
        self.assertIn("no customer", wizard.issue_ids.message)
        before = self.figures()
        with self.assertRaisesRegex(UserError, "cannot move"):
            wizard.action_migrate()
        self.assertEqual(self.figures(), before)
        self.assertTrue(self.points_program.active)
