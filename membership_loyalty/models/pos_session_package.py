from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools.input_checks import check_id


class PosSession(models.Model):
    """Prepaid packages at the till: the member's packages come with the member, and the
    session's closing recognises the revenue of the uses its orders took."""

    _inherit = "pos.session"

    membership_package_entry_ids = fields.Many2many(
        "account.move",
        "membership_pos_session_package_entry_rel",
        string="Package Entries",
        readonly=True,
        copy=False,
        help="Entries completing this session's closing entries for prepaid packages: the "
        "revenue of the uses taken, and package amounts held for review.",
    )

    def write(self, vals):
        if "membership_package_entry_ids" in vals and not self.env.su:
            raise AccessError(self.env._("The package entries of a session are the server's."))
        return super().write(vals)

    @api.model
    def _load_pos_data_models(self, config):
        return [*super()._load_pos_data_models(config), "membership.package.line"]

    # ------------------------------------------------------------------ the member's packages

    def _membership_pos_package_lines(self, partner):
        """The services of the member's packages that can be used today (sudo records)."""
        today = fields.Date.context_today(self)
        # sudo: cashiers see a member's packages only through what the till shows
        return (
            self.env["membership.package.line"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", self.config_id.company_id.id),
                    ("package_id.state", "=", "active"),
                    ("uses_left", ">", 0),
                    "|",
                    ("package_id.expire_date", "=", False),
                    ("package_id.expire_date", ">=", today),
                ]
            )
        )

    def _membership_pos_member_values(self, partner, card, found):
        values = super()._membership_pos_member_values(partner, card, found)
        # The member's row says whether any service has uses left: most members have none.
        lines = found["has_packages"] and self._membership_pos_package_lines(partner)
        values["packages"] = [
            {
                "id": line.id,
                "package": line.package_name,
                "service": line.display_service,
                "product_id": line.product_id.id,
                "product_tmpl_id": line.product_id.product_tmpl_id.id,
                "uses_left": line.uses_left,
                "uses_total": line.uses_total,
                "max_per_visit": line.max_per_visit,
                "expire_date": fields.Date.to_string(line.expire_date) or "",
            }
            for line in (lines or partner.env["membership.package.line"]).filtered("product_id")
        ]
        return values

    def membership_pos_lookup(self, code=None, query=None, partner_id=None):
        result = super().membership_pos_lookup(code=code, query=query, partner_id=partner_id)
        packages = (result.get("member") or {}).get("packages")
        if packages:
            # The package lines the till may put on an order line (sudo: the member's own
            # services, found above for the session's company).
            Line = self.env["membership.package.line"]
            lines = Line.sudo().browse([package["id"] for package in packages])
            result["records"]["membership.package.line"] = Line._load_pos_data_read(
                lines, self.config_id
            )
        return result

    def membership_pos_package_refund_prices(self, line_ids):
        """What refunding the packages sold on these order lines gives back: for each
        line, the value of the uses left of each of its packages not refunded yet (the
        price pro rata), in the order a refund takes them. The till sets the refund
        line's price from it; the server checks it again when the refund syncs."""
        if not isinstance(line_ids, list) or len(line_ids) > 100:
            raise UserError(self.env._("Send at most 100 order lines."))
        for line_id in line_ids:
            check_id(self.env, line_id, self.env._("An order line"))
        self._membership_pos_check_user(self.env._("Only Point of Sale users can refund packages."))
        # sudo: POS users may not read the package ledger; only the values leave, for
        # the session's company.
        packages = (
            self.env["membership.package"]
            .sudo()
            .search(
                [
                    ("pos_order_line_id", "in", line_ids),
                    ("company_id", "=", self.config_id.company_id.id),
                    ("state", "in", ("active", "used")),
                ],
                order="id",
            )
        )
        prices = {str(line_id): [] for line_id in line_ids}
        for package in packages:
            prices[str(package.pos_order_line_id.id)].append(package.value_left)
        return prices

    # ------------------------------------------------------------------ accounting

    def _validate_session(
        self, balancing_account=False, amount_to_balance=0, bank_payment_method_diffs=None
    ):
        res = super()._validate_session(
            balancing_account, amount_to_balance, bank_payment_method_diffs
        )
        self.filtered(lambda session: session.state == "closed")._membership_book_packages()
        return res

    def _get_related_account_moves(self):
        # sudo: the link field is the server's; the entries are read with the caller's rights.
        entries = self.sudo().membership_package_entry_ids.with_env(self.env)
        return super()._get_related_account_moves() | entries

    @api.private
    def _membership_book_packages(self):
        """Complete the closing entries of closed sessions so that the deferred revenue
        account holds exactly the value left in the packages.

        The closing books package sales and refunds on the deferred revenue account (the
        package products' income account). The ledger moved the packages of the
        session's orders by what it could verify. The difference is posted here once, and
        again as a change when the ledger moves later for one of its orders (a held order
        settled): the uses taken and given back are revenue, the rest (a package held for
        a supervisor, a refund beyond the uses left) goes to the review account."""
        Move = self.env["membership.package.move"]
        for session in self:
            company = session.company_id
            books = company._membership_package_books()
            if not books:
                continue
            # sudo: closing a session is a POS user's job; they may not read the ledger or
            # the accounting entries this compares.
            session = session.sudo()
            liability, revenue = books["liability"], books["revenue"]
            entries = session.membership_package_entry_ids
            related = session._get_related_account_moves() - entries

            def balance(lines, account):
                return sum(
                    lines.filtered(
                        lambda line: line.account_id == account and line.parent_state == "posted"
                    ).mapped("balance")
                )

            booked = -balance(related.line_ids, liability)
            # sudo: the closing compares the books with the whole ledger of the session
            moves = Move.sudo().search([("pos_order_id.session_id", "=", session.id)])
            ledger = sum(moves.mapped("amount"))
            recognised = -sum(move.amount for move in moves if move.kind in ("use", "return"))
            credit = ledger - booked + balance(entries.line_ids, liability)
            earned = recognised + balance(entries.line_ids, revenue)
            entry = self.env["membership.wallet.move"]._membership_post_entry(
                company,
                self.env._("Packages: %s", session.name),
                [(liability, -credit), (revenue, -earned), (books["review"], credit + earned)],
            )
            session.membership_package_entry_ids |= entry
