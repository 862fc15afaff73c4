from odoo import api, fields, models
from odoo.exceptions import AccessError

from .pos_session_reader import _new_reader_channel


class PosSession(models.Model):
    """The session's own records: its card-reader channel and the wallet entries that
    complete its closing. What the till asks during the session is in the files named
    after each concern: pos_session_till (who works the till), pos_session_member_lookup,
    pos_session_wallet, pos_session_redeem, pos_session_enrol, pos_session_reader."""

    _inherit = "pos.session"

    # The bus channel the card reads of this till travel on: a secret only the session's
    # user receives (membership_pos_reader_channel), never loaded nor readable by others;
    # cleared when the session closes, the next session gets a new one.
    membership_reader_channel = fields.Char(copy=False, readonly=True, groups="base.group_system")

    @api.model_create_multi
    def create(self, vals_list):
        sessions = super().create(vals_list)
        for session in sessions.sudo():  # sudo: see membership_reader_channel
            session.membership_reader_channel = _new_reader_channel()
        return sessions

    membership_wallet_entry_ids = fields.Many2many(
        "account.move",
        "membership_pos_session_wallet_entry_rel",
        string="Wallet Entries",
        readonly=True,
        copy=False,
        help="Entries of the wallet journal completing this session's closing entries: "
        "bonus credit spent (marketing expense) and wallet amounts held for review.",
    )

    def write(self, vals):
        # The link is what the session's wallet entries already booked: unlinking one
        # would book its amounts again.
        if "membership_wallet_entry_ids" in vals and not self.env.su:
            raise AccessError(self.env._("The wallet entries of a session are the server's."))
        result = super().write(vals)
        if vals.get("state") == "closed":
            # sudo: the channel field is hidden from every user; closing the till retires it.
            self.sudo().write({"membership_reader_channel": False})
        return result

    def _validate_session(
        self, balancing_account=False, amount_to_balance=0, bank_payment_method_diffs=None
    ):
        res = super()._validate_session(
            balancing_account, amount_to_balance, bank_payment_method_diffs
        )
        self.filtered(lambda session: session.state == "closed")._membership_book_wallet()
        return res

    def _get_related_account_moves(self):
        # The session's Journal Items show its wallet entries with its closing entries.
        # sudo: the link field is the server's; the entries are then read with the
        # caller's own accounting rights.
        entries = self.sudo().membership_wallet_entry_ids.with_env(self.env)
        return super()._get_related_account_moves() | entries

    @api.private
    def _membership_book_wallet(self):
        """Complete the closing entries of closed sessions so that the customer-deposits
        account holds exactly the money paid into wallets.

        The closing books the till's wallet money on the deposits account: top-up lines
        through the top-up product's income account, wallet payments through the wallet
        payment method's outstanding account (both the deposits account). The ledger moved
        the wallets of the session's orders by what it could verify. The difference is
        posted here once, and again as a change when the ledger moves later for one of
        its orders (a held order settled): the bonus credit spent is a marketing expense,
        the rest (orders held for a supervisor, a misconfigured till) goes to the review
        account. Everything is read from posted entries and the ledger, never recomputed
        from the orders, so nothing is counted twice.
        """
        Move = self.env["membership.wallet.move"]
        for session in self:
            company = session.company_id
            books = company._membership_wallet_books()
            if not books:
                continue
            # sudo: closing a session is a POS user's job; they may not read the ledger or
            # the accounting entries this compares.
            session = session.sudo()
            liability = books["liability"]
            entries = session.membership_wallet_entry_ids
            related = session._get_related_account_moves() - entries
            booked = -sum(
                related.line_ids.filtered(
                    lambda line, acc=liability: (
                        line.account_id == acc and line.parent_state == "posted"
                    )
                ).mapped("balance")
            )
            moves = Move.sudo().search([("pos_order_id.session_id", "=", session.id)])
            paid = sum(moves.mapped("paid_amount"))
            bonus_spent = -sum(
                move.bonus_amount
                for move in moves
                if move.kind == "spend"
                or (move.kind == "reversal" and move.reversed_move_id.kind == "spend")
            )
            done_lines = entries.line_ids
            done_credit = -sum(
                done_lines.filtered(lambda line, acc=liability: line.account_id == acc).mapped(
                    "balance"
                )
            )
            done_expense = sum(
                done_lines.filtered(
                    lambda line, acc=books["expense"]: line.account_id == acc
                ).mapped("balance")
            )
            credit = paid - booked - done_credit
            expense = bonus_spent - done_expense
            entry = Move._membership_post_entry(
                company,
                self.env._("Wallet: %s", session.name),
                [
                    (liability, -credit),
                    (books["expense"], expense),
                    (books["review"], credit - expense),
                ],
            )
            session.membership_wallet_entry_ids |= entry

    @api.model
    def _load_pos_data_models(self, config):
        return [*super()._load_pos_data_models(config), "membership.gift"]
