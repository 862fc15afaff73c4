import base64
import csv
import io

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.membership_loyalty.models.membership_card import luhn_check_digit

from .common import MembershipLedgerCommon, level_users, luhn_number

HEADER = ("ref", "name", "phone", "country", "card", "tier", "points", "wallet")


def csv_bytes(rows, header=HEADER, delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


class MemberImportCommon(MembershipLedgerCommon):
    """A shop with wallet books, a card type, a Gold tier, an opening-balance account and a
    Membership Manager who imports."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.be")
        cls.card_type = cls.env["membership.card.type"].create({"name": "Imported"})
        cls.gold = cls.env["membership.tier"].create(
            {"name": "Gold", "threshold": 1000.0, "company_id": cls.company.id}
        )
        cls.opening_account = cls.env["account.account"].create(
            {"name": "Opening balances", "code": "ML3900", "account_type": "equity"}
        )
        cls.manager = level_users(cls.env, "ml_import", ("manager",))["manager"]

    def wizard(self, content, filename="members.csv", user=None, **values):
        env = self.env(user=user or self.manager)
        return env["membership.import.wizard"].create(
            {
                "file": base64.b64encode(content),
                "filename": filename,
                "card_type_id": self.card_type.id,
                "counterpart_account_id": self.opening_account.id,
                **values,
            }
        )

    def figures(self):
        """What an import could change: members, cards, ledger moves, journal entries."""
        return (
            self.env["res.partner"].search_count([("is_member", "=", True)]),
            self.env["membership.card"].search_count([]),
            self.env["membership.points.move"].search_count([]),
            self.env["membership.wallet.move"].search_count([]),
            self.env["account.move"].search_count([]),
        )


@tagged("post_install", "-at_install")
class TestMemberImport(MemberImportCommon):
    def test_dry_run_lists_every_rows_errors_and_writes_nothing(self):
        taken = luhn_number("7100000001")
        self.env["membership.card"].create(
            {"number": taken, "partner_id": self.member.id, "card_type_id": self.card_type.id}
        )
        good = luhn_number("7100000002")
        bad = "7100000003" + str((int(luhn_check_digit("7100000003")) + 1) % 10)
        cases = [
            # (row, column in error, words of the message)
            (["R1", "Bad Phone", "12", "BE", "", "", "", ""], "phone", "Belgium"),
            (["R2", "Luhn", "", "", bad, "", "", ""], "card", "check digit"),
            (["R3", "First", "", "", good, "", "", ""], None, None),
            (["R4", "Twice", "", "", good, "", "", ""], "card", "Duplicate card number"),
            (["R5", "Held", "", "", taken, "", "", ""], "card", "another member"),
            (["R6", "Tierless", "", "", "", "Platinum", "", ""], "tier", "Unknown tier"),
            (["R7", "Owes", "", "", "", "", "-5", ""], "points", "Negative balance"),
            (["R8", "Overdrawn", "", "", "", "", "", "-1.50"], "wallet", "Negative balance"),
            (["R9", "", "", "", "", "", "", ""], "name", "missing"),
            (["R10", "Far", "", "Atlantis", "", "", "", ""], "country", "Unknown country"),
            (["R11", "Words", "", "", "", "", "ten", ""], "points", "Not a number"),
            (["R3", "Copy", "", "", "", "", "", ""], "ref", "twice"),
        ]
        before = self.figures()
        wizard = self.wizard(csv_bytes([row for row, _col, _msg in cases]))
        wizard.action_check()
        self.assertEqual(wizard.state, "checked")
        self.assertEqual(wizard.row_count, len(cases))
        found = {(issue.line, issue.column): issue.message for issue in wizard.issue_ids}
        for line, (row, column, words) in enumerate(cases, start=2):
            with self.subTest(ref=row[0], column=column):
                if column is None:
                    self.assertFalse([key for key in found if key[0] == line], found)
                    continue
                self.assertIn((line, column), found)
                self.assertIn(words.lower(), found[(line, column)].lower())
        self.assertEqual(len(wizard.issue_ids), len(cases) - 1)
        self.assertEqual(self.figures(), before, "a dry run writes nothing")
        with self.assertRaisesRegex(UserError, "nothing was imported"):
            wizard.action_import()
        self.assertEqual(self.figures(), before, "a file with errors imports nothing")

    def test_import_posts_openings_once_and_books_one_entry(self):
        cards = [luhn_number(f"72000000{i}") for i in range(3)]
        content = csv_bytes(
            [
                ["OLD-1", "Lea Import", "0470 12 34 56", "BE", cards[0], "gold", "120", "30.5"],
                ["OLD-2", "Max Import", "+33 6 12 34 56 78", "FR", cards[1], "", "0", "19.5"],
                ["OLD-3", "Noa Import", "", "", cards[2], "", "40.25", ""],
            ]
        )
        wizard = self.wizard(content)
        wizard.action_check()
        self.assertFalse(wizard.issue_ids)
        self.assertEqual((wizard.new_count, wizard.card_count), (3, 3))
        wizard.action_import()
        self.assertEqual(wizard.state, "done")
        members = self.env["res.partner"].search([("ref", "in", ["OLD-1", "OLD-2", "OLD-3"])])
        lea = members.filtered(lambda p: p.ref == "OLD-1")
        self.assertTrue(all(members.mapped("is_member")))
        self.assertTrue(all(members.mapped("member_number")), "each member gets a number")
        # Numbers come from the member sequence, formatted as enrolment formats them, and
        # the next enrolment goes on after them.
        sequence = self.env["ir.sequence"].search([("code", "=", "membership.member")], limit=1)
        after = self.env["ir.sequence"].next_by_code("membership.member")
        numbers = sorted(members.mapped("member_number"))
        self.assertEqual(
            [*numbers, after],
            [sequence.get_next_char(sequence.number_next_actual - 4 + i) for i in range(4)],
        )
        self.assertEqual(lea.phone, "+32470123456", "the phone is stored as E.164")
        self.assertEqual(lea.member_tier_id, self.gold)
        self.assertEqual(
            sorted(members.membership_card_ids.mapped("number")),
            sorted(cards),
            "cards keep numbers",
        )
        self.assertEqual(set(members.membership_card_ids.mapped("state")), {"active"})
        self.assertFalse(
            self.env["membership.sms"].search([("partner_id", "in", members.ids)]),
            "imported members are no newcomers: no welcome SMS",
        )
        accounts = self.env["membership.account"].search([("partner_id", "in", members.ids)])
        self.assertEqual(sum(accounts.mapped("points_balance")), 160.25)
        self.assertEqual(sum(accounts.mapped("wallet_paid_balance")), 50.0)
        self.assertEqual(lea.points_balance, 120.0)
        for moves in (accounts.points_move_ids, accounts.wallet_move_ids):
            self.assertEqual(set(moves.mapped("kind")), {"opening"})
            self.assertTrue(all("Opening balance" in reason for reason in moves.mapped("reason")))
        self.assertFalse(accounts._membership_check_invariant(), "balances == sum of moves")
        entry = wizard.with_env(self.env).opening_move_id
        self.assertEqual(accounts.wallet_move_ids.account_move_id, entry, "ONE opening entry")
        self.assertEqual(entry.state, "posted")
        deposits = entry.line_ids.filtered(lambda line: line.account_id == self.liability_account)
        self.assertEqual(sum(deposits.mapped("credit")) - sum(deposits.mapped("debit")), 50.0)
        opening = entry.line_ids.filtered(lambda line: line.account_id == self.opening_account)
        self.assertEqual(sum(opening.mapped("debit")), 50.0)

        before = self.figures()
        again = self.wizard(content)
        again.action_check()
        self.assertFalse(again.issue_ids, "the same file checks clean a second time")
        self.assertEqual((again.new_count, again.card_count), (0, 0))
        again.action_import()
        self.assertEqual(self.figures(), before, "the same file twice changes nothing")
        self.assertEqual((again.points_total, again.wallet_total), (0.0, 0.0))
        self.assertFalse(again.with_env(self.env).opening_move_id)
        self.assertEqual(sum(accounts.mapped("points_balance")), 160.25)

    def test_xlsx_with_a_saved_template(self):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["Kundennummer", "Name", "Karte", "Punkte", "Guthaben"])
        number = luhn_number("7300000001")
        sheet.append(["K-77", "Ida Sheet", int(number), 15, 12.5])
        data = io.BytesIO()
        book.save(data)
        first = self.wizard(data.getvalue(), filename="export.xlsx")
        first.write(
            {
                "column_ref": "Kundennummer",
                "column_card": "Karte",
                "column_points": "Punkte",
                "column_wallet": "Guthaben",
                "column_phone": False,
                "column_email": False,
                "column_country": False,
                "column_tier": False,
                "template_name": "Old till",
            }
        )
        first.action_save_template()
        template = self.env["membership.import.template"].search([("name", "=", "Old till")])
        self.assertEqual(template.column_ref, "Kundennummer")
        second = self.wizard(data.getvalue(), filename="export.xlsx", template_id=template.id)
        self.assertEqual(second.column_card, "Karte", "the template fills the columns")
        second.action_check()
        self.assertFalse(second.issue_ids)
        second.action_import()
        ida = self.env["res.partner"].search([("ref", "=", "K-77")])
        self.assertEqual(ida.membership_card_ids.number, number, "a numeric cell keeps its digits")
        self.assertEqual((ida.points_balance, ida.wallet_paid_balance), (15.0, 12.5))

    def test_a_missing_column_is_named(self):
        wizard = self.wizard(csv_bytes([["A", "B"]], header=["id", "name"]))
        with self.assertRaisesRegex(UserError, "Column ref"):
            wizard.action_check()
