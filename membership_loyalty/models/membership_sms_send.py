import logging
from datetime import datetime, time, timedelta

import psycopg2.errors
import pytz

from odoo import api, fields, models
from odoo.tools import mute_logger

_logger = logging.getLogger(__name__)

# What is kept of a provider's reply on an SMS (enough to tell OK from an error page).
REPLY_KEPT = 200


class MembershipSms(models.Model):
    """Sending the outbox: quiet hours (held until they end, in the member's time zone),
    opt-outs checked right before sending, the sending cron (one row locked and committed
    at a time) and retries with backoff."""

    _inherit = "membership.sms"

    # ------------------------------------------------------------ quiet hours

    def _membership_local_tz(self):
        self.ensure_one()
        name = self.partner_id.tz or self.company_id.partner_id.tz or "UTC"
        try:
            return pytz.timezone(name)
        except pytz.UnknownTimeZoneError:
            return pytz.utc

    def _membership_quiet_until(self, now):
        """The UTC time the quiet hours end if ``now`` falls in them, else None."""
        self.ensure_one()
        company = self.company_id
        start, end = company.membership_sms_quiet_start, company.membership_sms_quiet_end
        if start == end:
            return None
        tz = self._membership_local_tz()
        local = pytz.utc.localize(now).astimezone(tz)
        hour = local.hour + local.minute / 60.0
        in_quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
        if not in_quiet:
            return None
        day = local.date() if hour < end else local.date() + timedelta(days=1)
        end_time = time(int(end), round((end % 1) * 60) % 60)
        wake = tz.localize(datetime.combine(day, end_time))
        return wake.astimezone(pytz.utc).replace(tzinfo=None)

    def _membership_hold_quiet(self, now):
        for sms in self.filtered(lambda s: s.state in ("queued", "held")):
            until = sms._membership_quiet_until(now)
            if until:
                sms.write({"state": "held", "next_attempt_at": until})

    def _membership_cancel_opted_out(self):
        """Cancel those of these SMS whose number opted out since they were queued (a
        scheduled campaign, a retry): checked right before sending. The SMS left to send."""
        numbers = [n for n in self.mapped("number") if n]
        # sudo: opt-outs are checked whatever the sender's rights on the blacklist
        opted_out = set(
            self.env["phone.blacklist"].sudo().search([("number", "in", numbers)]).mapped("number")
        )
        cancelled = self.filtered(lambda s: s.number in opted_out)
        cancelled.write(
            {
                "state": "cancelled",
                "failure_type": "blacklisted",
                "failure_reason": self.env._("The member opted out of SMS."),
            }
        )
        return self - cancelled

    # ---------------------------------------------------------------- sending

    @api.model
    def _membership_cron_send(self, batch_size=200, commit=None):
        """Scheduled action: send the due SMS.

        In the cron (or with ``commit=True``) each SMS is locked on its own with
        FOR UPDATE SKIP LOCKED, re-read, sent and committed before the next one: a second
        worker (a re-run of the cron, "Send Now") skips a row being sent and, once it is
        committed, sees it sent. Without commit (tests, shell) one locked batch is sent
        in the current transaction.
        """
        if commit is None:
            commit = bool(self.env.context.get("ir_cron_progress_id"))
        if not commit:
            self._membership_due(batch_size).try_lock_for_update()._membership_send()
            return
        while True:
            due = self._membership_due(batch_size)
            if not due:
                return
            # End the transaction of the search: each lock below starts a fresh snapshot,
            # so a row another worker sent in between is seen sent, not a serialization error.
            self.env["ir.cron"]._commit_progress(0)
            done = 0
            for sms_id in due.ids:
                sms = self.browse(sms_id)._membership_try_lock()
                if sms:
                    sms.invalidate_recordset()
                    if sms.next_attempt_at and sms.next_attempt_at <= fields.Datetime.now():
                        sms._membership_send()
                        done += 1
                self.env["ir.cron"]._commit_progress(1 if sms else 0)
            if not done:
                return  # the rest is being sent by another worker

    def _membership_try_lock(self):
        """Lock these rows or return nothing: a row locked by another worker, or updated
        by one since this statement's snapshot (REPEATABLE READ), is that worker's."""
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False):
                return self.try_lock_for_update()
        except psycopg2.errors.SerializationFailure:
            return self.browse()

    @api.model
    def _membership_due(self, limit):
        return self.search(
            [("state", "in", ("queued", "held")), ("next_attempt_at", "<=", fields.Datetime.now())],
            order="next_attempt_at, id",
            limit=limit,
        )

    def _membership_send(self):
        now = fields.Datetime.now()
        gateways = {}
        todo = self.filtered(lambda s: s.state in ("queued", "held"))
        for sms in todo._membership_cancel_opted_out():
            until = sms._membership_quiet_until(now)
            if until:
                sms.write({"state": "held", "next_attempt_at": until})
            else:
                company = sms.company_id
                if company not in gateways:
                    gateways[company] = self.env["membership.sms.gateway"]._membership_for_company(
                        company
                    )
                sms._membership_send_one(gateways[company], now)

    def _membership_send_one(self, gateway, now):
        self.ensure_one()
        if not gateway:
            result = {
                "status": "retry",
                "failure_type": "no_gateway",
                "reason": self.env._("No active SMS gateway for %s.", self.company_id.name),
            }
            max_attempts, delay = 5, 3600
        else:
            result = gateway._membership_deliver(self)
            max_attempts, delay = gateway.max_attempts, gateway.retry_delay
        attempts = self.attempts + 1
        vals = {
            "attempts": attempts,
            "gateway_id": gateway.id or False,
            "provider_reply": (result.get("reply") or "")[:REPLY_KEPT] or False,
            "failure_reason": result.get("reason"),
        }
        if result.get("credit") is not None:
            vals["gateway_credit"] = result["credit"]
            gateway._membership_record_credit(result["credit"], now)
        if result["status"] == "sent":
            vals.update(state="sent", sent_at=now, failure_type=False, failure_reason=False)
        elif result["status"] == "failed":
            vals.update(state="failed", failure_type=result.get("failure_type", "rejected"))
        elif attempts >= max_attempts:
            vals.update(
                state="failed",
                failure_type="gave_up",
                failure_reason=self.env._(
                    "Gave up after %(count)s attempts: %(reason)s",
                    count=attempts,
                    reason=result.get("reason"),
                ),
            )
        else:
            backoff = min(delay * 2 ** (attempts - 1), 6 * 3600)
            vals.update(
                state="queued",
                next_attempt_at=now + timedelta(seconds=backoff),
                failure_type=result.get("failure_type", False),
            )
        _logger.info(
            "Member SMS %s: %s (%s)", self.id, vals.get("state", "retry"), result.get("reason")
        )
        self.write(vals)
