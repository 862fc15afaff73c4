import json
import time
from datetime import timedelta
from unittest.mock import patch
from uuid import uuid4

from odoo import fields
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .pos_common import MembershipTillSetup
from .test_card_authority import MembershipRpcMixin

ACTIVE_CARD = "900000000019"  # same numbers as static/tests/tours/member_till_tour.js
LOST_CARD = "900000000027"


CHIP_UID = "04A21B3C5D6E80"
READER_OWN_CODE = "7F7F7F7F7F7F7F"


def _push_read(config, code=CHIP_UID, aliases=None):
    """Test-only RPC: the till's reader box sends a read of the member's chip; the server
    checks it and pushes it to the till as it does for a box on the network."""
    device = (
        config.env["membership.reader.device"].sudo().search([("pos_config_id", "=", config.id)])
    )
    event = {
        "id": f"evt-{time.monotonic_ns()}",
        "code": code,
        "reader": "PCD",
        "at": time.time(),
    }
    if aliases:
        event["aliases"] = aliases
    return len(device._receive_reads([event]))


def _push_read_by_alias(config):
    """The reader gives the chip in its own encoding: the code itself is no card's (nor
    any printed form the till knows of it); the box's aliases carry the UID the card was
    enrolled with."""
    return _push_read(config, code=READER_OWN_CODE, aliases=["1234567890", CHIP_UID])


