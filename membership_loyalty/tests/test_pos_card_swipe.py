"""Cards as shops have them, read by keyboard-wedge readers at the till: magnetic-stripe
swipes with their sentinels and tracks, and 125 kHz tags typed as decimal numbers. The
till's scan path is the server lookup, called over JSON-RPC as the cashier."""

from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

NUMBER = "800000000011"  # same as static/tests/tours/card_swipe_tour.js
TAG = "1A007B9C3D"  # EM4100 tag: version byte 1A, low 32 bits 0x007B9C3D = 8100925
LOW32_LITTLE = f"{int.from_bytes(bytes.fromhex('007B9C3D'), 'little'):010d}"
UNREADABLE = "The card's stripe could not be read: swipe it again."

# What a reader types at the till, and whom it finds (a partner name) or why it refuses.
TILL_READS = [
    (f";{NUMBER}?", "Ada Swipe"),  # track 2, number only (ISO/IEC 7811)
    (f";{NUMBER}=?", "Ada Swipe"),
    (f"%B{NUMBER}^MEMBER/ADA^?", "Ada Swipe"),  # track 1 without expiry
    (f"%B{NUMBER}^MEMBER/ADA^?;{NUMBER}?", "Ada Swipe"),  # tracks 1 and 2 in one swipe
    (f"%B{NUMBER}^MEMBER/ADA^?;{NUMBER}?+{NUMBER}?\r\n", "Ada Swipe"),  # three tracks, CR LF
    (f";{NUMBER}?:", "Ada Swipe"),  # the LRC after the end sentinel
    (f"%E?;{NUMBER}?", "Ada Swipe"),  # track 1 unreadable, track 2 good
    (f"+01{NUMBER}=724724100000000000030300?", "Ada Swipe"),  # ISO 4909 track 3
    (";6009123412341230=49121010000?", "Bank Bert"),  # ISO/IEC 7813 bank-card layout
    (NUMBER, "Ada Swipe"),  # the printed barcode / QR
    (TAG, "Ada Swipe"),  # a chip reader's hex
    ("3D9C7B001A", "Ada Swipe"),  # reversed bytes
    ("0008100925", "Ada Swipe"),  # 125 kHz wedge: 10 decimal digits (low 32 bits)
    (LOW32_LITTLE, "Ada Swipe"),  # the same, bytes reversed
    ("123,39997", "Ada Swipe"),  # Wiegand-26 facility,number
    ("12339997", "Ada Swipe"),
    ("%E?;E?", ("refused", UNREADABLE)),
    (";E?", ("refused", UNREADABLE)),
    (
        f"%B{NUMBER}^MEMBER/ADA^?;800000000029?",
        ("refused", "The tracks of this card carry different numbers: it was badly encoded."),
    ),
    ("%MEMBER/ADA^?", ("refused", "This card's stripe carries no card number.")),
    (";800000000029?", ("not_found", "No member found for 800000000029.")),
    ("0000000001", ("not_found", "No member found for 0000000001.")),
]


