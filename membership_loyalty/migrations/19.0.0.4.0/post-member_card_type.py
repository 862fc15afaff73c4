"""Fill the member's stored card type (its newest active card's type) from the cards."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    api.Environment(cr, SUPERUSER_ID, {})["res.partner"]._membership_fill_card_type()
