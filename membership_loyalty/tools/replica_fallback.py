"""Falling back to the primary when the read replica has gone away.

Odoo 19 opens read-only requests (report views, dashboard charts) on the replica given by
``db_replica_host``/``db_replica_port`` and falls back to the primary when it cannot connect
(``Registry.cursor``). It misses one case: when the replica server stops while the worker
holds pooled connections to it, ``ConnectionPool.borrow`` resets a dead connection and
psycopg2 raises ``DatabaseError`` ("server closed the connection unexpectedly"), not the
``OperationalError`` the fallback catches. Every pooled connection then fails one request
with a server error before the worker notices. This wrapper treats that error like a failed
connection: same fallback, same retry delay. It changes nothing without a replica.
"""

import logging
import threading
import time

import psycopg2

from odoo.orm.registry import Registry

_logger = logging.getLogger(__name__)


def _cursor_with_replica_fallback(original):
    def cursor(self, /, readonly=False):
        if not readonly or self._db_readonly is None:
            return original(self, readonly=readonly)
        try:
            return original(self, readonly=True)
        except psycopg2.DatabaseError:
            # the pool closed the dead connection; the next borrow drops it
            self._db_readonly_failed_time = time.monotonic()
            _logger.warning(
                "The read replica closed its connection, falling back to read-write cursor"
            )
            threading.current_thread().cursor_mode = "ro->rw"
            return self._db.cursor()

    cursor.membership_replica_fallback = True
    return cursor


if not getattr(Registry.cursor, "membership_replica_fallback", False):
    Registry.cursor = _cursor_with_replica_fallback(Registry.cursor)
