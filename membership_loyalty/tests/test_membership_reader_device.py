import json
import time
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.membership_loyalty.models.membership_reader_device import (
    NOTIFICATION,
    READ_RATE_MAX,
)


@tagged("post_install", "-at_install")
class TestMembershipReaderDevice(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pos_config = cls.env["pos.config"].create({"name": "Reader till"})
        cls.other_config = cls.env["pos.config"].create({"name": "Other till"})
        cls.admin = new_test_user(
            cls.env,
            login="reader_admin",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_admin",
        )
        cls.manager = new_test_user(
            cls.env,
            login="reader_manager",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_manager",
        )
        cls.device = (
            cls.env["membership.reader.device"]
            .with_user(cls.admin)
            .create({"name": "Till 1 box", "pos_config_id": cls.pos_config.id})
        )
        cls.till_user, cls.other_till_user = (
            new_test_user(
                cls.env, login=login, groups="base.group_user,point_of_sale.group_pos_user"
            )
            for login in ("reader_till_user", "reader_other_till_user")
        )
        Session = cls.env["pos.session"]
        cls.session = Session.create({"config_id": cls.pos_config.id, "user_id": cls.till_user.id})
        cls.other_session = Session.create(
            {"config_id": cls.other_config.id, "user_id": cls.other_till_user.id}
        )

    def _pair(self, device=None):
        device = device or self.device
        code = device.with_user(self.admin)._issue_pairing_code()
        reply = (
            self.env["membership.reader.device"].sudo()._exchange_pairing_code(code, "127.0.0.1")
        )
        return reply["token"]

    def _event(self, code="04A21B3C5D6E80", event_id=None, at=None):
        return {
            "id": event_id or f"evt-{time.monotonic_ns()}",
            "code": code,
            "reader": "Virtual PCD 00 00",
            "at": at if at is not None else time.time(),
        }

    def _bus_messages(self, session):
        self.env.cr.precommit.run()  # creates the bus.bus rows of this transaction
        secret = session.sudo().membership_reader_channel
        channel = json.dumps([self.env.cr.dbname, secret], separators=(",", ":"))
        rows = self.env["bus.bus"].sudo().search([("channel", "=", channel)])
        messages = [json.loads(row.message) for row in rows]
        return [m["payload"] for m in messages if m["type"] == NOTIFICATION]

    def test_pairing_gives_a_token_stored_only_as_a_digest(self):
        token = self._pair()
        device = self.device.sudo()
        self.assertEqual(device.state, "paired")
        self.assertTrue(device.token_hash)
        self.assertNotIn(token, device.token_hash)
        self.assertEqual(self.env["membership.reader.device"]._authenticate_token(token), device)

    def test_pairing_code_is_one_time(self):
        code = self.device.with_user(self.admin)._issue_pairing_code()
        Device = self.env["membership.reader.device"].sudo()
        Device._exchange_pairing_code(code.lower(), "127.0.0.1")  # typed in lower case: fine
        with mute_logger("odoo.addons.membership_loyalty.models.membership_reader_device"):
            with self.assertRaises(AccessDenied):
                Device._exchange_pairing_code(code, "127.0.0.1")

    def test_pairing_code_expires(self):
        code = self.device.with_user(self.admin)._issue_pairing_code()
        later = fields.Datetime.now() + timedelta(minutes=16)
        with (
            freeze_time(later),
            mute_logger("odoo.addons.membership_loyalty.models.membership_reader_device"),
        ):
            with self.assertRaises(AccessDenied):
                self.env["membership.reader.device"].sudo()._exchange_pairing_code(code)

    def test_only_administrators_pair_or_see_digests(self):
        with self.assertRaises(UserError):
            self.device.with_user(self.manager)._issue_pairing_code()
        with self.assertRaises(AccessError):
            self.device.with_user(self.manager).write({"name": "renamed"})
        self._pair()
        with self.assertRaises(AccessError):
            self.device.with_user(self.admin).read(["token_hash"])

    def test_revoked_and_forged_tokens_are_refused(self):
        token = self._pair()
        Device = self.env["membership.reader.device"]
        self.assertFalse(Device._authenticate_token("forged-" + token[7:]))
        self.device.with_user(self.admin).action_revoke()
        self.assertEqual(self.device.state, "revoked")
        self.assertFalse(Device._authenticate_token(token))

    def test_re_pairing_revokes_the_old_token(self):
        old = self._pair()
        new = self._pair()
        Device = self.env["membership.reader.device"]
        self.assertFalse(Device._authenticate_token(old))
        self.assertEqual(Device._authenticate_token(new), self.device)

    def test_read_is_pushed_to_the_bound_pos_channel_only(self):
        device = self.env["membership.reader.device"]._authenticate_token(self._pair())
        created = device._receive_reads([self._event()])
        self.assertEqual(len(created), 1)
        pushed = self._bus_messages(self.session)
        self.assertEqual(len(pushed), 1)
        self.assertNotIn("04A21B3C5D6E80", json.dumps(pushed))
        self.assertEqual(pushed[0]["event_id"], created.event_id)
        self.assertEqual(pushed[0]["status"], "unknown")
        self.assertEqual(self._bus_messages(self.other_session), [])
        self.assertTrue(device.last_seen)

    def test_duplicate_event_ids_are_dropped(self):
        device = self.env["membership.reader.device"]._authenticate_token(self._pair())
        event = self._event(event_id="same-event-0001")
        device._receive_reads([event, event])
        again = device._receive_reads([event])
        self.assertFalse(again)
        self.assertEqual(len(self._bus_messages(self.session)), 1)
        self.assertEqual(device.event_count, 1)

    def test_reads_over_the_rate_limit_are_not_pushed(self):
        device = self.env["membership.reader.device"]._authenticate_token(self._pair())
        with mute_logger("odoo.addons.membership_loyalty.models.membership_reader_device"):
            created = device._receive_reads([self._event() for _ in range(READ_RATE_MAX + 5)])
        self.assertEqual(len(created), READ_RATE_MAX + 5)
        self.assertEqual(created.mapped("status").count("rate_limited"), 5)
        self.assertEqual(len(self._bus_messages(self.session)), READ_RATE_MAX)

    def test_old_reads_never_reach_the_till(self):
        device = self.env["membership.reader.device"]._authenticate_token(self._pair())
        created = device._receive_reads([self._event(at=time.time() - 600)])
        self.assertEqual(created.status, "stale")
        self.assertEqual(self._bus_messages(self.session), [])

    def test_reads_dated_in_the_future_never_reach_the_till(self):
        device = self.env["membership.reader.device"]._authenticate_token(self._pair())
        created = device._receive_reads([self._event(at=time.time() + 3600)])
        self.assertEqual(created.status, "future")
        self.assertEqual(self._bus_messages(self.session), [])

    def test_a_pushed_read_gives_its_member_once_to_its_till_only(self):
        partner = self.env["res.partner"].create({"name": "Reader Member", "is_member": True})
        card_type = self.env["membership.card.type"].create({"name": "Reader Test Card"})
        self.env["membership.card"].with_context(membership_card_transition=True).create(
            {
                "chip_uid": "04A21B3C5D6E80",
                "partner_id": partner.id,
                "card_type_id": card_type.id,
                "state": "active",
            }
        )
        device = self.env["membership.reader.device"]._authenticate_token(self._pair())
        device._receive_reads([self._event()])
        (pushed,) = self._bus_messages(self.session)
        self.assertEqual(pushed["status"], "ok")
        self.assertNotIn("partner_id", pushed)
        self.assertNotIn(partner.name, json.dumps(pushed))
        other_till = self.other_session.with_user(self.other_till_user)
        with self.assertRaises(UserError):
            other_till.membership_pos_reader_lookup(pushed["read_id"])
        till = self.session.with_user(self.till_user)
        found = till.membership_pos_reader_lookup(pushed["read_id"])
        self.assertEqual(found["status"], "ok")
        self.assertEqual(found["member"]["partner_id"], partner.id)
        with self.assertRaises(UserError):
            till.membership_pos_reader_lookup(pushed["read_id"])

    def test_only_the_sessions_user_gets_and_subscribes_to_its_channel(self):
        secret = self.session.with_user(self.till_user).membership_pos_reader_channel()
        self.assertTrue(secret.startswith("membership_reader_"))
        with self.assertRaises(AccessError):
            self.session.with_user(self.other_till_user).membership_pos_reader_channel()
        with self.assertRaises(AccessError):
            self.session.with_user(self.till_user).read(["membership_reader_channel"])
        Session = self.env["pos.session"]
        self.assertEqual(
            Session.with_user(self.till_user)._membership_reader_channels_of_user([secret]),
            [secret],
        )
        for user in (self.other_till_user, self.admin, self.env.ref("base.public_user")):
            with mute_logger("odoo.addons.membership_loyalty.models.pos_session_reader"):
                allowed = Session.with_user(user)._membership_reader_channels_of_user([secret])
            self.assertEqual(allowed, [], user.login)

    def test_closing_the_session_retires_its_channel(self):
        secret = self.session.with_user(self.till_user).membership_pos_reader_channel()
        self.session.write({"state": "closed"})
        self.assertFalse(self.session.sudo().membership_reader_channel)
        self.assertEqual(
            self.env["pos.session"]
            .with_user(self.till_user)
            ._membership_reader_channels_of_user([secret]),
            [],
        )

    def test_malformed_events_are_dropped(self):
        device = self.env["membership.reader.device"]._authenticate_token(self._pair())
        bad_aliases = {**self._event(), "aliases": "0008100925"}
        with mute_logger("odoo.addons.membership_loyalty.models.membership_reader_device"):
            created = device._receive_reads(
                [
                    {"id": "x"},
                    "junk",
                    self._event(code=""),
                    self._event(at="yesterday"),
                    bad_aliases,
                ]
            )
        self.assertFalse(created)
        good = {**self._event(), "aliases": ["3D9C7B001A", "0008100925"]}
        self.assertEqual(len(device._receive_reads([good])), 1)

    def test_card_states_are_flagged(self):
        partner = self.env["res.partner"].create({"name": "Reader Member"})
        # Cards are put straight into each state: the wizards have their own tests.
        Card = self.env["membership.card"].with_context(membership_card_transition=True)
        card_type = self.env["membership.card.type"].create({"name": "Reader Test Card"})
        for state, expected in (("active", "ok"), ("lost", "lost"), ("blocked", "blocked")):
            card = Card.create(
                {
                    "chip_uid": f"0A0B0C{len(state):02d}",
                    "partner_id": partner.id,
                    "card_type_id": card_type.id,
                    "state": state,
                }
            )
            status, card_id, found = self.device._check_card(card.chip_uid)
            self.assertEqual((status, card_id, found), (expected, card.id, partner))
        self.assertEqual(self.device._check_card("FFFFFFFF")[0], "unknown")
        # enrolled by the decimal number printed on a 125 kHz tag: found through the aliases
        tag = Card.create(
            {
                "chip_uid": "0008100925",
                "partner_id": partner.id,
                "card_type_id": card_type.id,
                "state": "active",
            }
        )
        status, card_id, _found = self.device._check_card(
            "1A007B9C3D", ["3D9C7B001A", "0008100925"]
        )
        self.assertEqual((status, card_id), ("ok", tag.id))

    def test_a_frame_sent_with_the_token_finds_the_cards_check_card_finds(self):
        """A box's frame is authenticated, checked and recorded in one query: each read
        gets the card, status and member ``_check_card`` gives the same code (number, UID
        in another printed form, an alias, a returned card beside the live one that took
        over its number, another company's card, an unknown chip), and a refused token
        records nothing."""
        token = self._pair()
        partner = self.env["res.partner"].create({"name": "Frame Member"})
        other_company = self.env["res.company"].create({"name": "Frame Other Co"})
        Card = self.env["membership.card"].with_context(membership_card_transition=True)
        CardType = self.env["membership.card.type"]

        def card(number, chip_uid, state, company=None):
            company = company or self.env.company
            card_type = CardType.create({"name": "Frame Test Card", "company_id": company.id})
            return Card.create(
                {
                    "number": number,
                    "chip_uid": chip_uid,
                    "partner_id": partner.id,
                    "card_type_id": card_type.id,
                    "state": state,
                    "company_id": company.id,
                }
            )

        card("800000000011", "0C0D0E01", "returned")
        live = card("800000000011", "0C0D0E02", "active")
        card("800000000029", "0C0D0E03", "blocked")
        card("800000000037", "0C0D0E04", "draft")
        card("800000000045", "0C0D0E05", "active", other_company)
        card("800000000052", "0008100925", "lost")
        reads = [
            ("800000000011", []),
            ("0c:0d:0e:02", []),
            ("0C0D0E01", []),
            ("800000000029", []),
            ("800000000037", []),
            ("800000000045", []),
            ("1A007B9C3D", ["3D9C7B001A", "0008100925"]),
            ("FFFF0000", []),
        ]
        Device = self.env["membership.reader.device"]
        device, created = Device._receive_frame(
            token,
            [
                {**self._event(code, event_id=f"frame-read-{index}"), "aliases": aliases}
                for index, (code, aliases) in enumerate(reads)
            ],
        )
        self.assertEqual(device, self.device)
        expected = []
        for code, aliases in reads:
            status, card_id, found = self.device._check_card(code, aliases)
            expected.append((status, card_id or 0, found))
        self.assertEqual(
            [(event.status, event.card_ref, event.partner_id) for event in created], expected
        )
        self.assertEqual(expected[0], ("ok", live.id, partner))
        self.assertEqual(
            [status for status, _card, _partner in expected],
            ["ok", "ok", "inactive", "blocked", "inactive", "unknown", "lost", "unknown"],
        )
        self.assertEqual(len(self._bus_messages(self.session)), len(reads))
        # a forged token: no device, nothing recorded or pushed
        Event = self.env["membership.reader.event"].sudo()
        before = Event.search_count([])
        device, created = Device._receive_frame("forged-" + token[7:], [self._event()])
        self.assertFalse(device)
        self.assertFalse(created)
        self.assertEqual(Event.search_count([]), before)

    def test_manager_cannot_revoke(self):
        token = self._pair()
        with self.assertRaises(AccessError):
            self.device.with_user(self.manager).action_revoke()
        self.assertTrue(self.env["membership.reader.device"]._authenticate_token(token))

    def test_old_reads_are_purged(self):
        device = self.env["membership.reader.device"]._authenticate_token(self._pair())
        old, recent = device._receive_reads([self._event(), self._event()])
        self.env.cr.execute(
            "UPDATE membership_reader_event SET create_date = now() - interval '91 days' "
            "WHERE id = %s",
            [old.id],
        )
        self.env["membership.reader.event"].invalidate_model()
        self.env["membership.reader.event"]._gc_old_reads()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())

    def test_company_rule_hides_other_companies_devices(self):
        other = self.env["res.company"].create({"name": "Other shop"})
        user = new_test_user(
            self.env,
            login="reader_other_admin",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_admin",
            company_id=other.id,
            company_ids=[(6, 0, [other.id])],
        )
        devices = self.env["membership.reader.device"].with_user(user).search([])
        self.assertNotIn(self.device, devices)
