"""Sending a card read to its till's bus channel without a new database connection.

Odoo's ``bus.bus._sendone`` wakes the websocket workers after the commit with
``pg_notify('imbus', ...)`` on a connection to the ``postgres`` database (the one their
dispatcher listens on). Odoo's pool never keeps a connection to that database
(``Cursor.close``: ``keep_in_pool`` is false for it), so every notifying transaction opens
a new PostgreSQL connection: a backend process forked and authenticated, 5 ms on an idle
machine and many more when the tills keep the cores busy, all of it between the read's
commit and the till hearing of it.

A card read goes to its till as the same bus row as ``_sendone`` writes (``bus_row``: same
channel and message format, so the till's websocket reads it as any notification), and the
same ``pg_notify`` after the commit (``notify_after_commit``), on one connection to
``postgres`` kept open per process (reopened when it breaks). Everything else on the bus is
left to Odoo.
"""

import logging
import threading

import psycopg2

from odoo import modules, sql_db
from odoo.tools import SQL

from odoo.addons.bus.models.bus import (
    ODOO_NOTIFY_FUNCTION,
    channel_with_db,
    get_notify_payloads,
    json_dump,
)

_logger = logging.getLogger(__name__)

_lock = threading.Lock()
_connection = [None]  # this process's connection to the "postgres" database, once opened


def _notify(payloads):
    """``pg_notify('imbus', payload)`` for each payload on the kept connection; one new
    connection and a second try when the kept one has gone away."""
    query = f"SELECT {SQL.identifier(ODOO_NOTIFY_FUNCTION).code}('imbus', %s)"
    with _lock:
        for attempt in (1, 2):
            connection = _connection[0]
            try:
                if connection is None or connection.closed:
                    _dbname, info = sql_db.connection_info_for("postgres")
                    connection = _connection[0] = psycopg2.connect(**info)
                    connection.autocommit = True
                with connection.cursor() as cursor:
                    for payload in payloads:
                        cursor.execute(query, (payload,))
                return
            except psycopg2.Error:
                _connection[0] = None
                if connection is not None and not connection.closed:
                    connection.close()
                if attempt == 2:
                    raise


def bus_row(env, channel, notification_type, message):
    """(channel, message) of the bus row that sends ``message`` to the bus ``channel`` (a
    secret string channel), as ``bus.bus._sendone`` writes them."""
    target = channel_with_db(env.cr.dbname, channel)
    return json_dump(target), json_dump({"type": notification_type, "payload": message})


def notify_after_commit(env, channel):
    """Wake the websocket workers listening to ``channel`` once ``env``'s transaction
    commits (see the module's docstring); the bus rows are the caller's."""
    target = channel_with_db(env.cr.dbname, channel)
    if modules.module.current_test:
        # A test's transaction never commits (its cursor drops post-commit hooks): as the
        # browser tests do for bus.bus._sendone (HttpCase), the workers are woken at once;
        # they read the bus row through the test's own cursor.
        _notify(get_notify_payloads([target]))
        return
    channels = env.cr.postcommit.data.setdefault("membership_bus_channels", [])
    if not channels:

        @env.cr.postcommit.add
        def notify():
            sent = env.cr.postcommit.data.pop("membership_bus_channels", [])
            try:
                _notify(get_notify_payloads(sent))
            except psycopg2.Error:
                # The read is committed: the till gets it at its next poll (reconnection).
                _logger.warning("card read notification not sent", exc_info=True)

    if target not in channels:
        channels.append(target)
