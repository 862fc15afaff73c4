from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round

from ..tools.bulk_create import bulk_create
from .membership_account import POINTS_DIGITS
from .res_partner import MEMBER_SYSTEM

# What a row of an import may carry (the columns a template maps).
TARGETS = ("ref", "name", "phone", "email", "country", "card", "tier", "points", "wallet")
# Rows are written this many at a time: big enough for batch INSERTs, small enough that
# one batch's records and values stay a few MB in memory.
BATCH = 5000
# What a new member's row gives res.partner (the values of _membership_create_members).
# The dry run gives the phone in E.164 (its sanitized form) and a person without a
# parent company is named as such, so those two computed columns are given too.
NEW_MEMBER_COLUMNS = (
    "name",
    "complete_name",
    "ref",
    "phone",
    "phone_sanitized",
    "email",
    "country_id",
    "is_member",
    "member_number",
    "member_since",
    "member_tier_id",
)
# What a new card of an import gives membership.card (see _membership_create_cards).
NEW_CARD_COLUMNS = (
    "number",
    "chip_uid",
    "partner_id",
    "company_id",
    "card_type_id",
    "state",
    "issue_date",
    "expiry_date",
    "deposit_amount",
    "active",
)


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
        """New members in one INSERT; existing contacts become members in one query.

        Neither goes through ``create``/``write``: enrolling through the ORM sends each
        member a welcome SMS and draws their number with a query of its own, and a
        contact's create logs a message and does per-record work that makes 100,000
        members take minutes. Imported people are members already, their rows were
        checked by the dry run (phones in E.164): numbers are drawn in one query, the
        ORM recomputes the contacts' stored computed fields in batch, nobody is welcomed
        again."""
        # sudo: the contacts become members here, in this transaction; the record rule
        # lets Membership users create and edit members only, which they are not yet. Who
        # may import was checked by the wizard (Managers).
        Partner = self.env["res.partner"].sudo().with_company(company)
        entry_tier = self.env["membership.tier"]._membership_entry_tier(company.id).id
        today = fields.Date.context_today(self)
        new_rows = [row for row in batch if row["new"]]
        numbers = self._membership_draw_numbers(len(new_rows), company)
        partners = bulk_create(
            Partner,
            NEW_MEMBER_COLUMNS,
            [
                (
                    row["name"],
                    row["name"],
                    row["ref"] or None,
                    row["phone"] or None,
                    row["phone"] or None,
                    row["email"] or None,
                    row["country_id"] or None,
                    True,
                    number,
                    today,
                    row["tier_id"] or entry_tier or None,
                )
                for row, number in zip(new_rows, numbers, strict=True)
            ],
        )
        for row, partner_id in zip(new_rows, partners.ids, strict=True):
            row["partner_id"] = partner_id
        existing = Partner.browse([row["partner_id"] for row in batch if not row["new"]])
        self._membership_enrol_existing(existing, batch, company, entry_tier)

    def _membership_enrol_existing(self, existing, batch, company, entry_tier):
        """Existing contacts of the rows that are not members yet become members (migration
        of loyalty cards held by customers)."""
        joining = existing.filtered(lambda p: not p.is_member).with_context(
            tracking_disable=True, membership_partner_system=MEMBER_SYSTEM
        )
        if not joining:
            return
        tiers = {row["partner_id"]: row["tier_id"] for row in batch}
        joining.write({"member_since": fields.Date.context_today(self)})
        for partner, number in zip(
            joining, self._membership_draw_numbers(len(joining), company), strict=True
        ):
            partner.write(
                {
                    "member_number": partner.member_number or number,
                    "member_tier_id": tiers[partner.id] or entry_tier,
                }
            )
        joining.flush_recordset()
        # their past orders move to the members' side of the report day tables
        with self.env["membership.report.summary"]._summary_partners_changing(joining.ids):
            self.env.cr.execute(
                SQL("UPDATE res_partner SET is_member = TRUE WHERE id IN %s", tuple(joining.ids))
            )
            joining.invalidate_recordset(["is_member"])

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
        # get_next_char interpolates the prefix and suffix again for every number.
        prefix, suffix = sequence._get_prefix_suffix()
        return [f"{prefix}{row[0]:0{sequence.padding}d}{suffix}" for row in rows]

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
        # Not the card's create: it looks each number and chip up with queries of its own;
        # the dry run checked the whole file's numbers (check digit, duplicates, live cards)
        # in one query, and the partial unique indexes still guard the database. The cards
        # are issued as the Issue wizard leaves them (active, issued today), without a
        # charge: the member paid for them in the old system.
        cards = bulk_create(
            Card,
            NEW_CARD_COLUMNS,
            [
                (
                    row["card"],
                    row["alias"] or None,
                    row["partner_id"],
                    company.id,
                    card_type.id,
                    "active",
                    today,
                    expiry,
                    0.0,
                    True,
                )
                for row in todo
            ],
        )
        for row, card_id in zip(todo, cards.ids, strict=True):
            row["card_id"] = card_id
        Card.invalidate_model()
        self.env["res.partner"].invalidate_model(["membership_card_ids"])

    def _membership_post_openings(self, plan, company, counterpart, label):
        """Opening points and wallet moves (kind ``opening``), each key once, and one journal
        entry for the wallets' deposits: their sum moves from ``counterpart`` to the
        customer-deposits account. Moves go through the ledger's batch opening
        (``membership.account._membership_open``), which locks the accounts and keeps each
        balance the sum of its moves."""
        accounts = self._membership_accounts([row["partner_id"] for row in plan], company)
        keys = {}
        for row in plan:
            base = f"opening:{company.id}:{row['key']}"
            keys[row["line"]] = (f"{base}:points", f"{base}:wallet")
        posted = set()
        for model, index in (("membership.points.move", 0), ("membership.wallet.move", 1)):
            wanted = [keys[row["line"]][index] for row in plan if row[("points", "wallet")[index]]]
            posted |= self._membership_posted_keys(model, wanted)
        points_rows, wallet_rows = [], []
        # Opening points lapse like points earned today (the company's expiry period).
        expire_date = (
            self.env["membership.account"]
            .new({"company_id": company.id})
            ._membership_expire_date(fields.Date.context_today(self))
        ) or None
        for row in plan:
            account_id = accounts[row["partner_id"]]
            points_key, wallet_key = keys[row["line"]]
            points = float_round(row["points"], precision_digits=POINTS_DIGITS)
            wallet = company.currency_id.round(row["wallet"])
            row["posted_points"] = row["posted_wallet"] = 0.0
            if points and points_key not in posted:
                row["posted_points"] = points
                points_rows.append((account_id, points, label, points_key, expire_date))
            if wallet and wallet_key not in posted:
                row["posted_wallet"] = wallet
                wallet_rows.append((account_id, wallet, label, wallet_key))
        entry = self._membership_opening_entry(
            company, counterpart, sum(row[1] for row in wallet_rows), label
        )
        wallet_rows = [(*row, entry.id or None) for row in wallet_rows]
        # sudo: accounts are bookkeeping, nobody edits them; the rows were checked.
        Account = self.env["membership.account"].sudo()
        for start in range(0, max(len(points_rows), len(wallet_rows)), BATCH):
            points_batch = points_rows[start : start + BATCH]
            wallet_batch = wallet_rows[start : start + BATCH]
            Account.browse(
                {row[0] for row in points_batch} | {row[0] for row in wallet_batch}
            )._membership_open(points_batch, wallet_batch)
        return entry

    def _membership_accounts(self, partner_ids, company):
        """{partner id: membership.account id} of the company, creating the missing ones
        in one INSERT per batch (sudo: accounts are bookkeeping, as in
        ``_membership_get_account``)."""
        Account = self.env["membership.account"].sudo().with_context(active_test=False)
        ids = list(dict.fromkeys(partner_ids))
        found = Account.search_read(
            [("partner_id", "in", ids), ("company_id", "=", company.id)], ["partner_id"], load=None
        )
        accounts = {account["partner_id"]: account["id"] for account in found}
        missing = [pid for pid in ids if pid not in accounts]
        for start in range(0, len(missing), BATCH):
            chunk = missing[start : start + BATCH]
            created = bulk_create(
                Account, ("partner_id", "company_id"), [(pid, company.id) for pid in chunk]
            )
            accounts.update(zip(chunk, created.ids, strict=True))
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
