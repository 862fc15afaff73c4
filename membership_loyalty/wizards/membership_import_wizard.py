import base64

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.membership_import_template import MAPPING_FIELDS
from ..tools.member_file import MemberFileError, read_table

MANAGER_GROUP = "membership_loyalty.membership_loyalty_group_manager"


class MembershipImportWizard(models.TransientModel):
    """Manager: import members, their cards and opening balances from a CSV or XLSX file.

    Check first (the dry run lists every row's errors and writes nothing), then import:
    the whole file or nothing. Importing the same file again changes nothing: members are
    found by their external reference, cards by number, balances by their ledger key.
    """

    _name = "membership.import.wizard"
    _inherit = ["membership.opening.wizard.mixin"]
    _check_company_auto = True
    _description = "Import Members"
    file = fields.Binary(required=True, attachment=False)
    filename = fields.Char()
    template_id = fields.Many2one(
        "membership.import.template",
        string="Column Template",
        check_company=True,
        domain="[('company_id', '=', company_id)]",
    )
    template_name = fields.Char(help="Save the columns below under this name for next time.")
    column_ref = fields.Char(
        string="External Reference", compute="_compute_columns", store=True, readonly=False
    )
    column_name = fields.Char(
        string="Member Name", compute="_compute_columns", store=True, readonly=False
    )
    column_phone = fields.Char(
        string="Phone", compute="_compute_columns", store=True, readonly=False
    )
    column_email = fields.Char(
        string="Email", compute="_compute_columns", store=True, readonly=False
    )
    column_country = fields.Char(
        string="Country", compute="_compute_columns", store=True, readonly=False
    )
    column_card = fields.Char(
        string="Card Number", compute="_compute_columns", store=True, readonly=False
    )
    column_tier = fields.Char(string="Tier", compute="_compute_columns", store=True, readonly=False)
    column_points = fields.Char(
        string="Points", compute="_compute_columns", store=True, readonly=False
    )
    column_wallet = fields.Char(
        string="Wallet", compute="_compute_columns", store=True, readonly=False
    )
    card_type_id = fields.Many2one(
        "membership.card.type",
        string="Card Type",
        check_company=True,
        domain="[('company_id', 'in', (company_id, False))]",
        default=lambda self: self.env["membership.card.type"].search(
            [("company_id", "in", (self.env.company.id, False))], limit=1
        ),
        help="Type of the cards the file's card numbers become.",
    )
    counterpart_account_id = fields.Many2one(
        "account.account",
        string="Counterpart Account",
        check_company=True,
        default=lambda self: self.env["account.account"].search(
            [
                ("account_type", "=", "equity_unaffected"),
                *self.env["account.account"]._check_company_domain(self.env.company),
            ],
            limit=1,
        ),
        help="Where the wallets' money comes from in the opening entry: it is credited to "
        "the customer deposits account.",
    )
    state = fields.Selection(
        [("draft", "Upload"), ("checked", "Checked"), ("done", "Imported")],
        default="draft",
        required=True,
    )
    issue_ids = fields.One2many("membership.import.issue", "wizard_id", string="Errors")
    row_count = fields.Integer(string="Rows", readonly=True)
    new_count = fields.Integer(string="New Members", readonly=True)
    card_count = fields.Integer(string="New Cards", readonly=True)
    points_total = fields.Float(string="Opening Points", digits=(16, 2), readonly=True)
    wallet_total = fields.Monetary(string="Opening Wallets", readonly=True)

    @api.depends("template_id")
    def _compute_columns(self):
        defaults = self.env["membership.import.template"].default_get(list(MAPPING_FIELDS.values()))
        for wizard in self:
            source = wizard.template_id
            for fname in MAPPING_FIELDS.values():
                wizard[fname] = source[fname] if source else defaults.get(fname)

    # ------------------------------------------------------------------ actions

    def action_check(self):
        """Dry run: list every row's errors and what the import would do; write nothing
        but this wizard."""
        self._membership_check_access()
        errors, plan = self.env["membership.import.engine"]._membership_check(
            self._membership_rows(), self.company_id
        )
        self.write(
            {
                "state": "checked",
                "issue_ids": [Command.clear()] + [Command.create(error) for error in errors],
                "row_count": len(plan),
                "new_count": sum(row["new"] for row in plan),
                "card_count": sum(
                    bool(row["card"] or row["alias"]) and not row["card_exists"] for row in plan
                ),
                "points_total": sum(row["points"] for row in plan),
                "wallet_total": sum(row["wallet"] for row in plan),
            }
        )
        return self._membership_reopen()

    def action_import(self):
        """Import the whole file, or nothing when a row has an error."""
        self._membership_check_access()
        if not self.card_type_id and self.column_card:
            raise UserError(self.env._("Card Type: choose the type of the imported cards."))
        plan, entry = self.env["membership.import.engine"]._membership_import(
            self._membership_rows(),
            self.company_id,
            self.card_type_id,
            counterpart=self.counterpart_account_id,
            label=self.env._("Opening balance (%s)", self.filename or self.env._("import")),
        )
        self.write(
            {
                "state": "done",
                "issue_ids": [Command.clear()],
                "row_count": len(plan),
                "new_count": sum(row["new"] for row in plan),
                "card_count": sum(bool(row.get("card_id")) for row in plan),
                "points_total": sum(row["posted_points"] for row in plan),
                "wallet_total": sum(row["posted_wallet"] for row in plan),
            }
        )
        self._membership_set_entry(entry)
        return self._membership_reopen()

    def action_save_template(self):
        """Save the columns as a template (a new one, or the chosen one updated)."""
        self._membership_check_access()
        mapping = {fname: self[fname] for fname in MAPPING_FIELDS.values()}
        if self.template_id and not self.template_name:
            self.template_id.write(mapping)
        else:
            if not (self.template_name or "").strip():
                raise UserError(self.env._("Template Name: name the columns to save them."))
            self.template_id = self.env["membership.import.template"].create(
                {"name": self.template_name.strip(), "company_id": self.company_id.id, **mapping}
            )
            self.template_name = False
        return self._membership_reopen()

    # ------------------------------------------------------------------ helpers

    def _membership_check_access(self):
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only Membership Managers may import members."))
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(self.env._("You do not work for %s.", self.company_id.name))

    def _membership_rows(self):
        """The file's rows as the engine's rows (target: value), read with the mapping."""
        if not self.file:
            raise UserError(self.env._("File: upload the CSV or XLSX file of the members."))
        try:
            headers, table = read_table(base64.b64decode(self.file), self.filename)
        except (MemberFileError, UnicodeDecodeError, ValueError) as error:
            raise UserError(self.env._("The file cannot be read: %s", error)) from error
        by_name = {header.lower(): header for header in headers}
        mapping = {}
        for target, fname in MAPPING_FIELDS.items():
            column = (self[fname] or "").strip()
            if not column:
                continue
            if column.lower() not in by_name:
                if target not in ("ref", "name") and column == target:
                    continue  # an optional column left at its default name: not in this file
                raise UserError(
                    self.env._(
                        "Column %(column)s (%(field)s) is not in the file; its columns: "
                        "%(headers)s.",
                        column=column,
                        field=self._fields[fname].string,
                        headers=", ".join(headers),
                    )
                )
            mapping[target] = by_name[column.lower()]
        return [
            {"line": row[None], **{target: row.get(col) for target, col in mapping.items()}}
            for row in table
        ]
