import hmac
import math

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.tools import SQL, float_compare
from odoo.tools.misc import hmac as odoo_hmac

# MAX_AMOUNT: beyond it, an amount sent by a till is no amount (_membership_check_numbers).
from ..tools.input_checks import MAX_AMOUNT, check_id, check_number

PAID_STATES = ("paid", "done", "invoiced")


class PosOrder(models.Model):
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

    def action_pos_order_paid(self):
        res = super().action_pos_order_paid()
        # The POS sync may bring an order already in state "paid" and may replay the paid
        # step: a flag on the order, not its state, makes each order count exactly once.
        self.filtered(
            lambda o: o.state in ("paid", "done") and not o.membership_counted
        )._membership_on_paid()
        return res

    @api.model
    def _membership_check_numbers(self, order):
        """Refuse, with a clear message and before anything is written, an order payload
        whose amounts are not plain finite numbers of a sane size (NaN, infinity, 1e308):
        no figure the server derives from them could mean anything."""

        def check(value, what):
            if value is None or value is False:
                return
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number) or abs(number) > MAX_AMOUNT:
                raise UserError(
                    self.env._(
                        "Order %(order)s: %(what)s is not a valid amount (%(value)s).",
                        order=order.get("name") or order.get("uuid") or "?",
                        what=what,
                        value=str(value)[:40],
                    )
                )

        for name in ("amount_total", "amount_paid", "amount_tax", "amount_return"):
            check(order.get(name), name)
        for key, names in (
            ("lines", ("qty", "price_unit", "discount", "price_subtotal", "price_subtotal_incl")),
            ("payment_ids", ("amount",)),
        ):
            for cmd in order.get(key) or []:
                if isinstance(cmd, list | tuple) and len(cmd) == 3 and isinstance(cmd[2], dict):
                    for name in names:
                        check(cmd[2].get(name), name)

    @api.model
    def _membership_check_discounts(self, order):
        """Lines of an order payload whose member discount goes beyond the member's tier.

        The till computes the discounts; the server never trusts more than the tier gives.
        Returns a text describing the offending lines, empty when all is right."""
        lines = [
            cmd[2]
            for cmd in order.get("lines") or []
            if isinstance(cmd, list | tuple) and len(cmd) == 3 and isinstance(cmd[2], dict)
        ]
        claimed = [vals for vals in lines if vals.get("membership_discount")]
        if not claimed:
            return ""
        check_id(self.env, order.get("partner_id"), self.env._("The order's customer"), False)
        for vals in claimed:
            check_id(self.env, vals.get("product_id"), self.env._("A line's product"))
            label = self.env._("A line's member discount")
            check_number(self.env, vals["membership_discount"], label, 0, 100)
            check_number(
                self.env, vals.get("discount") or 0.0, self.env._("A line's discount"), 0, 100
            )
        # sudo: POS users without a Membership group may not read tiers; read-only check.
        partner = self.env["res.partner"].sudo().browse(order.get("partner_id") or [])
        try:
            # Read, not exists(): the sync reads the customer anyway, this costs no query.
            is_member = partner.is_member
        except MissingError:
            is_member = False  # no such customer: no tier, every member discount is in excess
        tier = partner.member_tier_id if is_member else self.env["membership.tier"]
        # A running "Tier Discount Boost" campaign targeting the member raises the tier's
        # discounts the till may give (the same figure the till was sent with the member).
        boost = tier and self.env["membership.campaign"]._membership_discount_boost(partner)
        allowed = tier._membership_category_discounts(boost) if tier else {}
        products = self.env["product.product"].browse([vals.get("product_id") for vals in claimed])
        categories = {product.id: product.categ_id.id for product in products}
        excess = []
        for vals in claimed:
            limit = allowed.get(categories.get(vals.get("product_id")), 0.0)
            given = vals["membership_discount"]
            if (
                float_compare(given, limit, precision_digits=2) > 0
                or float_compare(given, vals.get("discount") or 0.0, precision_digits=2) > 0
            ):
                excess.append((vals.get("product_id"), given, limit))
        # Product names only for the message, when a line exceeds the tier.
        names = {product.id: product.display_name for product in products} if excess else {}
        return "; ".join(
            self.env._(
                "%(product)s: %(given)s%% given, the tier allows %(allowed)s%%",
                product=names.get(product_id, "?"),
                given=given,
                allowed=limit,
            )
            for product_id, given, limit in excess
        )

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
        Account = paid.env["membership.account"].with_context(membership_defer_qualifying=True)
        Sms = paid.env["membership.sms"]
        accounts = {}
        for member, orders in paid.grouped("partner_id").items():
            if not member.is_member:
                continue
            for order in orders:
                accounts[order.id] = Account._membership_post_order(
                    order, figures=figures[order.id]
                )
            spend = {order: figures[order.id].get("qualifying_posted", 0.0) for order in orders}
            member._membership_record_orders(orders, spend)
            paid.env["membership.tier"]._membership_check_upgrade(member, spend)
            for order, amount in spend.items():
                order.membership_qualifying_amount = amount
            # A held order (figures that do not add up) tells the member nothing yet.
            for order in orders.filtered(lambda o, spent=spend: spent[o] > 0):
                Sms._membership_notify(
                    "purchase", member, {"amount": order.amount_total}, key=order.uuid
                )
        paid.filtered("membership_points_coupon_count")._membership_link_coupons()
        paid.filtered(
            lambda o: o.partner_id.is_member and not o.membership_wallet_review
        )._membership_hold_card_deposits()
        paid._membership_points_record(accounts)

    def _membership_hold_card_deposits(self):
        """A card deposit sold on a paid order (a member enrolled at the till: the card
        was issued with no deposit) is held on the member's card from now on, at most the
        card type's deposit and what the line's price and quantity come to; a card fee
        (issue or replacement) paid on it is said in the chatter of the member's card. An
        order held for review (figures that do not add up) holds nothing."""
        charge_id = self.env["membership.account"]._membership_card_charge_id()
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

    def _membership_link_coupons(self):
        """Link to their synced order the e-coupons the till bought for it while it was
        open (pos.session.membership_pos_redeem_coupon, keys pos:<uuid>:coupon:<rank>, ranks
        0, 1, ... in the order bought) and record their codes for the order form and a
        reprinted receipt. Only this order's own keys are looked at: a wrong count from the
        till links nothing of anyone else's."""
        Move = self.env["membership.points.move"]
        Move.flush_model(["pos_order_id"])
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
                    """UPDATE membership_points_move SET pos_order_id = %s
                        WHERE idempotency_key IN %s AND pos_order_id IS NULL""",
                    order.id,
                    keys,
                )
            )
        Move.invalidate_model(["pos_order_id"])
        # sudo: the till's user may not read ledgers; only the coupons' codes are copied.
        coupons = Move.sudo().search(
            [("pos_order_id", "in", self.ids), ("kind", "=", "coupon")], order="id"
        )
        for order in self:
            order.membership_points_coupon_codes = ", ".join(
                move.loyalty_card_id.code for move in coupons if move.pos_order_id == order
            )

    def _membership_hold(self, reasons, points=False):
        """Keep these synced orders and hold them for a supervisor: nothing of theirs is
        posted to the member's ledgers until settled; ``reasons`` go to the chatter."""
        if points:
            self.membership_points_review = True
        else:
            self.membership_wallet_review = True
        body = self.env._(
            "Held for a supervisor, nothing was credited to the member: %s",
            " ".join(reasons),
        )
        for order in self:
            order.message_post(body=body)

    def _membership_refund_bounds(self, figures):
        """What this refund order may give back, bounded by the sales it refunds.

        Returns a dict: ``takes`` {original line: quantity this refund may take back},
        ``sold`` {original line: its amount recomputed by the server}, ``wallet_back``
        (wallet money it may pay back) and ``reasons`` (what it claims beyond that)."""
        self.ensure_one()
        currency = self.currency_id
        Account = self.env["membership.account"]
        reasons = list(figures["reasons"])
        takes, sold, value = {}, {}, 0.0
        originals = self.lines.refunded_orderline_id.order_id
        if any(order.state not in PAID_STATES for order in originals):
            reasons.append(self.env._("It refunds an order that was never paid."))
        for original in originals:
            if Account._membership_order_lines(original)[1] & self.lines.refunded_orderline_id:
                reasons.append(self.env._("A wallet top-up is paid out, not refunded."))
            for line in original.lines:
                sold[line] = line._membership_amount()
        for refund_line in self.lines.filtered("refunded_orderline_id"):
            line = refund_line.refunded_orderline_id
            asked = -refund_line.qty
            before = -sum(
                other.qty
                for other in line.refund_orderline_ids
                if other.order_id != self and other.order_id.state in PAID_STATES
            )
            left = max(line.qty - before, 0.0) if line.order_id.state in PAID_STATES else 0.0
            take = max(min(asked, left - takes.get(line, 0.0)), 0.0)
            if asked <= 0 or asked > take + 1e-6:
                reasons.append(
                    self.env._(
                        "%(product)s: %(asked)s refunded, %(left)s left to refund.",
                        product=line.full_product_name or line.product_id.display_name,
                        asked=asked,
                        left=max(left - takes.get(line, 0.0), 0.0),
                    )
                )
            unit = sold[line] / line.qty if line.qty else 0.0
            given = -figures["amounts"][refund_line]
            if currency.compare_amounts(given, unit * asked) > 0:
                reasons.append(
                    self.env._(
                        "%(product)s: %(given)s refunded for %(sold)s sold.",
                        product=line.full_product_name or line.product_id.display_name,
                        given=currency.format(given),
                        sold=currency.format(unit * asked),
                    )
                )
            takes[line] = takes.get(line, 0.0) + take
            value += unit * take
        wallet_back = -figures["wallet"]
        allowed = 0.0
        if currency.compare_amounts(wallet_back, 0.0) > 0:
            taken = self._membership_wallet_taken(originals)
            allowed = max(min(taken, value), 0.0)
            if currency.compare_amounts(wallet_back, allowed) > 0:
                reasons.append(
                    self.env._(
                        "It pays %(back)s back to the wallet; the sale took %(taken)s from it "
                        "that was not given back yet.",
                        back=currency.format(wallet_back),
                        taken=currency.format(max(taken, 0.0)),
                    )
                )
        return {
            "takes": takes,
            "sold": sold,
            "wallet_back": currency.round(max(min(wallet_back, allowed), 0.0)),
            "reasons": reasons,
        }

    def _membership_wallet_taken(self, originals):
        """Wallet money the ``originals`` took from their member's wallet and no other
        refund gave back yet."""
        self.ensure_one()
        keys = [f"pos:{order.uuid}:wallet" for order in originals]
        others = originals.lines.refund_orderline_ids.order_id - self
        # sudo: the refund is bounded by the ledger, whoever refunds.
        moves = (
            self.env["membership.wallet.move"]
            .sudo()
            .search(
                [
                    "|",
                    "&",
                    ("idempotency_key", "in", keys),
                    ("kind", "=", "spend"),
                    "&",
                    ("pos_order_id", "in", others.ids),
                    ("kind", "=", "refund"),
                ]
            )
        )
        return -sum(moves.mapped("amount"))

    def _membership_flag_wallet_review(self, missing):
        """Flag a synced order whose wallet payment the wallet no longer covers."""
        self.membership_wallet_review = True
        for order in self:
            order.message_post(
                body=self.env._(
                    "The member's wallet lacks %(missing)s to pay this order: nothing was "
                    "taken from the wallet; a supervisor must settle it.",
                    missing=order.currency_id.format(missing),
                )
            )

    def _membership_flag_points_review(self, reason):
        """Flag a synced order whose points use (cash-off, gift) the ledger refused."""
        self.membership_points_review = True
        for order in self:
            order.message_post(
                body=self.env._(
                    "Points used at the till were refused when the order was synced: "
                    "%(reason)s Nothing was taken from the member's points for it; a "
                    "supervisor must settle it.",
                    reason=reason,
                )
            )

    # ------------------------------------------------------------------ wallet at the till

    @api.model
    def _membership_pin_token(self, uuid, partner, amount, company):
        """The proof that the member typed their PIN for ``amount`` on order ``uuid``."""
        amount = company.currency_id.round(float(amount or 0.0))
        # sudo: the database secret keys the HMAC; it never leaves the server.
        return odoo_hmac(self.env(su=True), "membership-wallet-pin", (uuid, partner.id, amount))

    def _membership_wallet_amounts(self):
        """(wallet money paid, top-up sold) of an order, from its stored lines and payments,
        top-up recomputed from price, quantity, discount and taxes."""
        self.ensure_one()
        figures = self._membership_figures()
        return figures["wallet"], figures["topup"]

    def _membership_figures(self):
        """What the server can verify of a stored order, never the till's own totals.

        Each line's amount is recomputed from its price, quantity, discount and taxes as
        Odoo computes it; the money received is what the payments that are not the member
        wallet brought (a cash payment's change is a negative payment). Returns a dict:
        ``amounts`` {line: amount incl. taxes}, ``total``, ``received`` (non-wallet
        money), ``wallet`` (wallet money paid, negative when paid back), ``topup``,
        ``goods`` (sale and points lines), ``reasons`` (why the figures do not add up:
        the order is then held for a supervisor) and ``earn_money`` / ``qualifying``
        (the money for goods that earns points / counts for the member's tier).

        Computed from records the sync already loaded: no query per line.
        """
        self.ensure_one()
        currency = self.currency_id
        Account = self.env["membership.account"]
        points_lines, topup_lines, sale_lines = Account._membership_order_lines(self)
        amounts = {}
        reasons = []
        for line in self.lines:
            numbers = (line.qty, line.price_unit, line.discount)
            if not all(math.isfinite(number) for number in numbers):
                amounts[line] = 0.0
                reasons.append(self.env._("A line has an amount that is not a number."))
                continue
            amounts[line] = line._membership_amount()
        wallet_payments = self.payment_ids.filtered("payment_method_id.membership_is_wallet")
        wallet = sum(wallet_payments.mapped("amount"))
        received = sum((self.payment_ids - wallet_payments).mapped("amount"))
        total = sum(amounts.values())
        topup = sum(amounts[line] for line in topup_lines)
        goods = sum(amounts[line] for line in sale_lines | points_lines)
        # Rounding: a cent per line (taxes rounded globally), plus the till's cash rounding.
        tolerance = currency.rounding * max(len(self.lines), 1)
        if self.config_id.cash_rounding and self.config_id.rounding_method:
            tolerance += self.config_id.rounding_method.rounding
        # The till stores a refund line's amount with either sign.
        forged = [
            line
            for line in self.lines
            if currency.compare_amounts(amounts[line], line.price_subtotal_incl)
            and not (
                line.refunded_orderline_id
                and not currency.compare_amounts(-amounts[line], line.price_subtotal_incl)
            )
        ]
        if forged:
            reasons.append(
                self.env._(
                    "%(count)s line(s) sent with amounts that their price, quantity, "
                    "discount and taxes do not give (%(lines)s).",
                    count=len(forged),
                    lines=", ".join(
                        f"{line.full_product_name or line.product_id.display_name}: "
                        f"{currency.format(line.price_subtotal_incl)} sent, "
                        f"{currency.format(amounts[line])} computed"
                        for line in forged[:5]
                    ),
                )
            )
        if abs(total - self.amount_total) > tolerance:
            reasons.append(
                self.env._(
                    "The order total sent (%(sent)s) is not the sum of its lines (%(lines)s).",
                    sent=currency.format(self.amount_total),
                    lines=currency.format(total),
                )
            )
        if abs(received + wallet - total) > tolerance:
            reasons.append(
                self.env._(
                    "The payments (%(paid)s) do not match the order's lines (%(total)s).",
                    paid=currency.format(received + wallet),
                    total=currency.format(total),
                )
            )
        is_refund = bool(self.lines.refunded_orderline_id)
        if not is_refund:
            reasons += self._membership_sale_reasons(
                amounts, points_lines, topup_lines, received, wallet, topup
            )
        # Money for goods: what was received beyond the top-ups (wallet money too when the
        # company lets it earn), never more than the goods are worth.
        for_goods = received - max(topup, 0.0)
        wallet_spent = max(wallet, 0.0)
        earn_money = for_goods + (wallet_spent if self.company_id.membership_wallet_earns else 0.0)
        earn_money = max(min(earn_money, goods), 0.0)
        if is_refund:
            qualifying = min(goods, 0.0)
        else:
            qualifying = max(min(for_goods + wallet_spent, goods), 0.0)
        return {
            "amounts": amounts,
            "total": total,
            "received": received,
            "wallet": wallet,
            "topup": topup,
            "goods": goods,
            "for_goods": for_goods,
            "earn_money": currency.round(earn_money),
            "qualifying": currency.round(qualifying),
            "reasons": reasons,
        }

    def _membership_sale_reasons(self, amounts, points_lines, topup_lines, received, wallet, topup):
        """Why the lines and payments of a sale (not a refund) cannot be credited as sent."""
        currency = self.currency_id
        reasons = []
        if any(currency.compare_amounts(amounts[line], 0.0) < 0 for line in topup_lines):
            reasons.append(self.env._("A top-up line takes money off the order."))
        if any(currency.compare_amounts(amounts[line], 0.0) > 0 for line in points_lines):
            reasons.append(self.env._("A points line adds to the order instead of paying."))
        if currency.compare_amounts(wallet, 0.0) < 0:
            reasons.append(self.env._("Money paid back to the wallet on a sale, not a refund."))
        if currency.compare_amounts(received + wallet, 0.0) < 0:
            reasons.append(self.env._("The sale pays money out without a refunded sale."))
        if (
            currency.compare_amounts(topup, 0.0) > 0
            and not currency.compare_amounts(wallet, 0.0) > 0
            and currency.compare_amounts(received, topup) < 0
        ):
            reasons.append(
                self.env._(
                    "Top-up of %(topup)s for %(received)s received in money.",
                    topup=currency.format(topup),
                    received=currency.format(received),
                )
            )
        return reasons

    def _membership_check_till_rights(self, figures=None):
        """Rights and PIN checks of synced member orders, before anything is posted.

        The money changed hands at the till: the sale is always kept. What breaks a rule
        (a top-up above the operator's limit, wallet payments above the PIN threshold over
        the company's window without a valid PIN proof, a refund to the wallet beyond the
        operator's limit) is held: nothing goes in or out of the wallet, the order is
        flagged Member Wallet to Review with the reason in the chatter, and a supervisor
        settles it. ``figures``: {order id: ``_membership_figures()``} already computed."""
        Session = self.env["pos.session"]
        figures = figures or {}
        for order in self.filtered(lambda o: o.partner_id.is_member):
            company = order.company_id
            currency = order.currency_id
            employee = order["employee_id"] if "employee_id" in order._fields else None
            # Who sends the order decides (a till cannot claim another user's rights); with
            # pos_hr, the employee logged in at the till.
            level = Session._membership_till_level(self.env.user, employee, order.config_id)
            order_figures = figures.get(order.id) or order._membership_figures()
            wallet, topup = order_figures["wallet"], order_figures["topup"]
            reasons = []
            if topup > 0 and wallet > 0:
                reasons.append(
                    self.env._("A wallet cannot be topped up with wallet money: top-up held.")
                )
            elif topup > 0:
                refusal = Session._membership_topup_refusal(company, level, topup)
                if refusal:
                    reasons.append(
                        self.env._("Top-up of %s held: ", currency.format(topup)) + refusal
                    )
            if order._membership_pin_missing(wallet):
                reasons.append(
                    self.env._(
                        "Wallet payment of %s held: no valid PIN proof for this order.",
                        currency.format(wallet),
                    )
                )
            if wallet < 0 and order.lines.refunded_orderline_id:
                limit = company.membership_cashier_refund_limit
                if level == "none" or (
                    level == "cashier" and currency.compare_amounts(-wallet, limit) > 0
                ):
                    reasons.append(
                        self.env._(
                            "Refund of %(amount)s to the wallet held: above what this "
                            "operator may refund (%(limit)s).",
                            amount=currency.format(-wallet),
                            limit=currency.format(limit if level == "cashier" else 0.0),
                        )
                    )
            if reasons:
                order.membership_wallet_review = True
                order.message_post(body="; ".join(reasons))

    def _membership_pin_missing(self, wallet):
        """Whether this order's wallet payment of ``wallet`` needs the member's PIN and
        carries no valid proof of it. The threshold applies to what the wallet paid for
        the member over the company's window (a day by default), this order included, so
        splitting a payment in several small ones asks the PIN all the same."""
        self.ensure_one()
        company = self.company_id
        currency = self.currency_id
        threshold = company.membership_pin_threshold
        if not (
            currency.compare_amounts(wallet, 0.0) > 0
            and threshold > 0
            and self.partner_id.membership_pin_set
        ):
            return False
        spent = wallet
        if currency.compare_amounts(spent, threshold) <= 0:
            spent += self.partner_id._membership_wallet_spent_recently(company)
        if currency.compare_amounts(spent, threshold) <= 0:
            return False
        expected = self._membership_pin_token(self.uuid, self.partner_id, wallet, company)
        return not hmac.compare_digest(self.membership_pin_token or "", expected)

    def action_membership_wallet_settle(self):
        self.ensure_one()
        self._membership_check_settle_rights()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Settle the Member Order"),
            "res_model": "membership.wallet.settle",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def _membership_check_settle_rights(self):
        if not self.env.user.has_group("membership_loyalty.membership_loyalty_group_supervisor"):
            raise AccessError(self.env._("Only Membership Supervisors settle held member orders."))
        if not (self.membership_wallet_review or self.membership_points_review):
            raise UserError(self.env._("This order has nothing held for its member to settle."))

    @api.private
    def _membership_settle_post(self):
        """Supervisor: post now what was held (wallet payment, top-up, refund), keyed as
        the sync would have; refused while the wallet does not cover the payment."""
        self.ensure_one()
        self._membership_check_settle_rights()
        # sudo: ledgers are written by the system; the supervisor's right was checked.
        order = self.sudo()
        order.membership_wallet_review = order.membership_points_review = False
        account = order.env["membership.account"]._membership_post_order(order, settling=True)
        if order.membership_wallet_review:
            raise UserError(
                self.env._("The member's wallet still does not cover this order's payment.")
            )
        if order.membership_points_review:
            raise UserError(
                self.env._("The member's points still do not cover what this order used.")
            )
        order._membership_points_record({order.id: account})
        order.env["membership.tier"]._membership_check_upgrade(order.partner_id)
        order.message_post(
            body=self.env._(
                "Member order settled by %s: posted to the wallet and points ledgers.",
                self.env.user.name,
            )
        )

    @api.private
    def _membership_settle_other(self, note):
        self.ensure_one()
        self._membership_check_settle_rights()
        if not (note or "").strip():
            raise UserError(self.env._("Say how the order was settled."))
        # sudo: the flag is readonly for users; the supervisor's right was checked.
        self.sudo().write({"membership_wallet_review": False, "membership_points_review": False})
        self.message_post(
            body=self.env._(
                "Member order settled another way by %(user)s: %(note)s",
                user=self.env.user.name,
                note=note,
            )
        )

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
            order.membership_points_tier = order.partner_id.member_tier_id.name
