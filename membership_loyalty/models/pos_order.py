from odoo import api, fields, models
from odoo.exceptions import MissingError
from odoo.tools import float_compare


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

    membership_counted = fields.Boolean(
        readonly=True,
        copy=False,
        help="Set once the order was posted to its member's ledgers and figures.",
    )

    @api.model
    def _process_order(self, order, existing_order):
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
        # sudo: POS users without a Membership group may not read tiers; read-only check.
        partner = self.env["res.partner"].sudo().browse(order.get("partner_id") or [])
        try:
            # Read, not exists(): the sync reads the customer anyway, this costs no query.
            is_member = partner.is_member
        except MissingError:
            is_member = False  # no such customer: no tier, every member discount is in excess
        tier = partner.member_tier_id if is_member else self.env["membership.tier"]
        allowed = tier._membership_category_discounts() if tier else {}
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
        paid.membership_counted = True
        Account = paid.env["membership.account"]
        Sms = paid.env["membership.sms"]
        for member in paid.partner_id.filtered("is_member"):
            orders = paid.filtered(lambda o, m=member: o.partner_id == m)
            for order in orders:
                Account._membership_post_order(order)
            member._membership_record_orders(orders)
            member._membership_check_upgrade()
            for order in orders.filtered(lambda o: o.amount_total > 0):
                Sms._membership_notify(
                    "purchase", member, {"amount": order.amount_total}, key=order.uuid
                )

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
