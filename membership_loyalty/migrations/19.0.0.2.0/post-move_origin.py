"""Ledger moves name their origin generically (origin_model, origin_id).

Moves posted before this version only knew their POS order (pos_order_id, which stays,
now computed from the origin): give them the same order as origin. In batches of ids, so
that a large ledger is updated without one huge statement; moves that already have an
origin are left alone (the script can run again).
"""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

BATCH = 50000
TABLES = ("membership_points_move", "membership_wallet_move")


def migrate(cr, version):
    if not version:
        return
    for table in TABLES:
        cr.execute(
            SQL("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), -1) FROM %s", SQL.identifier(table))
        )
        first, last = cr.fetchone()
        done = 0
        for start in range(first, last + 1, BATCH):
            cr.execute(
                SQL(
                    """UPDATE %s
                          SET origin_model = 'pos.order', origin_id = pos_order_id
                        WHERE id >= %s AND id < %s
                          AND pos_order_id IS NOT NULL AND origin_model IS NULL""",
                    SQL.identifier(table),
                    start,
                    start + BATCH,
                )
            )
            done += cr.rowcount
        _logger.info("%s: %s moves given their POS order as origin", table, done)
