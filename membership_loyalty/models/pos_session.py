import hashlib
import logging
import re
import secrets
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare

from ..tools import card_codes
from ..tools.input_checks import MAX_AMOUNT, check_id, check_int, check_number, check_text

_logger = logging.getLogger(__name__)

# What a typed phone number may hold besides digits (spaces, dots, dashes, brackets...).
PHONE_TEXT = re.compile(r"^\+?[\d\s().\-/]+$")
# Fewest digits a partial phone search needs (the end of a number).
PHONE_MIN_DIGITS = 4
# Bus channels of the tills' card readers: this prefix and a random secret per session.
READER_CHANNEL_PREFIX = "membership_reader_"
# A card read pushed to a till can be turned into a member lookup once, within this delay.
READ_LOOKUP_VALIDITY = timedelta(minutes=2)
OPEN_STATES = ("opening_control", "opened")
# Longest card code (barcode, QR, chip UID) or search text the till sends.
MAX_CODE = 128
# A magnetic-stripe swipe of all three tracks: 79 + 40 + 107 characters and sentinels.
MAX_SWIPE = 256
# Most lines an earn preview takes (a till order is far smaller).
MAX_PREVIEW_LINES = 1000
# Most units of one gift on an order.
MAX_GIFT_QTY = 1000


def _new_reader_channel():
    return READER_CHANNEL_PREFIX + secrets.token_urlsafe(24)


