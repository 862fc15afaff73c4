from odoo import api, models

from .membership_card import luhn_check_digit


class StockLot(models.Model):
    _inherit = "stock.lot"

    @api.model
    def _membership_blank_in_stock(self, product, location):
        """Serials of the blank card ``product`` on hand at ``location`` (or below it):
        those a card wizard may hand out.

        sudo: cashiers and supervisors hand out blank cards without Inventory rights; the
        answer is only serial numbers of the blank card product.
        """
        if not product or not location:
            return self.browse()
        quants = (
            self.env["stock.quant"]
            .sudo()
            .search_fetch(
                [
                    ("product_id", "=", product.id),
                    ("location_id", "child_of", location.id),
                    ("lot_id", "!=", False),
                    ("quantity", ">", 0),
                ],
                ["lot_id"],
            )
        )
        return self.browse(quants.lot_id.ids)

    @api.model
    def _membership_stock_blank_cards(self, product_id, location_id, count):
        """Put ``count`` blank cards of ``product_id`` on hand at ``location_id``, one per
        serial 800000000011, 800000000029, ... (``8``, the card's 10-digit rank, a Luhn
        check digit), through an applied inventory count. Only serials that do not exist
        yet are stocked: calling it again (a module update) restocks no card handed out.
        Returns the new lots.

        Used by the demo data (a stock of blank cards to hand out at the till)."""
        product = self.env["product.product"].browse(product_id)
        location = self.env["stock.location"].browse(location_id)
        company = location.company_id or self.env.company
        bases = [f"8{rank:010d}" for rank in range(1, count + 1)]
        names = [base + luhn_check_digit(base) for base in bases]
        existing = self.search(
            [
                ("product_id", "=", product.id),
                ("name", "in", names),
                ("company_id", "=", company.id),
            ]
        ).mapped("name")
        lots = self.create(
            [
                {"name": name, "product_id": product.id, "company_id": company.id}
                for name in names
                if name not in existing
            ]
        )
        quants = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                [
                    {
                        "product_id": product.id,
                        "lot_id": lot.id,
                        "location_id": location.id,
                        "inventory_quantity": 1,
                    }
                    for lot in lots
                ]
            )
        )
        quants.action_apply_inventory()
        return lots
