from uuid import uuid4

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .pos_common import MembershipTillSetup

CARD = "900000000043"  # same number as static/tests/tours/redeem_tour.js


@tagged("post_install", "-at_install")
class TestMembershipRedeemAtTheTill(MembershipTillSetup, TestPointOfSaleHttpCommon):
    """Selling side of points at the till: earn preview, cash-off, gifts and e-coupons."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)  # fixtures: the admin of the POS tests is no Membership manager
        company = cls.main_pos_config.company_id
        cls.company = company
        tea_categ = env["product.category"].create({"name": "Redeem Test Tea"})
        Template = env["product.template"]
        cls.tea = Template.create(
            {
                "name": "Member Tea",
                "list_price": 10.0,
                "available_in_pos": True,
                "taxes_id": False,
                "categ_id": tea_categ.id,
            }
        ).product_variant_id
        # Neither product is on sale at the till: the till loads them when redeeming.
        # In the tier's discounted category: a cash-off line must still get no tier discount.
        cls.points_product = Template.create(
            {
                "name": "Points discount",
                "type": "service",
                "taxes_id": False,
                "categ_id": tea_categ.id,
            }
        ).product_variant_id
        cls.mug = Template.create(
            {"name": "Member Mug", "is_storable": True, "list_price": 8.0, "taxes_id": False}
        ).product_variant_id
        warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        cls.gift_location = env["stock.location"].create(
            {
                "name": "Test Loyalty Gifts",
                "usage": "internal",
                "location_id": warehouse.view_location_id.id,
                "company_id": company.id,
            }
        )
        env["stock.quant"]._update_available_quantity(cls.mug, cls.gift_location, 1)
        cls.gift = env["membership.gift"].create(
            {
                "product_id": cls.mug.id,
                "points_cost": 30,
                "location_id": cls.gift_location.id,
                "company_id": company.id,
            }
        )
        cls.coupon_program = env["loyalty.program"].create(
            {
                "name": "Member 5 off",
                "program_type": "coupons",
                "company_id": company.id,
                "trigger": "with_code",
                "rule_ids": [(0, 0, {"minimum_amount": 0})],
                "reward_ids": [
                    (0, 0, {"reward_type": "discount", "discount": 5, "required_points": 1})
                ],
            }
        )
        company.write(
            {
                "membership_points_per_unit": 1.0,
                "membership_point_value": 0.1,
                "membership_redeem_min_points": 10,
                "membership_redeem_max_share": 50,
                "membership_points_product_id": cls.points_product.id,
                "membership_coupon_program_id": cls.coupon_program.id,
                "membership_coupon_points_cost": 50,
            }
        )
        gold = env["membership.tier"].create(
            {
                "name": "Gold",
                "company_id": company.id,
                "discount_ids": [(0, 0, {"category_id": tea_categ.id, "discount": 10.0})],
            }
        )
        cls.member = env["res.partner"].create(
            {
                "name": "Rita Redeemer",
                "is_member": True,
                "member_tier_id": gold.id,
                "company_id": company.id,
            }
        )
        cls._membership_active_card(cls.member, CARD, company)
        cls.account = env["membership.account"]._membership_get_account(cls.member, company)
        cls.account._membership_points_earn(120, "redeem-test:points")

    # ------------------------------------------------------------------ helpers

    def _line(self, product, qty, price, **extra):
        total = qty * price
        return [
            0,
            0,
            {
                "uuid": str(uuid4()),
                "product_id": product.id,
                "qty": qty,
                "price_unit": price,
                "discount": 0.0,
                "price_subtotal": total,
                "price_subtotal_incl": total,
                "tax_ids": [],
                **extra,
            },
        ]

    def _payload(self, session, lines):
        total = sum(line[2]["price_subtotal_incl"] for line in lines)
        cash = self.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]
        return {
            "uuid": str(uuid4()),
            "name": "Order redeem test",
            "session_id": session.id,
            "partner_id": self.member.id,
            "user_id": self.pos_user.id,
            "pricelist_id": self.main_pos_config.pricelist_id.id,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "amount_total": total,
            "amount_paid": total,
            "amount_tax": 0.0,
            "amount_return": 0.0,
            "state": "paid",
            "lines": lines,
            "payment_ids": [[0, 0, {"amount": total, "payment_method_id": cash.id}]],
        }

    def _review_supervisor(self):
        return new_test_user(
            self.env(su=True),
            login="redeem_review_supervisor",
            groups="base.group_user,point_of_sale.group_pos_user,"
            "membership_loyalty.membership_loyalty_group_supervisor",
        )

    def _tea_cash_off_and_gift(self, session):
        """30.00 of tea, 5.00 off for points and a mug as a gift."""
        return self._payload(
            session,
            [
                self._line(self.tea, 3, 10.0),
                self._line(self.points_product, 1, -5.0),
                self._line(self.mug, 1, 0.0, membership_gift_id=self.gift.id),
            ],
        )

    def _moves(self, kind=None):
        domain = [("account_id", "=", self.account.id)]
        return (
            self.env["membership.points.move"]
            .sudo()
            .search(domain + ([("kind", "=", kind)] if kind else []))
        )

    def _mug_stock(self):
        return self.env["stock.quant"]._get_available_quantity(self.mug, self.gift_location)

    def _mug_moves(self):
        return self.env["stock.move"].search(
            [("product_id", "=", self.mug.id), ("state", "=", "done")]
        )

    def _balance(self):
        self.account.invalidate_recordset()
        return self.account.points_balance

    # ------------------------------------------------------------------ server

    def test_earn_preview_uses_the_server_rules(self):
        session = self._session()
        preview = session.membership_pos_earn_preview(
            self.member.id, [{"product_id": self.tea.id, "amount": 27.0}]
        )
        self.assertEqual(preview["points"], 27)
        self.env["membership.earn.product.rule"].sudo().create(
            {"product_id": self.tea.id, "multiplier": 2.0, "company_id": self.company.id}
        )
        preview = session.membership_pos_earn_preview(
            self.member.id, [{"product_id": self.tea.id, "amount": 27.0}]
        )
        self.assertEqual(preview["points"], 54, "a product rule of the server applies")
        topup = self.env["product.product"].sudo().create({"name": "Top-up", "type": "service"})
        self.company.sudo().membership_topup_product_id = topup
        preview = session.membership_pos_earn_preview(
            self.member.id,
            [
                {"product_id": self.tea.id, "amount": 27.0},
                {"product_id": topup.id, "amount": 100.0},
            ],
        )
        self.assertEqual(preview["points"], 54, "a wallet top-up earns nothing, as at sync")
        stranger = self.env["res.partner"].create({"name": "Not A Member"})
        with self.assertRaisesRegex(UserError, "not a member"):
            session.membership_pos_earn_preview(stranger.id, [])

    def test_same_payload_synced_twice_posts_once(self):
        session = self._session()
        payload = self._tea_cash_off_and_gift(session)
        order = self._sync(payload)
        again = self._sync(payload)
        self.assertEqual(order, again)
        self.assertEqual(len(order), 1)
        self.assertEqual(self._moves("redeem").mapped("points"), [-50])
        self.assertEqual(self._moves("gift").mapped("points"), [-30], "gift debited once")
        self.assertEqual(self._moves("gift").pos_order_id, order)
        self.assertEqual(self._moves("earn").filtered("pos_order_id").mapped("points"), [25])
        self.assertEqual(self._balance(), 120 - 50 - 30 + 25)
        self.assertFalse(self.account._membership_check_invariant())
        # The receipt's figures come from the ledger.
        self.assertEqual(
            (
                order.membership_points_earned,
                order.membership_points_redeemed,
                order.membership_points_balance,
                order.membership_points_tier,
            ),
            (25, 80, 65, "Gold"),
        )
        # The gift left once, in the order's picking, from the gift location.
        self.assertEqual(self._mug_stock(), 0)
        moves = self._mug_moves()
        self.assertEqual(len(moves), 1, "one stock move for the gift")
        self.assertEqual(moves.location_id, self.gift_location)
        self.assertEqual(moves.picking_id.pos_order_id, order)

    def test_gift_stock_checked_when_chosen(self):
        session = self._session()
        ok = session.membership_pos_redeem_gift_check(self.member.id, self.gift.id, 1)
        self.assertEqual(ok["status"], "ok")
        self.assertEqual(ok["product_id"], self.mug.id)
        two = session.membership_pos_redeem_gift_check(self.member.id, self.gift.id, 2)
        self.assertEqual(two["status"], "refused")
        self.assertIn("out of stock", two["message"])
        options = session.membership_pos_redeem_options(self.member.id)
        self.assertEqual(options["balance"], 120)
        self.assertEqual(
            [(g["name"], g["points_cost"], g["qty_available"]) for g in options["gifts"]],
            [("Member Mug", 30, 1)],
        )
        self.assertEqual(options["coupon"]["points_cost"], 50)

    def test_cash_off_checked_by_the_rules_of_the_sync(self):
        """The till asks the server whether a cash-off fits the order: the minimum, the
        share of the order's sales (a top-up is no sale) and the points the order's other
        redemptions leave; nothing is posted."""
        session = self._session()
        topup = self.env["product.product"].sudo().create({"name": "Top-up", "type": "service"})
        self.company.sudo().membership_topup_product_id = topup
        tea = {"product_id": self.tea.id, "amount": 30.0}

        def check(amount, *lines):
            return session.membership_pos_cash_off_check(self.member.id, amount, list(lines))

        self.assertEqual(check(5.0, tea), {"status": "ok", "message": "", "points": 50.0})
        self.assertIn("At least 10", check(0.5, tea)["message"])
        self.assertIn("at most 50", check(20.0, tea)["message"])
        already = {"product_id": self.points_product.id, "amount": -10.0}
        self.assertIn("at most 50", check(6.0, tea, already)["message"], "15.00 in all")
        topped = check(
            6.0,
            {"product_id": self.tea.id, "amount": 10.0},
            {"product_id": topup.id, "amount": 100.0},
        )
        self.assertIn("at most 50", topped["message"], "a top-up is not part of the share")
        gift = {"product_id": self.mug.id, "amount": 0.0, "gift_id": self.gift.id, "qty": 1}
        refused = check(10.0, tea, gift)
        self.assertEqual(refused["status"], "refused")
        self.assertIn("90.0 available, 100.0 needed", refused["message"])
        self.assertEqual(check(9.0, tea, gift)["status"], "ok")
        self.assertFalse(self._moves("redeem"))
        self.assertEqual(self._balance(), 120)

    def test_cash_off_over_the_limit_kept_and_flagged_at_sync(self):
        session = self._session()
        # 20.00 off a 30.00 order: points pay at most 50% (15.00). The money changed hands
        # at the till: the sale is kept, no points are taken and a supervisor settles it.
        payload = self._payload(
            session, [self._line(self.tea, 3, 10.0), self._line(self.points_product, 1, -20.0)]
        )
        order = self._sync(payload)
        self.assertEqual(order.state, "paid")
        self.assertTrue(order.membership_points_review)
        self.assertIn("at most 50", order.message_ids[:1].body)
        self.assertFalse(self._moves("redeem"))
        self.assertEqual(self._moves("earn").filtered("pos_order_id").mapped("points"), [10])
        self.assertEqual(self._balance(), 130)
        self.assertEqual(order.membership_points_redeemed, 0)

    def test_gift_line_taking_money_off_is_flagged(self):
        session = self._session()
        payload = self._payload(
            session,
            [
                self._line(self.tea, 3, 10.0),
                self._line(self.mug, 1, -5.0, membership_gift_id=self.gift.id),
            ],
        )
        order = self._sync(payload)
        self.assertTrue(order.membership_points_review)
        self.assertIn("cannot take money off", order.message_ids[:1].body)
        self.assertFalse(self._moves("gift"))
        self.assertEqual(self._balance(), 120 + 25)

    def _offline_cash_off_after_points_spent_elsewhere(self):
        """Till A, offline, sells 30.00 with 10.00 cash-off (100 points of the 120); till B
        meanwhile takes 5.00 (50 points) and syncs first: A's cash-off no longer fits."""
        session = self._session()
        offline = self._payload(
            session, [self._line(self.tea, 3, 10.0), self._line(self.points_product, 1, -10.0)]
        )
        self._sync(
            self._payload(
                session,
                [self._line(self.tea, 1, 10.0), self._line(self.points_product, 1, -5.0)],
            )
        )
        self.assertEqual(self._balance(), 120 - 50 + 5)
        return offline, self._sync(offline)

    def test_offline_cash_off_no_longer_covered_is_kept_and_flagged(self):
        offline, order = self._offline_cash_off_after_points_spent_elsewhere()
        self.assertEqual(len(order), 1, "the order is saved: the till stops resending it")
        self.assertEqual(order.state, "paid")
        self.assertTrue(order.membership_points_review)
        self.assertFalse(order.membership_wallet_review)
        self.assertIn("refused when the order was synced", order.message_ids[:1].body)
        self.assertFalse(
            self._moves("redeem").filtered(lambda m: m.pos_order_id == order), "nothing debited"
        )
        # The rest of the order still posts: 30.00 - 10.00 earns 20 points.
        self.assertEqual(self._moves("earn").filtered(lambda m: m.pos_order_id == order).points, 20)
        self.assertEqual(self._balance(), 75 + 20)
        self.assertFalse(self.account._membership_check_invariant())
        self.assertEqual(
            (order.membership_points_earned, order.membership_points_redeemed), (20, 0)
        )
        flagged = self.env["pos.order"].search([("membership_points_review", "=", True)])
        self.assertEqual(flagged, order, "the list filter finds it")
        # Re-sent by the till (it never saw the answer): nothing more.
        messages = len(order.message_ids)
        self.assertEqual(self._sync(offline), order)
        self.assertEqual(len(order.message_ids), messages)
        self.assertEqual(self._balance(), 95)
        self.assertEqual(len(self._moves()), 4)  # opening, B's redeem and earn, A's earn

    def test_settle_points_review_post_now_once_covered(self):
        _offline, order = self._offline_cash_off_after_points_spent_elsewhere()
        supervisor = self._review_supervisor()
        Settle = self.env["membership.wallet.settle"]
        with self.assertRaises(AccessError):
            Settle.with_user(self.pos_user).create({"order_id": order.id}).action_settle()
        wizard = Settle.with_user(supervisor).create({"order_id": order.id, "mode": "post"})
        self.assertTrue(wizard.points_review)
        self.assertEqual(wizard.points_balance, 95)
        with self.assertRaisesRegex(UserError, "points still do not cover"):
            wizard.action_settle()
        self.assertTrue(order.membership_points_review)
        self.assertEqual(self._balance(), 95, "never below what the member holds")
        self.account._membership_points_earn(10, "redeem-test:top-again")
        wizard.action_settle()
        self.assertFalse(order.membership_points_review)
        redeem = self._moves("redeem").filtered(lambda m: m.pos_order_id == order)
        self.assertEqual(redeem.points, -100)
        self.assertEqual(redeem.idempotency_key, f"pos:{order.uuid}:redeem")
        self.assertEqual(self._balance(), 5)
        self.assertEqual(order.membership_points_redeemed, 100)
        self.assertEqual(len(self._moves("earn").filtered(lambda m: m.pos_order_id == order)), 1)
        self.assertIn("settled by", order.message_ids[:1].body)
        with self.assertRaisesRegex(UserError, "nothing held"):
            Settle.with_user(supervisor).create({"order_id": order.id}).action_settle()

    def test_settle_points_review_another_way(self):
        _offline, order = self._offline_cash_off_after_points_spent_elsewhere()
        supervisor = self._review_supervisor()
        wizard = self.env["membership.wallet.settle"].with_user(supervisor)
        with self.assertRaisesRegex(UserError, "Say how"):
            wizard.create({"order_id": order.id, "mode": "other"}).action_settle()
        wizard.create(
            {"order_id": order.id, "mode": "other", "note": "paid the 10.00 in cash"}
        ).action_settle()
        self.assertFalse(order.membership_points_review)
        self.assertIn("paid the 10.00 in cash", order.message_ids[:1].body)
        self.assertFalse(self._moves("redeem").filtered(lambda m: m.pos_order_id == order))
        self.assertEqual(self._balance(), 95)

    def test_coupon_redeemed_once_per_key(self):
        session = self._session()
        order_uuid = str(uuid4())
        first = session.membership_pos_redeem_coupon(self.member.id, order_uuid, 0)
        double_click = session.membership_pos_redeem_coupon(self.member.id, order_uuid, 0)
        self.assertEqual(first["status"], "ok")
        self.assertEqual(double_click["code"], first["code"])
        coupons = self.env["loyalty.card"].sudo().search([("partner_id", "=", self.member.id)])
        self.assertEqual(coupons.mapped("code"), [first["code"]])
        self.assertEqual(coupons.program_id, self.coupon_program)
        self.assertEqual(first["balance"], 70)
        self.assertEqual(self._moves("coupon").mapped("points"), [-50])
        second = session.membership_pos_redeem_coupon(self.member.id, order_uuid, 1)
        self.assertNotEqual(second["code"], first["code"])
        self.assertEqual(self._balance(), 20)
        broke = session.membership_pos_redeem_coupon(self.member.id, order_uuid, 2)
        self.assertEqual(broke["status"], "refused")
        self.assertEqual(self._balance(), 20)
        self.assertEqual(len(self._moves("coupon")), 2)

    def test_coupons_bought_at_the_till_linked_when_the_order_syncs(self):
        session = self._session()
        payload = self._payload(session, [self._line(self.tea, 1, 10.0)])
        uuid = payload["uuid"]
        self.account._membership_points_earn(100, "redeem-test:coupon-link")
        first = session.membership_pos_redeem_coupon(self.member.id, uuid, 0)
        second = session.membership_pos_redeem_coupon(self.member.id, uuid, 1)
        elsewhere = session.membership_pos_redeem_coupon(self.member.id, str(uuid4()), 0)
        self.assertFalse(self._moves("coupon").pos_order_id, "bought before the order exists")
        # The till says how many it bought (a wrong figure reaches only this order's keys).
        payload["membership_points_coupon_count"] = 3
        payload["membership_points_coupon_codes"] = "FORGED"
        order = self._sync(payload)
        linked = self._moves("coupon").filtered(lambda m: m.pos_order_id == order)
        self.assertEqual(
            sorted(linked.loyalty_card_id.mapped("code")), sorted([first["code"], second["code"]])
        )
        self.assertEqual(order.membership_points_coupon_codes, f"{first['code']}, {second['code']}")
        other = self._moves("coupon").filtered(
            lambda m: m.loyalty_card_id.code == elsewhere["code"]
        )
        self.assertFalse(other.pos_order_id)
        self.assertEqual(self._balance(), 220 - 3 * 50 + 10)
        # Re-sent: the same order, the same links, nothing posted again.
        self.assertEqual(self._sync(payload), order)
        self.assertEqual(len(self._moves("coupon")), 3)
        self.assertEqual(self._moves("coupon").pos_order_id, order)
        self.assertEqual(order.membership_points_coupon_codes.count(","), 1)
        self.assertEqual(self._balance(), 80)

    def test_refund_gives_gift_and_cash_off_points_back(self):
        session = self._session()
        payload = self._tea_cash_off_and_gift(session)
        order = self._sync(payload)
        self.assertEqual(self._balance(), 65)
        refund = order._refund()
        context = {"active_ids": refund.ids, "active_id": refund.id}
        cash = self.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]
        self.env["pos.make.payment"].with_context(**context).create(
            {"payment_method_id": cash.id}
        ).with_context(**context).check()
        self.assertEqual(refund.state, "paid")
        self.assertEqual(self._balance(), 120, "earn taken back, cash-off and gift given back")
        self.assertEqual(self._mug_stock(), 1, "the gift is back in the gift location")

    # ------------------------------------------------------------------ at the till

    def test_tour_earn_shown_then_on_the_receipt(self):
        self._session()
        self.start_pos_tour("membership_loyalty_redeem_earn")
        self.assertEqual(self._balance(), 156)

    def test_tour_offline_shows_no_earn_and_refuses_redeeming(self):
        self._session()
        self.start_pos_tour("membership_loyalty_redeem_offline")
        self.assertEqual(self._balance(), 120)

    def test_tour_redeem_cash_off(self):
        self._session()
        self.start_pos_tour("membership_loyalty_redeem_cash_off")
        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertEqual(
            order.lines.filtered(lambda line: line.product_id == self.points_product).price_unit,
            -10,
        )
        self.assertEqual(self._moves("redeem").mapped("points"), [-100])
        self.assertEqual(self._balance(), 37)

    def test_tour_redeem_gift(self):
        self._session()
        self.start_pos_tour("membership_loyalty_redeem_gift")
        gift_line = self.env["pos.order.line"].search([("membership_gift_id", "=", self.gift.id)])
        self.assertEqual((gift_line.product_id, gift_line.price_unit), (self.mug, 0))
        self.assertEqual(self._moves("gift").mapped("points"), [-30])
        self.assertEqual(self._mug_stock(), 0)
        self.assertEqual(len(self._mug_moves()), 1)
        self.assertEqual(self._balance(), 99)

    def test_tour_redeem_coupon(self):
        self._session()
        self.start_pos_tour("membership_loyalty_redeem_coupon")
        coupons = self.env["loyalty.card"].sudo().search([("partner_id", "=", self.member.id)])
        self.assertEqual(len(coupons), 1)
        self.assertEqual(self._balance(), 79)

    def test_tour_coupon_code_on_the_reprinted_receipt(self):
        self._session()
        self.start_pos_tour("membership_loyalty_redeem_coupon_reprint")
        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        coupon = self.env["loyalty.card"].sudo().search([("partner_id", "=", self.member.id)])
        self.assertEqual(order.membership_points_coupon_count, 1)
        self.assertEqual(order.membership_points_coupon_codes, coupon.code)
        self.assertEqual(self._moves("coupon").pos_order_id, order)

    def test_tour_customer_display_shows_the_member(self):
        config = self.main_pos_config
        self.start_tour(
            f"/pos_customer_display/{config.id}/{config.access_token}",
            "membership_loyalty_customer_display",
            login="pos_user",
        )
