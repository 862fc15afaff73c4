"""Up to 19.0.0.3.0, a sale paid partly from a wallet that no longer covered it (an offline
till), the rest earning points, was posted with its points but neither took the wallet
payment nor was held for a supervisor. Such orders are held now, as the sync holds them."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["pos.order"]._membership_flag_uncovered_wallet_orders()
