"""Planner and memory settings for one heavy statement, restored after it."""

from contextlib import contextmanager

from odoo.tools import SQL


@contextmanager
def local_settings(cr, settings):
    """Apply ``settings`` ({name: value}) to the transaction for the statements run inside
    the block, then put the previous values back. When the block fails, the transaction is
    rolled back, and so are the settings."""
    names = list(settings)
    cr.execute(
        SQL(
            "SELECT %s",
            SQL(", ").join(
                SQL("current_setting(%s), set_config(%s, %s, TRUE)", name, name, settings[name])
                for name in names
            ),
        )
    )
    row = cr.fetchone()
    previous = {name: row[2 * index] for index, name in enumerate(names)}
    yield
    cr.execute(
        SQL(
            "SELECT %s",
            SQL(", ").join(
                SQL("set_config(%s, %s, TRUE)", name, value) for name, value in previous.items()
            ),
        )
    )


# The order reports' aggregates: sorts and hashes over up to a year of orders kept in memory
# instead of spilling to disk, and no JIT compilation, which at millions of order lines
# would spend longer compiling the statement than running it.
REPORT_SETTINGS = {"work_mem": "32MB", "jit": "off"}