@tagged("post_install", "-at_install")
class TestMembershipCardSwipe(TestPointOfSaleHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)  # fixtures: the admin of the POS tests is no Membership manager
        company = cls.main_pos_config.company_id
        env["product.product"].create(
            {
                "name": "Swipe Water",
                "list_price": 1.0,
                "available_in_pos": True,
                "taxes_id": False,
                "barcode": "5449000000996",
            }
        )
        cls.ada, cls.bert = env["res.partner"].create(
            [
                {"name": "Ada Swipe", "is_member": True, "company_id": company.id},
                {"name": "Bank Bert", "is_member": True, "company_id": company.id},
            ]
        )
        card_type = env["membership.card.type"].create({"name": "Stripe", "company_id": company.id})
        cls.card, bank = env["membership.card"].create(
            [
                {
                    "number": NUMBER,
                    "chip_uid": TAG,
                    "partner_id": cls.ada.id,
                    "card_type_id": card_type.id,
                    "company_id": company.id,
                },
                {
                    "number": "6009123412341230",
                    "partner_id": cls.bert.id,
                    "card_type_id": card_type.id,
                    "company_id": company.id,
                },
            ]
        )
        (cls.card | bank)._membership_transition("activate", "test")

    def _session_id(self):
        self.main_pos_config.with_user(self.pos_user).open_ui()
        return self.main_pos_config.current_session_id.id

    def _lookup_as_cashier(self, session_id, code, field="code"):
        """The till's scan (or its member search field): membership_pos_lookup over
        JSON-RPC, logged in as the cashier."""
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw/pos.session/membership_pos_lookup",
            {
                "model": "pos.session",
                "method": "membership_pos_lookup",
                "args": [[session_id]],
                "kwargs": {field: code},
            },
        )

    def test_wedge_reads_find_the_member_or_say_why_not(self):
        session_id = self._session_id()
        self.authenticate(self.pos_user.login, self.pos_user.login)
        for code, expected in TILL_READS:
            with self.subTest(code=code):
                result = self._lookup_as_cashier(session_id, code)
                if isinstance(expected, tuple):
                    self.assertEqual((result["status"], result["message"]), expected)
                    self.assertNotIn("records", result)
                else:
                    self.assertEqual(result["status"], "ok", result.get("message"))
                    self.assertEqual(result["records"]["res.partner"][0]["name"], expected)
        # Swiped while the cursor is in the member search field: read as the card.
        found = self._lookup_as_cashier(session_id, f"%B{NUMBER}^MEMBER/ADA^?;{NUMBER}?", "query")
        self.assertEqual(found["records"]["res.partner"][0]["name"], "Ada Swipe")
        refused = self._lookup_as_cashier(session_id, "%E?;E?", "query")
        self.assertEqual((refused["status"], refused["message"]), ("refused", UNREADABLE))

    def test_decimal_tag_shared_by_two_cards_finds_neither(self):
        """A typed tag number keeps only the UID's last bytes: when two live cards end
        alike, it names no one rather than the wrong member; the full UID still does."""
        Card = self.env(su=True)["membership.card"]
        other = Card.create(
            {
                "number": "800000000029",
                "chip_uid": "2B007B9C3D",
                "partner_id": self.bert.id,
                "card_type_id": self.card.card_type_id.id,
                "company_id": self.card.company_id.id,
            }
        )
        other._membership_transition("activate", "test")
        self.assertFalse(Card._find_by_code("123,39997"))
        self.assertFalse(Card._find_by_code("0008100925"))
        self.assertEqual(Card._find_by_code(TAG), self.card)
        self.assertEqual(Card._find_by_code("2b:00:7b:9c:3d"), other)

    def test_reader_box_reads_match_the_whole_uid_only(self):
        """A box reads the whole UID: a chip that only ends like Ada's, or whose hex reads
        like one of her tag's printed forms, is nobody's."""
        device = self.env(su=True)["membership.reader.device"].create(
            {"name": "Stripe box", "pos_config_id": self.main_pos_config.id}
        )
        self.assertEqual(device._check_card(TAG)[2], self.ada)
        self.assertEqual(device._check_card("0008100925")[0], "unknown")
        self.assertEqual(device._check_card("FF007B9C3D")[0], "unknown")
        self.assertEqual(
            device._check_card("FF007B9C3D", ["3D9C7B00FF", "0008100925"])[0], "unknown"
        )
        self.assertEqual(
            self.env(su=True)["membership.card"]._find_by_code("0008100925"), self.card
        )

    def test_swipes_and_tags_use_the_card_rule_and_products_keep_theirs(self):
        nomenclature = self.env.ref("barcodes.default_barcode_nomenclature")
        for code in (
            f";{NUMBER}?",
            f"%B{NUMBER}^MEMBER/ADA^?;{NUMBER}?",
            f"+{NUMBER}?",
            "%E?",
            "0008100925",
            "123,39997",
        ):
            self.assertEqual(nomenclature.parse_barcode(code)["type"], "membership_card", code)
        for code in ("5449000000996", "96385074", "036000291452"):  # EAN-13, EAN-8, UPC-A
            self.assertEqual(nomenclature.parse_barcode(code)["type"], "product", code)

    def test_card_form_shows_the_stripe_encoding_and_the_print_carries_the_number(self):
        self.assertEqual(self.card.stripe_encoding, f";{NUMBER}?")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("membership_loyalty.membership_card_report", self.card.ids)[0]
            .decode()
        )
        self.assertIn(f"barcode_type=Code128&amp;value={NUMBER}&amp;", html)
        self.assertIn(f"barcode_type=QR&amp;value={NUMBER}&amp;", html)

    def test_tour_wedge_swipe_gets_the_member_panel(self):
        self._session_id()
        self.start_pos_tour("membership_loyalty_card_swipe", login="pos_user")
