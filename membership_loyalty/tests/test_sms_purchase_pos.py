"""The purchase SMS, end to end: a cashier's till syncs a paid member order over HTTP
JSON-RPC, the server posts it, and the SMS reaches the stand-in gateway (a real HTTP
server on loopback) when the sending cron runs."""

import threading

from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from ..models.membership_sms_gateway import ALLOW_PRIVATE_PARAM
from .pos_common import MembershipTillSetup, order_payload
from .sms_common import GatewayDouble
from .test_card_authority import MembershipRpcMixin

GROUP = "membership_loyalty.membership_loyalty_group_"


@tagged("post_install", "-at_install")
class TestSmsPurchasePos(MembershipTillSetup, MembershipRpcMixin, TestPointOfSaleHttpCommon):
    rpc_timeout = 60  # a whole order synced on a loaded machine may take longer than 12 s

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = GatewayDouble()
        thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        thread.start()
        cls.addClassCleanup(thread.join, 5)
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)
        env = cls.env(su=True)  # fixtures
        company = cls.main_pos_config.company_id
        belgium = env.ref("base.be")
        company.write(
            {
                "country_id": belgium.id,
                "membership_sms_purchase": True,
                "membership_sms_welcome": False,
                "membership_sms_quiet_start": 0.0,
                "membership_sms_quiet_end": 0.0,
                "membership_points_per_unit": 1.0,
            }
        )
        env["ir.config_parameter"].set_param(ALLOW_PRIVATE_PARAM, "1")
        env["membership.sms.gateway"].search([]).active = False
        env["membership.sms.gateway"].create(
            {
                "name": "Stand-in gateway",
                "company_id": company.id,
                "url": cls.server.url,
                "success_pattern": r"^OK\b",
                "credit_pattern": r"credit=([0-9.]+)",
                "timeout": 5.0,
            }
        )
        cls.member = env["res.partner"].create(
            {
                "name": "Pia Purchase",
                "is_member": True,
                "phone": "+32 470 99 88 77",
                "country_id": belgium.id,
                "company_id": company.id,
            }
        )
        cls.walk_in = env["res.partner"].create({"name": "Wally Walk-in", "phone": "+3247099887"})
        cls.tea = env["product.product"].create(
            {"name": "SMS Tea", "list_price": 12.5, "taxes_id": [(5, 0)], "available_in_pos": True}
        )
        cls.cashier = new_test_user(
            env,
            login="smsp_cashier",
            groups=f"base.group_user,point_of_sale.group_pos_user,{GROUP}cashier",
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )

    def sync(self, payload):
        """The till's call: pos.order.sync_from_ui over HTTP as the cashier."""
        _result, error = self.rpc(self.cashier, "pos.order", "sync_from_ui", [payload])
        self.assertIsNone(error)
        self.env.invalidate_all()

    def paid_order(self, session, partner):
        cash = self.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]
        line = {
            "product_id": self.tea.id,
            "qty": 2,
            "price_unit": 12.5,
            "discount": 0.0,
            "price_subtotal": 25.0,
            "price_subtotal_incl": 25.0,
            "tax_ids": [],
        }
        return order_payload(session, partner, self.cashier, [[0, 0, line]], [(cash, 25.0)], 25.0)

    def test_a_paid_member_order_texts_the_member_once(self):
        self.main_pos_config.with_user(self.cashier).open_ui()
        session = self.main_pos_config.current_session_id
        self.server.credit = 100.0
        payload = self.paid_order(session, self.member)
        self.sync(payload)
        self.sync(payload)  # the till sends it again (a lost reply): one order, one SMS
        self.sync(self.paid_order(session, self.walk_in))  # not a member: no SMS
        self.assertFalse(self.server.received, "sent by the cron, not inside the sale")
        self.env["membership.sms"].sudo()._membership_cron_send()
        [request] = self.server.received
        self.assertEqual(request["params"]["to"], "+32470998877")
        self.assertEqual(
            request["params"]["text"],
            "Thank you for your purchase of 25.00, Pia. Your balance: 25.00 points.",
        )
        sms = self.env["membership.sms"].sudo().search([("trigger", "=", "purchase")])
        self.assertEqual(sms.partner_id, self.member)
        self.assertEqual((sms.state, sms.gateway_credit), ("sent", 99.0))
        order = self.env["pos.order"].search([("uuid", "=", payload["uuid"])])
        self.assertEqual(sms.idempotency_key, f"purchase:{order.uuid}:{self.member.id}")

    def test_a_wallet_order_texts_the_balances_it_left(self):
        """The SMS is rendered before the member's account is locked; the balances and
        tier it prints are still those the order left: wallet spent, points earned, the
        tier its spend reached."""
        env = self.env(su=True)  # fixtures
        company = self.main_pos_config.company_id
        company.membership_wallet_earns = True
        env.ref("membership_loyalty.membership_sms_template_purchase").body = (
            "{member.first_name}: {member.amount} paid, wallet {member.wallet}, "
            "{member.points} points, {member.tier}."
        )
        # The order's spend moves the member up: the SMS names the tier it left.
        env["membership.tier"].create(
            {"name": "SMS Silver", "sequence": 50, "threshold": 20.0, "company_id": company.id}
        )
        account = env["membership.account"]._membership_get_account(self.member, company)
        cash = self.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]
        account._membership_wallet_topup(40.0, "sms-purchase-test:topup", journal=cash.journal_id)
        wallet = self._membership_add_wallet_method(company)
        self.main_pos_config.with_user(self.cashier).open_ui()
        session = self.main_pos_config.current_session_id
        payload = self.paid_order(session, self.member)
        payload["payment_ids"] = [[0, 0, {"amount": 25.0, "payment_method_id": wallet.id}]]
        self.sync(payload)
        self.sync(payload)  # re-sent: still one SMS
        sms = self.env["membership.sms"].sudo().search([("trigger", "=", "purchase")])
        self.assertEqual(sms.body, "Pia: 25.00 paid, wallet 15.00, 25.00 points, SMS Silver.")
        self.assertEqual((account.wallet_balance, account.points_balance), (15.0, 25.0))