@tagged("post_install", "-at_install")
class TestMembershipMembersAtTheTill(
    MembershipTillSetup, MembershipRpcMixin, TestPointOfSaleHttpCommon
):
    rpc_timeout = 60  # a whole order synced on a loaded machine

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)  # fixtures: the admin of the POS tests is no Membership manager
        company = cls.main_pos_config.company_id
        cls.tea_categ, cls.bread_categ = env["product.category"].create(
            [{"name": "Member Test Tea"}, {"name": "Member Test Bread"}]
        )
        env["product.template"].create(
            [
                {
                    "name": "Member Tea",
                    "list_price": 10.0,
                    "available_in_pos": True,
                    "taxes_id": False,
                    "categ_id": cls.tea_categ.id,
                },
                {
                    "name": "Member Bread",
                    "list_price": 5.0,
                    "available_in_pos": True,
                    "taxes_id": False,
                    "categ_id": cls.bread_categ.id,
                },
            ]
        )
        cls.tea = env["product.product"].search([("name", "=", "Member Tea")])
        cls.gold = env["membership.tier"].create(
            {
                "name": "Gold",
                "company_id": company.id,
                "discount_ids": [(0, 0, {"category_id": cls.tea_categ.id, "discount": 10.0})],
            }
        )
        cls.member, cls.lost_member = env["res.partner"].create(
            [
                {
                    "name": "Ada Member",
                    "is_member": True,
                    "phone": "+32470123456",
                    "country_id": env.ref("base.be").id,
                    "member_tier_id": cls.gold.id,
                    "company_id": company.id,
                },
                {"name": "Larry Lost", "is_member": True, "company_id": company.id},
            ]
        )
        env["res.partner"].create({"name": "Ada Second", "is_member": True})
        env["res.partner"].create({"name": "Bob Plain"})
        card_type = env["membership.card.type"].create(
            {"name": "Virtual", "company_id": company.id}
        )
        cards = env["membership.card"].create(
            [
                {
                    "number": ACTIVE_CARD,
                    "partner_id": cls.member.id,
                    "card_type_id": card_type.id,
                    "company_id": company.id,
                    "chip_uid": CHIP_UID,
                },
                {
                    "number": LOST_CARD,
                    "partner_id": cls.lost_member.id,
                    "card_type_id": card_type.id,
                    "company_id": company.id,
                },
            ]
        )
        cards._membership_transition("activate", "test")
        cards[1]._membership_transition("report_lost", "test")
        env["membership.reader.device"].create(
            {"name": "Till box", "pos_config_id": cls.main_pos_config.id}
        )
        # Balances the member panel shows: 120 points, 35.00 in the wallet.
        account = env["membership.account"]._membership_get_account(cls.member, company)
        account._membership_points_earn(120, "till-test:points")
        cash_journal = env["account.journal"].search(
            [("type", "=", "cash"), ("company_id", "=", company.id)], limit=1
        )
        account._membership_wallet_topup(35, "till-test:wallet", journal=cash_journal)
        cls.account = account
        cls.wallet_method = cls._membership_add_wallet_method(company)

    def _order_payload(self, session, discount=10.0, membership_discount=10.0, uuid=None):
        price = 10.0 * (1 - discount / 100)
        cash = self.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]
        return {
            "uuid": uuid or str(uuid4()),
            "name": "Order member test",
            "session_id": session.id,
            "partner_id": self.member.id,
            "user_id": self.pos_user.id,
            "pricelist_id": self.main_pos_config.pricelist_id.id,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "amount_total": price,
            "amount_paid": price,
            "amount_tax": 0.0,
            "amount_return": 0.0,
            "state": "paid",
            "lines": [
                [
                    0,
                    0,
                    {
                        "product_id": self.tea.id,
                        "qty": 1,
                        "price_unit": 10.0,
                        "discount": discount,
                        "membership_discount": membership_discount,
                        "price_subtotal": price,
                        "price_subtotal_incl": price,
                        "tax_ids": [],
                    },
                ]
            ],
            "payment_ids": [[0, 0, {"amount": price, "payment_method_id": cash.id}]],
        }

    # Server side
    def test_card_rule_in_the_default_nomenclature(self):
        nomenclature = self.env.ref("barcodes.default_barcode_nomenclature")
        for code in (ACTIVE_CARD, "800000000011"):
            self.assertEqual(nomenclature.parse_barcode(code)["type"], "membership_card", code)
        # An EAN-13 product and a longer code starting like a card stay products.
        for code in ("5449000000996", "9000000000190"):
            self.assertEqual(nomenclature.parse_barcode(code)["type"], "product", code)

    def test_lookup_by_card_phone_and_number(self):
        session = self._session()
        by_card = session.membership_pos_lookup(code=ACTIVE_CARD)
        self.assertEqual(by_card["status"], "ok")
        self.assertEqual(by_card["member"]["partner_id"], self.member.id)
        self.assertEqual(by_card["member"]["tier"], "Gold")
        self.assertEqual(by_card["member"]["card_state"], "active")
        self.assertEqual(by_card["member"]["discounts"], {self.tea_categ.id: 10.0})
        self.assertEqual([p["id"] for p in by_card["records"]["res.partner"]], [self.member.id])
        by_uid = session.membership_pos_lookup(code="04:a2:1b:3c:5d:6e:80")
        self.assertEqual(by_uid["member"]["partner_id"], self.member.id)
        # Typed as the member says it, in the shop's country format.
        self.main_pos_config.company_id.sudo().country_id = self.env.ref("base.be")
        by_phone = session.membership_pos_lookup(query="0470 12 34 56")
        self.assertEqual(by_phone["member"]["partner_id"], self.member.id)
        by_name = session.membership_pos_lookup(query="ada mem")
        self.assertEqual(by_name["member"]["partner_id"], self.member.id)
        several = session.membership_pos_lookup(query="ada")
        self.assertEqual(several["status"], "ambiguous")
        self.assertEqual(
            sorted(c["name"] for c in several["candidates"]), ["Ada Member", "Ada Second"]
        )
        self.assertNotIn("records", several)
        by_number = session.membership_pos_lookup(query=self.member.member_number)
        self.assertEqual(by_number["member"]["partner_id"], self.member.id)

    def test_lost_card_is_refused_with_its_reason(self):
        result = self._session().membership_pos_lookup(code=LOST_CARD)
        self.assertEqual(result["status"], "refused")
        self.assertIn("Lost", result["message"])
        self.assertNotIn("records", result)

    def test_lookup_ignores_another_company_card(self):
        env = self.env(su=True)
        other = env["res.company"].create({"name": "Other Shop"})
        partner = env["res.partner"].create(
            {"name": "Olga Other", "is_member": True, "company_id": other.id}
        )
        card_type = env["membership.card.type"].create({"name": "Other", "company_id": other.id})
        card = (
            env["membership.card"]
            .with_company(other)
            .create(
                {
                    "number": "900000000035",
                    "partner_id": partner.id,
                    "card_type_id": card_type.id,
                    "company_id": other.id,
                }
            )
        )
        card._membership_transition("activate", "test")
        session = self._session()
        self.assertEqual(session.membership_pos_lookup(code=card.number)["status"], "not_found")
        self.assertEqual(session.membership_pos_lookup(query="Olga Other")["status"], "not_found")
        self.assertEqual(
            session.membership_pos_lookup(partner_id=partner.id)["status"], "not_found"
        )

    def test_same_order_synced_twice_counts_one_visit(self):
        session = self._session()
        payload = self._order_payload(session)
        Order = self.env["pos.order"].with_user(self.pos_user)
        Order.sync_from_ui([dict(payload)])
        Order.sync_from_ui([dict(payload)])
        orders = self.env["pos.order"].search([("uuid", "=", payload["uuid"])])
        self.assertEqual(len(orders), 1)
        self.assertEqual(orders.lines.membership_discount, 10.0)
        self.assertEqual(self.member.member_visit_count, 1)
        self.assertAlmostEqual(self.member.member_total_spent, 9.0)
        earned = (
            self.env["membership.points.move"]
            .sudo()
            .search([("pos_order_id", "=", orders.id), ("kind", "=", "earn")])
        )
        self.assertEqual(len(earned), 1, "a re-sent order earns once")
        self.assertGreater(earned.points, 0)

    def test_server_flags_a_discount_beyond_the_tier(self):
        session = self._session()
        Order = self.env["pos.order"].with_user(self.pos_user)
        fair = Order.browse(
            Order.sync_from_ui([self._order_payload(session)])["pos.order"][0]["id"]
        )
        self.assertFalse(fair.membership_discount_review)
        greedy = self._order_payload(session, 30.0, 30.0)
        Order.sync_from_ui([greedy])
        order = self.env["pos.order"].search([("uuid", "=", greedy["uuid"])])
        self.assertEqual(order.state, "paid", "the money was taken: the sale is kept")
        self.assertTrue(order.membership_discount_review)
        self.assertIn("30.0% given, the tier allows 10.0%", order.message_ids[:1].body)
        # Tier removed while the till was offline: its discount is no longer due.
        self.member.sudo().member_tier_id = False
        late = self._order_payload(session)
        Order.sync_from_ui([late])
        self.assertTrue(
            self.env["pos.order"].search([("uuid", "=", late["uuid"])]).membership_discount_review
        )
        # A cashier's own discount, with no member discount claimed, is the POS's business.
        manual = self._order_payload(session, 5.0, 0.0)
        Order.sync_from_ui([manual])
        self.assertFalse(
            self.env["pos.order"].search([("uuid", "=", manual["uuid"])]).membership_discount_review
        )

    # ------------------------------------------------------------------ tier discount boost

    def _boost(self, value=5.0):
        """A running "Tier Discount Boost" campaign targeting the member (no control group)."""
        env = self.env(su=True)
        segment = env["membership.segment"].create(
            {"name": "Boosted", "domain": f"[('id', '=', {self.member.id})]"}
        )
        today = fields.Date.context_today(self.member)
        campaign = env["membership.campaign"].create(
            {
                "name": "Tea week",
                "company_id": self.main_pos_config.company_id.id,
                "segment_id": segment.id,
                "date_from": today - timedelta(days=1),
                "date_to": today + timedelta(days=7),
                "offer_type": "tier_boost",
                "offer_value": value,
                "control_percent": 0.0,
            }
        )
        campaign.action_start()
        return campaign

    def _rpc_sync(self, payload):
        """``pos.order.sync_from_ui`` over HTTP JSON-RPC as the till's user (a POS user
        with no Membership level): the stored order."""
        _result, error = self.rpc(self.pos_user, "pos.order", "sync_from_ui", [payload])
        self.assertIsNone(error)
        self.env.invalidate_all()
        return self.env["pos.order"].search([("uuid", "=", payload["uuid"])])

    def test_tier_discount_boost_at_the_till_and_in_the_sync_check(self):
        campaign = self._boost(5.0)
        session = self._session()
        found = session.membership_pos_lookup(code=ACTIVE_CARD)
        self.assertEqual(found["member"]["discounts"], {self.tea_categ.id: 15.0})
        self.assertEqual(found["member"]["discount_boost"], 5.0)
        boosted = self._rpc_sync(self._order_payload(session, 15.0, 15.0))
        self.assertEqual(boosted.lines.membership_discount, 15.0)
        self.assertFalse(boosted.membership_discount_review, "the boost is due: not flagged")
        forged = self._rpc_sync(self._order_payload(session, 25.0, 25.0))
        self.assertEqual(forged.state, "paid", "the sale is kept")
        self.assertTrue(forged.membership_discount_review)
        self.assertIn("25.0% given, the tier allows 15.0%", forged.message_ids[:1].body)
        # The campaign cancelled while the till kept the boost (offline): flagged.
        campaign.action_cancel()
        late = self._rpc_sync(self._order_payload(session, 15.0, 15.0))
        self.assertTrue(late.membership_discount_review)
        self.assertEqual(
            session.membership_pos_lookup(code=ACTIVE_CARD)["member"]["discounts"],
            {self.tea_categ.id: 10.0},
        )

    def test_tour_tier_discount_boost(self):
        self._boost(5.0)
        self._session()
        self.start_pos_tour("membership_loyalty_member_boost")
        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertAlmostEqual(order.amount_total, 13.5)
        tea = order.lines.filtered(lambda line: line.product_id == self.tea)
        self.assertEqual((tea.discount, tea.membership_discount), (15.0, 15.0))
        self.assertFalse(order.membership_discount_review)

    def _wallet_payload(self, session, amount):
        """A member's order of ``amount`` worth of tea, paid entirely from the wallet."""
        payload = self._order_payload(session, 0.0, 0.0)
        qty = amount / 10.0
        payload["lines"][0][2].update(
            qty=qty, price_subtotal=amount, price_subtotal_incl=amount, membership_discount=0.0
        )
        payload.update(amount_total=amount, amount_paid=amount)
        payload["payment_ids"] = [
            [0, 0, {"amount": amount, "payment_method_id": self.wallet_method.id}]
        ]
        return payload

    def _wallet_spends(self, order):
        return (
            self.env["membership.wallet.move"]
            .sudo()
            .search([("pos_order_id", "=", order.id), ("kind", "=", "spend")])
        )

    def test_offline_wallet_payment_beyond_the_balance_is_flagged(self):
        session = self._session()
        payload = self._wallet_payload(session, 50.0)
        Order = self.env["pos.order"].with_user(self.pos_user)
        Order.sync_from_ui([payload])  # no error: the till took the payment while offline
        order = self.env["pos.order"].search([("uuid", "=", payload["uuid"])])
        self.assertEqual(order.state, "paid", "the sale is kept")
        self.assertTrue(order.membership_wallet_review)
        self.assertIn("lacks", order.message_ids[:1].body)
        self.assertIn("15.00", order.message_ids[:1].body)
        self.assertFalse(self._wallet_spends(order))
        self.account.invalidate_recordset()
        self.assertAlmostEqual(self.account.wallet_balance, 35.0, "never overdrawn")
        flagged = self.env["pos.order"].search([("membership_wallet_review", "=", True)])
        self.assertEqual(flagged, order)

    def test_offline_part_wallet_payment_beyond_the_balance_is_flagged(self):
        # 50.00 from the wallet and 10.00 in cash: the cash earns points, so the order
        # makes one ledger move when the wallet is not taken; it must still be flagged.
        session = self._session()
        payload = self._wallet_payload(session, 60.0)
        cash = self.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]
        payload["payment_ids"] = [
            [0, 0, {"amount": 50.0, "payment_method_id": self.wallet_method.id}],
            [0, 0, {"amount": 10.0, "payment_method_id": cash.id}],
        ]
        self.env["pos.order"].with_user(self.pos_user).sync_from_ui([payload])
        order = self.env["pos.order"].search([("uuid", "=", payload["uuid"])])
        self.assertEqual(order.state, "paid", "the sale is kept")
        self.assertTrue(order.membership_wallet_review, "the wallet part awaits a supervisor")
        self.assertIn("15.00", order.message_ids[:1].body)
        self.assertFalse(self._wallet_spends(order))
        self.assertGreater(order.membership_points_earned, 0.0, "the cash part earned")
        self.account.invalidate_recordset()
        self.assertAlmostEqual(self.account.wallet_balance, 35.0, "never overdrawn")

    def test_the_upgrade_holds_part_wallet_orders_posted_without_their_wallet(self):
        session = self._session()
        Order = self.env["pos.order"].with_user(self.pos_user)
        covered = self._wallet_payload(session, 20.0)
        uncovered = self._wallet_payload(session, 60.0)
        cash = self.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]
        uncovered["payment_ids"] = [
            [0, 0, {"amount": 50.0, "payment_method_id": self.wallet_method.id}],
            [0, 0, {"amount": 10.0, "payment_method_id": cash.id}],
        ]
        Order.sync_from_ui([covered, uncovered])
        orders = self.env["pos.order"].search(
            [("uuid", "in", [covered["uuid"], uncovered["uuid"]])]
        )
        held = orders.filtered("membership_wallet_review")
        self.assertEqual(held.uuid, uncovered["uuid"])
        # as the upgrade runs it: as the superuser
        Flag = self.env["pos.order"].sudo()._membership_flag_uncovered_wallet_orders
        self.assertFalse(Flag() & orders, "an order held at the sync is left as it is")
        # As 19.0.0.3.0 posted it: points earned, nothing taken, nothing held or said.
        held.sudo().message_ids.unlink()
        self.env.cr.execute(
            "UPDATE pos_order SET membership_wallet_review = FALSE WHERE id = %s", [held.id]
        )
        held.invalidate_recordset()
        self.assertEqual(Flag() & orders, held, "only the order whose wallet was not taken")
        self.assertTrue(held.membership_wallet_review)
        self.assertIn("did not cover", held.message_ids[:1].body)
        self.assertFalse(Flag() & orders, "once")

    def test_wallet_payment_within_the_balance_spends_once(self):
        session = self._session()
        payload = self._wallet_payload(session, 20.0)
        Order = self.env["pos.order"].with_user(self.pos_user)
        Order.sync_from_ui([dict(payload)])
        Order.sync_from_ui([dict(payload)])
        order = self.env["pos.order"].search([("uuid", "=", payload["uuid"])])
        self.assertEqual(len(order), 1)
        self.assertFalse(order.membership_wallet_review)
        spends = self._wallet_spends(order)
        self.assertEqual(len(spends), 1, "a re-sent order spends once")
        self.assertAlmostEqual(spends.paid_amount + spends.bonus_amount, -20.0)
        self.account.invalidate_recordset()
        self.assertAlmostEqual(self.account.wallet_balance, 15.0)

    # At the till (headless Chromium)
    def test_tour_scan_member_discount_receipt(self):
        self._session()
        self.start_pos_tour("membership_loyalty_member_scan")
        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertEqual(order.partner_id, self.member)
        self.assertAlmostEqual(order.amount_total, 14.0)
        tea = order.lines.filtered(lambda line: line.product_id == self.tea)
        self.assertEqual((tea.discount, tea.membership_discount), (10.0, 10.0))
        self.assertEqual(self.member.member_visit_count, 1)

    def test_tour_member_search_and_change(self):
        self._session()
        self.start_pos_tour("membership_loyalty_member_change")

    def test_tour_lost_card_refused(self):
        self._session()
        self.start_pos_tour("membership_loyalty_lost_card")

    def test_tour_reader_push_selects_member(self):
        self._session()
        config_class = type(self.env["pos.config"])
        with patch.object(config_class, "membership_test_push_read", _push_read, create=True):
            self.start_pos_tour("membership_loyalty_reader_push")

    def test_tour_reader_push_matched_by_an_alias_selects_member(self):
        self._session()
        config_class = type(self.env["pos.config"])
        push = _push_read_by_alias
        with patch.object(config_class, "membership_test_push_read", push, create=True):
            self.start_pos_tour("membership_loyalty_reader_push")
        read = self.env["membership.reader.event"].sudo().search([], limit=1)
        self.assertEqual((read.code, read.status), (READER_OWN_CODE, "ok"))
        self.assertEqual(read.partner_id, self.member)
        self.assertFalse(read.read_token_hash, "the till turned the read into its member")

    def test_reader_lookup_gives_the_member_the_server_matched(self):
        """The till's lookup of a pushed read answers with the card the box's read was
        matched to (here by an alias), whatever its code would find on its own."""
        session = self._session()
        _push_read_by_alias(self.main_pos_config)
        self.env.cr.precommit.run()  # the bus rows of this transaction
        payload = self.env["bus.bus"].sudo().search([], order="id desc", limit=1)
        read_id = json.loads(payload.message)["payload"]["read_id"]
        self.assertEqual(session.membership_pos_lookup(code=READER_OWN_CODE)["status"], "not_found")
        found = session.membership_pos_reader_lookup(read_id)
        self.assertEqual(found["status"], "ok")
        self.assertEqual(found["member"]["partner_id"], self.member.id)
        self.assertEqual(found["member"]["card_number"], ACTIVE_CARD)

    def test_tour_member_kept_after_reload(self):
        self._session()
        self.start_pos_tour("membership_loyalty_member_reload")

    def test_tour_wallet_payment(self):
        self._session()
        self.start_pos_tour("membership_loyalty_wallet_payment")
        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertEqual(order.partner_id, self.member)
        self.assertAlmostEqual(order.amount_total, 38.0)
        self.assertFalse(order.membership_wallet_review)
        spends = self._wallet_spends(order)
        self.assertEqual(len(spends), 1)
        self.assertAlmostEqual(spends.paid_amount + spends.bonus_amount, -20.0)
        self.account.invalidate_recordset()
        self.assertAlmostEqual(self.account.wallet_balance, 15.0)
