from odoo import fields, models
from odoo.exceptions import AccessError, UserError


class PosSession(models.Model):
    _inherit = "pos.session"

    def membership_pos_lookup(self, code=None, query=None, partner_id=None):
        """Find a member for the till from a card code (barcode, QR, chip UID pushed by a
        reader), a search text (member number, phone, name) or a partner the cashier
        picked from the customer list.

        One round trip, indexed lookups only, nothing preloaded. Returns a dict:
        ``status`` ok / refused / not_found / ambiguous, ``message`` for the cashier,
        ``member`` (what the member panel and the discounts need) and ``records``
        (the partner in the POS's own format, to add to the till's models)."""
        self.ensure_one()
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(self.env._("Only Point of Sale users can look members up."))
        self.check_access("read")
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
                partner = env["res.partner"].search(
                    [
                        ("id", "=", int(partner_id)),
                        ("is_member", "=", True),
                        ("company_id", "in", [company.id, False]),
                    ]
                )
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
            "partner_id": partner.id,
            "name": partner.name,
            "member_number": partner.member_number or "",
            "tier": tier.name or "",
            "member_since": fields.Date.to_string(partner.member_since) or "",
            "card_number": card.number or "",
            "card_state": card.state or "none",
            "card_state_label": labels.get(card.state, self.env._("No card")),
            "discounts": tier._membership_category_discounts() if tier else {},
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
