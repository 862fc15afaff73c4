import json
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.membership_loyalty.models.membership_sms_gateway import ALLOW_PRIVATE_PARAM
from odoo.addons.membership_loyalty.models.membership_sms_send import REPLY_KEPT
from odoo.addons.sms.tools.sms_api import SmsApi

from .sms_common import SmsCase


@tagged("post_install", "-at_install")
class TestSmsGateway(SmsCase):
    def queue_one(self):
        member = self.make_member()
        sms = member.membership_sms_ids
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms.state, "queued")
        return sms

    def test_sent_through_the_gateway(self):
        sms = self.queue_one()
        self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "sent")
        self.assertEqual(sms.attempts, 1)
        self.assertTrue(sms.sent_at)
        self.assertEqual(sms.gateway_id, self.gateway)
        self.assertEqual(sms.provider_reply, "OK")
        [request] = self.server.received
        self.assertEqual(request["method"], "POST")
        self.assertEqual(request["params"]["to"], "+32470123456")
        self.assertEqual(request["params"]["text"], sms.body)
        self.assertEqual(request["params"]["ref"], sms.idempotency_key)
        self.assertEqual(request["headers"]["Authorization"], "Bearer s3cret")

    def test_remaining_credit_the_provider_reports_is_in_the_outbox(self):
        self.gateway.credit_pattern = r"credit=([0-9.]+)"
        self.server.credit = 42.0  # the provider charges one unit per SMS
        first = self.queue_one()
        self.Sms._membership_cron_send()
        self.assertEqual((first.state, first.gateway_credit), ("sent", 41.0))
        second = self.make_member("Bob Lee", "+32 470 12 34 57").membership_sms_ids
        self.Sms._membership_cron_send()
        self.assertEqual(second.gateway_credit, 40.0)
        self.assertEqual(self.gateway.credit_balance, 40.0)
        self.assertTrue(self.gateway.credit_date)
        arch = self.Sms.get_views([(False, "list")])["views"]["list"]["arch"]
        self.assertIn('name="gateway_credit"', arch, "the outbox list shows the credit")
        # A provider that says nothing of its credit leaves the last figure as it was.
        self.server.credit = None
        third = self.make_member("Cy Lee", "+32 470 12 34 58").membership_sms_ids
        self.Sms._membership_cron_send()
        self.assertEqual((third.state, third.gateway_credit), ("sent", 0.0))
        self.assertEqual(self.gateway.credit_balance, 40.0)
        with self.assertRaises(ValidationError):
            self.gateway.credit_pattern = r"credit=[0-9.]+"  # no group around the amount

    def test_server_error_is_retried_with_backoff(self):
        sms = self.queue_one()
        self.server.script[:] = [(500, "Internal error"), (503, "busy"), (200, "OK id=9")]
        start = fields.Datetime.now()
        with freeze_time(start):
            self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "queued")
        self.assertEqual(sms.attempts, 1)
        self.assertIn("500", sms.failure_reason)
        self.assertEqual(sms.next_attempt_at, start + timedelta(seconds=60))
        # A re-run before the retry time sends nothing.
        with freeze_time(start + timedelta(seconds=30)):
            self.Sms._membership_cron_send()
        self.assertEqual(len(self.server.received), 1)
        with freeze_time(start + timedelta(seconds=61)):
            self.Sms._membership_cron_send()
        self.assertEqual(sms.attempts, 2)
        # The second wait is twice as long.
        self.assertEqual(sms.next_attempt_at, start + timedelta(seconds=61 + 120))
        with freeze_time(start + timedelta(seconds=61 + 121)):
            self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "sent")
        self.assertEqual(sms.provider_reply, "OK id=9")
        self.assertFalse(sms.failure_reason)
        self.assertEqual(len(self.server.received), 3)
        self.assertEqual({r["params"]["ref"] for r in self.server.received}, {sms.idempotency_key})

    def test_timeout_is_retried(self):
        self.gateway.timeout = 0.3
        sms = self.queue_one()
        self.server.script[:] = [("sleep", 1.0)]
        self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "queued")
        self.assertEqual(sms.attempts, 1)
        self.assertIn("No reply within", sms.failure_reason)

    def test_garbage_reply_is_retried_then_given_up(self):
        sms = self.queue_one()
        self.server.script[:] = [(200, "<html>maintenance</html>")] * 3
        now = fields.Datetime.now()
        for step in range(3):
            with freeze_time(now + timedelta(hours=step)):
                self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "failed")
        self.assertEqual(sms.failure_type, "gave_up")
        self.assertEqual(sms.attempts, 3)
        self.assertIn("Unexpected reply", sms.failure_reason)
        self.assertEqual(sms.provider_reply, "<html>maintenance</html>")
        with freeze_time(now + timedelta(days=1)):
            self.Sms._membership_cron_send()
        self.assertEqual(len(self.server.received), 3, "a failed SMS is not sent again")

    def test_client_error_is_permanent(self):
        sms = self.queue_one()
        self.server.script[:] = [(401, "bad credentials")]
        self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "failed")
        self.assertEqual(sms.failure_type, "rejected")
        self.assertIn("401", sms.failure_reason)
        self.assertEqual(sms.provider_reply, "bad credentials")
        with freeze_time(fields.Datetime.now() + timedelta(days=1)):
            self.Sms._membership_cron_send()
        self.assertEqual(len(self.server.received), 1)

    def test_reruns_send_nothing_twice(self):
        sms = self.queue_one()
        self.Sms._membership_cron_send()
        self.Sms._membership_cron_send()
        sms.action_send_now()
        self.assertEqual(len(self.server.received), 1)
        self.assertEqual(sms.state, "sent")

    def test_json_get_gateway(self):
        self.gateway.write(
            {
                "http_method": "GET",
                "payload_format": "json",
                "parameter_template": json.dumps({"msisdn": "{number}", "msg": "{body}"}),
            }
        )
        sms = self.queue_one()
        self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "sent")
        [request] = self.server.received
        self.assertEqual(request["method"], "GET")
        self.assertEqual(request["params"], {"msisdn": "+32470123456", "msg": sms.body})

    def test_no_gateway_keeps_the_sms_queued(self):
        self.gateway.active = False
        sms = self.queue_one()
        self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "queued")
        self.assertEqual(sms.failure_type, "no_gateway")

    def test_retry_failed_sms(self):
        sms = self.queue_one()
        self.server.script[:] = [(400, "bad number")]
        self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "failed")
        sms.action_retry()
        self.assertEqual(sms.state, "queued")
        self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "sent")

    def test_odoo_provider(self):
        self.gateway.provider = "odoo"
        sms = self.queue_one()
        # Odoo's SMS API is the far edge here: IAP is not reachable from tests.
        with patch.object(SmsApi, "_send_sms_batch", autospec=True) as send:
            send.return_value = [{"uuid": sms.idempotency_key, "state": "success"}]
            self.Sms._membership_cron_send()
        self.assertEqual(sms.state, "sent")
        [(_api, messages)] = [call.args for call in send.call_args_list]
        self.assertEqual(messages[0]["numbers"][0]["number"], "+32470123456")

        other = self.make_member(name="Bo Li", phone="+32 470 99 88 77").membership_sms_ids
        with patch.object(SmsApi, "_send_sms_batch", autospec=True) as send:
            send.return_value = [{"uuid": other.idempotency_key, "state": "country_not_supported"}]
            self.Sms._membership_cron_send()
        self.assertEqual(other.state, "failed")
        self.assertIn("country is not supported", other.failure_reason)

    def test_odoo_provider_unreachable_is_retried(self):
        self.gateway.provider = "odoo"
        sms = self.queue_one()
        self.Sms._membership_cron_send()  # IAP refuses to run during tests: a provider error
        self.assertEqual(sms.state, "queued")
        self.assertEqual(sms.attempts, 1)
        self.assertIn("Provider error", sms.failure_reason)


