from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare


class PosSession(models.Model):
    _inherit = "pos.session"

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
        return super().write(vals)

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
        return super()._get_related_account_moves() | self.sudo().membership_wallet_entry_ids

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
        self._membership_pos_check_user(self.env._("Only Point of Sale users can look members up."))
        company = self.config_id.company_id
        # sudo: POS users are not all Membership cashiers; the search is bound to the
        # session's company and only the fields below leave the server.
        env = self.sudo().with_context(allowed_company_ids=company.ids).env
        card = env["membership.card"].browse()
        if code:
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
                    "candidates": [
                        {"partner_id": p.id, "name": p.name, "member_number": p.member_number}
                        for p in partner
                    ],
                }
            card = partner.membership_card_ids.filtered(
                lambda c: c.company_id == company and c.state not in ("replaced", "returned")
            ).sorted(lambda c: (c.state != "active", -c.id))[:1]
        if not partner or not partner.is_member:
            return {
                "status": "not_found",
                "message": self.env._("No member found for %s.", code or query or ""),
            }
        if code:
            try:
                card._check_usable()
            except UserError as error:
                return {"status": "refused", "message": str(error)}
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

    def _membership_pos_member_values(self, partner, card):
        """What the till shows and needs about a member (self's user may not read it all:
        ``partner`` and ``card`` come in sudo). Other parts of the addon add their figures
        (points, wallet) by extending this dict; the till shows only what is here."""
        labels = dict(card._fields["state"]._description_selection(self.env))
        tier = partner.member_tier_id
        account = partner.env["membership.account"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.config_id.company_id.id)],
            limit=1,
        )
        return {
            "points": account.points_balance,
            "wallet_paid": account.wallet_paid_balance,
            "wallet_bonus": account.wallet_bonus_balance,
            "wallet_bonus_first": account.company_id.membership_wallet_bonus_first,
            "partner_id": partner.id,
            "name": partner.name,
            "member_number": partner.member_number or "",
            "tier": tier.name or "",
            "member_since": fields.Date.to_string(partner.member_since) or "",
            "card_number": card.number or "",
            "card_state": card.state or "none",
            "card_state_label": labels.get(card.state, self.env._("No card")),
            "discounts": tier._membership_category_discounts() if tier else {},
            "pin": partner.membership_pin_set,
        }

    def _membership_search_members(self, env, company, query):
        """Members matching a typed text: exact member number, then the phone in E.164
        (both indexed), then a part of the name (a slower text search, typed by hand)."""
        query = (query or "").strip()
        if len(query) < 3:
            return env["res.partner"].browse()
        Partner = env["res.partner"]
        base = [("is_member", "=", True), ("company_id", "in", [company.id, False])]
        found = Partner.search([*base, ("member_number", "=", query.upper())], limit=2)
        phone = Partner._phone_format(number=query, country=company.country_id)
        if not found and phone:
            found = Partner.search([*base, ("phone_sanitized", "=", phone)], limit=10)
        if not found and not phone:
            found = Partner.search([*base, ("name", "ilike", query)], limit=10)
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
        partner, account = self._membership_pos_redeem_member(partner_id)
        company = account.company_id
        products = (
            account.env["product.product"]
            .browse({int(line["product_id"]) for line in lines or []})
            .exists()
        )
        # A top-up earns nothing (as at sync); a product unknown here earns nothing either.
        known = set((products - company.membership_topup_product_id).ids)
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
        }

    def membership_pos_redeem_gift_check(self, partner_id, gift_id, qty=1):
        """Whether ``qty`` of a gift (all of it on the order) is in stock at its location;
        returns its product so the till can add the line."""
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
        _partner, account = self._membership_pos_redeem_member(partner_id)
        if not order_uuid or not isinstance(index, int) or not 0 <= index < 100:
            raise UserError(self.env._("An e-coupon is bought for an order of the till."))
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
