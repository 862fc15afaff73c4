import math

from odoo import api, models

from .pos_order import PAID_STATES


class PosOrder(models.Model):
    """What a member's order amounts to, from its stored lines and payments: which lines
    are goods, top-ups, points or card charges, the server's own figures, and what a
    refund may give back."""

    _inherit = "pos.order"

    def _membership_order_lines(self):
        """Split this order's lines into (points cash-off lines, top-up lines, sale lines):
        the company's points and top-up products, and the goods sold (a card's fee or
        deposit sold at enrolment is neither, and earns no points)."""
        self.ensure_one()
        company = self.company_id
        points_product = company.membership_points_product_id
        topup_product = company.membership_topup_product_id
        points_lines = self.lines.filtered(
            lambda line: points_product and line.product_id == points_product
        )
        topup_lines = self.lines.filtered(
            lambda line: topup_product and line.product_id == topup_product
        )
        charge_id = self._membership_card_charge_id()
        sale_lines = (self.lines - points_lines - topup_lines).filtered(
            lambda line: line.product_id.id != charge_id
        )
        return points_lines, topup_lines, sale_lines

    @api.model
    def _membership_card_charge_id(self):
        """Id of the product of a card's fee or deposit sold on a till's order (0 when
        deleted). From the cached xmlid lookup: unlike ``env.ref`` it costs no query, and
        the sync of every member order asks for it."""
        return (
            self.env["ir.model.data"]._xmlid_to_res_id(
                "membership_loyalty.product_membership_card_charge", raise_if_not_found=False
            )
            or 0
        )

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
        points_lines, topup_lines, sale_lines = self._membership_order_lines()
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

    @api.model
    def _membership_earn_lines(self, sale_lines, amounts, earn_money):
        """The lines that earn points, each for its share of ``earn_money`` (the money
        received for goods): the goods sold (positive lines) share it in proportion to
        their amounts, so a discount or a negative line never lets a multiplied product
        earn beyond the money received."""
        positive = [line for line in sale_lines if amounts[line] > 0]
        base = sum(amounts[line] for line in positive)
        if base <= 0 or earn_money <= 0:
            return []
        share = min(earn_money / base, 1.0)
        return [{"product": line.product_id, "amount": amounts[line] * share} for line in positive]

    def _membership_refund_bounds(self, figures):
        """What this refund order may give back, bounded by the sales it refunds.

        Returns a dict: ``takes`` {original line: quantity this refund may take back},
        ``sold`` {original line: its amount recomputed by the server}, ``wallet_back``
        (wallet money it may pay back) and ``reasons`` (what it claims beyond that)."""
        self.ensure_one()
        currency = self.currency_id
        reasons = list(figures["reasons"])
        takes, sold, value = {}, {}, 0.0
        originals = self.lines.refunded_orderline_id.order_id
        if any(order.state not in PAID_STATES for order in originals):
            reasons.append(self.env._("It refunds an order that was never paid."))
        for original in originals:
            if original._membership_order_lines()[1] & self.lines.refunded_orderline_id:
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
