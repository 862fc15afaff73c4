from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .pos_common import MembershipTillSetup

EXPORT_CARD = "900000000043"  # same number as static/tests/tours/member_fiscal_position_tour.js


@tagged("post_install", "-at_install")
class TestMembershipFiscalPositionAtTheTill(MembershipTillSetup, TestPointOfSaleHttpCommon):
    """A member found at the till carries the fiscal position Odoo gives them in the
    till's company (the lookup works it out in its own query), with its tax mapping."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)  # fixtures: the admin of the POS tests is no Membership manager
        company = cls.main_pos_config.company_id
        cls.company = company
        Tax = env["account.tax"]
        cls.vat21 = Tax.create({"name": "Till VAT 21", "amount": 21.0, "company_id": company.id})
        cls.export0 = Tax.create(
            {
                "name": "Till export 0",
                "amount": 0.0,
                "company_id": company.id,
                "original_tax_ids": [(6, 0, cls.vat21.ids)],
            }
        )
        env["product.template"].create(
            {
                "name": "Export Tea",
                "list_price": 10.0,
                "available_in_pos": True,
                "taxes_id": [(6, 0, cls.vat21.ids)],
            }
        )
        us = env.ref("base.us")
        west, east = env["res.country.state"].search([("country_id", "=", us.id)], limit=2)
        group = env["res.country.group"].create(
            {
                "name": "Till group",
                "country_ids": [(6, 0, us.ids)],
                "exclude_state_ids": [(6, 0, east.ids)],
            }
        )
        Fpos = env["account.fiscal.position"]
        base = {"auto_apply": True, "company_id": company.id}
        # Before every fiscal position of the chart, in this order: the member in the
        # east matches only the last one.
        cls.fpos_west, cls.fpos_zip, cls.fpos_group, cls.fpos_export = Fpos.create(
            [
                {**base, "name": "Till West", "sequence": -4, "country_id": us.id,
                 "state_ids": [(6, 0, west.ids)]},
                {**base, "name": "Till Zip", "sequence": -3, "country_id": us.id,
                 "zip_from": "90000", "zip_to": "90999"},
                {**base, "name": "Till Group", "sequence": -2, "country_group_id": group.id},
                {**base, "name": "Till Export", "sequence": -1, "country_id": us.id},
            ]
        )  # fmt: skip
        cls.fpos_export.tax_ids = cls.export0
        Partner = env["res.partner"]
        member = {"is_member": True, "company_id": company.id, "country_id": us.id}
        cls.members = {
            "east": Partner.create({**member, "name": "Eve East", "state_id": east.id,
                                    "zip": "10001"}),
            "west": Partner.create({**member, "name": "Walt West", "state_id": west.id}),
            "zip": Partner.create({**member, "name": "Zoe Zip", "zip": "90210"}),
            "manual": Partner.create({**member, "name": "Manny Manual", "state_id": east.id}),
            "vat": Partner.create({**member, "name": "Val Vat", "state_id": east.id,
                                   "vat": "US12345"}),
            "nowhere": Partner.create({"is_member": True, "company_id": company.id,
                                       "name": "Nora Nowhere"}),
        }  # fmt: skip
        cls.members["manual"].with_company(company).property_account_position_id = cls.fpos_zip
        cls._membership_active_card(cls.members["east"], EXPORT_CARD, company)

    def _till_fiscal_position(self, result):
        (record,) = result["records"]["res.partner"]
        positions = {p["id"]: p for p in result["records"]["account.fiscal.position"]}
        fpos_id = record["fiscal_position_id"]
        self.assertEqual(set(positions), {fpos_id} if fpos_id else set())
        return fpos_id, positions.get(fpos_id)

    def test_lookup_gives_the_fiscal_position_odoo_gives(self):
        """Each rule (state, zip range, country group and its excluded states, country,
        the partner's own fiscal position, none without a country; a VAT number left to
        the ORM) picks the position Odoo picks for the till's company."""
        session = self._session()
        expected = {
            "east": self.fpos_export,
            "west": self.fpos_west,
            "zip": self.fpos_zip,
            "manual": self.fpos_zip,
            "vat": self.fpos_export,  # decided by the ORM (the VAT rule may ask VIES)
            "nowhere": self.fpos_west.browse(),
        }
        Fpos = self.env["account.fiscal.position"].sudo().with_company(self.company)
        for key, partner in self.members.items():
            fpos_id, record = self._till_fiscal_position(
                session.membership_pos_lookup(partner_id=partner.id)
            )
            odoo = Fpos._get_fiscal_position(partner)
            self.assertEqual(fpos_id or False, odoo.id, key)
            self.assertEqual(fpos_id or False, expected[key].id, key)
        fpos_id, record = self._till_fiscal_position(
            session.membership_pos_lookup(code=EXPORT_CARD)
        )
        self.assertEqual(fpos_id, self.fpos_export.id)
        self.assertEqual(record["tax_map"], {self.vat21.id: [self.export0.id]})

    def test_lookup_gives_the_pricelist_odoo_gives(self):
        """With pricelists on: the pricelist of the member's country group, else the
        first one without countries; a member's own pricelist wins."""
        env = self.env(su=True)
        env.ref("base.group_user").implied_ids |= env.ref("product.group_product_pricelist")
        Pricelist = env["product.pricelist"]
        us = env.ref("base.us")
        group = env["res.country.group"].create({"name": "Till US", "country_ids": us.ids})
        country_list, own_list = Pricelist.create(
            [
                {
                    "name": "Till US prices",
                    "sequence": -2,
                    "country_group_ids": group.ids,
                    "company_id": self.company.id,
                },
                {"name": "Till own prices", "sequence": 50, "company_id": self.company.id},
            ]
        )
        # No default pricelist of the partners' own (the POS tests set one): the country's.
        env["ir.default"].search(
            [("field_id.name", "=", "specific_property_product_pricelist")]
        ).unlink()
        self.env.invalidate_all()
        west = self.members["west"].with_company(self.company)
        west.specific_property_product_pricelist = own_list
        fallback = Pricelist.search(
            [("country_group_ids", "=", False), ("company_id", "in", [self.company.id, False])],
            limit=1,
        )
        session = self._session()
        expected = {"east": country_list, "west": own_list, "nowhere": fallback}
        Pricelist = Pricelist.with_company(self.company)
        for key, pricelist in expected.items():
            partner = self.members[key]
            result = session.membership_pos_lookup(partner_id=partner.id)
            (record,) = result["records"]["res.partner"]
            odoo = Pricelist._get_partner_pricelist_multi(partner.ids)[partner.id]
            self.assertEqual(record["property_product_pricelist"] or False, odoo.id, key)
            self.assertEqual(record["property_product_pricelist"] or False, pricelist.id, key)

    def test_a_changed_tax_mapping_reaches_the_next_lookup(self):
        """The fiscal position is read once and kept: a change of its taxes is seen at once."""
        session = self._session()
        _fpos_id, before = self._till_fiscal_position(
            session.membership_pos_lookup(code=EXPORT_CARD)
        )
        self.assertEqual(before["tax_ids"], self.export0.ids)
        other = self.env(su=True)["account.tax"].create(
            {"name": "Till VAT 6", "amount": 6.0, "company_id": self.company.id}
        )
        self.export0.sudo().original_tax_ids = [(4, other.id)]
        _fpos_id, after = self._till_fiscal_position(
            session.membership_pos_lookup(code=EXPORT_CARD)
        )
        self.assertEqual(
            after["tax_map"],
            {self.vat21.id: [self.export0.id], other.id: [self.export0.id]},
        )
        self.fpos_export.sudo().name = "Till Export (renamed)"
        _fpos_id, renamed = self._till_fiscal_position(
            session.membership_pos_lookup(code=EXPORT_CARD)
        )
        self.assertEqual(renamed["name"], "Till Export (renamed)")

    def test_lookup_of_a_member_with_a_fiscal_position_takes_two_queries(self):
        """Card, member, balances, fiscal position, country and state: one query; the
        partner's own columns: one more (once the fiscal position's record is known)."""
        session = self._session()
        session.membership_pos_lookup(code=EXPORT_CARD)
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        result = session.membership_pos_lookup(code=EXPORT_CARD)
        self.assertEqual(self._till_fiscal_position(result)[0], self.fpos_export.id)
        self.assertLessEqual(self.env.cr.sql_log_count - before, 4)

    def test_tour_member_with_an_automatic_fiscal_position(self):
        """At the till, the member's scanned card applies their fiscal position: the
        export tea is sold without its 21% VAT."""
        self._session()
        self.start_pos_tour("membership_loyalty_member_fiscal_position")
        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertEqual(order.partner_id, self.members["east"])
        self.assertEqual(order.fiscal_position_id, self.fpos_export)
        self.assertAlmostEqual(order.amount_total, 10.0)
        self.assertAlmostEqual(order.amount_tax, 0.0)
