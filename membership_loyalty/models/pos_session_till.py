from odoo import api, models
from odoo.exceptions import AccessError, UserError

from ..tools.input_checks import MAX_AMOUNT, check_number


class PosSession(models.Model):
    """Who works the till and what they may do: the session's user or, with pos_hr, the
    employee logged in at the till. Every till call checks through these."""

    _inherit = "pos.session"

    @api.model
    @api.private
    def _membership_till_level(self, user, employee=None, config=None):
        """The Membership level of whoever works the till: "supervisor", "cashier" or
        "none". With pos_hr the employee logged in at the till decides: their user's groups
        when they have one, else their POS role (manager: supervisor; minimal: none)."""
        if employee:
            if employee.user_id:
                user = employee.user_id
            elif config and employee in config.advanced_employee_ids:
                return "supervisor"
            elif config and employee in config.minimal_employee_ids:
                return "none"
            else:
                return "cashier"
        if user.has_group("membership_loyalty.membership_loyalty_group_supervisor"):
            return "supervisor"
        if user.has_group("membership_loyalty.membership_loyalty_group_cashier"):
            return "cashier"
        return "none"

    @api.model
    @api.private
    def _membership_operator_rights(self, level, company):
        """What the till shows of an operator's Membership rights: their ``level`` and the
        most they may refund to a wallet in one order (None: no limit). The sync checks the
        same (pos.order._membership_check_till_rights)."""
        if level == "supervisor":
            refund_limit = None
        elif level == "cashier":
            refund_limit = company.membership_cashier_refund_limit
        else:
            refund_limit = 0.0
        return {"level": level, "refund_limit": refund_limit}

    @api.model
    @api.private
    def _membership_till_rights(self, config):
        """The till's wallet settings and the rights of the user who opens it."""
        company = config.company_id
        return {
            **self._membership_operator_rights(self._membership_till_level(self.env.user), company),
            "pin_threshold": company.membership_pin_threshold,
            "topup_product_id": company.membership_topup_product_id.id,
        }

    def load_data(self, models_to_load):
        """With pos_hr, each employee the till loads comes with the rights the server gives
        them at this till (``_membership_till``): switching cashiers needs no call."""
        response = super().load_data(models_to_load)
        employees = response.get("hr.employee")
        if employees:
            config = self.config_id
            # sudo: the till reads only the employees pos_hr loaded for it; the groups of
            # their users decide their level.
            records = self.env["hr.employee"].sudo().browse([e["id"] for e in employees])
            for values, employee in zip(employees, records, strict=True):
                level = self._membership_till_level(self.env.user, employee, config)
                values["_membership_till"] = self._membership_operator_rights(
                    level, config.company_id
                )
        return response

    def _membership_employee(self, employee_id):
        if not employee_id or "advanced_employee_ids" not in self.config_id._fields:
            return None  # pos_hr is not installed
        # sudo: POS users read the employees of their till, not hr.employee in general.
        employee = self.env["hr.employee"].sudo().browse(int(employee_id)).exists()
        config = self.config_id
        allowed = config.basic_employee_ids | config.advanced_employee_ids
        allowed |= config.minimal_employee_ids
        return employee if employee and (not allowed or employee in allowed) else None

    def _membership_pos_check_user(self, message):
        """Refuse (with ``message``) a user who cannot work this session's till."""
        self.ensure_one()
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(message)
        self.check_access("read")

    def _membership_pos_member(self, partner_id):
        """The member ``partner_id`` of the session's company, in sudo (empty if there is
        no such member).

        sudo: POS users are not all Membership cashiers; the search is bound to members of
        the session's company and the callers send back only what the till needs."""
        company = self.config_id.company_id
        return (
            self.env["res.partner"]
            .sudo()
            .with_context(allowed_company_ids=company.ids)
            .search(
                [
                    ("id", "=", int(partner_id or 0)),
                    ("is_member", "=", True),
                    ("company_id", "in", [company.id, False]),
                ],
                limit=1,
            )
        )

    @api.private
    def _membership_pos_amount(self, amount, label):
        """A money amount sent by the till: a number above zero, within bounds and not
        lost to the currency's rounding (0.001 is no amount)."""
        check_number(self.env, amount, label, 0, MAX_AMOUNT, above_minimum=True)
        if self.config_id.company_id.currency_id.is_zero(amount):
            raise UserError(self.env._("%s is too small for the currency.", label))
        return amount

    @api.model
    @api.private
    def _membership_card_charge_product(self):
        """The product of a card's fee or deposit on a till's order (empty if deleted)."""
        return (
            self.env.ref(
                "membership_loyalty.product_membership_card_charge", raise_if_not_found=False
            )
            or self.env["product.product"]
        )
