from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError
from odoo.tools import SQL

PAID_STATES = ("paid", "done", "invoiced")
# Context marker of the sync's paid step, whose member orders are posted once their
# picking is made (_process_saved_order). An object, not a value: an RPC call's context
# is JSON and cannot carry it, so no client can make a paid order skip its posting.
POST_LATER = object()


class PosOrder(models.Model):
    """A member's POS order: what the server records of it and the sync's entry points.

    The rest of the order's membership side lives next to this file: the checks made
    before posting (``pos_order_membership_checks.py``), its figures and the
    classification of its lines (``pos_order_membership_figures.py``), the posting to the
    ledgers (``pos_order_membership_post.py``) and the review of held orders
    (``pos_order_membership_review.py``); packages in ``pos_order_package.py``.
    """

    _inherit = "pos.order"

    membership_discount_review = fields.Boolean(
        string="Member Discount to Review",
        readonly=True,
        copy=False,
        help="The till gave more member discount than the member's tier allows when the "
        "order was synced (an offline till, a tier changed meanwhile, or a tampered till).",
    )

    membership_wallet_review = fields.Boolean(
        string="Member Wallet to Review",
        readonly=True,
        copy=False,
        help="The order was paid from the member's wallet at the till, but the wallet no "
        "longer covered it when the order was synced (an offline till): nothing was taken "
        "from the wallet and a supervisor settles the difference.",
    )

    membership_points_review = fields.Boolean(
        string="Member Points to Review",
        readonly=True,
        copy=False,
        help="Points used at the till (a cash-off or a gift) were refused by the ledger when "
        "the order was synced (spent meanwhile on another till, a rule changed while the "
        "till was offline): the sale was kept, no points were taken for that part and a "
        "supervisor settles it.",
    )

    membership_counted = fields.Boolean(
        readonly=True,
        copy=False,
        help="Set once the order was posted to its member's ledgers and figures.",
    )

    membership_qualifying_amount = fields.Monetary(
        string="Member Qualifying Spend",
        readonly=True,
        copy=False,
        help="What this order counts for the member's tier and spend figures, set by the "
        "server when it is posted: goods paid with money it received (not top-ups, not "
        "what is held for review); a refund subtracts what it gives back.",
    )

    membership_pin_token = fields.Char(
        readonly=True,
        copy=False,
        help="Proof, given by the server when the member typed the right wallet PIN at the "
        "till, bound to this order, the member and the wallet amount.",
    )

    # What the receipt shows, recorded when the order was posted to its member's ledger.
    membership_points_earned = fields.Float(
        string="Points Earned", digits=(16, 2), readonly=True, copy=False
    )
    membership_points_redeemed = fields.Float(
        string="Points Redeemed",
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="Points used on this order: cash-off and gifts.",
    )
    membership_points_balance = fields.Float(
        string="Points Balance After",
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="The member's points balance once this order was posted.",
    )
    membership_points_tier = fields.Char(string="Member Tier After", readonly=True, copy=False)
    membership_points_coupon_count = fields.Integer(
        string="E-coupons Bought",
        copy=False,
        help="E-coupons the till bought with the member's points for this order, sent by the "
        "till: each was posted at once under the key pos:<order uuid>:coupon:<rank>.",
    )
    membership_points_coupon_codes = fields.Char(
        string="E-coupon Codes",
        readonly=True,
        copy=False,
        help="Codes of the e-coupons bought with points for this order, linked when the order "
        "was synced (printed again on a reprinted receipt).",
    )

    membership_topup_coupon_codes = fields.Char(
        string="Top-up E-coupon Codes",
        readonly=True,
        copy=False,
        help="Codes of the e-coupons the wallet top-up of this order earned (its bonus "
        "band), recorded when the top-up was posted; printed on the receipt.",
    )

    def init(self):
        super().init()
        # Orders posted before the server verified their figures count as they did.
        self.env.cr.execute(
            """UPDATE pos_order SET membership_qualifying_amount = amount_total
                WHERE membership_qualifying_amount IS NULL AND membership_counted"""
        )

    @api.model
    def _process_order(self, order, existing_order):
        # The review flags, the posted marker and the figures posting records are the
        # server's: a till never sets them.
        for name in (
            "membership_counted",
            "membership_wallet_review",
            "membership_discount_review",
            "membership_points_review",
            "membership_points_coupon_codes",
            "membership_points_earned",
            "membership_points_redeemed",
            "membership_points_balance",
            "membership_points_tier",
            "membership_qualifying_amount",
            "membership_topup_coupon_codes",
        ):
            order.pop(name, None)
        self._membership_check_numbers(order)
        excess = self._membership_check_discounts(order)
        order_id = super()._process_order(order, existing_order)
        if excess:
            # The money was taken at the till: keep the sale as it happened, flag it and
            # tell supervisors which lines exceed the tier instead of losing the order.
            pos_order = self.browse(order_id)
            pos_order.membership_discount_review = True
            pos_order.message_post(body=self.env._("Member discount above the tier: %s", excess))
        return order_id

    def _process_saved_order(self, draft):
        # In the sync, a member's order is posted to the ledgers once its picking and
        # costs are made: the member's account is locked from the posting to the commit,
        # and the stock work then no longer holds up the member's other tills.
        order_id = super(
            PosOrder, self.with_context(membership_post_later=POST_LATER)
        )._process_saved_order(draft)
        self._membership_post_paid()
        return order_id

    def action_pos_order_paid(self):
        res = super().action_pos_order_paid()
        if self.env.context.get("membership_post_later") is POST_LATER:
            # The customers' first read in the sync takes their company-dependent fields
            # too (the picking reads its stock location next): one query, not two.
            # sudo: a read-only prefetch of customers the sync reads anyway.
            if self.partner_id:
                self.partner_id.sudo().fetch(self._membership_partner_fetch_fields())
            # Other orders lock nothing: done now, with the order's own update.
            self.filtered(lambda o: not o.partner_id.is_member)._membership_post_paid()
        else:
            self._membership_post_paid()
        return res

    def _membership_post_paid(self):
        # The POS sync may bring an order already in state "paid" and may replay the paid
        # step: a flag on the order, not its state, makes each order count exactly once.
        self.filtered(
            lambda o: o.state in ("paid", "done") and not o.membership_counted
        )._membership_on_paid()

    def _membership_on_paid(self):
        """Post the paid orders of members to their ledgers and update their figures.

        Runs in the transaction that marks the orders paid (the POS sync): points earned and
        used, wallet money spent or topped up are computed from the stored order and keyed
        by its uuid, so a re-sent order posts nothing more.
        """
        # sudo: ledgers, member figures and the outbox are written by the system on behalf
        # of the till (whose user may have no Membership level); the cashier's rights were
        # checked when the order itself was validated.
        paid = self.sudo()
        figures = {
            order.id: order._membership_figures()
            for order in paid.filtered(lambda o: o.partner_id.is_member)
        }
        paid._membership_check_till_rights(figures)
        paid.membership_counted = True
        Sms = paid.env["membership.sms"]
        accounts = {}
        for member, orders in paid.grouped("partner_id").items():
            if not member.is_member:
                continue
            orders = orders.with_context(membership_defer_qualifying=True)
            if len(orders) == 1 and (plan := orders._membership_plan(figures[orders.id])):
                # The purchase SMS is rendered before the account is locked (the balances
                # it prints are filled in once posted): the lock waits for no rendering.
                sms = plan["qualifying"] > 0 and orders._membership_purchase_sms_prepare()
                spend = orders._membership_post_planned(plan, figures[orders.id], accounts)
                orders._membership_purchase_sms_finish(sms, accounts)
            else:
                for order in orders:
                    accounts[order.id] = order._membership_post(figures=figures[order.id])
                spend = {o: figures[o.id].get("qualifying_posted", 0.0) for o in orders}
                member._membership_record_orders(orders, spend)
                member.env["membership.tier"]._membership_check_upgrade(member, spend)
                # A held order (figures that do not add up) tells the member nothing yet.
                for order in orders.filtered(lambda o, spent=spend: spent[o] > 0):
                    Sms._membership_notify(
                        "purchase", member, {"amount": order.amount_total}, key=order.uuid
                    )
            for order, amount in spend.items():
                order.membership_qualifying_amount = amount
        paid.filtered("membership_points_coupon_count")._membership_link_coupons()
        paid.filtered(
            lambda o: o.partner_id.is_member and not o.membership_wallet_review
        )._membership_hold_card_deposits()
        paid._membership_points_record(accounts)

    def _membership_post_planned(self, plan, figures, accounts):
        """Post this sale (a till's live order, alone for its member in the sync) whose
        outcome ``_membership_plan`` foresaw: what needs no lock comes first (the tier
        check), then the member's account is locked, with the member's figures written
        in the same statement, and the moves posted. Returns {order: spend}; fills
        ``accounts`` {order id: accounts posted to}."""
        self.ensure_one()
        member = self.partner_id
        spend = {self: plan["qualifying"]}
        member.env["membership.tier"]._membership_check_upgrade(
            member, spend, pending_points=plan["earn"]
        )
        member._membership_record_orders(self, spend, with_lock=True)
        accounts[self.id] = self._membership_post(figures=figures, plan=plan)
        member._membership_record_pending()  # nothing was posted (a held order)
        if self.currency_id.compare_amounts(figures["qualifying_posted"], plan["qualifying"]):
            raise ConcurrencyError(f"order {self.uuid} posted other figures than planned")
        return spend

    def _membership_purchase_sms_prepare(self):
        """The purchase SMS of this sale, rendered and checked (key, opt-out) but not
        queued yet: its balances and tier are marks until
        ``_membership_purchase_sms_finish``."""
        self.ensure_one()
        return self.env["membership.sms"]._membership_notify_prepare(
            "purchase",
            self.partner_id,
            {"amount": self.amount_total},
            key=self.uuid,
            late=("points", "wallet", "tier"),
        )

    def _membership_purchase_sms_finish(self, prepared, accounts):
        """Queue the purchase SMS prepared for this sale with the balances its posting
        left on the member's account (in the cache: no query but the row's INSERT). The
        posting raised (and the transaction replays) when it did not go as planned, so the
        SMS was prepared only for a sale that counts."""
        if not prepared:
            return
        account = accounts.get(self.id, self.env["membership.account"]).filtered(
            lambda a: a.partner_id == self.partner_id
        )[:1]
        figures = {
            "points": account.points_balance,
            "wallet": account.wallet_balance,
            # the tier this order left (an upgrade is checked before the lock)
            "tier": self.env["membership.tier"]._membership_tier_name(
                self.partner_id.member_tier_id.id
            )
            or "",
        }
        self.env["membership.sms"]._membership_queue_finish(prepared, {self.partner_id.id: figures})

    def _membership_points_record(self, accounts):
        """Record on member orders the points balance and the tier they left (the posting
        recorded the points earned and used): the receipt prints these true figures.

        ``accounts``: {order id: the accounts its posting returned}. Plain writes, read
        from what the posting left in the cache: they go out with the order's own update,
        so the sync of a member's order pays no query for its receipt."""
        for order in self.filtered(lambda o: o.partner_id.is_member):
            account = accounts.get(order.id, self.env["membership.account"]).filtered(
                lambda a, o=order: a.partner_id == o.partner_id
            )[:1]
            order.membership_points_balance = account.points_balance
            order.membership_points_tier = self.env["membership.tier"]._membership_tier_name(
                order.partner_id.member_tier_id.id
            )

    def _membership_link_coupons(self):
        """Link to their synced order the e-coupons the till bought for it while it was
        open (pos.session.membership_pos_redeem_coupon, keys pos:<uuid>:coupon:<rank>, ranks
        0, 1, ... in the order bought) and record their codes for the order form and a
        reprinted receipt. Only this order's own keys are looked at: a wrong count from the
        till links nothing of anyone else's."""
        Move = self.env["membership.points.move"]
        linked = ["origin_model", "origin_id", "pos_order_id"]
        Move.flush_model(linked)
        for order in self:
            ranks = range(min(max(order.membership_points_coupon_count, 0), 100))
            keys = tuple(f"pos:{order.uuid}:coupon:{rank}" for rank in ranks)
            if not keys:
                continue
            # Linking a posted move to its order changes no amount, so the ledger stays
            # append-only; the ORM refuses every write on posted moves, hence SQL, and only
            # moves not linked yet (a re-sent order links nothing more).
            self.env.cr.execute(
                SQL(
                    """UPDATE membership_points_move
                          SET origin_model = %s, origin_id = %s, pos_order_id = %s
                        WHERE idempotency_key IN %s AND pos_order_id IS NULL""",
                    order._name,
                    order.id,
                    order.id,
                    keys,
                )
            )
        Move.invalidate_model(linked)
        # sudo: the till's user may not read ledgers; only the coupons' codes are copied.
        coupons = Move.sudo().search(
            [("pos_order_id", "in", self.ids), ("kind", "=", "coupon")], order="id"
        )
        for order in self:
            order.membership_points_coupon_codes = ", ".join(
                move.loyalty_card_id.code for move in coupons if move.pos_order_id == order
            )

    def _membership_hold_card_deposits(self):
        """A card deposit sold on a paid order (a member enrolled at the till: the card
        was issued with no deposit) is held on the member's card from now on, at most the
        card type's deposit and what the line's price and quantity come to; a card fee
        (issue or replacement) paid on it is said in the chatter of the member's card. An
        order held for review (figures that do not add up) holds nothing."""
        charge_id = self._membership_card_charge_id()
        if not charge_id:
            return
        for order in self:
            lines = order.lines.filtered(lambda line, p=charge_id: line.product_id.id == p)
            paid_for = sum(
                line.qty * line.price_unit * (1.0 - (line.discount or 0.0) / 100.0)
                for line in lines
            )
            if order.currency_id.compare_amounts(paid_for, 0.0) <= 0:
                continue
            cards = order.partner_id.membership_card_ids.filtered(
                lambda c, o=order: c.company_id == o.company_id and c.state == "active"
            ).sorted("id", reverse=True)
            card = cards.filtered(
                lambda c: (
                    c.card_type_id.charge_type == "deposit"
                    and not c.replaces_id
                    and c.currency_id.is_zero(c.deposit_amount)
                )
            )[:1]
            if card:
                card._membership_hold_deposit(min(card.card_type_id.amount, paid_for), order)
            elif cards:
                # An issue or replacement fee: the chatter of the card says it was paid.
                cards[0]._membership_log_fee_paid(paid_for, order)
