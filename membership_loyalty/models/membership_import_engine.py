import math
import re

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round

from .membership_account import POINTS_DIGITS
from .membership_account_opening import OPENING_APPLIED
from .membership_card import LIVE_STATES, MAX_NUMBER_LENGTH, luhn_valid, normalise_uid
from .res_partner import MEMBER_SYSTEM

# What a row of an import may carry (the columns a template maps).
TARGETS = ("ref", "name", "phone", "email", "country", "card", "tier", "points", "wallet")
# Rows are written this many at a time: big enough for batch INSERTs, small enough that
# one batch's records and values stay a few MB in memory.
BATCH = 5000


def _text(value):
    """A cell as text: numbers read from a spreadsheet lose their '.0' (card numbers)."""
    if value is None or value is False:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class MembershipImportEngine(models.AbstractModel):
    """Members, cards and opening balances from rows of plain values.

    Used by the file import (each row a line of the file) and the migration from Odoo's
    own loyalty programs (each row a loyalty card). A row is a dict with the keys of
    ``TARGETS`` (all optional but ``ref``/``name`` for new members) plus: ``line`` (where
    it comes from, for the errors), ``key`` (what makes it the same row next time;
    ``ref`` by default), ``partner_id`` (an existing contact becoming the member) and
    ``alias`` (a chip UID the card answers to).

    ``_membership_check`` finds every row's errors without writing anything; the import
    writes only when there are none, and writes each thing once: a member is found again
    by its external reference, a card by its number, an opening balance by its ledger key.
    """

    _name = "membership.import.engine"
    _description = "Membership Import Engine"

    # ------------------------------------------------------------------ checking

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

    # ------------------------------------------------------------------ importing

    @api.model
    @api.private
    def _membership_import(self, rows, company, card_type, counterpart=None, label=None):
        """Write the rows (members, cards, opening balances); refuse the whole file when a
        row has an error. Returns (plan, opening journal entry): each row of the plan with
        its ``partner_id``, ``card_id`` (a card created now) and the ``posted_points`` and
        ``posted_wallet`` posted now (0.0 for what an earlier run posted)."""
        errors, plan = self._membership_check(rows, company)
        if errors:
            first = errors[0]
            raise UserError(
                self.env._(
                    "%(count)s errors in the file, nothing was imported. First: line "
                    "%(line)s, %(column)s %(value)s: %(message)s",
                    count=len(errors),
                    **first,
                )
            )
        label = label or self.env._("Opening balance")
        self._membership_check_books(plan, company, counterpart)
        for start in range(0, len(plan), BATCH):
            batch = plan[start : start + BATCH]
            self._membership_create_members(batch, company)
            self._membership_create_cards(batch, company, card_type)
        entry = self._membership_post_openings(plan, company, counterpart, label)
        return plan, entry

    def _membership_check_books(self, plan, company, counterpart):
        if not any(row["wallet"] for row in plan):
            return
        if not company._membership_wallet_books():
            raise UserError(
                self.env._(
                    "Opening wallet balances are customer deposits: set the wallet journal "
                    "and accounts in the Membership settings first."
                )
            )
        if not counterpart:
            raise UserError(
                self.env._("Counterpart Account: choose where the opening deposits come from.")
            )

    def _membership_create_members(self, batch, company):
        """New members in one batch create; existing contacts become members in one query.

        SQL for ``is_member``: enrolling through the ORM sends each member a welcome SMS
        and draws their number with a query of its own. Imported people are members
        already: their numbers are drawn in one query and nobody is welcomed again."""
        # sudo: the contacts become members in the query below, in this transaction; the
        # record rule lets Membership users create and edit members only, which they are
        # not yet. Who may import was checked by the wizard (Managers).
        Partner = (
            self.env["res.partner"]
            .sudo()
            .with_context(
                tracking_disable=True,
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                membership_partner_system=MEMBER_SYSTEM,
            )
        )
        entry_tier = self.env["membership.tier"]._membership_entry_tier(company.id).id
        today = fields.Date.context_today(self)
        new_rows = [row for row in batch if row["new"]]
        numbers = self._membership_draw_numbers(len(new_rows), company)
        partners = Partner.create(
            [
                {
                    "name": row["name"],
                    "ref": row["ref"],
                    "phone": row["phone"],
                    "email": row["email"],
                    "country_id": row["country_id"],
                    "member_number": number,
                    "member_since": today,
                    "member_tier_id": row["tier_id"] or entry_tier,
                }
                for row, number in zip(new_rows, numbers, strict=True)
            ]
        )
        for row, partner_id in zip(new_rows, partners.ids, strict=True):
            row["partner_id"] = partner_id
        existing = Partner.browse([row["partner_id"] for row in batch if not row["new"]])
        joining = existing.filtered(lambda p: not p.is_member)
        if joining:
            tiers = {row["partner_id"]: row["tier_id"] for row in batch}
            joining.write({"member_since": today})
            for partner, number in zip(
                joining, self._membership_draw_numbers(len(joining), company), strict=True
            ):
                partner.write(
                    {
                        "member_number": partner.member_number or number,
                        "member_tier_id": tiers[partner.id] or entry_tier,
                    }
                )
        Partner.flush_model()
        ids = tuple(partners.ids + joining.ids)
        if ids:
            self.env.cr.execute(SQL("UPDATE res_partner SET is_member = TRUE WHERE id IN %s", ids))
            Partner.browse(ids).invalidate_recordset(["is_member"])

    def _membership_draw_numbers(self, count, company):
        """``count`` member numbers from the member sequence.

        SQL: ``next_by_code`` costs a query per number; a standard sequence gives a block
        from PostgreSQL's sequence in one query (a no-gap one is drawn number by number)."""
        if not count:
            return []
        Sequence = self.env["ir.sequence"].with_company(company)
        sequence = Sequence.sudo().search(
            [("code", "=", "membership.member"), ("company_id", "in", [company.id, False])],
            order="company_id",
            limit=1,
        )
        if not sequence:
            raise UserError(self.env._("The member number sequence is missing."))
        if sequence.implementation != "standard":
            return [Sequence.next_by_code("membership.member") for _i in range(count)]
        rows = self.env.execute_query(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"ir_sequence_{sequence.id:03d}",
                count,
            )
        )
        return [sequence.get_next_char(row[0]) for row in rows]

    def _membership_create_cards(self, batch, company, card_type):
        """Active cards for the rows that bring a number or alias not imported yet."""
        # Members holding or getting a card with a kept number or alias need no new one.
        given = {row["partner_id"] for row in batch if row["card"] or row["alias"]}
        todo = []
        for row in batch:
            if row["card_exists"] or not (row["card"] or row["alias"] or row["card_if_none"]):
                continue
            if not (row["card"] or row["alias"]):
                if row["partner_id"] in given:
                    row["card_exists"] = True  # one card per member is enough
                    continue
                given.add(row["partner_id"])
            todo.append(row)
        if not todo:
            return
        Card = self.env["membership.card"].with_company(company)
        today = fields.Date.context_today(self)
        expiry = (
            fields.Date.add(today, months=card_type.validity_months)
            if card_type.validity_months
            else None
        )
        for row in todo:
            row["card"] = row["card"] or Card._next_number()
        # SQL: the card's create looks each number and chip up with queries of its own;
        # the dry run checked the whole file's numbers (check digit, duplicates, live cards)
        # in one query, and the partial unique indexes still guard the database. The cards
        # are issued as the Issue wizard leaves them (active, issued today), without a
        # charge: the member paid for them in the old system.
        self.env.flush_all()
        inserted = self.env.execute_query(
            SQL(
                """INSERT INTO membership_card
                          (number, chip_uid, partner_id, company_id, card_type_id, state,
                           issue_date, expiry_date, deposit_amount, active,
                           create_uid, create_date, write_uid, write_date)
                   SELECT v.number, v.chip_uid, v.partner_id, %s, %s, 'active', %s, %s, 0,
                          TRUE, %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC'
                     FROM unnest(%s::varchar[], %s::varchar[], %s::int[])
                          AS v(number, chip_uid, partner_id)
                RETURNING id, number""",
                company.id,
                card_type.id,
                today,
                expiry,
                self.env.uid,
                self.env.uid,
                [row["card"] for row in todo],
                [row["alias"] or None for row in todo],
                [row["partner_id"] for row in todo],
            )
        )
        ids = {number: card_id for card_id, number in inserted}
        for row in todo:
            row["card_id"] = ids[row["card"]]
        Card.invalidate_model()
        self.env["res.partner"].invalidate_model(["membership_card_ids"])

    def _membership_post_openings(self, plan, company, counterpart, label):
        """Opening points and wallet moves (kind ``opening``), each key once, and one journal
        entry for the wallets' deposits: their sum moves from ``counterpart`` to the
        customer-deposits account. Moves go through the ledger's batch create, which locks
        the accounts and keeps each balance the sum of its moves."""
        accounts = self._membership_accounts([row["partner_id"] for row in plan], company)
        keys = {}
        for row in plan:
            base = f"opening:{company.id}:{row['key']}"
            keys[row["line"]] = (f"{base}:points", f"{base}:wallet")
        posted = set()
        for model, index in (("membership.points.move", 0), ("membership.wallet.move", 1)):
            wanted = [keys[row["line"]][index] for row in plan if row[("points", "wallet")[index]]]
            posted |= self._membership_posted_keys(model, wanted)
        points_vals, wallet_vals = [], []
        # Opening points lapse like points earned today (the company's expiry period).
        expire_date = (
            self.env["membership.account"]
            .new({"company_id": company.id})
            ._membership_expire_date(fields.Date.context_today(self))
        )
        for row in plan:
            account_id = accounts[row["partner_id"]].id
            points_key, wallet_key = keys[row["line"]]
            points = float_round(row["points"], precision_digits=POINTS_DIGITS)
            wallet = company.currency_id.round(row["wallet"])
            row["posted_points"] = row["posted_wallet"] = 0.0
            if points and points_key not in posted:
                row["posted_points"] = points
                points_vals.append(
                    {
                        "account_id": account_id,
                        "kind": "opening",
                        "points": points,
                        "reason": label,
                        "idempotency_key": points_key,
                        "expire_date": expire_date,
                    }
                )
            if wallet and wallet_key not in posted:
                row["posted_wallet"] = wallet
                wallet_vals.append(
                    {
                        "account_id": account_id,
                        "kind": "opening",
                        "paid_amount": wallet,
                        "reason": label,
                        "idempotency_key": wallet_key,
                    }
                )
        entry = self._membership_opening_entry(
            company, counterpart, sum(vals["paid_amount"] for vals in wallet_vals), label
        )
        for vals in wallet_vals:
            vals["account_move_id"] = entry.id
        Account = self.env["membership.account"].sudo()
        for start in range(0, max(len(points_vals), len(wallet_vals)), BATCH):
            points_batch = points_vals[start : start + BATCH]
            wallet_batch = wallet_vals[start : start + BATCH]
            deltas = {}
            for vals in points_batch:
                deltas[vals["account_id"]] = (vals["points"], 0.0)
            for vals in wallet_batch:
                deltas[vals["account_id"]] = (
                    deltas.get(vals["account_id"], (0.0, 0.0))[0],
                    vals["paid_amount"],
                )
            Account.browse(list(deltas))._membership_open_balances(deltas)
            # sudo: nobody holds create rights on a ledger; the Manager's import checked
            # every row and the amounts come from it.
            for model, batch in (
                ("membership.points.move", points_batch),
                ("membership.wallet.move", wallet_batch),
            ):
                if batch:
                    self.env[model].sudo().with_context(
                        membership_opening_applied=OPENING_APPLIED
                    ).create(batch)
        return entry

    def _membership_accounts(self, partner_ids, company):
        """{partner id: membership.account} of the company, creating the missing ones in
        one batch (sudo: accounts are bookkeeping, as in ``_membership_get_account``)."""
        Account = self.env["membership.account"].sudo().with_context(active_test=False)
        ids = list(dict.fromkeys(partner_ids))
        found = Account.search([("partner_id", "in", ids), ("company_id", "=", company.id)])
        accounts = {account.partner_id.id: account for account in found}
        missing = [pid for pid in ids if pid not in accounts]
        for start in range(0, len(missing), BATCH):
            created = Account.create(
                [
                    {"partner_id": pid, "company_id": company.id}
                    for pid in missing[start : start + BATCH]
                ]
            )
            accounts.update(zip(missing[start : start + BATCH], created, strict=True))
        return accounts

    def _membership_posted_keys(self, model, keys):
        """The keys among ``keys`` already posted in ``model``'s ledger (one query)."""
        if not keys:
            return set()
        self.env[model].flush_model(["idempotency_key"])
        rows = self.env.execute_query(
            SQL(
                "SELECT idempotency_key FROM %s WHERE idempotency_key = ANY(%s)",
                SQL.identifier(self.env[model]._table),
                keys,
            )
        )
        return {row[0] for row in rows}

    def _membership_opening_entry(self, company, counterpart, amount, label):
        """One posted entry moving ``amount`` of deposits from ``counterpart`` onto the
        customer-deposits account (empty when there is nothing to book)."""
        if company.currency_id.is_zero(amount):
            return self.env["account.move"]
        books = company._membership_wallet_books()
        return self.env["membership.wallet.move"]._membership_post_entry(
            company,
            self.env._("%s: member wallets", label),
            [(counterpart, amount), (books["liability"], -amount)],
        )
