import re

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.membership_card import MAX_NUMBER_LENGTH, luhn_valid, normalise_uid

MANAGER_GROUP = "membership_loyalty.membership_loyalty_group_manager"


def code_target(code):
    """How a loyalty card's code is kept: ("number", code) when it is a valid card number,
    ("alias", uid) when it reads as a chip UID (Odoo's generated codes do), else
    ("new", False): the member gets a card with a new number."""
    code = (code or "").strip()
    if luhn_valid(code) and len(code) <= MAX_NUMBER_LENGTH:
        return "number", code
    uid = normalise_uid(code)
    if uid and re.fullmatch(r"[0-9A-F]{8,20}", uid):
        return "alias", uid
    return "new", False


class MembershipLoyaltyMigrate(models.TransientModel):
    """Manager: move the points of an Odoo loyalty program and the eWallet balances into
    members, cards and opening ledger moves, then archive the programs.

    Each loyalty card with a customer becomes a membership card of that customer (its
    code kept as the card number, or as the chip alias the till also finds); its points
    or eWallet money become opening moves, keyed by the loyalty card: running the
    migration again moves nothing twice. A card holding value without a customer stops
    the migration (its holder would lose it).
    """

    _name = "membership.loyalty.migrate"
    _inherit = ["membership.opening.wizard.mixin"]
    _check_company_auto = True
    _description = "Migrate from Odoo Loyalty"
    program_id = fields.Many2one(
        "loyalty.program",
        string="Loyalty Program",
        domain="[('program_type', '=', 'loyalty'), ('company_id', 'in', (company_id, False))]",
        help="Its cards' points become member points.",
    )
    ewallet_program_id = fields.Many2one(
        "loyalty.program",
        string="eWallet Program",
        domain="[('program_type', '=', 'ewallet'), ('company_id', 'in', (company_id, False))]",
        help="Its cards' balances become wallet money.",
    )
    card_type_id = fields.Many2one(
        "membership.card.type",
        string="Card Type",
        required=True,
        check_company=True,
        domain="[('company_id', 'in', (company_id, False))]",
        default=lambda self: self.env["membership.card.type"].search(
            [("company_id", "in", (self.env.company.id, False))], limit=1
        ),
    )
    counterpart_account_id = fields.Many2one(
        "account.account",
        string="Counterpart Account",
        check_company=True,
        help="Where the eWallet money sat in the books until now (e.g. the eWallet "
        "product's income account): the opening entry moves it onto the customer deposits.",
    )
    state = fields.Selection(
        [("draft", "Choose"), ("checked", "Checked"), ("done", "Migrated")],
        default="draft",
        required=True,
    )
    issue_ids = fields.One2many("membership.import.issue", "migrate_id", string="Errors")
    line_ids = fields.One2many("membership.loyalty.migrate.line", "migrate_id", string="Cards")

    @api.onchange("ewallet_program_id")
    def _onchange_ewallet_program_id(self):
        """The eWallet product's income account holds the money sold so far."""
        product = self.ewallet_program_id.trigger_product_ids[:1]
        account = product.product_tmpl_id.get_product_accounts()["income"] if product else False
        if account and not self.counterpart_account_id:
            self.counterpart_account_id = account

    def action_check(self):
        """Dry run: the cards that would move and every error; nothing is written."""
        self._membership_check_access()
        rows, cards, errors = self._membership_rows()
        more, plan = self.env["membership.import.engine"]._membership_check(rows, self.company_id)
        self._membership_report(errors + more, plan, cards, "preview")
        self.state = "checked"
        return self._membership_reopen()

    def action_migrate(self):
        self._membership_check_access()
        rows, cards, errors = self._membership_rows()
        if errors:
            raise UserError(
                self.env._(
                    "%(count)s cards cannot move: %(message)s", count=len(errors), **errors[0]
                )
            )
        plan, entry = self.env["membership.import.engine"]._membership_import(
            rows,
            self.company_id,
            self.card_type_id,
            counterpart=self.counterpart_account_id,
            label=self.env._("Opening balance (Odoo loyalty)"),
        )
        # sudo: a Membership Manager need not hold the loyalty rights to archive programs.
        (self.program_id | self.ewallet_program_id).sudo().active = False
        self._membership_report([], plan, cards, "moved")
        self.state = "done"
        self._membership_set_entry(entry)
        return self._membership_reopen()

    # ------------------------------------------------------------------ helpers

    def _membership_check_access(self):
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only Membership Managers may migrate loyalty programs."))
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(self.env._("You do not work for %s.", self.company_id.name))
        if not (self.program_id or self.ewallet_program_id):
            raise UserError(self.env._("Choose the loyalty program or the eWallet to migrate."))
        for program, kind in ((self.program_id, "loyalty"), (self.ewallet_program_id, "ewallet")):
            if program and program.program_type != kind:
                raise UserError(self.env._("%s is not a program of that kind.", program.name))
            if program.company_id and program.company_id != self.company_id:
                raise UserError(self.env._("%s belongs to another company.", program.name))

    def _membership_rows(self):
        """(engine rows, {row line: loyalty.card}, errors of cards that cannot move).

        sudo: the loyalty cards are read for the Manager, who may lack loyalty rights."""
        programs = self.program_id | self.ewallet_program_id
        cards = (
            self.env["loyalty.card"]
            .sudo()
            .with_context(active_test=False)
            .search([("program_id", "in", programs.ids)], order="id")
        )
        rows, by_line, errors = [], {}, []
        for card in cards:
            if not card.partner_id:
                if card.points > 0:
                    errors.append(
                        {
                            "line": card.id,
                            "ref": card.code,
                            "column": "partner",
                            "value": card.code,
                            "message": self.env._(
                                "Holds %s but has no customer: set its customer first.",
                                card.points,
                            ),
                        }
                    )
                continue
            kept_as, code = code_target(card.code)
            wallet = card.program_id.program_type == "ewallet"
            rows.append(
                {
                    "line": card.id,
                    "key": f"loyalty.card:{card.id}",
                    "partner_id": card.partner_id.id,
                    "card": code if kept_as == "number" else False,
                    "alias": code if kept_as == "alias" else False,
                    "card_if_none": kept_as == "new",
                    "points": 0.0 if wallet else card.points,
                    "wallet": card.points if wallet else 0.0,
                }
            )
            by_line[card.id] = (card, kept_as)
        return rows, by_line, errors

    def _membership_report(self, errors, plan, cards, status):
        lines = []
        for row in plan:
            card, kept_as = cards[row["line"]]
            moved = status != "moved" or row["posted_points"] or row["posted_wallet"]
            lines.append(
                {
                    "partner_id": row["partner_id"],
                    "program_id": card.program_id.id,
                    "old_code": card.code,
                    "points": row["points"],
                    "wallet": row["wallet"],
                    "currency_id": self.currency_id.id,
                    "card_number": row["card"] or row["alias"] or False,
                    "kept_as": "existing" if row["card_exists"] and kept_as == "new" else kept_as,
                    "status": status if moved else "already",
                }
            )
        self.write(
            {
                "issue_ids": [Command.clear()] + [Command.create(error) for error in errors],
                "line_ids": [Command.clear()] + [Command.create(line) for line in lines],
            }
        )
