from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import float_compare

# Context marker of the addon's own coupon postings (an e-coupon bought with points, a
# campaign's coupons). A plain value could come with an RPC call's context; this object
# cannot, so only server code holds it.
COUPON_SERVER = object()


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    membership_topup_move_id = fields.Many2one(
        "membership.wallet.move",
        string="Given for Top-up",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        copy=False,
        help="The wallet top-up whose bonus band gave this coupon.",
    )

    _membership_topup_move_uniq = models.Constraint(
        "UNIQUE (membership_topup_move_id)", "A top-up gives at most one e-coupon."
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self._membership_coupon_server():
            programs = self.env["loyalty.program"].browse(
                {vals.get("program_id") for vals in vals_list if vals.get("points")} - {None}
            )
            if programs & self._membership_coupon_programs():
                raise AccessError(self._membership_coupon_refusal())
        return super().create(vals_list)

    def write(self, vals):
        if {"points", "program_id"} & set(vals) and not self._membership_coupon_server():
            self._membership_check_coupon_write(vals)
        return super().write(vals)

    def _membership_coupon_server(self):
        return self.env.context.get("membership_coupon_server") is COUPON_SERVER

    @api.model
    def _membership_coupon_programs(self):
        """The programs of the e-coupons members buy with points or get for a top-up, in
        every company.

        sudo: the guard runs for POS users, who cannot read companies' settings."""
        bought = (
            self.env["res.company"]
            .sudo()
            .search([("membership_coupon_program_id", "!=", False)])
            .membership_coupon_program_id
        )
        given = (
            self.env["membership.wallet.bonus.rule"]
            .sudo()
            .with_context(active_test=False)
            .search([("coupon_program_id", "!=", False)])
            .coupon_program_id
        )
        return bought | given

    def _membership_coupons(self):
        """The cards of ``self`` that are the addon's coupons: in an e-coupon program, or
        bought with points (linked to a points move).

        sudo: the points ledger is not readable by POS users; only the link is used."""
        programs = self._membership_coupon_programs()
        linked = (
            self.env["membership.points.move"]
            .sudo()
            .search([("loyalty_card_id", "in", self.ids)])
            .loyalty_card_id
        )
        return self.filtered(lambda card: card.program_id in programs or card in linked)

    def _membership_check_coupon_write(self, vals):
        """The points and program of the addon's coupons are written by the server only.

        A user's write (a POS user holds pos_loyalty's write right on coupons) is refused.
        Odoo's own server code (pos_loyalty, in sudo) may only lower the points, as when
        the coupon is used at the till: it never adds value to a coupon bought with
        points."""
        coupons = self._membership_coupons()
        if not coupons:
            return
        if not self.env.su or "program_id" in vals:
            raise AccessError(self._membership_coupon_refusal())
        new = vals["points"]
        if any(float_compare(new, card.points, precision_digits=2) > 0 for card in coupons):
            raise AccessError(self._membership_coupon_refusal())

    def _membership_coupon_refusal(self):
        return self.env._(
            "E-coupons bought with member points are issued and changed by the server only: "
            "their points cannot be written."
        )
