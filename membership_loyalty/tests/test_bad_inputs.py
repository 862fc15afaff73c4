"""Bad input at the edges, over real JSON-RPC: every public method of the till answers a
malformed argument with a clear UserError (never a TypeError, KeyError, OverflowError...)
and changes nothing; every configuration value has sane bounds."""

import json
import uuid

from odoo.tests import tagged

from odoo.addons.membership_loyalty.models.membership_card import luhn_check_digit
from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .pos_common import MembershipTillSetup

CLEAR_ERRORS = ("odoo.exceptions.UserError", "odoo.exceptions.ValidationError")
HUGE = 1e308


@tagged("post_install", "-at_install")
class TestBadInputs(MembershipTillSetup, TestPointOfSaleHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)
        cls.company = cls.main_pos_config.company_id
        cls.pos_user.write(
            {
                "group_ids": [
                    (4, cls.env.ref("membership_loyalty.membership_loyalty_group_cashier").id)
                ]
            }
        )
        cls.member = env["res.partner"].create(
            {"name": "Bad Input Member", "is_member": True, "company_id": cls.company.id}
        )
        cls.card = cls._membership_active_card(cls.member, "900000000019", cls.company)

    def _rpc(self, model, method, args, kwargs=None):
        """Call ``model.method`` through /web/dataset/call_kw as the logged-in user; the
        reply's result, or its error."""
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs or {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def _assert_clear_error(self, reply, case):
        self.assertIn("error", reply, f"{case}: accepted ({reply.get('result')!r})")
        name = reply["error"]["data"]["name"]
        self.assertIn(name, CLEAR_ERRORS, f"{case}: {name}: {reply['error']['data']['message']}")

    def _snapshot(self):
        env = self.env(su=True)
        env.invalidate_all()
        return {
            "points moves": env["membership.points.move"].search_count([]),
            "wallet moves": env["membership.wallet.move"].search_count([]),
            "coupons": env["loyalty.card"].search_count([]),
            "pin failures": self.member.membership_pin_failures,
            "sms": env["membership.sms"].search_count([]),
            "orders": env["pos.order"].search_count([]),
        }

    def test_every_till_method_refuses_malformed_arguments(self):
        session = self._session()
        sid, member = [session.id], self.member.id
        order = str(uuid.uuid4())
        product = self.env["product.product"].search([], limit=1).id
        cases = [
            ("membership_pos_lookup", [], {"query": 123}),
            ("membership_pos_lookup", [], {"code": 5}),
            ("membership_pos_lookup", [], {"code": "9" * 5000}),
            ("membership_pos_lookup", [], {"partner_id": "abc"}),
            ("membership_pos_lookup", [], {"partner_id": True}),
            ("membership_pos_lookup", [], {"partner_id": -3}),
            ("membership_pos_lookup", [], {"partner_id": 2**40}),
            ("membership_pos_topup_preview", [member, HUGE], {}),
            ("membership_pos_topup_preview", [member, "10"], {}),
            ("membership_pos_topup_preview", [member, True], {}),
            ("membership_pos_topup_preview", [member, None], {}),
            ("membership_pos_topup_preview", [member, 10.0], {"employee_id": "x"}),
            ("membership_pos_topup_preview", ["abc", 10.0], {}),
            ("membership_pos_pin_verify", [member, "1" * 5000, order, 10.0], {}),
            ("membership_pos_pin_verify", [member, 1234, order, 10.0], {}),
            ("membership_pos_pin_verify", [member, "12a4", order, 10.0], {}),
            ("membership_pos_pin_verify", [member, "1234", None, 10.0], {}),
            ("membership_pos_pin_verify", [member, "1234", "o" * 500, 10.0], {}),
            ("membership_pos_pin_verify", [member, "1234", order, "10"], {}),
            ("membership_pos_pin_verify", [member, "1234", order, -5], {}),
            ("membership_pos_pin_verify", [member, "1234", order, 0.001], {}),
            ("membership_pos_pin_verify", [member, "1234", order, HUGE], {}),
            ("membership_pos_earn_preview", [member, "lines"], {}),
            ("membership_pos_earn_preview", [member, [{"product_id": product}]], {}),
            ("membership_pos_earn_preview", [member, [{"amount": 5}]], {}),
            ("membership_pos_earn_preview", [member, [5]], {}),
            ("membership_pos_earn_preview", [member, [{"product_id": "x", "amount": 1}]], {}),
            (
                "membership_pos_earn_preview",
                [member, [{"product_id": product, "amount": HUGE}]],
                {},
            ),
            ("membership_pos_earn_preview", ["abc", []], {}),
            ("membership_pos_redeem_options", ["abc"], {}),
            ("membership_pos_redeem_options", [None], {}),
            ("membership_pos_redeem_gift_check", [member, 1, None], {}),
            ("membership_pos_redeem_gift_check", [member, 1, -1], {}),
            ("membership_pos_redeem_gift_check", [member, 1, 0], {}),
            ("membership_pos_redeem_gift_check", [member, 1, 0.5], {}),
            ("membership_pos_redeem_gift_check", [member, 1, True], {}),
            ("membership_pos_redeem_gift_check", [member, "gift", 1], {}),
            ("membership_pos_redeem_coupon", [member, None, 0], {}),
            ("membership_pos_redeem_coupon", [member, {"a": 1}, 0], {}),
            ("membership_pos_redeem_coupon", [member, order, -1], {}),
            ("membership_pos_redeem_coupon", [member, order, "0"], {}),
            ("membership_pos_reader_lookup", [None], {}),
            ("membership_pos_reader_lookup", [5], {}),
            ("membership_pos_reader_lookup", ["short"], {}),
            ("membership_pos_reader_lookup", ["x" * 40], {}),
            ("membership_pos_convert_points", [member, order, HUGE], {}),
            ("membership_pos_convert_points", [member, order, "200"], {}),
            ("membership_pos_convert_points", [member, order, -200], {}),
            ("membership_pos_convert_points", [member, order, True], {}),
            ("membership_pos_convert_points", [member, None, 200], {}),
            ("membership_pos_convert_points", [member, order, 200, -1], {}),
            ("membership_pos_convert_points", ["abc", order, 200], {}),
            ("membership_pos_cash_off_check", [member, "5", []], {}),
            ("membership_pos_cash_off_check", [member, HUGE, []], {}),
            ("membership_pos_cash_off_check", [member, 5.0, "lines"], {}),
            ("membership_pos_cash_off_check", [member, 5.0, [{"product_id": product}]], {}),
            (
                "membership_pos_cash_off_check",
                [member, 5.0, [{"product_id": product, "amount": 5, "gift_id": "x"}]],
                {},
            ),
            (
                "membership_pos_cash_off_check",
                [member, 5.0, [{"product_id": product, "amount": 5, "gift_id": 1, "qty": HUGE}]],
                {},
            ),
            ("membership_pos_cash_off_check", ["abc", 5.0, []], {}),
            ("membership_pos_replace_card", [member, None], {}),
            ("membership_pos_replace_card", [member, "x" * 500], {}),
            ("membership_pos_replace_card", [member, "  "], {}),
            ("membership_pos_replace_card", ["abc", "Lost"], {}),
            ("membership_pos_replace_card", [member, "Lost"], {"employee_id": "x"}),
        ]
        before = self._snapshot()
        self.authenticate("pos_user", "pos_user")
        for method, args, kwargs in cases:
            case = f"{method}{tuple(args)}{kwargs}"[:200]
            with self.subTest(case=case):
                self._assert_clear_error(
                    self._rpc("pos.session", method, [sid, *args], kwargs), case
                )
        self.assertEqual(self._snapshot(), before, "a refused call changed something")

    def test_a_synced_order_with_malformed_member_discounts_is_refused(self):
        session = self._session()
        product = self.env["product.product"].search([("available_in_pos", "=", True)], limit=1)

        def order(partner=None, **line):
            values = {"product_id": product.id, "qty": 1, "discount": 10, **line}
            return {
                "uuid": str(uuid.uuid4()),
                "session_id": session.id,
                "partner_id": self.member.id if partner is None else partner,
                "lines": [[0, 0, values]],
            }

        cases = [
            order(membership_discount="ten"),
            order(membership_discount=HUGE),
            order(membership_discount=-5),
            order(membership_discount=[1]),
            order(membership_discount=5, discount="x"),
            order(membership_discount=5, product_id="abc"),
            order(partner="abc", membership_discount=5),
        ]
        before = self._snapshot()
        self.authenticate("pos_user", "pos_user")
        for payload in cases:
            with self.subTest(line=payload["lines"][0][2], partner=payload["partner_id"]):
                self._assert_clear_error(
                    self._rpc("pos.order", "sync_from_ui", [[payload]]), payload["lines"]
                )
        self.assertEqual(self._snapshot(), before)

    def test_tiny_top_ups_are_refused_not_rounded_to_nothing(self):
        self.company.sudo().membership_topup_product_id = self.env["product.product"].create(
            {"name": "Bad input top-up", "type": "service"}
        )
        session = self._session()
        self.authenticate("pos_user", "pos_user")
        for amount in (0.001, 0.0, -5.0):
            reply = self._rpc(
                "pos.session",
                "membership_pos_topup_preview",
                [[session.id], self.member.id, amount],
            )
            self.assertEqual(reply["result"]["status"], "refused", amount)
            self.assertIn("greater than zero", reply["result"]["message"])

    def test_configuration_values_have_sane_bounds(self):
        env = self.env(su=True)
        company = self.env.ref("base.user_admin").company_id  # the one the admin works in
        tier = env["membership.tier"].create({"name": "Bounds tier", "company_id": company.id})
        card_type = env["membership.card.type"].create(
            {"name": "Bounds card", "company_id": company.id}
        )
        member = env["res.partner"].create(
            {"name": "Bounds Member", "is_member": True, "company_id": company.id}
        )
        gateway = env["membership.sms.gateway"].create(
            {"name": "Bounds gateway", "provider": "odoo", "company_id": company.id}
        )
        segment = env["membership.segment"].search([], limit=1)
        digits = "9" * 299
        long_number = digits + luhn_check_digit(digits)
        cases = [
            ("res.company", "write", [[company.id], {"membership_point_value": -1}]),
            ("res.company", "write", [[company.id], {"membership_points_per_unit": 1e9}]),
            ("res.company", "write", [[company.id], {"membership_pin_max_tries": 0}]),
            ("res.company", "write", [[company.id], {"membership_pin_max_tries": 10**6}]),
            ("res.company", "write", [[company.id], {"membership_refund_abuse_ratio": 5}]),
            ("res.company", "write", [[company.id], {"membership_inactive_days": 10**7}]),
            ("res.company", "write", [[company.id], {"membership_wallet_max_topup": 1e15}]),
            ("res.company", "write", [[company.id], {"membership_redeem_min_points": -5}]),
            ("res.company", "write", [[company.id], {"membership_coupon_points_cost": -1}]),
            ("res.company", "write", [[company.id], {"membership_adjust_max_points": 1e15}]),
            ("res.company", "write", [[company.id], {"membership_pin_threshold": 1e15}]),
            ("membership.tier", "write", [[tier.id], {"earn_multiplier": 1e9}]),
            ("membership.tier", "write", [[tier.id], {"window_months": 10**6}]),
            ("membership.tier", "write", [[tier.id], {"entry_reward_points": 1e15}]),
            ("membership.card.type", "write", [[card_type.id], {"validity_months": 10**6}]),
            ("membership.card.type", "write", [[card_type.id], {"amount": 1e15}]),
            ("membership.card.type", "write", [[card_type.id], {"stripe_field": 0}]),
            ("membership.card.type", "write", [[card_type.id], {"stripe_start": 500}]),
            ("membership.card.type", "write", [[card_type.id], {"stripe_length": 40}]),
            ("membership.earn.band", "create", [{"amount_from": 10, "rate": 1e6}]),
            ("membership.earn.band", "create", [{"amount_from": 1e15, "rate": 1}]),
            (
                "membership.wallet.bonus.rule",
                "create",
                [{"amount_from": 1e15, "bonus_amount": 1}],
            ),
            (
                "membership.card",
                "create",
                [{"number": long_number, "partner_id": member.id, "card_type_id": card_type.id}],
            ),
            ("res.partner", "write", [[member.id], {"member_birthdate": "1800-01-01"}]),
            ("res.partner", "write", [[member.id], {"name": ""}]),
            ("res.partner", "write", [[member.id], {"name": "   "}]),
            ("res.partner", "create", [{"name": " ", "is_member": True}]),
            ("membership.sms.gateway", "write", [[gateway.id], {"max_attempts": 10**6}]),
            ("membership.sms.gateway", "write", [[gateway.id], {"retry_delay": 10**9}]),
            (
                "membership.campaign",
                "create",
                [
                    {
                        "name": "Bounds",
                        "date_from": "2026-01-01",
                        "date_to": "2026-02-01",
                        "segment_id": segment.id,
                        "offer_value": 1e12,
                    }
                ],
            ),
        ]
        watched = {
            "res.company": (company, ["membership_point_value", "membership_pin_max_tries"]),
            "membership.tier": (tier, ["earn_multiplier", "window_months"]),
            "membership.card.type": (
                card_type,
                ["validity_months", "amount", "stripe_field", "stripe_start", "stripe_length"],
            ),
            "res.partner": (member, ["name", "member_birthdate"]),
            "membership.sms.gateway": (gateway, ["max_attempts", "retry_delay"]),
        }
        before = {model: rec.read(names) for model, (rec, names) in watched.items()}
        counts = {
            m: env[m].search_count([])
            for m in ("membership.earn.band", "membership.card", "membership.campaign")
        }
        self.authenticate("admin", "admin")
        for model, method, args in cases:
            case = f"{model}.{method}{args}"[:200]
            with self.subTest(case=case):
                self._assert_clear_error(self._rpc(model, method, args), case)
        env.invalidate_all()
        self.assertEqual({m: rec.read(n) for m, (rec, n) in watched.items()}, before)
        self.assertEqual({m: env[m].search_count([]) for m in counts}, counts)
