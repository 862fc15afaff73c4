import re

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import card_codes
from ..tools.input_checks import check_id, check_text

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
        ``partner`` and ``card`` come in sudo): the server's figures and decisions, which the
        till shows and does not work out again. The packages add the member's packages
        (pos_session_package)."""
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
