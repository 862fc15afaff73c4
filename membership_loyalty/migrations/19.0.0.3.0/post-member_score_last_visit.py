"""Member scores keep the day of the last visit; the days since it are computed.

Before this version each score row stored its days since the last visit, counted on the
day of the refresh that wrote it (every refresh counts on one day, kept in the refresh's
marks). The day of the last visit is that day minus those days: filled in so that the
scores read the same until the next refresh, then the old column is dropped.
"""

import json

from odoo.tools import SQL

STATE_PARAM = "membership_loyalty.member_score_refresh"


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            "SELECT 1 FROM information_schema.columns"
            " WHERE table_name = 'membership_member_score' AND column_name = 'recency_days'"
        )
    )
    if not cr.rowcount:
        return
    cr.execute(SQL("SELECT value FROM ir_config_parameter WHERE key = %s", STATE_PARAM))
    row = cr.fetchone()
    if row and row[0]:
        scored_on = json.loads(row[0])["now"][:10]
        cr.execute(
            SQL(
                """
                UPDATE membership_member_score
                   SET last_visit = %s::date - recency_days
                 WHERE recency_days IS NOT NULL AND last_visit IS NULL
                """,
                scored_on,
            )
        )
    cr.execute(SQL("ALTER TABLE membership_member_score DROP COLUMN recency_days"))
