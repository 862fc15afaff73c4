from odoo import api, models
from odoo.exceptions import UserError

from ..tools.input_checks import MAX_AMOUNT, check_id, check_number, check_text


class PosSession(models.Model):
    """The member wallet at the till: top-up preview and the wallet PIN."""

    _inherit = "pos.session"

    @api.model
    @api.private
    def _membership_topup_refusal(self, company, level, amount):
        """Why ``amount`` cannot be topped up in one order by a ``level`` operator
        (empty when it can)."""
        currency = company.currency_id
        if not isinstance(amount, int | float) or amount != amount or amount <= 0:
            return self.env._("The top-up amount must be greater than zero.")
        if level == "none":
            return self.env._("Only Membership cashiers may top up a wallet.")
        if currency.compare_amounts(amount, company.membership_wallet_max_topup) > 0:
            return self.env._(
                "A top-up cannot exceed %s.", currency.format(company.membership_wallet_max_topup)
            )
        limit = company.membership_topup_cashier_limit
        if level == "cashier" and currency.compare_amounts(amount, limit) > 0:
            return self.env._(
                "Top-ups above %s need a Membership Supervisor.", currency.format(limit)
            )
        return ""

    def membership_pos_topup_preview(self, partner_id, amount, employee_id=None):
        """What topping up ``amount`` gives the member (bonus credit and points from the
        bonus rules), or why this operator cannot take it. One round trip; nothing posted:
        the top-up is posted when the paid order is synced."""
        check_id(self.env, partner_id, self.env._("The member"), required=False)
        check_id(self.env, employee_id, self.env._("The employee"), required=False)
        check_number(self.env, amount, self.env._("The top-up amount"), -MAX_AMOUNT, MAX_AMOUNT)
        amount = self.config_id.company_id.currency_id.round(amount)  # 0.001 is no top-up
        self._membership_pos_check_user(self.env._("Only Point of Sale users can top up wallets."))
        company = self.config_id.company_id
        partner = self._membership_pos_member(partner_id)
        level = self._membership_till_level(
            self.env.user, self._membership_employee(employee_id), self.config_id
        )
        product = company.membership_topup_product_id
        refusal = self._membership_topup_refusal(company, level, amount)
        if not partner:
            refusal = self.env._("Set a member on the order before topping up.")
        elif not product:
            refusal = self.env._("No wallet top-up product is configured for this company.")
        if refusal:
            return {"status": "refused", "message": refusal}
        amount = company.currency_id.round(amount)
        rule = self.env["membership.wallet.bonus.rule"]._membership_rule_for(amount, company)
        return {
            "status": "ok",
            "message": "",
            "amount": amount,
            "bonus_amount": rule.bonus_amount,
            "bonus_points": rule.bonus_points,
            "coupon": rule.coupon_program_id.name if rule.coupon_program_id.active else False,
            "product_id": product.id,
        }

    def membership_pos_pin_required(self, partner_id, amount):
        """Whether a wallet payment of ``amount`` for the member needs their PIN: the
        company's threshold applies to what the wallet paid over its window, this payment
        included (the sync checks it again)."""
        self._membership_pos_check_user(self.env._("Only Point of Sale users can check PINs."))
        company = self.config_id.company_id
        partner = self._membership_pos_member(partner_id)
        amount = float(amount or 0.0)
        threshold = company.membership_pin_threshold
        if not partner or not partner.membership_pin_set or threshold <= 0 or amount <= 0:
            return False
        spent = amount + partner._membership_wallet_spent_recently(company)
        return company.currency_id.compare_amounts(spent, threshold) > 0

    def membership_pos_pin_verify(self, partner_id, pin, order_uuid, amount):
        """Check the member's wallet PIN typed at the till for a wallet payment of
        ``amount`` on order ``order_uuid``. Returns ``status`` ok / wrong / locked, a
        ``message`` for the cashier and, when ok, a ``token`` the order carries to the
        server: it is valid for that order, member and amount only."""
        check_id(self.env, partner_id, self.env._("The member"))
        check_text(self.env, order_uuid, self.env._("The order"), 64, required=True)
        self._membership_pos_amount(amount, self.env._("The wallet payment"))
        if not (isinstance(pin, str) and pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
            raise UserError(self.env._("A wallet PIN is 4 to 8 digits."))
        self._membership_pos_check_user(self.env._("Only Point of Sale users can check PINs."))
        company = self.config_id.company_id
        partner = self._membership_pos_member(partner_id)
        if not partner or not order_uuid:
            raise UserError(self.env._("No member to check the PIN of."))
        status = partner._membership_pin_verify(pin)
        if status == "locked":
            message = self.env._(
                "The wallet PIN is locked after too many wrong entries: a supervisor must "
                "unlock it; pay another way."
            )
        elif status == "wrong":
            left = partner._membership_pin_max_tries() - partner.membership_pin_failures
            message = self.env._("Wrong PIN: %s tries left.", left)
        else:
            message = ""
        result = {"status": status, "message": message}
        if status == "ok":
            result["token"] = self.env["pos.order"]._membership_pin_token(
                order_uuid, partner, amount, company
            )
        return result
