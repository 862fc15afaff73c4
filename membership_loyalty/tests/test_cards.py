from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.membership_loyalty.models.membership_card import luhn_valid

from .common import MembershipCommon, luhn_number


@tagged("post_install", "-at_install")
class TestCards(MembershipCommon):
    def _stock_qty(self, lot):
        return sum(
            self.env["stock.quant"]
            .search([("lot_id", "=", lot.id), ("location_id", "=", self.stock_location.id)])
            .mapped("quantity")
        )

    def test_sequence_number_has_luhn_check_digit(self):
        card = self.issue(card_type=self.plain_type)
        self.assertEqual(card.state, "active")
        self.assertTrue(luhn_valid(card.number))
        self.assertEqual(len(card.number), 12)
        self.assertFalse(luhn_valid(card.number[:-1] + str((int(card.number[-1]) + 1) % 10)))

    def test_bad_number_refused(self):
        with self.assertRaisesRegex(ValidationError, "Number"):
            self.env["membership.card"].create(
                {
                    "number": "123456789012",
                    "partner_id": self.member.id,
                    "card_type_id": self.plain_type.id,
                }
            )

    def test_issue_consumes_blank_serial_with_stock_move(self):
        lot = self.lots[0]
        self.assertEqual(self._stock_qty(lot), 1.0)
        card = self.issue(lot=lot, user=self.cashier)
        self.assertEqual(card.number, lot.name)
        self.assertEqual(card.lot_id, lot)
        self.assertEqual(card.state, "active")
        self.assertEqual(card.deposit_amount, 20.0)
        self.assertEqual(self._stock_qty(lot), 0.0)
        move = (
            self.env["stock.move.line"]
            .search([("lot_id", "=", lot.id), ("state", "=", "done")])
            .move_id
        )
        self.assertEqual(move.location_id, self.stock_location)
        self.assertEqual(move.location_dest_id.usage, "customer")
        self.assertIn(self.cashier.name, " ".join(card.message_ids.mapped("body")))

    def test_issue_same_serial_twice_fails_and_writes_nothing(self):
        lot = self.lots[1]
        self.issue(lot=lot)
        other = self.env["res.partner"].create({"name": "Other", "is_member": True})
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.issue(partner=other, lot=lot)
        self.assertFalse(other.membership_card_ids)

    def test_issue_needs_serial_for_stocked_type(self):
        with self.assertRaisesRegex(UserError, "Serial"):
            self.issue(lot=None)

    def test_issue_to_archived_partner_refused(self):
        self.member.active = False
        with self.assertRaisesRegex(UserError, "archived"):
            self.issue(lot=self.lots[2])

    def test_duplicate_number_and_uid_refused(self):
        card = self.issue(card_type=self.plain_type, chip_uid="04:a2:3b:c4")
        self.assertEqual(card.chip_uid, "04A23BC4")
        with self.assertRaisesRegex(ValidationError, "Chip UID"):
            self.issue(card_type=self.plain_type, chip_uid="04a23bc4")
        with self.assertRaisesRegex(ValidationError, "Number"):
            self.env["membership.card"].create(
                {
                    "number": card.number,
                    "partner_id": self.member.id,
                    "card_type_id": self.plain_type.id,
                }
            )
        with self.assertRaisesRegex(ValidationError, "Chip UID"):
            card.chip_uid = "not-hex!"

    @mute_logger("odoo.sql_db")
    def test_unique_index_guards_database(self):
        card = self.issue(card_type=self.plain_type, chip_uid="AABBCCDD")
        other = self.issue(card_type=self.plain_type)
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env.cr.execute(
                "UPDATE membership_card SET chip_uid = %s WHERE id = %s", (card.chip_uid, other.id)
            )

    def test_uid_reusable_after_return(self):
        card = self.issue(card_type=self.plain_type, chip_uid="A1B2C3D4")
        card._membership_return("Leaving", self.env["account.journal"])
        again = self.issue(card_type=self.plain_type, chip_uid="A1B2C3D4")
        self.assertEqual(self.env["membership.card"]._find_by_code("a1:b2:c3:d4"), again)

    def test_find_by_code_and_check_usable(self):
        card = self.issue(lot=self.lots[3], chip_uid="DEADBEEF")
        find = self.env["membership.card"]._find_by_code
        self.assertEqual(find(card.number), card)
        self.assertEqual(find(" de:ad:be:ef "), card)
        self.assertFalse(find("nothing"))
        self.assertFalse(find(""))
        self.assertTrue(card._check_usable())
        self.env["membership.card.state.wizard"].create(
            {"card_id": card.id, "transition": "report_lost", "reason": "Wallet stolen"}
        ).action_confirm()
        self.assertEqual(card.state, "lost")
        self.assertEqual(find(card.number), card)
        with self.assertRaisesRegex(UserError, "Lost"):
            card._check_usable()

    def test_state_cannot_be_written_directly(self):
        card = self.issue(card_type=self.plain_type)
        with self.assertRaises(UserError):
            card.with_user(self.cashier).write({"state": "draft"})
        with self.assertRaises(UserError):
            card.with_user(self.cashier).write({"number": luhn_number("12345678901")})
        with self.assertRaises(UserError):
            card.with_user(self.cashier).write({"deposit_amount": 45.0})
        with self.assertRaises(UserError):
            self.env["membership.card"].with_user(self.cashier).create(
                {
                    "partner_id": self.member.id,
                    "card_type_id": self.plain_type.id,
                    "state": "active",
                }
            )

    def test_report_lost_twice_refused(self):
        card = self.issue(card_type=self.plain_type)
        wizard = self.env["membership.card.state.wizard"].with_user(self.cashier)
        wizard.create(
            {"card_id": card.id, "transition": "report_lost", "reason": "Lost"}
        ).action_confirm()
        with self.assertRaisesRegex(UserError, "cannot become"):
            wizard.create(
                {"card_id": card.id, "transition": "report_lost", "reason": "Lost again"}
            ).action_confirm()

    def test_transitions_block_expire_reactivate(self):
        card = self.issue(card_type=self.plain_type)
        card.with_user(self.cashier).action_block()
        self.assertEqual(card.state, "blocked")
        with self.assertRaises(AccessError):
            self.env["membership.card.state.wizard"].with_user(self.cashier).create(
                {"card_id": card.id, "transition": "reactivate", "reason": "Found"}
            )
        with self.assertRaises(AccessError):
            card.with_user(self.cashier)._membership_transition("reactivate", "over RPC-like call")
        self.env["membership.card.state.wizard"].with_user(self.supervisor).create(
            {"card_id": card.id, "transition": "reactivate", "reason": "Found it"}
        ).action_confirm()
        self.assertEqual(card.state, "active")
        body = card.message_ids[0].body
        self.assertIn(self.supervisor.name, body)
        self.assertIn("Found it", body)
        card._membership_transition("expire", "test")
        self.assertEqual(card.state, "expired")
        with self.assertRaises(UserError):
            card._check_usable()

    def test_replace_moves_deposit_and_closes_old_card(self):
        old = self.issue(lot=self.lots[0])
        with self.assertRaises(AccessError):
            self.env["membership.card.replace.wizard"].with_user(self.cashier).create(
                {"card_id": old.id, "reason": "Broken"}
            )
        action = (
            self.env["membership.card.replace.wizard"]
            .with_user(self.supervisor)
            .create({"card_id": old.id, "reason": "Broken", "lot_id": self.lots[1].id})
            .action_confirm()
        )
        new = self.env["membership.card"].browse(action["res_id"])
        self.assertEqual(old.state, "replaced")
        self.assertEqual(old.replaced_by_id, new)
        self.assertEqual(new.replaces_id, old)
        self.assertEqual(new.state, "active")
        self.assertEqual(new.number, self.lots[1].name)
        self.assertEqual(new.deposit_amount, 20.0)
        self.assertEqual(old.deposit_amount, 0.0)
        self.assertEqual(self._stock_qty(self.lots[1]), 0.0)
        with self.assertRaises(UserError):
            old._check_usable()
        with self.assertRaises(UserError):
            old._membership_transition("reactivate", "never again")

    def test_replace_returned_card_refused(self):
        card = self.issue(card_type=self.plain_type)
        card._membership_return("Leaving", self.env["account.journal"])
        with self.assertRaisesRegex(UserError, "cannot become"):
            self.env["membership.card.replace.wizard"].with_user(self.supervisor).create(
                {"card_id": card.id, "reason": "Oops"}
            ).action_confirm()

    def test_return_refund_limits(self):
        journal = self.cash_journal
        card = self.issue(lot=self.lots[0])
        wizard = (
            self.env["membership.card.return.wizard"]
            .with_user(self.cashier)
            .create({"card_id": card.id, "reason": "Moving away", "journal_id": journal.id})
        )
        wizard.action_confirm()
        self.assertEqual(card.state, "returned")
        self.assertEqual(card.deposit_amount, 0.0)
        self.assertIn("Moving away", card.message_ids[0].body)
        # Over the cashier limit: the cashier is stopped, the card stays as it was.
        self.card_type.amount = 80.0
        big = self.issue(lot=self.lots[1])
        self.assertEqual(big.deposit_amount, 80.0)
        wizard = (
            self.env["membership.card.return.wizard"]
            .with_user(self.cashier)
            .create({"card_id": big.id, "reason": "Moving", "journal_id": journal.id})
        )
        with self.assertRaisesRegex(AccessError, "limit"), self.env.cr.savepoint():
            wizard.action_confirm()
        big.invalidate_recordset()
        self.assertEqual(big.state, "active")
        self.assertEqual(big.deposit_amount, 80.0)
        self.env["membership.card.return.wizard"].with_user(self.supervisor).create(
            {"card_id": big.id, "reason": "Moving", "journal_id": journal.id}
        ).action_confirm()
        self.assertEqual(big.state, "returned")
        refund = big.payment_ids.filtered(lambda p: p.payment_type == "outbound")
        self.assertEqual(refund.amount, 80.0)
        self.assertEqual(refund.journal_id, journal)
        self.assertNotEqual(refund.state, "draft")

    def test_return_pays_out_the_wallet_within_the_cashier_limit(self):
        card = self.issue(lot=self.lots[2])  # 20.00 deposit
        account = self.env["membership.account"]._membership_get_account(card.partner_id)
        account._membership_wallet_topup(30, "return-test:topup", journal=self.cash_journal)
        self.assertEqual(account.wallet_paid_balance, 30.0)
        # The cashier pays the wallet out on the member's PIN (the card's authority).
        self.env["membership.wallet.pin"].with_user(self.supervisor).create(
            {"partner_id": card.partner_id.id, "pin": "2468"}
        ).action_set_pin()
        self.env["membership.card.return.wizard"].with_user(self.cashier).create(
            {
                "card_id": card.id,
                "reason": "Closing",
                "journal_id": self.cash_journal.id,
                "pin": "2468",
            }
        ).action_confirm()
        self.assertEqual(card.state, "returned")
        self.assertEqual(account.wallet_paid_balance, 0.0)
        payout = account.wallet_move_ids.filtered(lambda m: m.kind == "payout")
        self.assertEqual(payout.paid_amount, -30.0)
        self.assertIn("30.0", card.message_ids[0].body)

    def test_return_over_the_limit_with_the_wallet_needs_a_supervisor(self):
        card = self.issue(lot=self.lots[3])  # 20.00 deposit + 40.00 wallet > 50.00 limit
        account = self.env["membership.account"]._membership_get_account(card.partner_id)
        account._membership_wallet_topup(40, "return-test:topup2", journal=self.cash_journal)
        wizard = (
            self.env["membership.card.return.wizard"]
            .with_user(self.cashier)
            .create({"card_id": card.id, "reason": "Closing", "journal_id": self.cash_journal.id})
        )
        with self.assertRaisesRegex(AccessError, "limit"), self.env.cr.savepoint():
            wizard.action_confirm()
        card.invalidate_recordset()
        account.invalidate_recordset()
        self.assertEqual(card.state, "active")
        self.assertEqual(account.wallet_paid_balance, 40.0)
        self.assertFalse(account.wallet_move_ids.filtered(lambda m: m.kind == "payout"))

    def test_deposit_booked_as_payment_at_issue(self):
        card = self.issue(lot=self.lots[0], user=self.cashier)
        payment = card.sudo().payment_ids
        self.assertEqual(len(payment), 1)
        self.assertEqual(payment.payment_type, "inbound")
        self.assertEqual(payment.amount, 20.0)
        self.assertEqual(payment.partner_id, self.member)
        self.assertEqual(payment.journal_id, self.cash_journal)
        self.assertNotEqual(payment.state, "draft")
        # A replacement carries the deposit over without taking it again.
        new = card.sudo()._membership_replace(
            "Broken", lot=self.lots[1], location=self.stock_location
        )
        self.assertFalse(new.payment_ids)
        self.assertEqual(new.deposit_amount, 20.0)

    def test_deposit_without_journal_writes_nothing(self):
        wizard = self.env["membership.card.issue.wizard"].create(
            {
                "partner_id": self.member.id,
                "card_type_id": self.card_type.id,
                "lot_id": self.lots[0].id,
            }
        )
        wizard.journal_id = False
        with self.assertRaisesRegex(UserError, "Journal"), self.env.cr.savepoint():
            wizard.action_issue()
        self.assertFalse(self.member.membership_card_ids)
        self.assertEqual(self._stock_qty(self.lots[0]), 1.0)

    def test_return_with_deposit_needs_journal(self):
        card = self.issue(lot=self.lots[0])
        with self.assertRaisesRegex(UserError, "Journal"):
            card._membership_return("no journal", self.env["account.journal"])

    def test_negative_deposit_refused(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["membership.card.type"].create(
                {"name": "Bad", "charge_type": "deposit", "amount": -5}
            )

    def test_cashier_cannot_configure_card_types(self):
        with self.assertRaises(AccessError):
            self.env["membership.card.type"].with_user(self.cashier).create({"name": "Mine"})
        self.env["membership.card.type"].with_user(self.manager).create({"name": "Staff"})

    def test_multi_company_isolation(self):
        card = self.issue(card_type=self.plain_type, chip_uid="0102030405")
        other_company = self.env["res.company"].create({"name": "Branch B"})
        user_b = self.env["res.users"].create(
            {
                "name": "Branch cashier",
                "login": "ml_branch_b",
                "company_id": other_company.id,
                "company_ids": [(6, 0, other_company.ids)],
                "group_ids": [
                    (
                        6,
                        0,
                        [
                            self.env.ref("base.group_user").id,
                            self.env.ref("membership_loyalty.membership_loyalty_group_cashier").id,
                        ],
                    )
                ],
            }
        )
        cards_b = self.env["membership.card"].with_user(user_b)
        self.assertFalse(cards_b.search([("id", "=", card.id)]))
        self.assertFalse(cards_b._find_by_code(card.number))
        with self.assertRaises(AccessError):
            card.with_user(user_b).read(["number"])
        # The same UID may live in another company.
        type_b = self.env["membership.card.type"].create(
            {"name": "B", "company_id": other_company.id}
        )
        card_b = (
            self.env["membership.card"]
            .with_company(other_company)
            ._membership_issue(self.member, type_b, other_company, chip_uid="0102030405")
        )
        self.assertEqual(card_b.company_id, other_company)

    def test_expiry_cron(self):
        self.plain_type.validity_months = 12
        card = self.issue(card_type=self.plain_type)
        self.assertTrue(card.expiry_date)
        card.expiry_date = "2000-01-01"
        self.env["membership.card"]._cron_expire_cards()
        self.assertEqual(card.state, "expired")

    def test_card_pdf_renders(self):
        card = self.issue(card_type=self.plain_type)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("membership_loyalty.membership_card_report", card.ids)[0]
            .decode()
        )
        self.assertIn(card.number, html)
        self.assertIn("/report/barcode/?barcode_type=QR", html)
        report = self.env.ref("membership_loyalty.membership_card_report_action")
        self.assertEqual(report.paperformat_id.page_width, 86)

    def test_views_load_for_each_level(self):
        for user in (self.cashier, self.supervisor, self.manager):
            for model in (
                "membership.card",
                "membership.card.type",
                "membership.tier",
                "res.partner",
            ):
                views = (
                    self.env[model].with_user(user).get_views([(False, "list"), (False, "form")])
                )
                self.assertIn("list", views["views"], model)
            action = self.env.ref("membership_loyalty.membership_member_action")
            self.env["res.partner"].with_user(user).get_views(
                [(v.view_id.id, v.view_mode) for v in action.view_ids] + [(False, "search")]
            )
        form = self.env["membership.card"].with_user(self.cashier).get_views([(False, "form")])
        self.assertNotIn("magstripe_data", form["views"]["form"]["arch"])

    def test_issue_from_shop_enrols_and_uses_its_stock(self):
        shop = self.env["pos.config"].sudo().create({"name": "Front shop"})
        newcomer = self.env["res.partner"].create({"name": "New Comer"})
        wizard = self.env["membership.card.issue.wizard"].create(
            {"partner_id": newcomer.id, "card_type_id": self.card_type.id, "pos_config_id": shop.id}
        )
        self.assertEqual(wizard.location_id, shop.picking_type_id.default_location_src_id)
        wizard.lot_id = self.lots[4]
        wizard.action_issue()
        self.assertTrue(newcomer.is_member)
        self.assertTrue(newcomer.member_number)
        self.assertEqual(newcomer.member_enrol_config_id, shop)
        self.assertEqual(newcomer.membership_card_ids.state, "active")
