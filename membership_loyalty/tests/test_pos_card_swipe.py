"""Cards as shops have them, read by keyboard-wedge readers at the till: magnetic-stripe
swipes with their sentinels and tracks, and 125 kHz tags typed as decimal numbers. The
till's scan path is the server lookup, called over JSON-RPC as the cashier. Each card
type says where its stripe keeps the number (track, field, part of the field)."""

import time

from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .common import level_users, luhn_number
from .test_card_authority import MembershipRpcMixin

NUMBER = "800000000011"  # same as static/tests/tours/card_swipe_tour.js
CY = luhn_number("80000000003")  # a card of a type whose number is on track 3
DORA = luhn_number("80000000004")  # ... in the field after "="
EVE = luhn_number("80000000005")  # ... characters 7 to 18 of the track
SHOP = "6280019999"  # what those stripes carry besides the member number
NO_NUMBER_THERE = "This card's stripe carries no card number where its card type keeps it."
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

# With the card types of _layout_clubs as well: stripes whose number only a card type's
# layout finds, and stripes that do not have it where their card type keeps it.
LAYOUT_READS = [
    (f";{SHOP}?+{CY}?", "Cy Track"),  # track 2: the shop's code; track 3: the member
    (f"%B{SHOP}^CLUB/CY^?;{SHOP}?;{CY}?\r\n", "Cy Track"),  # a second ";" track is track 3
    (f";628001={DORA}?", "Dora Field"),
    (f"%B628001^CLUB/DORA^?;628001={DORA}?", "Dora Field"),
    (f";628001{EVE}?", "Eve Part"),
    (f";{CY}?", ("not_found", f"No member found for {CY}.")),  # not where Cy's type reads
    # Dora's number on track 3: read there by the track 3 type, whose card it is not.
    (f";{SHOP}?;{DORA}?", ("not_found", f"No member found for {DORA}.")),
    ("%CLUB/NOBODY^X9?", ("refused", NO_NUMBER_THERE)),
    ("%E?;E?", ("refused", UNREADABLE)),
]