@tagged("post_install", "-at_install")
class TestMembershipSmsGatewayEdges(SmsCase):
    """The server fetches a gateway's URL: only Settings administrators set it, and it
    never points inside (loopback, link-local, private...) unless the system allows it."""

    INTERNAL = (
        "http://127.0.0.1:8069/web/webclient/version_info",
        "http://localhost:5432/",
        "http://10.1.2.3/send",
        "http://192.168.0.10/send",
        "http://172.16.0.1/send",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8069/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0:8069/",
        "http://224.0.0.1/",
    )

    def queue_one(self):
        sms = self.make_member().membership_sms_ids
        self.assertEqual(sms.state, "queued")
        return sms

    def _forbid_private(self):
        self.env["ir.config_parameter"].set_param(ALLOW_PRIVATE_PARAM, False)

    def test_internal_addresses_are_refused(self):
        self._forbid_private()
        for url in self.INTERNAL:
            with self.subTest(url=url), self.assertRaises(ValidationError):
                with self.env.cr.savepoint():
                    self.gateway.write({"url": url})
        self.assertEqual(self.gateway.url, self.server.url)

    def test_a_public_address_is_accepted(self):
        self._forbid_private()
        self.gateway.write({"url": "https://93.184.215.14/api/send"})
        self.assertEqual(self.gateway.url, "https://93.184.215.14/api/send")

    def test_the_address_is_checked_again_at_send_time(self):
        """Saved while internal addresses were allowed (or a name that resolved elsewhere
        then): the send refuses it and the gateway receives nothing."""
        sms = self.queue_one()
        self._forbid_private()
        sms._membership_send_one(self.gateway, fields.Datetime.now())
        self.assertEqual(sms.state, "failed")
        self.assertIn("refused", sms.failure_reason)
        self.assertEqual(self.server.received, [])

    def test_only_settings_administrators_set_the_url(self):
        admin = new_test_user(
            self.env,
            login="sms_membership_admin",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_admin",
        )
        gateway = self.gateway.with_user(admin)
        with self.assertRaises(AccessError):
            gateway.write({"url": "https://93.184.215.14/api/send"})
        with self.assertRaises(AccessError):
            gateway.create({"name": "Mine", "url": "https://93.184.215.14/api/send"})
        gateway.write({"name": "Renamed", "timeout": 5.0})  # other settings stay theirs
        self.assertEqual(self.gateway.url, self.server.url)

    def test_the_reply_kept_is_short_and_for_managers_only(self):
        self.server.script.append((200, "OK " + "x" * 5000))
        supervisor = new_test_user(
            self.env,
            login="sms_reply_supervisor",
            groups="base.group_user,membership_loyalty.membership_loyalty_group_supervisor",
        )
        self.company.membership_sms_purchase = True
        sms = self.Sms.with_user(supervisor)._membership_notify(
            "purchase", self.make_member(), key="o-1"
        )
        sms.sudo()._membership_send_one(self.gateway, fields.Datetime.now())
        self.assertEqual(sms.state, "sent")
        self.assertEqual(len(sms.sudo().provider_reply), REPLY_KEPT)
        self.assertEqual(sms.with_user(supervisor).state, "sent")  # their own SMS: readable
        with self.assertRaises(AccessError):
            sms.with_user(supervisor).read(["provider_reply"])

    def test_redirects_are_not_followed(self):
        self.server.script.append((302, "moved"))
        sms = self.queue_one()
        sms._membership_send_one(self.gateway, fields.Datetime.now())
        self.assertEqual(sms.state, "failed")
        self.assertEqual(len(self.server.received), 1)
