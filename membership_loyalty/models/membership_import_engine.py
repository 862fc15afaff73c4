from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round

from .membership_account import POINTS_DIGITS
from .membership_account_opening import OPENING_APPLIED
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
