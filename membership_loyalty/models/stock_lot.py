from odoo import api, models


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
