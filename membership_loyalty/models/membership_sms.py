import re
import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError

TRIGGERS = [
    ("welcome", "Welcome"),
    ("purchase", "Purchase"),
    ("topup", "Wallet Top-up"),
    ("birthday", "Birthday"),
    ("points_expiring", "Points Expiring"),
    ("tier_upgrade", "Tier Upgrade"),
    ("campaign", "Campaign"),
    ("manual", "Manual"),
    ("package_expiring", "Package Expiring"),
]
# Triggers sent automatically: each has a template and a switch per company.
AUTOMATIC_TRIGGERS = (
    "welcome",
    "purchase",
    "topup",
    "birthday",
    "points_expiring",
    "tier_upgrade",
    "package_expiring",
)
# Fields that make up what was sent: frozen once the row exists, so the outbox stays a record.
FROZEN_FIELDS = {"partner_id", "number", "body", "trigger", "idempotency_key", "company_id"}


MEMBER_PLACEHOLDER = re.compile(r"\{member\.(\w+)\}")
# A member placeholder rendered before its value is known (_membership_notify_prepare):
# NUL never occurs in text stored by PostgreSQL, so no member's data can fake the mark.
LATE_MARK = "\x00{}\x00"
LATE_MARKS = re.compile(r"\x00(\w+)\x00")


def _placeholder_text(value):
    """Text of a member placeholder: amounts with two decimals, nothing for False."""
    if isinstance(value, float):
        return f"{value:.2f}"
    if value is False or value is None:
        return ""
    return str(value)