class PosSession(models.Model):
    _inherit = "pos.session"

    # The bus channel the card reads of this till travel on: a secret only the session's
    # user receives (membership_pos_reader_channel), never loaded nor readable by others;
    # cleared when the session closes, the next session gets a new one.
    membership_reader_channel = fields.Char(copy=False, readonly=True, groups="base.group_system")

    @api.model_create_multi
    def create(self, vals_list):
        sessions = super().create(vals_list)
        for session in sessions.sudo():  # sudo: see membership_reader_channel
            session.membership_reader_channel = _new_reader_channel()
        return sessions

    membership_wallet_entry_ids = fields.Many2many(
        "account.move",
        "membership_pos_session_wallet_entry_rel",
        string="Wallet Entries",
        readonly=True,
        copy=False,
        help="Entries of the wallet journal completing this session's closing entries: "
        "bonus credit spent (marketing expense) and wallet amounts held for review.",
    )

    def write(self, vals):
        # The link is what the session's wallet entries already booked: unlinking one
        # would book its amounts again.
        if "membership_wallet_entry_ids" in vals and not self.env.su:
            raise AccessError(self.env._("The wallet entries of a session are the server's."))
        result = super().write(vals)
        if vals.get("state") == "closed":
            # sudo: the channel field is hidden from every user; closing the till retires it.
            self.sudo().write({"membership_reader_channel": False})
        return result

    def _validate_session(
        self, balancing_account=False, amount_to_balance=0, bank_payment_method_diffs=None
    ):
        res = super()._validate_session(
            balancing_account, amount_to_balance, bank_payment_method_diffs
        )
        self.filtered(lambda session: session.state == "closed")._membership_book_wallet()
        return res

    def _get_related_account_moves(self):
        # The session's Journal Items show its wallet entries with its closing entries.
        # sudo: the link field is the server's; the entries are then read with the
        # caller's own accounting rights.
        entries = self.sudo().membership_wallet_entry_ids.with_env(self.env)
        return super()._get_related_account_moves() | entries

    @api.private
    def _membership_book_wallet(self):
        """Complete the closing entries of closed sessions so that the customer-deposits
        account holds exactly the money paid into wallets.

        The closing books the till's wallet money on the deposits account: top-up lines
        through the top-up product's income account, wallet payments through the wallet
        payment method's outstanding account (both the deposits account). The ledger moved
        the wallets of the session's orders by what it could verify. The difference is
        posted here once, and again as a change when the ledger moves later for one of
        its orders (a held order settled): the bonus credit spent is a marketing expense,
        the rest (orders held for a supervisor, a misconfigured till) goes to the review
        account. Everything is read from posted entries and the ledger, never recomputed
        from the orders, so nothing is counted twice.
        """
        Move = self.env["membership.wallet.move"]
        for session in self:
            company = session.company_id
            books = company._membership_wallet_books()
            if not books:
                continue
            # sudo: closing a session is a POS user's job; they may not read the ledger or
            # the accounting entries this compares.
            session = session.sudo()
            liability = books["liability"]
            entries = session.membership_wallet_entry_ids
            related = session._get_related_account_moves() - entries
            booked = -sum(
                related.line_ids.filtered(
                    lambda line, acc=liability: (
                        line.account_id == acc and line.parent_state == "posted"
                    )
                ).mapped("balance")
            )
            moves = Move.sudo().search([("pos_order_id.session_id", "=", session.id)])
            paid = sum(moves.mapped("paid_amount"))
            bonus_spent = -sum(
                move.bonus_amount
                for move in moves
                if move.kind == "spend"
                or (move.kind == "reversal" and move.reversed_move_id.kind == "spend")
            )
            done_lines = entries.line_ids
            done_credit = -sum(
                done_lines.filtered(lambda line, acc=liability: line.account_id == acc).mapped(
                    "balance"
                )
            )
            done_expense = sum(
                done_lines.filtered(
                    lambda line, acc=books["expense"]: line.account_id == acc
                ).mapped("balance")
            )
            credit = paid - booked - done_credit
            expense = bonus_spent - done_expense
            entry = Move._membership_post_entry(
                company,
                self.env._("Wallet: %s", session.name),
                [
                    (liability, -credit),
                    (books["expense"], expense),
                    (books["review"], credit - expense),
                ],
            )
            session.membership_wallet_entry_ids |= entry

    def membership_pos_lookup(self, code=None, query=None, partner_id=None):
        """Find a member for the till from a card code (barcode, QR, chip UID pushed by a
        reader), a search text (member number, phone, name) or a partner the cashier
        picked from the customer list.

        One round trip, indexed lookups only, nothing preloaded. Returns a dict:
        ``status`` ok / refused / not_found / ambiguous, ``message`` for the cashier,
        ``member`` (what the member panel and the discounts need) and ``records``
        (the partner in the POS's own format, to add to the till's models)."""
        code, query, partner_id = self._membership_pos_lookup_args(code, query, partner_id)
        self._membership_pos_check_user(self.env._("Only Point of Sale users can look members up."))
        company = self.config_id.company_id
        # sudo: POS users are not all Membership cashiers; the search is bound to the
        # session's company and only the fields below leave the server.
        env = self.sudo().with_context(allowed_company_ids=company.ids).env
        card = env["membership.card"].browse()
        if code:
            refusal = env["membership.card"]._membership_swipe_refusal(code)
            if refusal:
                return {"status": "refused", "message": refusal}
            card = env["membership.card"]._find_by_code(code)
            partner = card.partner_id
        else:
            if partner_id:
                partner = self._membership_pos_member(partner_id)
            else:
                partner = self._membership_search_members(env, company, query)
            if len(partner) > 1:
                return {
                    "status": "ambiguous",
                    "message": self.env._("%s members match: pick one.", len(partner)),
                    "candidates": self._membership_pos_candidates(partner, company),
                }
            card = partner.membership_card_ids.filtered(
                lambda c: c.company_id == company and c.state not in ("replaced", "returned")
            ).sorted(lambda c: (c.state != "active", -c.id))[:1]
        if not partner or not partner.is_member:
            return {
                "status": "not_found",
                "message": self.env._(
                    "No member found for %s.",
                    (code and env["membership.card"]._membership_code_label(code)) or query or "",
                ),
            }
        return self._membership_pos_answer(partner, card, by_card=bool(code))

    def _membership_pos_answer(self, partner, card, by_card=True):
        """The lookup's answer for a member found (``partner`` and ``card`` in sudo): the
        card's refusal when the member was identified by a card that cannot be used, else
        the member's values and records for the till."""
        if by_card:
            try:
                card._check_usable()
            except UserError as error:
                hint = self._membership_card_refusal_hint(card)
                return {"status": "refused", "message": f"{error} {hint}".strip()}
        member = self._membership_pos_member_values(partner, card)
        partner = partner.with_env(self.env).sudo()
        return {
            "status": "ok",
            "message": "",
            "member": member,
            "records": {
                # sudo (above): the POS user reads the partner fields the till loads for any
                # customer; the member may belong to a branch the user cannot read.
                "res.partner": partner._load_pos_data_read(partner, self.config_id),
                "account.fiscal.position": partner.env[
                    "account.fiscal.position"
                ]._load_pos_data_read(partner.fiscal_position_id, self.config_id),
            },
        }

    def _membership_pos_candidates(self, partners, company):
        """How the pick list tells members of the same name apart: member number, the end
        of their card number and phone, and their city."""
        cards = partners.membership_card_ids.filtered(
            lambda c: c.company_id == company and c.state not in ("replaced", "returned")
        )
        candidates = []
        for partner in partners:
            card = cards.filtered(lambda c, p=partner: c.partner_id == p).sorted(
                lambda c: (c.state != "active", -c.id)
            )[:1]
            details = [partner.member_number or ""]
            if card.number:
                details.append(self.env._("card …%s", card.number[-4:]))
            if partner.phone:
                details.append(self.env._("phone …%s", re.sub(r"\D", "", partner.phone)[-4:]))
            if partner.city:
                details.append(partner.city)
            candidates.append(
                {
                    "partner_id": partner.id,
                    "name": partner.name,
                    "member_number": partner.member_number,
                    "details": " · ".join(d for d in details if d),
                }
            )
        return candidates

    def _membership_card_refusal_hint(self, card):
        """What the cashier does next with a card the till refused."""
        if card.state in ("lost", "blocked", "expired"):
            return self.env._("Ask a Membership Supervisor to replace or reactivate it.")
        if card.state == "draft":
            return self.env._("Issue it first (Membership ▸ Cards), then scan it again.")
        if card.state in ("replaced", "returned"):
            return self.env._("Scan the member's current card or search the member instead.")
        return ""

    def _membership_pos_member_values(self, partner, card):
        """What the till shows and needs about a member (self's user may not read it all:
        ``partner`` and ``card`` come in sudo). Other parts of the addon add their figures
        (points, wallet) by extending this dict; the till shows only what is here."""
        labels = dict(card._fields["state"]._description_selection(self.env))
        tier = partner.member_tier_id
        boost = tier and self.env["membership.campaign"]._membership_discount_boost(partner)
        account = partner.env["membership.account"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.config_id.company_id.id)],
            limit=1,
        )
        return {
            "points": account.points_balance,
            "wallet_paid": account.wallet_paid_balance,
            "wallet_bonus": account.wallet_bonus_balance,
            "wallet_bonus_first": account.company_id.membership_wallet_bonus_first,
            "wallet_earns": self.config_id.company_id.membership_wallet_earns,
            "charge_product_id": self._membership_card_charge_product().id,
            "partner_id": partner.id,
            "name": partner.name,
            "member_number": partner.member_number or "",
            "tier": tier.name or "",
            "member_since": fields.Date.to_string(partner.member_since) or "",
            "card_number": card.number or "",
            "card_state": card.state or "none",
            "card_state_label": labels.get(card.state, self.env._("No card")),
            "discounts": tier._membership_category_discounts(boost) if tier else {},
            "discount_boost": boost or 0.0,
            "pin": partner.membership_pin_set,
        }

    def _membership_search_members(self, env, company, query):
        """Members matching a typed text: exact member number, then a phone in any common
        form (see ``_membership_search_phone``), then a part of the name (a slower text
        search, typed by hand)."""
        query = (query or "").strip()
        if len(query) < 3:
            return env["res.partner"].browse()
        Partner = env["res.partner"]
        base = [("is_member", "=", True), ("company_id", "in", [company.id, False])]
        found = Partner.search([*base, ("member_number", "=", query.upper())], limit=2)
        if not found and PHONE_TEXT.match(query):
            return self._membership_search_phone(Partner, base, company, query)
        if not found:
            found = Partner.search([*base, ("name", "ilike", query)], limit=10)
        return found

    def _membership_search_phone(self, Partner, base, company, query):
        """Members whose phone (stored in E.164) is the typed one: international
        (``+32 470 12 34 37``, ``0032...``), national in the shop's country (``0470 12 34
        37``), digits only, or the end of the number. A national number typed in a shop of
        another country is matched on its national part, read with the member's own
        country: it is the end of their international number."""
        digits = re.sub(r"\D", "", query)
        if len(digits) < PHONE_MIN_DIGITS:
            return Partner.browse()
        country = company.country_id or self.env.company.country_id
        exact = {Partner._phone_format(number=query, country=country)}
        if query.startswith("+") or digits.startswith("00"):
            exact.add("+" + digits.removeprefix("00"))
        exact.discard(False)
        found = Partner.browse()
        if exact:
            found = Partner.search([*base, ("phone_sanitized", "in", list(exact))], limit=10)
        national = digits.lstrip("0")
        if not found and len(national) >= PHONE_MIN_DIGITS:
            found = Partner.search([*base, ("phone_sanitized", "=like", f"%{national}")], limit=10)
        return found

    # ------------------------------------------------------------------ wallet at the till

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

    def _membership_employee(self, employee_id):
        if not employee_id or "advanced_employee_ids" not in self.config_id._fields:
            return None  # pos_hr is not installed
        # sudo: POS users read the employees of their till, not hr.employee in general.
        employee = self.env["hr.employee"].sudo().browse(int(employee_id)).exists()
        config = self.config_id
        allowed = config.basic_employee_ids | config.advanced_employee_ids
        allowed |= config.minimal_employee_ids
        return employee if employee and (not allowed or employee in allowed) else None

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

    # ------------------------------------------------------------------ points at the till

    @api.model
    def _load_pos_data_models(self, config):
        return [*super()._load_pos_data_models(config), "membership.gift"]

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

    # ------------------------------------------------------------------ enrolment at the till

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
        result = self.membership_pos_lookup(code=card.number)
        result["charge"] = bool(charge and product) and {
            "product_id": product.id,
            "product_tmpl_id": product.product_tmpl_id.id,
            "amount": charge,
        }
        return result

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
        result = self.membership_pos_lookup(code=new_card.number)
        result["charge"] = bool(fee and product) and {
            "product_id": product.id,
            "product_tmpl_id": product.product_tmpl_id.id,
            "amount": fee,
        }
        return result

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

    # ------------------------------------------------------------------ card reader channel

    def membership_pos_reader_channel(self):
        """The secret bus channel this till's card reads arrive on, for the session's own
        user while the session is open (another user's call is refused)."""
        self._membership_pos_check_user(
            self.env._("Only Point of Sale users can listen to card readers.")
        )
        if self.env.user != self.user_id or self.state not in OPEN_STATES:
            raise AccessError(
                self.env._("Only the user of an open session listens to its card readers.")
            )
        # sudo: the channel is a secret no user reads through the model; this user owns it.
        session = self.sudo()
        if not session.membership_reader_channel:
            session.lock_for_update()  # two tabs of one till get the same channel
            session.invalidate_recordset(["membership_reader_channel"])
            if not session.membership_reader_channel:
                session.membership_reader_channel = _new_reader_channel()
        return session.membership_reader_channel

    @api.model
    @api.private
    def _membership_reader_channel_of(self, config):
        """The reader channel of ``config``'s open session (False when it has none)."""
        # sudo: the channel field is hidden from every user; the server pushes reads on it.
        session = self.sudo().search(
            [
                ("config_id", "=", config.id),
                ("state", "in", OPEN_STATES),
                ("membership_reader_channel", "!=", False),
            ],
            order="id desc",
            limit=1,
        )
        return session.membership_reader_channel

    @api.model
    @api.private
    def _membership_reader_channels_of_user(self, channels):
        """Those of ``channels`` that are the reader channel of an open session of the
        current user: the only reader channels a websocket may subscribe to."""
        wanted = [c for c in channels if isinstance(c, str) and len(c) <= 100]
        if not wanted or self.env.user._is_public():
            return []
        # sudo: the channel field is hidden from every user; matched against their sessions.
        allowed = (
            self.sudo()
            .search(
                [
                    ("membership_reader_channel", "in", wanted),
                    ("user_id", "=", self.env.uid),
                    ("state", "in", OPEN_STATES),
                ]
            )
            .mapped("membership_reader_channel")
        )
        if len(allowed) < len(set(channels)):
            _logger.info(
                "user %s: subscription to %s card reader channel(s) refused",
                self.env.uid,
                len(set(channels)) - len(allowed),
            )
        return allowed

    def membership_pos_reader_lookup(self, read_id):
        """The member of a card read pushed to this till (``read_id`` from the push, valid
        once and shortly): the same answer as ``membership_pos_lookup`` with the card's
        code, which never travels on the bus."""
        self._membership_pos_check_user(self.env._("Only Point of Sale users can look members up."))
        if not isinstance(read_id, str) or not 16 <= len(read_id) <= 64:
            raise UserError(self.env._("This card read is not valid."))
        # sudo: reads are an operational log of Membership managers; the till only turns a
        # read pushed to it, by its one-time id, into a lookup.
        event = (
            self.env["membership.reader.event"]
            .sudo()
            .search(
                [
                    ("read_token_hash", "=", hashlib.sha256(read_id.encode()).hexdigest()),
                    ("device_id.pos_config_id", "=", self.config_id.id),
                    ("create_date", ">", fields.Datetime.now() - READ_LOOKUP_VALIDITY),
                ],
                limit=1,
            )
        )
        if event:
            event.lock_for_update()  # a read is used once, even by two calls at a time
            event.invalidate_recordset(["read_token_hash"])
        if not event or not event.read_token_hash:
            raise UserError(self.env._("This card read is unknown, used or expired: tap again."))
        event.read_token_hash = False
        # The card the server matched when the box sent the read (by its code or one of
        # its aliases): the till gets that card's member, not a new search of a code.
        company = self.config_id.company_id
        card = (
            event.env["membership.card"]
            .with_context(allowed_company_ids=company.ids)
            .browse(event.card_ref)
            .exists()
        )
        allowed = company | company.parent_ids
        if not card or (card.company_id and card.company_id not in allowed):
            return {"status": "not_found", "message": self.env._("This card is not known here.")}
        if not card.partner_id.is_member:
            return {
                "status": "not_found",
                "message": self.env._("No member found for card %s.", card.number),
            }
        return self._membership_pos_answer(card.partner_id, card)

    # ------------------------------------------------------------------ till arguments

    @api.model
    @api.private
    def _membership_pos_lookup_args(self, code, query, partner_id):
        code = check_text(self.env, code, self.env._("The card code"), MAX_SWIPE)
        query = check_text(self.env, query, self.env._("The search text"), MAX_SWIPE)
        if not code and card_codes.is_swipe(query):
            # A wedge reader swiped while the cursor was in the member search field.
            code, query = query, ""
        return (
            code,
            query,
            check_id(self.env, partner_id, self.env._("The customer"), required=False),
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
