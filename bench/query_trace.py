"""Which queries a piece of code runs, and which of them membership_loyalty's code asks
for: the ``--trace`` option of the POS sync benches."""

import time
import traceback
from contextlib import contextmanager


@contextmanager
def traced_queries():
    """Within the block, every query the Odoo cursors run is appended to the list this
    yields, as (the addon's call chain, the statement on one line, when it started). The
    chain is empty for Odoo's own queries."""
    from odoo import sql_db

    log = []
    execute = sql_db.Cursor.execute

    def traced(cursor, query, params=None, log_exceptions=True):
        frames = [
            f"{frame.name}:{frame.lineno}"
            for frame in traceback.extract_stack()[:-1]
            if "membership_loyalty" in frame.filename
        ]
        code = " ".join(str(getattr(query, "code", query)).split())
        log.append((" > ".join(frames[1:]), code, time.perf_counter()))
        return execute(cursor, query, params, log_exceptions)

    sql_db.Cursor.execute = traced
    try:
        yield log
    finally:
        sql_db.Cursor.execute = execute


def print_addon_queries(log):
    """Print the queries of ``log`` the addon asked for (their first 110 characters), each
    under its call chain; return how many there are."""
    ours = [(where, code) for where, code, _at in log if where]
    for where, code in ours:
        print(f"{where}\n    {code[:110]}")
    return len(ours)