class MembershipSms(models.Model):
    """The member SMS outbox: one row per message, frozen once queued (an audit trail).
    Here the rows are rendered and queued; sending is in ``membership_sms_send.py``, the
    scheduled reminders in ``membership_sms_reminder.py``."""

    _name = "membership.sms"
    _description = "Member SMS (outbox)"
    _order = "create_date desc, id desc"
    _rec_name = "number"

    partner_id = fields.Many2one(
        "res.partner", string="Member", index=True, ondelete="set null", readonly=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    number = fields.Char(string="Number (E.164)", readonly=True)
    body = fields.Text(required=True, readonly=True)
    trigger = fields.Selection(TRIGGERS, required=True, index=True, readonly=True)
    template_id = fields.Many2one("sms.template", ondelete="set null", readonly=True)
    campaign_name = fields.Char(string="Campaign", readonly=True)
    gateway_id = fields.Many2one(
        "membership.sms.gateway", string="Provider", ondelete="restrict", readonly=True
    )
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("held", "Held (quiet hours)"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        default="queued",
        required=True,
        index=True,
        readonly=True,
    )
    failure_type = fields.Selection(
        [
            ("invalid_number", "Invalid number"),
            ("blacklisted", "Opted out"),
            ("no_gateway", "No gateway"),
            ("rejected", "Rejected by provider"),
            ("gave_up", "Too many attempts"),
            ("cancelled", "Cancelled by user"),
        ],
        readonly=True,
    )
    failure_reason = fields.Char(readonly=True)
    provider_reply = fields.Text(
        readonly=True, groups="membership_loyalty.membership_loyalty_group_manager"
    )
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(
        string="Next Attempt", readonly=True, default=fields.Datetime.now
    )
    sent_at = fields.Datetime(string="Sent On", readonly=True)
    gateway_credit = fields.Float(
        string="Credit Left",
        readonly=True,
        help="The provider's remaining credit as it reported it when this SMS was sent "
        "(gateways with a credit pattern).",
    )
    idempotency_key = fields.Char(
        required=True, readonly=True, copy=False, default=lambda self: uuid.uuid4().hex
    )

    _idempotency_key_unique = models.Constraint(
        "UNIQUE (idempotency_key)", "This SMS is already in the outbox: it is never sent twice."
    )
    _attempts_positive = models.Constraint(
        "CHECK (attempts >= 0)", "The number of attempts cannot be negative."
    )
    _due_index = models.Index(
        "(next_attempt_at, id) WHERE state IN ('queued', 'held')",
    )

    # ------------------------------------------------------------------ CRUD

    def write(self, vals):
        if FROZEN_FIELDS & set(vals):
            raise UserError(
                self.env._("An SMS in the outbox cannot be edited: cancel it and send a new one.")
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_kept(self):
        if self and not self.env.is_superuser():
            raise UserError(self.env._("The SMS outbox is an audit trail: cancel an SMS instead."))

    # --------------------------------------------------------------- actions

    def action_cancel(self):
        todo = self.filtered(lambda s: s.state in ("queued", "held"))
        todo.write(
            {
                "state": "cancelled",
                "failure_type": "cancelled",
                "failure_reason": self.env._("Cancelled by %s", self.env.user.name),
            }
        )
        return True

    def action_retry(self):
        todo = self.filtered(lambda s: s.state == "failed" and s.number)
        todo.write(
            {
                "state": "queued",
                "attempts": 0,
                "next_attempt_at": fields.Datetime.now(),
                "failure_type": False,
                "failure_reason": False,
            }
        )
        if todo:
            self.env.ref("membership_loyalty.membership_sms_cron_send")._trigger()
        return True

    def action_send_now(self):
        """Send the selected due SMS in this transaction (from the outbox list)."""
        self.filtered(lambda s: s.state in ("queued", "held"))._membership_send()
        return True

    # ------------------------------------------------------- queueing (API)

    @api.private
    @api.model
    def _membership_notify(self, trigger, partners, values=None, key=None):
        """Queue the automatic SMS ``trigger`` for ``partners``; returns the outbox rows made.

        Called by the flows that send them: enrolment, a paid POS order, a wallet top-up,
        a tier upgrade and the scheduled reminders. ``values`` adds template placeholders:
        either one dict for all partners, or ``{partner_id: dict}``. ``key`` identifies the
        event (order uuid, move id...): the same event never queues the same message twice.
        Without a key, a welcome is sent once per member and the other triggers each
        time. Nothing is queued when the company switched the trigger off.
        """
        if trigger not in AUTOMATIC_TRIGGERS:
            raise UserError(self.env._("Unknown member SMS trigger: %s", trigger))
        # The company switch first: most paid orders send nothing, and then cost no query.
        default_company = self.env.company
        partners = partners.filtered(
            lambda p: (p.company_id or default_company)[f"membership_sms_{trigger}"]
        )
        if not partners:
            return self.browse()
        template = self.env.ref(
            f"membership_loyalty.membership_sms_template_{trigger}", raise_if_not_found=False
        )
        if not template:
            return self.browse()
        if key is None:
            key = "once" if trigger == "welcome" else None
        keys = {
            partner.id: f"{trigger}:{key if key is not None else uuid.uuid4().hex}:{partner.id}"
            for partner in partners
        }
        if values and all(isinstance(k, int) for k in values):
            extra = values
        else:
            extra = dict.fromkeys(partners.ids, values or {})
        return self._membership_queue(
            partners, trigger, template=template, keys=keys, extra_values=extra
        )

    @api.private
    @api.model
    def _membership_notify_prepare(self, trigger, partner, values=None, key=None, late=()):
        """Everything of ``_membership_notify`` for one member but the outbox row itself:
        returns what ``_membership_queue_finish`` queues (None when nothing is to be sent).

        ``late``: member placeholders whose values the caller knows only later (the
        balances once an order is posted): the body is rendered with marks in their place,
        filled in by ``_membership_queue_finish`` without a query. A POS sync renders the
        purchase SMS this way before it locks the member's account, so that the lock is
        not held while the SMS is rendered."""
        partner.ensure_one()
        default_company = self.env.company
        if not (partner.company_id or default_company)[f"membership_sms_{trigger}"]:
            return None
        template = self.env.ref(
            f"membership_loyalty.membership_sms_template_{trigger}", raise_if_not_found=False
        )
        if not template:
            return None
        values = dict(values or {}, **{name: LATE_MARK.format(name) for name in late})
        key = f"{trigger}:{key if key is not None else uuid.uuid4().hex}:{partner.id}"
        vals_list, due = self._membership_queue_vals(
            partner,
            trigger,
            template=template,
            keys={partner.id: key},
            extra_values={partner.id: values},
        )
        if not vals_list:
            return None
        if any(not vals.get("state") for vals in vals_list):
            # The sending cron's wake-up needs no figure of the order: asked for now.
            self.env.ref("membership_loyalty.membership_sms_cron_send").sudo()._trigger(due)
        return {"vals_list": vals_list, "due": due}

    @api.private
    @api.model
    def _membership_queue_finish(self, prepared, late_values=None):
        """Queue the SMS ``_membership_notify_prepare`` made ready, its late placeholders
        filled with ``late_values`` {partner id: {placeholder: value}}; returns the rows."""
        if not prepared:
            return self.browse()
        vals_list = []
        for vals in prepared["vals_list"]:
            late = (late_values or {}).get(vals["partner_id"]) or {}
            body = LATE_MARKS.sub(
                lambda m, late=late: _placeholder_text(late.get(m[1], "")), vals["body"]
            )
            vals_list.append(dict(vals, body=body))
        return self._membership_queue_create(vals_list, prepared["due"], trigger_cron=False)

    @api.private
    @api.model
    def _membership_queue(
        self,
        partners,
        trigger,
        template=None,
        body=None,
        keys=None,
        extra_values=None,
        campaign_name=None,
        send_at=None,
    ):
        """Render and queue one SMS per partner (batch create; skips keys already queued).

        Partners without a valid number or who opted out get a cancelled row with the
        reason, so the outbox shows why they got nothing. ``send_at`` (UTC, in the future)
        schedules the SMS: the sending cron takes it at that time, not before.
        """
        vals_list, due = self._membership_queue_vals(
            partners,
            trigger,
            template=template,
            body=body,
            keys=keys,
            extra_values=extra_values,
            campaign_name=campaign_name,
            send_at=send_at,
        )
        return self._membership_queue_create(vals_list, due)

    @api.private
    @api.model
    def _membership_queue_vals(
        self,
        partners,
        trigger,
        template=None,
        body=None,
        keys=None,
        extra_values=None,
        campaign_name=None,
        send_at=None,
    ):
        """The outbox rows ``_membership_queue`` creates, as (vals list, due time)."""
        keys = keys or {p.id: f"{trigger}:{uuid.uuid4().hex}:{p.id}" for p in partners}
        existing = set(
            self.with_context(active_test=False)
            .search([("idempotency_key", "in", list(keys.values()))])
            .mapped("idempotency_key")
        )
        partners = partners.filtered(lambda p: keys[p.id] not in existing)
        now = fields.Datetime.now()
        due = max(send_at, now) if send_at else now
        if not partners:
            return [], due
        bodies = self._membership_render(
            partners, template=template, body=body, extra_values=extra_values
        )
        blacklisted = set(
            self.env["phone.blacklist"]
            .sudo()  # opt-outs are checked whatever the sender's rights on the blacklist
            .search([("number", "in", [n for n in partners.mapped("phone_sanitized") if n])])
            .mapped("number")
        )
        vals_list = []
        for partner in partners:
            number = partner.phone_sanitized
            vals = {
                "partner_id": partner.id,
                "company_id": (partner.company_id or self.env.company).id,
                "number": number or False,
                "body": bodies[partner.id],
                "trigger": trigger,
                "template_id": template.id if template else False,
                "campaign_name": campaign_name,
                "idempotency_key": keys[partner.id],
                "next_attempt_at": due,
            }
            if not number:
                vals.update(
                    state="cancelled",
                    failure_type="invalid_number",
                    failure_reason=self.env._("No valid phone number: %s", partner.phone or "-"),
                )
            elif number in blacklisted:
                vals.update(
                    state="cancelled",
                    failure_type="blacklisted",
                    failure_reason=self.env._("The member opted out of SMS."),
                )
            vals_list.append(vals)
        return vals_list, due

    @api.model
    def _membership_queue_create(self, vals_list, due, trigger_cron=True):
        """Create the outbox rows ``vals_list`` due at ``due``, hold those in quiet hours
        and wake the sending cron (``trigger_cron``: unless the caller did)."""
        if not vals_list:
            return self.browse()
        # Cashiers queue SMS through their actions (enrolment, sale, top-up) but may not
        # write the outbox themselves: this private method is the only way in.
        records = self.sudo().create(vals_list)
        records._membership_hold_quiet(due)
        if trigger_cron and records.filtered(lambda s: s.state == "queued"):
            self.env.ref("membership_loyalty.membership_sms_cron_send").sudo()._trigger(due)
        return records.with_env(self.env)

    @api.model
    def _membership_render(self, partners, template=None, body=None, extra_values=None):
        """{partner_id: rendered body}, each in the partner's language.

        Odoo renders ``{{ object.<field> }}`` first (its rules on who may use which
        expressions apply), then ``{member.<key>}`` takes the values of
        ``_membership_sms_values()`` and ``extra_values``: plain text, never evaluated.
        """
        renderer = template or self.env["sms.template"]
        base_values = partners._membership_sms_values()
        result = {}
        for lang, lang_partners in partners.grouped(lambda p: p.lang or "en_US").items():
            source = body if body is not None else template.with_context(lang=lang).body
            rendered = renderer.with_context(lang=lang)._render_template(
                source, "res.partner", lang_partners.ids
            )
            for partner in lang_partners:
                member = dict(base_values.get(partner.id, {}))
                member.update((extra_values or {}).get(partner.id) or {})
                result[partner.id] = MEMBER_PLACEHOLDER.sub(
                    lambda m, member=member: (
                        _placeholder_text(member[m[1]]) if m[1] in member else m[0]
                    ),
                    rendered[partner.id],
                )
        return result
