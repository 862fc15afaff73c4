import re

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.phone_validation.tools import phone_validation

from ..tools import card_codes
from ..tools.input_checks import check_id, check_text
from .membership_card import LIVE_STATES

# What a typed phone number may hold besides digits (spaces, dots, dashes, brackets...).
PHONE_TEXT = re.compile(r"^\+?[\d\s().\-/]+$")
# Fewest digits a partial phone search needs (the end of a number).
PHONE_MIN_DIGITS = 4
# A magnetic-stripe swipe of all three tracks: 79 + 40 + 107 characters and sentinels.
MAX_SWIPE = 256


class PosSession(models.Model):
    """Finding a member at the till (card code, search text, customer picked) and what
    the till gets to know about them."""

    _inherit = "pos.session"

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
        if code and not card_codes.is_swipe(code):
            # The usual scan: card, member, tier and balances in one query.
            found = self._membership_pos_member_row(
                card_domain=self.env["membership.card"]._membership_code_domain(code, True)
            )
            if found["card_id"]:
                return self._membership_pos_found(code, "", found, by_card=True)
        # The session's company (and its country, for phone numbers) without reading
        # the session and its till through the ORM.
        till = self._membership_pos_member_row(partner_id=0)
        company = self.env["res.company"].browse(till["company_id"])
        # sudo: POS users are not all Membership cashiers; the search is bound to the
        # session's company and only the fields below leave the server.
        env = self.sudo().with_context(allowed_company_ids=company.ids).env
        company = company.with_env(env)
        if code:
            refusal = env["membership.card"]._membership_swipe_refusal(code)
            if refusal:
                return {"status": "refused", "message": refusal}
            card = env["membership.card"]._find_by_code(code)
            found = self._membership_pos_member_row(card_ids=card.ids)
        else:
            if partner_id:
                partner = self._membership_pos_member(partner_id)
            else:
                partner = self._membership_search_members(env, till, query)
            if len(partner) > 1:
                return {
                    "status": "ambiguous",
                    "message": self.env._("%s members match: pick one.", len(partner)),
                    "candidates": self._membership_pos_candidates(partner, company),
                }
            found = self._membership_pos_member_row(partner_id=partner.id)
        return self._membership_pos_found(code, query, found, by_card=bool(code))

    @api.private
    def _membership_pos_found(self, code, query, found, by_card):
        """The lookup's answer from ``_membership_pos_member_row``'s ``found``."""
        # sudo: see membership_pos_lookup; the records are bound to the session's company.
        env = self.sudo().with_context(allowed_company_ids=[found["company_id"]]).env
        if not found["partner_id"] or not found["is_member"]:
            cards = env["membership.card"]
            return {
                "status": "not_found",
                "message": self.env._(
                    "No member found for %s.",
                    (code and cards._membership_code_label(code)) or query or "",
                ),
            }
        partner = env["res.partner"].browse(found["partner_id"])
        card = env["membership.card"].browse(found["card_id"] or ())
        return self._membership_pos_answer(partner, card, by_card=by_card, found=found)

    @api.private
    def _membership_pos_member_row(self, card_domain=None, card_ids=None, partner_id=None):
        """What the till needs of a member, in one query: the session's company, the card
        (the best one matching ``card_domain``, the card of ``card_ids``, or else the
        current card of ``partner_id``), its member, tier and balances in that company,
        and whether the member has package services left. A dict of columns (None or
        False where nothing was found)."""
        self.ensure_one()
        # sudo: the card domain is matched for the session's company only (see below);
        # the caller sends back only what the till needs.
        Card = self.env["membership.card"].sudo().with_context(active_test=True)
        self.env.flush_all()
        if card_domain is not None or card_ids is not None:
            if card_domain is None:
                # Cards the caller found (and checked the company of).
                cards = Card._search([("id", "in", card_ids)])
                company = SQL("TRUE")
            else:
                cards = Card._search(card_domain)
                company = SQL("c.company_id = till.company_id")
            # The live card first when a returned card carried the same code (_find_by_read).
            card_join = SQL(
                """LEFT JOIN LATERAL (
                       SELECT c.id, c.number, c.state, c.expiry_date, c.partner_id, c.company_id
                         FROM membership_card c
                        WHERE c.id IN (%s) AND %s
                     ORDER BY c.state IN %s DESC, c.id DESC LIMIT 1
                   ) card ON TRUE
                   LEFT JOIN res_partner p ON p.id = card.partner_id""",
                cards.subselect(),
                company,
                LIVE_STATES,
            )
        else:
            # The member's current card in the company: active first, newest first.
            card_join = SQL(
                """LEFT JOIN res_partner p ON p.id = %s
                   LEFT JOIN LATERAL (
                       SELECT c.id, c.number, c.state, c.expiry_date, c.partner_id, c.company_id
                         FROM membership_card c
                        WHERE c.partner_id = p.id AND c.company_id = till.company_id
                          AND c.active AND c.state NOT IN ('replaced', 'returned')
                     ORDER BY c.state <> 'active', c.id DESC LIMIT 1
                   ) card ON TRUE""",
                partner_id or None,
            )
        lang = self.env.lang or "en_US"
        record_columns, record_joins = self._membership_pos_record_sql()
        rows = self.env.execute_query_dict(
            SQL(
                """WITH till AS (
                       SELECT cfg.id AS config_id, cfg.company_id, co.membership_wallet_earns,
                              co.partner_id AS company_partner_id, co.parent_path,
                              country.code AS country_code, country.phone_code
                         FROM pos_session s
                         JOIN pos_config cfg ON cfg.id = s.config_id
                         JOIN res_company co ON co.id = cfg.company_id
                         JOIN res_partner cp ON cp.id = co.partner_id
                    LEFT JOIN res_country country ON country.id = cp.country_id
                        WHERE s.id = %(session)s
                   )
                   SELECT till.*,
                          card.id AS card_id, card.number AS card_number,
                          card.state AS card_state, card.expiry_date,
                          card.company_id AS card_company_id,
                          p.id AS partner_id, p.active AS partner_active, p.is_member,
                          p.name, p.member_number, p.member_since, p.membership_pin_set,
                          p.member_tier_id,
                          COALESCE(t.name->>%(lang)s, t.name->>'en_US') AS tier_name,
                          a.points_balance, a.wallet_paid_balance, a.wallet_bonus_balance,
                          -- res.partner.child_ids: active contacts in the partners' order
                          ARRAY(
                              SELECT ch.id FROM res_partner ch
                               WHERE ch.parent_id = p.id AND ch.active
                            ORDER BY ch.complete_name, ch.id DESC
                          ) AS child_ids,
                          EXISTS(
                              SELECT 1 FROM membership_package_line l
                               WHERE l.partner_id = p.id AND l.company_id = till.company_id
                                 AND l.uses_left > 0
                          ) AS has_packages,
                          %(record_columns)s
                     FROM till
                          %(card_join)s
                          LEFT JOIN membership_tier t ON t.id = p.member_tier_id
                          LEFT JOIN membership_account a
                                 ON a.partner_id = p.id AND a.company_id = till.company_id
                                AND a.active
                          %(record_joins)s""",
                session=self.id,
                card_join=card_join,
                lang=lang,
                record_columns=record_columns,
                record_joins=record_joins,
            )
        )
        return rows[0]

    def _membership_pos_answer(self, partner, card, by_card=True, found=None):
        """The lookup's answer for a member found (``partner`` and ``card`` in sudo): the
        card's refusal when the member was identified by a card that cannot be used, else
        the member's values and records for the till. ``found``: the member's row
        (``_membership_pos_member_row``), read here when not given."""
        if found is None:
            if card:
                found = self._membership_pos_member_row(card_ids=card.ids)
            else:
                found = self._membership_pos_member_row(partner_id=partner.id)
        usable = (
            found["card_state"] == "active"
            and found["partner_active"]
            and not (
                found["expiry_date"] and found["expiry_date"] < fields.Date.context_today(self)
            )
        )
        if by_card and not usable:
            try:
                card._check_usable()
            except UserError as error:
                hint = self._membership_card_refusal_hint(card)
                return {"status": "refused", "message": f"{error} {hint}".strip()}
        config = self.env["pos.config"].browse(found["config_id"])
        member = self._membership_pos_member_values(partner, card, found)
        # The partner as the session's company sees it (pricelist, fiscal position).
        partner = partner.with_env(self.env).sudo().with_company(found["company_id"])
        partner_records, fpos_records = self._membership_pos_partner_read(partner, found, config)
        return {
            "status": "ok",
            "message": "",
            "member": member,
            "records": {
                # sudo (above): the POS user reads the partner fields the till loads for any
                # customer; the member may belong to a branch the user cannot read.
                "res.partner": partner_records,
                "account.fiscal.position": fpos_records,
            },
        }

    @api.private
    def _membership_pos_partner_read(self, partner, found, config):
        """(``partner``, its fiscal position) in the POS's own format
        (``_load_pos_data_read``). Its columns (the company-dependent ones too) and those of
        the company's partner (the fiscal position reads the company's VAT) are read in one
        query beforehand, not field by field; the fiscal position comes from the member's
        row (``_membership_pos_fiscal_position``)."""
        Partner = partner.env["res.partner"]
        names = {
            *Partner._load_pos_data_fields(config),
            *Partner._display_address_depends(),
            # read by the address, invoice e-mails, pricelist and fiscal position
            *("commercial_company_name", "type", "email", "active", "parent_id", "vat"),
            *("specific_property_product_pricelist", "property_account_position_id"),
        }
        columns = []
        for name in names:
            field = Partner._fields[name]
            if field.store and field.column_type:
                columns.append(name)
            for dependency in Partner.pool.field_depends[field] if field.compute else ():
                first = Partner._fields.get(dependency.split(".")[0])
                if first and first.store and first.column_type:
                    columns.append(first.name)
        (partner | Partner.browse(found["company_partner_id"] or ())).fetch(columns)
        # Two more values the computed fields read, from the member's row, cached as a
        # fetch caches them (never over a value in cache): the member's contacts (invoice
        # e-mails) and the company's partner (the fiscal position reads the company's VAT).
        Partner._fields["child_ids"]._insert_cache(partner, [tuple(found["child_ids"])])
        company = partner.env["res.company"].browse(found["company_id"])
        company._fields["partner_id"]._insert_cache(company, [found["company_partner_id"]])
        self._membership_pos_cache_record(partner, found)
        fpos_records = self._membership_pos_fiscal_position(partner, found, config)
        return partner._load_pos_data_read(partner, config), fpos_records

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

    def _membership_pos_member_values(self, partner, card, found):
        """What the till shows and needs about a member (self's user may not read it all:
        ``partner`` and ``card`` come in sudo, ``found`` is their row read by
        ``_membership_pos_member_row``): the server's figures and decisions, which the till
        shows and does not work out again. The packages add the member's packages
        (pos_session_package)."""
        labels = dict(card._fields["state"]._description_selection(self.env))
        state = found["card_state"]
        tier = partner.env["membership.tier"].browse(found["member_tier_id"] or ())
        boost = tier and self.env["membership.campaign"]._membership_discount_boost(partner)
        charge_product_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "membership_loyalty.product_membership_card_charge", raise_if_not_found=False
        )
        return {
            "points": found["points_balance"] or 0.0,
            "wallet_paid": found["wallet_paid_balance"] or 0.0,
            "wallet_bonus": found["wallet_bonus_balance"] or 0.0,
            "wallet_earns": bool(found["membership_wallet_earns"]),
            "charge_product_id": charge_product_id or False,
            "partner_id": found["partner_id"],
            "name": found["name"],
            "member_number": found["member_number"] or "",
            "tier": found["tier_name"] or "",
            "member_since": fields.Date.to_string(found["member_since"]) or "",
            "card_number": found["card_number"] or "",
            "card_state": state or "none",
            "card_state_label": labels.get(state, self.env._("No card")),
            "discounts": tier._membership_category_discounts(boost) if tier else {},
            "discount_boost": boost or 0.0,
            "pin": bool(found["membership_pin_set"]),
        }

    def _membership_search_members(self, env, till, query):
        """Members matching a typed text: exact member number, then a phone in any common
        form (see ``_membership_search_phone``), then a part of the name (a slower text
        search, typed by hand). ``till``: the session's row (``_membership_pos_member_row``)."""
        query = (query or "").strip()
        if len(query) < 3:
            return env["res.partner"].browse()
        Partner = env["res.partner"]
        base = [("is_member", "=", True), ("company_id", "in", [till["company_id"], False])]
        number = query.upper()
        if not PHONE_TEXT.match(query):
            found = Partner.search([*base, ("member_number", "=", number)], limit=2)
            return found or Partner.search([*base, ("name", "ilike", query)], limit=10)
        # The member number and the phone's exact forms in one query; the number wins.
        exact = self._membership_phone_forms(till, query)
        found = Partner.search_fetch(
            [*base, "|", ("member_number", "=", number), ("phone_sanitized", "in", exact)],
            ["member_number"],
            limit=12,
        )
        by_number = found.filtered(lambda p: p.member_number == number)
        if by_number or found:
            return by_number[:2] or found[:10]
        return self._membership_search_phone(Partner, base, query)

    @api.private
    def _membership_phone_forms(self, till, query):
        """The E.164 forms a typed phone number may be stored in: international
        (``+32 470 12 34 37``, ``0032...``) or national in the shop's country (``0470 12
        34 37``)."""
        digits = re.sub(r"\D", "", query)
        if len(digits) < PHONE_MIN_DIGITS:
            return []
        if till["country_code"]:
            code, phone_code = till["country_code"], till["phone_code"]
        else:
            country = self.env.company.country_id
            code, phone_code = country.code, country.phone_code
        try:
            exact = {phone_validation.phone_format(query, code, phone_code, force_format="E164")}
        except UserError:
            exact = set()
        if query.startswith("+") or digits.startswith("00"):
            exact.add("+" + digits.removeprefix("00"))
        exact.discard(False)
        return list(exact)

    def _membership_search_phone(self, Partner, base, query):
        """Members whose phone (stored in E.164) ends with the typed number (no exact
        form matched): a national number typed in a shop of another country is matched
        on its national part, read with the member's own country: it is the end of their
        international number."""
        digits = re.sub(r"\D", "", query)
        national = digits.lstrip("0")
        if len(digits) < PHONE_MIN_DIGITS or len(national) < PHONE_MIN_DIGITS:
            return Partner.browse()
        return Partner.search([*base, ("phone_sanitized", "=like", f"%{national}")], limit=10)

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
