from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round

from ..tools.input_checks import MAX_AMOUNT, check_id, check_int, check_number, check_text

# Most lines an earn preview takes (a till order is far smaller).
MAX_PREVIEW_LINES = 1000
# Most units of one gift on an order.
MAX_GIFT_QTY = 1000


class PosSession(models.Model):
    """Member points at the till: the points an order earns, and redeeming them (cash-off,
    gift, e-coupon, conversion into wallet credit)."""

    _inherit = "pos.session"

    def _membership_pos_redeem_member(self, partner_id):
        """The member and their account, in sudo (see ``_membership_pos_member``)."""
        check_id(self.env, partner_id, self.env._("The member"))
        self._membership_pos_check_user(
            self.env._("Only Point of Sale users can use member points.")
        )
        # Every debit made with this account goes through the ledger's checks.
        partner = self._membership_pos_member(partner_id)
        if not partner:
            raise UserError(self.env._("This customer is not a member here."))
        account = partner.env["membership.account"]._membership_get_account(
            partner, self.config_id.company_id
        )
        return partner, account

    def membership_pos_earn_preview(self, partner_id, lines):
        """Points the order on the till would earn, from the server's earn rules.

        ``lines``: [{"product_id": id, "amount": amount incl. taxes}] as the till shows
        them; only a preview: the points posted at sync are computed from the stored order.
        """
        lines = self._membership_pos_preview_lines(lines)
        partner, account = self._membership_pos_redeem_member(partner_id)
        company = account.company_id
        products = (
            account.env["product.product"]
            .browse({int(line["product_id"]) for line in lines or []})
            .exists()
        )
        # A top-up or a card's fee earns nothing (as at sync); nor does an unknown product.
        charge = self._membership_card_charge_product()
        known = set((products - company.membership_topup_product_id - charge).ids)
        lines_data = [
            {"product": products.browse(int(line["product_id"])), "amount": line["amount"]}
            for line in lines or []
            if int(line["product_id"]) in known
        ]
        if not lines_data:
            return {"points": 0.0}
        points = account._membership_compute_earn(partner, lines_data, company)
        return {"points": points}

    def membership_pos_redeem_options(self, partner_id):
        """What the member can redeem now: balance, cash-off rules, gifts with their stock
        and the e-coupon's price (one call when the cashier opens the redeem popup)."""
        _partner, account = self._membership_pos_redeem_member(partner_id)
        company = account.company_id
        gifts = account.env["membership.gift"].search([("company_id", "=", company.id)])
        program = company.membership_coupon_program_id
        points_product = company.membership_points_product_id
        return {
            "balance": account.points_balance,
            "point_value": company.membership_point_value,
            "min_points": company.membership_redeem_min_points,
            "max_share": company.membership_redeem_max_share,
            "points_product_id": points_product.id,
            "points_product_tmpl_id": points_product.product_tmpl_id.id,
            "gifts": [
                {
                    "id": gift.id,
                    "name": gift.product_id.display_name,
                    "points_cost": gift.points_cost,
                    "qty_available": gift.qty_available,
                }
                for gift in gifts
            ],
            "coupon": {"name": program.name, "points_cost": company.membership_coupon_points_cost}
            if program.active and company.membership_coupon_points_cost > 0
            else False,
            "convert": account._membership_convert_preview(),
        }

    def membership_pos_cash_off_check(self, partner_id, amount, lines):
        """Whether a cash-off of ``amount`` may be added to the till's order, by the rules
        the sync applies (``membership.account._membership_cash_off_points``) and the
        points the member has left once the order's other redemptions are counted.

        ``lines``: the order's lines as the till shows them, [{"product_id": id, "amount":
        amount incl. taxes, "gift_id": id of a gift line, "qty": its quantity}]. Nothing
        is posted (the cash-off is posted, checked again, when the paid order syncs).
        Returns ``status`` ok / refused, ``message`` and the ``points`` it costs."""
        check_number(
            self.env, amount, self.env._("The amount to take off"), -MAX_AMOUNT, MAX_AMOUNT
        )
        lines = self._membership_pos_preview_lines(lines)
        gifts = self._membership_pos_gift_quantities(lines)
        _partner, account = self._membership_pos_redeem_member(partner_id)
        company = account.company_id
        point_value = company.membership_point_value
        points_product = company.membership_points_product_id
        if point_value <= 0 or not points_product:
            return self._membership_refused(
                self.env._("Points have no cash value in this company.")
            )
        if company.currency_id.compare_amounts(amount, 0.0) <= 0:
            return self._membership_refused(
                self.env._("Enter the points or the amount to take off.")
            )
        # The lines the sync counts: points lines are the cash-off already on the order;
        # the order's share is taken of its sales (not top-ups nor a card's fee).
        not_sales = {
            points_product.id,
            company.membership_topup_product_id.id,
            self._membership_card_charge_product().id,
        }
        already = -sum(line["amount"] for line in lines if line["product_id"] == points_product.id)
        sales = sum(line["amount"] for line in lines if line["product_id"] not in not_sales)
        try:
            account._membership_cash_off_points(already + amount, sales)
        except UserError as error:
            return self._membership_refused(str(error))
        available = (
            account.points_balance
            - self._membership_pos_gift_points(gifts, account)
            - float_round(already / point_value, precision_digits=2)
        )
        needed = float_round(amount / point_value, precision_digits=2)
        if float_compare(needed, available, precision_digits=2) > 0:
            return self._membership_refused(
                self.env._(
                    "Not enough points: %(available)s available, %(needed)s needed.",
                    available=float_round(available, precision_digits=2),
                    needed=needed,
                )
            )
        return {"status": "ok", "message": "", "points": needed}

    @api.model
    @api.private
    def _membership_pos_gift_quantities(self, lines):
        """{gift id: quantity} of the gift lines among ``lines``, checked."""
        quantities = {}
        for line in lines:
            gift_id = check_id(
                self.env, line.get("gift_id"), self.env._("The gift"), required=False
            )
            if gift_id:
                qty = check_number(
                    self.env, line.get("qty", 1), self.env._("The gift quantity"), 0, MAX_GIFT_QTY
                )
                quantities[gift_id] = quantities.get(gift_id, 0.0) + qty
        return quantities

    def _membership_pos_gift_points(self, quantities, account):
        """Points the gifts ``quantities`` use (``account``: the member's, in sudo)."""
        gifts = account.env["membership.gift"].search(
            [("id", "in", list(quantities)), ("company_id", "=", account.company_id.id)]
        )
        return sum(gift.points_cost * quantities[gift.id] for gift in gifts)

    @api.model
    @api.private
    def _membership_refused(self, message):
        return {"status": "refused", "message": message}

    def membership_pos_redeem_gift_check(self, partner_id, gift_id, qty=1):
        """Whether ``qty`` of a gift (all of it on the order) is in stock at its location;
        returns its product so the till can add the line."""
        check_id(self.env, gift_id, self.env._("The gift"))
        check_int(self.env, qty, self.env._("The gift quantity"), 1, MAX_GIFT_QTY)
        _partner, account = self._membership_pos_redeem_member(partner_id)
        gift = account.env["membership.gift"].search(
            [("id", "=", int(gift_id)), ("company_id", "=", account.company_id.id)]
        )
        if not gift:
            return {"status": "refused", "message": self.env._("This gift is not offered here.")}
        product = gift.product_id
        if float_compare(gift.qty_available, qty, precision_rounding=product.uom_id.rounding) < 0:
            return {
                "status": "refused",
                "message": self.env._(
                    "%(gift)s is out of stock (%(available)s left).",
                    gift=product.display_name,
                    available=gift.qty_available,
                ),
            }
        return {
            "status": "ok",
            "message": "",
            "product_id": product.id,
            "product_tmpl_id": product.product_tmpl_id.id,
            "qty_available": gift.qty_available,
        }

    def membership_pos_redeem_coupon(self, partner_id, order_uuid, index=0):
        """Buy an e-coupon with points now, keyed by the till's order and the coupon's rank
        on it: a double click or a retried call buys one coupon."""
        check_text(self.env, order_uuid, self.env._("The order"), 64, required=True)
        check_int(self.env, index, self.env._("The e-coupon's rank on the order"), 0, 99)
        _partner, account = self._membership_pos_redeem_member(partner_id)
        try:
            with self.env.cr.savepoint():
                move = account._membership_redeem_coupon(f"pos:{order_uuid}:coupon:{index}")
        except UserError as error:
            return {"status": "refused", "message": str(error)}
        coupon = move.loyalty_card_id
        return {
            "status": "ok",
            "message": "",
            "code": coupon.code,
            "program": coupon.program_id.name,
            "expiration_date": fields.Date.to_string(coupon.expiration_date) or "",
            "points_cost": -move.points,
            "balance": account.points_balance,
        }

    def membership_pos_convert_points(
        self, partner_id, order_uuid, points, index=0, employee_id=None
    ):
        """Convert the member's points into wallet bonus credit now, keyed by the till's
        order and the conversion's rank on it: a double click or a retried call converts
        once. Only the points come from the till; the credit is the server's rate. A
        Membership Cashier's job (with pos_hr: the employee at the till)."""
        check_text(self.env, order_uuid, self.env._("The order"), 64, required=True)
        check_int(self.env, index, self.env._("The conversion's rank on the order"), 0, 99)
        check_number(self.env, points, self.env._("The points to convert"), 0, MAX_AMOUNT)
        check_id(self.env, employee_id, self.env._("The employee"), required=False)
        _partner, account = self._membership_pos_redeem_member(partner_id)
        level = self._membership_till_level(
            self.env.user, self._membership_employee(employee_id), self.config_id
        )
        if level == "none":
            return {
                "status": "refused",
                "message": self.env._(
                    "Only a Membership Cashier may convert points into wallet credit."
                ),
            }
        try:
            with self.env.cr.savepoint():
                points_move, wallet_move = account._membership_convert_points(
                    points,
                    f"pos:{order_uuid}:convert:{index}",
                    reason=self.env._("Converted at %s", self.config_id.name),
                )
        except UserError as error:
            return {"status": "refused", "message": str(error)}
        return {
            "status": "ok",
            "message": "",
            "points": -points_move.points,
            "credit": wallet_move.bonus_amount,
            "balance": account.points_balance,
            "wallet_paid": account.wallet_paid_balance,
            "wallet_bonus": account.wallet_bonus_balance,
        }

    @api.model
    @api.private
    def _membership_pos_preview_lines(self, lines):
        """The order lines of an earn preview: [{"product_id": id, "amount": number}]."""
        if lines in (None, False):
            return []
        if not isinstance(lines, list) or len(lines) > MAX_PREVIEW_LINES:
            raise UserError(
                self.env._("The order lines must be a list of at most %s lines.", MAX_PREVIEW_LINES)
            )
        for line in lines:
            if not isinstance(line, dict):
                raise UserError(self.env._("Each order line gives a product_id and an amount."))
            check_id(self.env, line.get("product_id"), self.env._("The line's product"))
            amount = line.get("amount")
            check_number(self.env, amount, self.env._("The line's amount"), -MAX_AMOUNT, MAX_AMOUNT)
        return lines
