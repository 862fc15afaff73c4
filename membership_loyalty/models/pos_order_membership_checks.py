import hmac
import math

from odoo import api, models
from odoo.exceptions import MissingError, UserError
from odoo.tools import float_compare
from odoo.tools.misc import hmac as odoo_hmac

# MAX_AMOUNT: beyond it, an amount sent by a till is no amount (_membership_check_numbers).
from ..tools.input_checks import MAX_AMOUNT, check_id, check_number


class PosOrder(models.Model):
    """What the server checks of a member's order before anything is posted: the
    payload's numbers and member discounts, the operator's rights and the wallet PIN."""

    _inherit = "pos.order"

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
            # Read, not exists(): the sync reads the customer anyway. Its company-dependent
            # fields come in the same query (the order's picking reads its stock location).
            partner.fetch(self._membership_partner_fetch_fields())
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

    @api.model
    def _membership_partner_fetch_fields(self):
        """Fields of the order's customer read in one query when the sync first reads it:
        those read by default together (the member's figures, tier...) and the
        company-dependent ones, which Odoo would read in a query of their own."""
        fields = self.env["res.partner"]._fields.values()
        return [
            field.name
            for field in fields
            if field.store and field.column_type and field.prefetch in (True, "company_dependent")
        ]

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
                # the same rights the till shows (None: no limit)
                limit = Session._membership_operator_rights(level, company)["refund_limit"]
                if limit is not None and currency.compare_amounts(-wallet, limit) > 0:
                    reasons.append(
                        self.env._(
                            "Refund of %(amount)s to the wallet held: above what this "
                            "operator may refund (%(limit)s).",
                            amount=currency.format(-wallet),
                            limit=currency.format(limit),
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

    @api.model
    def _membership_pin_token(self, uuid, partner, amount, company):
        """The proof that the member typed their PIN for ``amount`` on order ``uuid``."""
        amount = company.currency_id.round(float(amount or 0.0))
        # sudo: the database secret keys the HMAC; it never leaves the server.
        return odoo_hmac(self.env(su=True), "membership-wallet-pin", (uuid, partner.id, amount))
