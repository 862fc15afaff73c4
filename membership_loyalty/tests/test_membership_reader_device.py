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

    def _bus_messages(self, config):
        self.env.cr.precommit.run()  # creates the bus.bus rows of this transaction
        channel = json.dumps([self.env.cr.dbname, config.access_token], separators=(",", ":"))
        rows = self.env["bus.bus"].sudo().search([("channel", "=", channel)])
        messages = [json.loads(row.message) for row in rows]
        return [
            m["payload"] for m in messages if m["type"] == f"{config.access_token}-{NOTIFICATION}"
        ]

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
        pushed = self._bus_messages(self.pos_config)
        self.assertEqual(len(pushed), 1)
        self.assertEqual(pushed[0]["code"], "04A21B3C5D6E80")
        self.assertEqual(pushed[0]["event_id"], created.event_id)
        self.assertEqual(pushed[0]["status"], "unknown")
        self.assertEqual(self._bus_messages(self.other_config), [])
        self.assertTrue(device.last_seen)

    def test_duplicate_event_ids_are_dropped(self):
        device = self.env["membership.reader.device"]._authenticate_token(self._pair())
        event = self._event(event_id="same-event-0001")
        device._receive_reads([event, event])
        again = device._receive_reads([event])
        self.assertFalse(again)
        self.assertEqual(len(self._bus_messages(self.pos_config)), 1)
        self.assertEqual(device.event_count, 1)

    def test_reads_over_the_rate_limit_are_not_pushed(self):
        device = self.env["membership.reader.device"]._authenticate_token(self._pair())
        with mute_logger("odoo.addons.membership_loyalty.models.membership_reader_device"):
            created = device._receive_reads([self._event() for _ in range(READ_RATE_MAX + 5)])
        self.assertEqual(len(created), READ_RATE_MAX + 5)
        self.assertEqual(created.mapped("status").count("rate_limited"), 5)
        self.assertEqual(len(self._bus_messages(self.pos_config)), READ_RATE_MAX)

    def test_old_reads_never_reach_the_till(self):
        device = self.env["membership.reader.device"]._authenticate_token(self._pair())
        created = device._receive_reads([self._event(at=time.time() - 600)])
        self.assertEqual(created.status, "stale")
        self.assertEqual(self._bus_messages(self.pos_config), [])

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
