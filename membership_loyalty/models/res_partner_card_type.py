from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, table_exists

# The newest active card of each member, its type: what the stored card type equals
# (rows (partner_id, card_type_id); the generators and their checks read it too).
NEWEST_ACTIVE_CARD_TYPE = """
    SELECT DISTINCT ON (c.partner_id) c.partner_id, c.card_type_id
      FROM membership_card c
     WHERE c.state = 'active'
  ORDER BY c.partner_id, c.id DESC
"""
FILL_CARD_TYPE = f"""
    UPDATE res_partner p
       SET member_card_type_id = card.card_type_id
      FROM res_partner q
      LEFT JOIN ({NEWEST_ACTIVE_CARD_TYPE}) card ON card.partner_id = q.id
     WHERE q.id = p.id AND %s
       AND p.member_card_type_id IS DISTINCT FROM card.card_type_id
"""


def fill_card_type(cr, partner_ids=None):
    """Set the stored card type of the partners (all when ``partner_ids`` is None) from
    the cards in one statement, writing only the rows that differ."""
    scope = SQL("TRUE") if partner_ids is None else SQL("p.id = ANY(%s)", list(partner_ids))
    cr.execute(SQL(FILL_CARD_TYPE, scope))


class ResPartner(models.Model):
    """The type of the member's newest active card, stored on the member so the member
    analysis groups a million members by card type without joining their cards."""

    _inherit = "res.partner"

    member_card_type_id = fields.Many2one(
        "membership.card.type",
        string="Active Card Type",
        compute="_compute_member_card_type_id",
        store=True,
        readonly=True,
        help="Type of the member's newest active card (none without an active card).",
    )

    def _auto_init(self):
        # A new stored computed column is computed by the ORM for every partner (a
        # million at the largest shops, on the upgrade that adds it): create it here and
        # fill it in one statement instead, whatever version the database comes from.
        cr = self.env.cr
        new = not column_exists(cr, "res_partner", "member_card_type_id")
        if new:
            create_column(cr, "res_partner", "member_card_type_id", "int4")
        result = super()._auto_init()
        if new and table_exists(cr, "membership_card"):
            fill_card_type(cr)
        return result

    @api.depends("membership_card_ids.state", "membership_card_ids.card_type_id")
    def _compute_member_card_type_id(self):
        newest = {}
        if self.ids:
            # cards of other companies count too: the report reads every card (sudo)
            cards = (
                self.env["membership.card"]
                .sudo()
                .with_context(active_test=False)
                .search_fetch(
                    [("partner_id", "in", self.ids), ("state", "=", "active")],
                    ["partner_id", "card_type_id"],
                    order="id desc",
                )
            )
            for card in cards:
                newest.setdefault(card.partner_id.id, card.card_type_id)
        empty = self.env["membership.card.type"]
        for partner in self:
            partner.member_card_type_id = newest.get(partner.id, empty)

    @api.model
    @api.private
    def _membership_fill_card_type(self, partner_ids=None):
        """Set the stored card type from the cards in one statement, for rows written in
        SQL (the data generators, the upgrade): the newest active card's type, else none.
        ``partner_ids`` limits it to those partners (all partners when None)."""
        self.env.flush_all()
        fill_card_type(self.env.cr, partner_ids)
        self.invalidate_model(["member_card_type_id"])
