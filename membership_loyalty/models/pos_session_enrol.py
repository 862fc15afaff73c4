from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError

from ..tools.input_checks import check_id, check_text
from .pos_session_reader import OPEN_STATES


class PosSession(models.Model):
    """Enrolling a member at the till and replacing their card, from the till's blank stock."""

    _inherit = "pos.session"

    def membership_pos_enrol(self, name, phone, email=None, birthdate=None, employee_id=None):
        """Enrol a new member at the till: create the member (name, phone, optional email
        and birthdate) and issue a card from the shop's blank stock. The card's fee or
        deposit is sold on the till's order (``charge``), paid like any sale.

        Returns what ``membership_pos_lookup`` returns for the new member, plus ``charge``
        (the product and amount of the order line, or False when the card is free)."""
        self._membership_pos_check_enrol(employee_id)
        company = self.config_id.company_id
        vals = self._membership_enrol_values(name, phone, email, birthdate, company)
        employee = self._membership_employee(employee_id)
        vals["user_id"] = (employee and employee.user_id.id) or self.env.user.id
        # Who enrolled the member: the employee logged in at the till (as their work
        # contact, whether or not they have a user), else the till's user.
        enrolled_by = employee and (employee.work_contact_id or employee.user_id.partner_id)
        vals["member_enrolled_by_id"] = (enrolled_by or self.env.user.partner_id).id
        # sudo: a Membership Cashier enrols members without the general right to create
        # contacts; only the checked values above (and the shop's defaults) are written.
        partner = self.env["res.partner"].sudo().with_company(company).create(vals)
        card_type = self._membership_enrol_card_type(partner, company)
        lot, location = self._membership_enrol_blank(card_type)
        charge = card_type.amount if card_type.charge_type != "none" else 0.0
        product = self._membership_card_charge_product()
        card = self.env["membership.card"]._membership_issue(
            partner.with_env(self.env),
            card_type,
            company,
            lot=lot,
            location=location,
            reason=self.env._("New member card, issued at %s", self.config_id.name),
            # The fee or deposit is paid on the till's order, not booked here.
            charge_on_order=bool(product),
        )
        return self._membership_pos_card_answer(card, product, charge)

    def membership_pos_replace_card(self, partner_id, reason, employee_id=None):
        """Replace the member's card at the till (lost, damaged): the card in use is
        closed for good and a new one of its type is issued from the till's blank stock,
        keeping the deposit. A Membership Supervisor's job (with pos_hr: the employee at
        the till). The card type's replacement fee is sold on the till's order
        (``charge``, as at enrolment).

        Returns what ``membership_pos_lookup`` returns for the member with the new card,
        plus ``charge`` (the fee's product and amount, or False when free)."""
        check_id(self.env, partner_id, self.env._("The member"))
        check_id(self.env, employee_id, self.env._("The employee"), required=False)
        reason = check_text(self.env, reason, self.env._("The reason"), 256, required=True)
        if not reason.strip():
            raise UserError(self.env._("Reason: say why the card is replaced."))
        self._membership_pos_check_user(self.env._("Only Point of Sale users can replace cards."))
        if self.state not in OPEN_STATES:
            raise UserError(self.env._("Cards are replaced at a till whose session is open."))
        employee = self._membership_employee(employee_id)
        if employee_id and not employee:
            raise AccessError(self.env._("This employee does not work at this till."))
        level = self._membership_till_level(self.env.user, employee, self.config_id)
        if level != "supervisor":
            raise AccessError(self.env._("Only a Membership Supervisor may replace a card."))
        partner = self._membership_pos_member(partner_id)
        card = partner.membership_card_ids.filtered(
            lambda c: (
                c.company_id == self.config_id.company_id
                and c.state in ("active", "lost", "blocked", "expired")
            )
        ).sorted("id", reverse=True)[:1]
        if not card:
            raise UserError(self.env._("This member has no card to replace here."))
        lot, location = self._membership_enrol_blank(card.card_type_id)
        product = self._membership_card_charge_product()
        fee = card.card_type_id.replacement_fee
        # sudo: the supervisor level was checked just above (with pos_hr it may come from
        # the employee at the till, not from the session's user).
        new_card = card.sudo()._membership_replace(
            self.env._("%(reason)s (at %(till)s)", reason=reason, till=self.config_id.name),
            lot=lot,
            location=location,
            charge_on_order=bool(product),
        )
        return self._membership_pos_card_answer(new_card, product, fee)

    def _membership_pos_card_answer(self, card, product, amount):
        """What the till gets for a card just issued: the member as a lookup finds them
        by the new card, and the line it must charge for it (none when free)."""
        result = self.membership_pos_lookup(code=card.number)
        result["charge"] = bool(amount and product) and {
            "product_id": product.id,
            "product_tmpl_id": product.product_tmpl_id.id,
            "amount": amount,
        }
        return result

    def _membership_pos_check_enrol(self, employee_id):
        """Refuse unless a Membership Cashier works this open session."""
        self._membership_pos_check_user(self.env._("Only Point of Sale users can enrol members."))
        if not self.env.user.has_group("membership_loyalty.membership_loyalty_group_cashier"):
            raise AccessError(self.env._("Only a Membership Cashier may enrol members."))
        if self.state not in ("opening_control", "opened"):
            raise UserError(self.env._("Members are enrolled at a till whose session is open."))
        employee = self._membership_employee(employee_id)
        if employee_id and not employee:
            raise AccessError(self.env._("This employee does not work at this till."))
        level = self._membership_till_level(self.env.user, employee, self.config_id)
        if level == "none":
            raise AccessError(self.env._("Only a Membership Cashier may enrol members."))

    def _membership_enrol_values(self, name, phone, email, birthdate, company):
        """The new member's values from what the cashier typed, checked one by one."""
        if not isinstance(name, str) or not name.strip():
            raise UserError(self.env._("Name: type the new member's name."))
        name = " ".join(name.split())
        if len(name) > 128:
            raise UserError(self.env._("Name: at most 128 characters."))
        if not isinstance(phone, str) or not phone.strip():
            raise UserError(self.env._("Phone: type the new member's phone number."))
        country = company.country_id
        phone = phone.strip()[:64]
        formatted = self.env["res.partner"]._phone_format(number=phone, country=country)
        if not formatted:
            raise UserError(
                self.env._(
                    "Phone: %(number)s is not a valid phone number in %(country)s. A number "
                    "from another country starts with its country code (e.g. +32).",
                    number=phone,
                    country=country.name or self.env._("the shop's country"),
                )
            )
        vals = {
            "name": name,
            "phone": formatted,
            "country_id": country.id,
            "is_member": True,
            "member_enrol_config_id": self.config_id.id,
            "company_id": company.id,
        }
        if email not in (None, False, ""):
            normalized = isinstance(email, str) and tools.email_normalize(email.strip())
            if not normalized:
                raise UserError(self.env._("Email: %s is not a valid address.", str(email)[:64]))
            vals["email"] = normalized
        if birthdate not in (None, False, ""):
            vals["member_birthdate"] = self._membership_enrol_birthdate(birthdate)
        tier = self.env["membership.tier"].search(
            [("company_id", "in", [company.id, False])], order="sequence, threshold, id", limit=1
        )
        vals["member_tier_id"] = tier.id
        # sudo: the duplicate may belong to a member the cashier cannot read; only its
        # number is told, so the cashier searches it instead of enrolling twice.
        twin = (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("is_member", "=", True),
                    ("phone_sanitized", "=", formatted),
                    ("company_id", "in", [company.id, False]),
                ],
                limit=1,
            )
        )
        if twin:
            raise UserError(
                self.env._(
                    "%(phone)s is already the phone of member %(number)s: search the member "
                    "instead of enrolling them again.",
                    phone=formatted,
                    number=twin.member_number,
                )
            )
        return vals

    @api.model
    @api.private
    def _membership_enrol_birthdate(self, birthdate):
        try:
            day = fields.Date.to_date(birthdate) if isinstance(birthdate, str) else None
        except ValueError:
            day = None
        today = fields.Date.context_today(self)
        if not day or day > today or day.year < today.year - 130:
            raise UserError(
                self.env._("Birthdate: %s is not a past date (YYYY-MM-DD).", str(birthdate)[:32])
            )
        return day

    def _membership_enrol_card_type(self, partner, company):
        """The card a new member gets: their tier's card type, else the shop's first card
        type handed out from blank stock, else its first card type."""
        card_type = partner.member_tier_id.card_type_id
        if card_type and card_type.company_id in (company, card_type.browse()):
            return card_type
        types = self.env["membership.card.type"].search(
            [("company_id", "in", [company.id, False])], order="sequence, id"
        )
        card_type = types.filtered("blank_product_id")[:1] or types[:1]
        if not card_type:
            raise UserError(
                self.env._("No card type is set up for %s: ask a Membership Manager.", company.name)
            )
        return card_type

    def _membership_enrol_blank(self, card_type):
        """The blank card (serial and location) handed to the new member: the lowest serial
        in the till's stock location (none for a card type without blank stock)."""
        product = card_type.blank_product_id
        if not product:
            return self.env["stock.lot"], self.env["stock.location"]
        config = self.config_id
        location = config.picking_type_id.default_location_src_id
        if not location:
            location = (
                self.env["stock.warehouse"]
                .search([("company_id", "=", config.company_id.id)], limit=1)
                .lot_stock_id
            )
        # sudo: cashiers have no Inventory rights; they only learn which serial to hand out.
        quant = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("product_id", "=", product.id),
                    ("lot_id", "!=", False),
                    ("location_id", "child_of", location.id),
                    ("quantity", ">", 0),
                ],
                order="lot_id",
                limit=1,
            )
        )
        if not quant:
            raise UserError(
                self.env._(
                    "No blank %(card)s card is in stock at %(location)s: restock blank cards "
                    "or ask a Membership Manager.",
                    card=card_type.name,
                    location=location.display_name,
                )
            )
        return quant.lot_id.with_env(self.env), quant.location_id.with_env(self.env)
