from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from ..models.membership_card import luhn_check_digit
from .pos_common import MembershipTillSetup

GROUP = "membership_loyalty.membership_loyalty_group_"
ACTIVE_CARD = "900000000019"  # same numbers as static/tests/tours/till_enrol_tour.js
BLANKS = [base + luhn_check_digit(base) for base in ("80000009001", "80000009002")]


@tagged("post_install", "-at_install")
class TestMembershipTillEnrol(MembershipTillSetup, TestPointOfSaleHttpCommon):
    """The till as the cashier (a POS user who is a Membership Cashier): a new member
    enrolled with a card from blank stock, phones typed in any form, the receipt saying
    why an order earns nothing, and the redeem popup keeping its refusals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)  # fixtures: the admin of the POS tests is no Membership manager
        cls.pos_user.group_ids += env.ref(f"{GROUP}cashier")
        company = cls.main_pos_config.company_id
        company.country_id = env.ref("base.be")
        cls.tea_categ = env["product.category"].create({"name": "Enrol Test Tea"})
        points_product = env["product.product"].create(
            {"name": "Enrol Points Off", "type": "service", "taxes_id": False}
        )
        env["product.template"].create(
            {
                "name": "Member Tea",
                "list_price": 10.0,
                "available_in_pos": True,
                "taxes_id": False,
                "categ_id": cls.tea_categ.id,
            }
        )
        company.write(
            {
                "membership_points_per_unit": 1.0,
                "membership_point_value": 0.1,
                "membership_redeem_min_points": 10,
                "membership_redeem_max_share": 50,
                "membership_points_product_id": points_product.id,
                "membership_wallet_earns": False,
            }
        )
        blank = env.ref("membership_loyalty.product_blank_membership_card")
        cls.card_type = env["membership.card.type"].create(
            {
                "name": "Till Standard",
                "charge_type": "deposit",
                "amount": 5.0,
                "blank_product_id": blank.id,
                "company_id": company.id,
            }
        )
        cls.bronze = env["membership.tier"].create(
            {"name": "Till Bronze", "sequence": 0, "company_id": company.id}
        )
        cls.bronze.card_type_id = cls.card_type
        cls.location = cls.main_pos_config.picking_type_id.default_location_src_id
        cls.lots = env["stock.lot"].create(
            [
                {"name": number, "product_id": blank.id, "company_id": company.id}
                for number in BLANKS
            ]
        )
        for lot in cls.lots:
            env["stock.quant"]._update_available_quantity(blank, cls.location, 1, lot_id=lot)
        be = env.ref("base.be").id
        cls.phone_member, cls.wallet_member = env["res.partner"].create(
            [
                {
                    "name": "Paula Phone",
                    "is_member": True,
                    "phone": "+32 470 12 34 37",
                    "country_id": be,
                    "company_id": company.id,
                },
                {"name": "Walt Wallet", "is_member": True, "company_id": company.id},
            ]
        )
        cls._membership_active_card(cls.wallet_member, ACTIVE_CARD, company)
        account = env["membership.account"]._membership_get_account(cls.wallet_member, company)
        account._membership_points_earn(120, "enrol-test:points")
        cash_journal = env["account.journal"].search(
            [("type", "=", "cash"), ("company_id", "=", company.id)], limit=1
        )
        account._membership_wallet_topup(50, "enrol-test:wallet", journal=cash_journal)
        cls.account = account
        cls._membership_add_wallet_method(company)

    def _members(self):
        return self.env["res.partner"].search_count([("is_member", "=", True)])

    def _in_stock(self):
        return self.env["stock.quant"]._get_available_quantity(
            self.card_type.blank_product_id, self.location, strict=False
        )

    def _rpc(self, login, method, session, **kwargs):
        """``method`` of the session over JSON-RPC, logged in as ``login``: the response."""
        self.authenticate(login, login)
        response = self.opener.post(
            f"{self.base_url()}/web/dataset/call_kw/pos.session/{method}",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {
                    "model": "pos.session",
                    "method": method,
                    "args": [[session.id]],
                    "kwargs": kwargs,
                },
            },
            timeout=60,
        )
        return response.json()

    # Server side, over JSON-RPC as the cashier
    def test_the_employee_at_the_till_is_who_enrolled(self):
        """With Point of Sale HR the employee logged in at the till enrolled the member,
        even without a user of their own: Members per Salesperson counts them; a cashier
        cannot hand a recruit to somebody else over RPC."""
        env = self.env(su=True)
        employee = env["hr.employee"].create({"name": "Erin Employee"})
        self.main_pos_config.write(
            {"module_pos_hr": True, "basic_employee_ids": [(6, 0, employee.ids)]}
        )
        session = self._session()
        result = self._rpc(
            "pos_user",
            "membership_pos_enrol",
            session,
            name="Rita Recruit",
            phone="0470 55 66 78",
            employee_id=employee.id,
        )["result"]
        partner = self.env["res.partner"].browse(result["member"]["partner_id"])
        self.assertEqual(partner.member_enrolled_by_id, employee.work_contact_id)
        [(count,)] = (
            self.env["membership.report.member"]
            .sudo()
            ._read_group(
                [("enrolled_by_id", "=", employee.work_contact_id.id)], [], ["member_count:sum"]
            )
        )
        self.assertEqual(count, 1)
        self.authenticate("pos_user", "pos_user")
        response = self.opener.post(
            f"{self.base_url()}/web/dataset/call_kw/res.partner/write",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {
                    "model": "res.partner",
                    "method": "write",
                    "args": [partner.ids, {"member_enrolled_by_id": self.pos_user.partner_id.id}],
                    "kwargs": {},
                },
            },
        )
        self.assertIn("error", response.json())
        partner.invalidate_recordset()
        self.assertEqual(partner.member_enrolled_by_id, employee.work_contact_id)

    def test_enrol_over_rpc_issues_the_lowest_blank_card(self):
        session = self._session()
        reply = self._rpc(
            "pos_user",
            "membership_pos_enrol",
            session,
            name=" Nora  New ",
            phone="0470 55 66 77",
            email="Nora@Example.com",
            birthdate="1990-05-04",
        )
        result = reply["result"]
        self.assertEqual(result["status"], "ok")
        partner = self.env["res.partner"].browse(result["member"]["partner_id"])
        self.assertEqual(partner.name, "Nora New")
        self.assertEqual(partner.phone, "+32470556677", "read with the shop's country")
        self.assertEqual(partner.email, "nora@example.com")
        self.assertEqual(str(partner.member_birthdate), "1990-05-04")
        self.assertEqual(partner.member_tier_id, self.bronze)
        self.assertTrue(partner.member_since)
        self.assertEqual(partner.user_id, self.pos_user, "the cashier is the salesperson")
        self.assertEqual(partner.member_enrolled_by_id, self.pos_user.partner_id)
        self.assertEqual(partner.member_enrol_config_id, self.main_pos_config)
        card = partner.sudo().membership_card_ids
        self.assertEqual((card.number, card.state), (BLANKS[0], "active"))
        self.assertEqual(self._in_stock(), 1, "the blank card left the shop's stock")
        self.assertFalse(card.sudo().payment_ids, "the deposit is paid on the till's order")
        self.assertEqual(
            card.sudo().deposit_amount,
            0.0,
            "no deposit is held before the order that sells it is paid: an abandoned "
            "order leaves nothing to pay back on a return",
        )
        self.assertEqual(result["charge"]["amount"], 5.0)
        self.assertEqual(
            result["charge"]["product_id"],
            self.env.ref("membership_loyalty.product_membership_card_charge").id,
        )
        self.assertEqual([r["id"] for r in result["records"]["res.partner"]], [partner.id])

    def test_enrol_bad_input_is_refused_and_creates_nothing(self):
        session = self._session()
        members, stock = self._members(), self._in_stock()
        cases = [
            ({"name": "", "phone": "0470 55 66 77"}, "Name"),
            ({"name": {"x": 1}, "phone": "0470 55 66 77"}, "Name"),
            ({"name": "Nora", "phone": "12"}, "not a valid phone number in Belgium"),
            ({"name": "Nora", "phone": ["0470"]}, "Phone"),
            ({"name": "Nora", "phone": "0470 55 66 77", "email": "nora@"}, "Email"),
            ({"name": "Nora", "phone": "0470 55 66 77", "birthdate": "2999-01-01"}, "Birthdate"),
            ({"name": "Nora", "phone": "0470 55 66 77", "birthdate": "yesterday"}, "Birthdate"),
            ({"name": "Paula Again", "phone": "0470 12 34 37"}, "already the phone of member"),
        ]
        for kwargs, message in cases:
            with self.subTest(kwargs=kwargs):
                error = self._rpc("pos_user", "membership_pos_enrol", session, **kwargs)["error"]
                self.assertEqual(error["data"]["name"], "odoo.exceptions.UserError")
                self.assertIn(message, error["data"]["message"])
        self.assertEqual(self._members(), members, "nothing created")
        self.assertEqual(self._in_stock(), stock, "no blank card used")

    def test_enrol_refused_without_the_membership_cashier_group(self):
        session = self._session()
        new_test_user(
            self.env, login="till_pos_only", groups="base.group_user,point_of_sale.group_pos_user"
        )
        members = self._members()
        error = self._rpc(
            "till_pos_only", "membership_pos_enrol", session, name="Nora", phone="0470556677"
        )["error"]
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        self.assertIn("Membership Cashier", error["data"]["message"])
        self.assertEqual(self._members(), members)

    def test_phone_found_in_every_common_form(self):
        session = self._session()
        for typed in (
            "0470 12 34 37",
            "+32 470 12 34 37",
            "0032470123437",
            "32470123437",
            "470-12-34-37",
            "3437",
        ):
            with self.subTest(typed=typed):
                result = session.membership_pos_lookup(query=typed)
                self.assertEqual(result["status"], "ok", result.get("message"))
                self.assertEqual(result["member"]["partner_id"], self.phone_member.id)
        self.assertEqual(session.membership_pos_lookup(query="9999")["status"], "not_found")

    # At the till (headless Chromium), as the cashier
    def test_tour_enrol_at_the_till(self):
        self._session()
        self.start_pos_tour("membership_loyalty_till_enrol")
        partner = self.env["res.partner"].search([("name", "=", "Nina New")])
        self.assertEqual(partner.phone, "+32470998877")
        self.assertEqual(partner.sudo().membership_card_ids.number, BLANKS[0])
        self.assertEqual(partner.sudo().membership_card_ids.state, "active")
        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertEqual(order.partner_id, partner)
        self.assertEqual(order.state, "paid")
        charge = self.env.ref("membership_loyalty.product_membership_card_charge")
        self.assertEqual(order.lines.product_id, charge)
        self.assertAlmostEqual(order.amount_total, 5.0)
        self.assertAlmostEqual(order.amount_paid, 5.0)
        self.assertEqual(
            partner.sudo().membership_card_ids.deposit_amount,
            5.0,
            "the deposit paid on the order is held on the card, refunded on its return",
        )

    def test_tour_phone_search_national(self):
        self._session()
        self.start_pos_tour("membership_loyalty_till_phone_search")

    def test_tour_wallet_order_says_why_it_earns_nothing(self):
        self._session()
        self.start_pos_tour("membership_loyalty_till_wallet_no_points")
        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertEqual(order.membership_points_earned, 0)
        self.account.invalidate_recordset()
        self.assertAlmostEqual(self.account.wallet_balance, 30.0)

    def test_tour_redeem_refusal_keeps_the_popup(self):
        self._session()
        self.start_pos_tour("membership_loyalty_till_redeem_refusal")
        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertAlmostEqual(order.amount_total, 20.0)

    def test_pick_list_and_card_refusals_tell_the_cashier_more(self):
        env = self.env(su=True)
        company = self.main_pos_config.company_id
        twin = env["res.partner"].create(
            {
                "name": "Walt Wallet",
                "is_member": True,
                "phone": "+32 470 11 22 99",
                "country_id": env.ref("base.be").id,
                "city": "Namur",
                "company_id": company.id,
            }
        )
        session = self._session()
        result = session.membership_pos_lookup(query="Walt Wallet")
        self.assertEqual(result["status"], "ambiguous")
        details = {c["partner_id"]: c["details"] for c in result["candidates"]}
        self.assertIn("card …0019", details[self.wallet_member.id])
        self.assertIn("phone …2299", details[twin.id])
        self.assertIn("Namur", details[twin.id])
        lost = self._membership_active_card(twin, "900000000027", company)
        lost._membership_transition("report_lost", "test")
        refused = session.membership_pos_lookup(code=lost.number)
        self.assertEqual(refused["status"], "refused")
        self.assertIn("Lost", refused["message"])
        self.assertIn("Ask a Membership Supervisor to replace or reactivate it", refused["message"])

    def test_settings_warn_of_odoo_loyalty_programs_on_the_till(self):
        config = self.main_pos_config
        env = self.env(su=True)
        env["loyalty.program"].search([]).write({"active": False})
        self.assertFalse(config.membership_loyalty_warning)
        env["loyalty.program"].create(
            {"name": "Odoo Points", "program_type": "loyalty", "pos_config_ids": config.ids}
        )
        config.invalidate_recordset(["membership_loyalty_warning"])
        self.assertIn("Odoo Points", config.membership_loyalty_warning)
