"""The import engine's checks: every row's errors, found without writing anything."""

import math
import re

from odoo import api, models
from odoo.exceptions import UserError

from .membership_card import LIVE_STATES, MAX_NUMBER_LENGTH, luhn_valid, normalise_uid
from .membership_import_engine import _text


class MembershipImportEngine(models.AbstractModel):
    _inherit = "membership.import.engine"

    @api.model
    @api.private
    def _membership_check(self, rows, company):
        """Return (errors, plan): errors as [{line, ref, column, value, message}], plan as
        the rows with clean values and what already exists of them."""
        lookups = self._membership_lookups(rows, company)
        errors, plan = [], []
        seen_keys, seen_cards = {}, {}
        for row in rows:
            clean, row_errors = self._membership_check_row(row, company, lookups)
            key = clean["key"]
            if key and key in seen_keys:
                row_errors.append(
                    (
                        "ref",
                        key,
                        self.env._("Appears twice in the file (line %s).", seen_keys[key]),
                    )
                )
            seen_keys.setdefault(key, row["line"])
            number = clean["card"]
            if number and number in seen_cards:
                row_errors.append(
                    (
                        "card",
                        number,
                        self.env._("Duplicate card number (line %s).", seen_cards[number]),
                    )
                )
            if number:
                seen_cards.setdefault(number, row["line"])
            errors.extend(
                {
                    "line": row["line"],
                    "ref": clean["key"],
                    "column": column,
                    "value": value,
                    "message": message,
                }
                for column, value, message in row_errors
            )
            plan.append(clean)
        return errors, plan

    def _membership_lookups(self, rows, company):
        """Everything the rows are checked against, in a few queries for the whole file."""
        refs = list({_text(row.get("ref")) for row in rows if not row.get("partner_id")} - {""})
        numbers = list({_text(row.get("card")) for row in rows} - {""})
        aliases = list({normalise_uid(row.get("alias")) for row in rows} - {False, None})
        countries = self.env["res.country"].search_read([], ["code", "name"])
        country_map = {c["code"].upper(): c["id"] for c in countries if c["code"]}
        country_map.update({c["name"].lower(): c["id"] for c in countries})
        tiers = (
            self.env["membership.tier"]
            .with_context(active_test=False)
            .search_read([("company_id", "in", [company.id, False])], ["name"])
        )
        # sudo: whether a number or reference is taken counts however the operator's rights
        # are; only that it is taken, and by whom, is used.
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        members = {}
        for partner in Partner.search_read([("ref", "in", refs)], ["ref", "is_member"]):
            members.setdefault(partner["ref"], []).append(partner["id"])
        Card = self.env["membership.card"].sudo().with_context(active_test=False)
        live = [("company_id", "=", company.id), ("state", "in", LIVE_STATES)]
        cards = {
            card["number"]: card["partner_id"][0]
            for card in Card.search_read(
                [*live, ("number", "in", numbers)], ["number", "partner_id"]
            )
        }
        holders = set()
        if any(row.get("card_if_none") for row in rows):
            holders = {
                card["partner_id"][0]
                for card in Card.search_read(
                    [*live, ("partner_id", "in", [row.get("partner_id") for row in rows])],
                    ["partner_id"],
                )
            }
        chips = {
            card["chip_uid"]: card["partner_id"][0]
            for card in Card.search_read(
                [*live, ("chip_uid", "in", aliases)], ["chip_uid", "partner_id"]
            )
        }
        return {
            "countries": country_map,
            "tiers": {tier["name"].lower(): tier["id"] for tier in tiers},
            "members": members,
            "cards": cards,
            "chips": chips,
            "holders": holders,
            "country_records": {
                c.id: c for c in self.env["res.country"].browse(country_map.values())
            },
        }

    def _membership_check_row(self, row, company, lookups):
        """(clean values, [(column, value, message)]) of one row."""
        errors = []
        ref = _text(row.get("ref"))
        partner_id = row.get("partner_id") or False
        if not partner_id and ref:
            found = lookups["members"].get(ref, [])
            if len(found) > 1:
                errors.append(("ref", ref, self.env._("Several contacts have this reference.")))
            partner_id = found[0] if found else False
        clean = {
            "line": row["line"],
            "key": _text(row.get("key")) or ref,
            "ref": ref,
            "partner_id": partner_id,
            "new": not partner_id,
            "name": _text(row.get("name")),
            "email": _text(row.get("email")) or False,
            "phone": False,
            "country_id": False,
            "tier_id": False,
            "card": _text(row.get("card")) or False,
            "alias": normalise_uid(_text(row.get("alias"))),
            "points": 0.0,
            "wallet": 0.0,
            "card_exists": False,
            # No number or alias to keep: a new card, unless the member holds one already.
            "card_if_none": bool(row.get("card_if_none")),
        }
        if not clean["key"]:
            errors.append(("ref", "", self.env._("External reference: missing.")))
        if clean["new"] and not clean["name"]:
            errors.append(("name", "", self.env._("Name: missing for a new member.")))
        country_text = _text(row.get("country"))
        if country_text:
            country_id = lookups["countries"].get(country_text.upper()) or lookups["countries"].get(
                country_text.lower()
            )
            if country_id:
                clean["country_id"] = country_id
            else:
                errors.append(("country", country_text, self.env._("Unknown country.")))
        self._membership_check_phone(row, clean, company, lookups, errors)
        self._membership_check_card(clean, lookups, errors)
        tier_text = _text(row.get("tier"))
        if tier_text:
            clean["tier_id"] = lookups["tiers"].get(tier_text.lower(), False)
            if not clean["tier_id"]:
                errors.append(("tier", tier_text, self.env._("Unknown tier.")))
        for column in ("points", "wallet"):
            clean[column] = self._membership_check_amount(row.get(column), column, errors)
        return clean, errors

    def _membership_check_phone(self, row, clean, company, lookups, errors):
        """Store the phone as E.164, read in the member's country (else the company's),
        as enrolment does; a number that country cannot read is an error naming it."""
        phone = _text(row.get("phone"))
        if not phone:
            return
        country = lookups["country_records"].get(clean["country_id"]) or company.country_id
        try:
            clean["phone"] = self.env["res.partner"]._phone_format(
                number=phone, country=country, raise_exception=True
            )
        except UserError:
            errors.append(
                (
                    "phone",
                    phone,
                    self.env._(
                        "Not a valid phone number in %(country)s: set the member's country or "
                        "type the number with + and its country code.",
                        country=country.name or self.env._("no country"),
                    ),
                )
            )

    def _membership_check_card(self, clean, lookups, errors):
        if clean["card_if_none"]:
            clean["card_exists"] = clean["partner_id"] in lookups["holders"]
        number = clean["card"]
        if number:
            if not luhn_valid(number) or len(number) > MAX_NUMBER_LENGTH:
                errors.append(
                    ("card", number, self.env._("Not a valid card number (check digit)."))
                )
            owner = lookups["cards"].get(number)
            if owner and owner != clean["partner_id"]:
                errors.append(
                    ("card", number, self.env._("Duplicate card number: another member's card."))
                )
            clean["card_exists"] = bool(owner)
        alias = clean["alias"]
        if alias and not re.fullmatch(r"[0-9A-F]{8,20}", alias):
            errors.append(("card", alias, self.env._("Not a hexadecimal chip UID.")))
        if alias:
            owner = lookups["chips"].get(alias)
            if owner and owner != clean["partner_id"]:
                errors.append(
                    ("card", alias, self.env._("Another member's card answers to this code."))
                )
            clean["card_exists"] = clean["card_exists"] or bool(owner)

    def _membership_check_amount(self, value, column, errors):
        text = _text(value).replace(",", ".") if not isinstance(value, (int, float)) else value
        if text in ("", None):
            return 0.0
        try:
            amount = float(text)
        except ValueError:
            amount = math.nan
        if not math.isfinite(amount):
            errors.append((column, _text(value), self.env._("Not a number.")))
            return 0.0
        if amount < 0:
            errors.append((column, _text(value), self.env._("Negative balance.")))
            return 0.0
        return amount