@tagged("post_install", "-at_install")
class TestMembershipCardSwipe(MembershipRpcMixin, TestPointOfSaleHttpCommon):
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

    def _layout_clubs(self):
        """Three card types whose stripes keep the number elsewhere, a member of each."""
        env = self.env(su=True)
        company = self.main_pos_config.company_id
        types = env["membership.card.type"].create(
            [
                {"name": "Track 3 Club", "stripe_track": "3", "company_id": company.id},
                {"name": "Field 2 Club", "stripe_field": 2, "company_id": company.id},
                {
                    "name": "Part Club",
                    "stripe_start": 7,
                    "stripe_length": 12,
                    "company_id": company.id,
                },
            ]
        )
        members = env["res.partner"].create(
            [
                {"name": name, "is_member": True, "company_id": company.id}
                for name in ("Cy Track", "Dora Field", "Eve Part")
            ]
        )
        cards = env["membership.card"].create(
            [
                {
                    "number": number,
                    "partner_id": member.id,
                    "card_type_id": card_type.id,
                    "company_id": company.id,
                }
                for number, member, card_type in zip((CY, DORA, EVE), members, types, strict=True)
            ]
        )
        cards._membership_transition("activate", "test")
        return cards

    def assertReads(self, session_id, reads, field="code", refusals=True):
        for code, expected in reads:
            with self.subTest(code=code, field=field):
                result = self._lookup_as_cashier(session_id, code, field)
                if isinstance(expected, tuple):
                    if expected[0] == "refused" and not refusals:
                        self.assertEqual(result["status"], "refused")
                    else:
                        self.assertEqual((result["status"], result["message"]), expected)
                    self.assertNotIn("records", result)
                else:
                    self.assertEqual(result["status"], "ok", result.get("message"))
                    self.assertEqual(result["records"]["res.partner"][0]["name"], expected)

    def test_wedge_reads_find_the_member_or_say_why_not(self):
        session_id = self._session_id()
        self.authenticate(self.pos_user.login, self.pos_user.login)
        self.assertReads(session_id, TILL_READS)
        # Swiped while the cursor is in the member search field: read as the card.
        found = self._lookup_as_cashier(session_id, f"%B{NUMBER}^MEMBER/ADA^?;{NUMBER}?", "query")
        self.assertEqual(found["records"]["res.partner"][0]["name"], "Ada Swipe")
        refused = self._lookup_as_cashier(session_id, "%E?;E?", "query")
        self.assertEqual((refused["status"], refused["message"]), ("refused", UNREADABLE))

    def test_card_types_layouts_find_numbers_the_default_does_not(self):
        """Card types that keep the number on track 3, in field 2 or in part of a track:
        their stripes find their members at the till's scan and in its search field; the
        default cards are found as before (a stripe none of the types can read is refused,
        with a message that no longer names one layout's reason)."""
        self._layout_clubs()
        session_id = self._session_id()
        self.authenticate(self.pos_user.login, self.pos_user.login)
        self.assertReads(session_id, LAYOUT_READS)
        self.assertReads(session_id, TILL_READS, refusals=False)
        swipes = [(code, expected) for code, expected in LAYOUT_READS if code[0] in "%;+"]
        self.assertReads(session_id, swipes, field="query")

    def _level_users(self):
        company = self.main_pos_config.company_id
        return level_users(
            self.env(su=True),
            "stripe",
            ["cashier", "supervisor", "manager"],
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )

    def test_tour_manager_sets_the_stripe_track_in_the_card_type_form(self):
        self.start_tour(
            "/odoo/action-membership_loyalty.membership_card_type_action",
            "membership_loyalty_card_type_stripe",
            login=self._level_users()["manager"].login,
        )
        self.assertEqual(self.card.card_type_id.stripe_track, "3")
        self.assertEqual(self.card.stripe_encoding, f"+{NUMBER}?")

    def test_only_a_manager_sets_where_the_stripe_keeps_the_number(self):
        """Over JSON-RPC: a cashier or supervisor cannot change or create a card type's
        stripe layout; the manager can, and the till then reads that track only."""
        company = self.main_pos_config.company_id
        users = self._level_users()
        card_type = self.card.card_type_id
        for level in ("cashier", "supervisor"):
            with self.subTest(level=level):
                _result, error = self.rpc(
                    users[level],
                    "membership.card.type",
                    "write",
                    [card_type.id],
                    {"stripe_track": "3"},
                )
                self.assertRpcRefused(error, "AccessError", "not allowed to modify")
                _result, error = self.rpc(
                    users[level],
                    "membership.card.type",
                    "create",
                    {"name": "Forged", "stripe_track": "3", "company_id": company.id},
                )
                self.assertRpcRefused(error, "AccessError", "not allowed to create")
        _result, error = self.rpc(
            users["manager"], "membership.card.type", "write", [card_type.id], {"stripe_field": 0}
        )
        self.assertRpcRefused(error, "ValidationError", "Stripe Field")
        card_type.invalidate_recordset()
        self.assertEqual((card_type.stripe_track, card_type.stripe_field), ("any", 1))
        _result, error = self.rpc(
            users["manager"], "membership.card.type", "write", [card_type.id], {"stripe_track": "3"}
        )
        self.assertIsNone(error)
        self.assertEqual(self.card.stripe_encoding, f"+{NUMBER}?")
        session_id = self._session_id()
        self.authenticate(self.pos_user.login, self.pos_user.login)
        self.assertReads(
            session_id,
            [
                (f";{SHOP}?+{NUMBER}?", "Ada Swipe"),
                (
                    f";{NUMBER}?",
                    (
                        "refused",
                        "This card's stripe has no track 3, where its card type keeps the number.",
                    ),
                ),
                (f";{NUMBER}?+E?", ("refused", UNREADABLE)),
                (NUMBER, "Ada Swipe"),  # the printed barcode is no stripe
            ],
        )

    def test_reader_box_swipes_are_read_with_the_card_types_and_logged_as_the_number(self):
        """A box relays a swipe's tracks: the server reads them with the card types'
        layouts, and its read log keeps the number read (or why none was), not the tracks
        (a bank card's would carry its holder's name and data)."""
        cy_card = self._layout_clubs()[0]
        device = self.env(su=True)["membership.reader.device"].create(
            {"name": "Stripe box", "pos_config_id": self.main_pos_config.id}
        )
        swipes = [
            f"%B{SHOP}^CLUB/CY^?;{SHOP}?+{CY}?",
            f"%B{NUMBER}^MEMBER/ADA^?;{NUMBER}?",
            f";{SHOP}?;{DORA}?",
            "%CLUB/NOBODY^X9?",
        ]
        events = device._receive_reads(
            [
                {
                    "id": f"swipe-read-{index}",
                    "code": code,
                    "reader": "serial:pty",
                    "at": time.time(),
                }
                for index, code in enumerate(swipes)
            ]
        )
        self.assertEqual(
            [(event.status, event.partner_id.name, event.code) for event in events],
            [
                ("ok", "Cy Track", CY),
                ("ok", "Ada Swipe", NUMBER),
                ("unknown", False, DORA),
                ("unknown", False, NO_NUMBER_THERE),
            ],
        )
        self.assertEqual(events[0].card_ref, cy_card.id)

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
