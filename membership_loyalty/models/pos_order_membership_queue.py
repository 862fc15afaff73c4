import logging
import time

from psycopg2 import errors
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import api, models, sql_db
from odoo.http import request
from odoo.tools import SQL

from ..tools import hot_members

_logger = logging.getLogger(__name__)

# First key of the advisory locks a hot member's syncs queue on (the second is the
# member's id): a constant of this module's own, so that no other lock shares it.
QUEUE_LOCK_CLASS = 0x4D4C5131
# How long a sync waits in a member's queue before it goes on without it, in seconds.
QUEUE_TIMEOUT = 20


class PosOrder(models.Model):
    """A hot member's syncs queue for the member instead of being replayed.

    Odoo runs a request at REPEATABLE READ: a sync may change the member's account only
    if nobody changed it since the sync's first query. When several tills serve one
    member at once, all but one of their syncs are refused at the account's lock and
    replayed from the start, each time with a random pause (at most five times); the
    member's syncs then take seconds and one may run out of replays.

    A member whose account a sync found locked is remembered (``hot_members``) by the
    server process for a minute. The next syncs of that member in the process first wait
    for the member's queue (an advisory lock held by another connection until the sync
    holding it ends) and for the account rows to be free, and only then read the
    database: their snapshot is taken after the previous sync committed, so they are not
    refused. A member nobody fights over costs nothing: no query, no connection.
    """

    _inherit = "pos.order"

    @api.model
    def sync_from_ui(self, orders):
        self._membership_queue_for_hot_members(orders)
        return super().sync_from_ui(orders)

    @api.model
    @api.private
    def _membership_queue_for_hot_members(self, orders):
        """Wait for the queues of the hot members among the customers of ``orders`` (the
        till's claim: it only decides what this sync waits for), then start the
        transaction again so that it reads what the previous syncs committed.

        Only for a till's own call (the request's top-level method, which has written
        nothing yet): a transaction that has written must not be started again. Never in
        tests run by Odoo's test cursor, which does not run the hooks that end the wait.
        """
        cr = self.env.cr
        orders = orders if isinstance(orders, list) else []
        partner_ids = hot_members.pick(
            cr.dbname, [order.get("partner_id") for order in orders if isinstance(order, dict)]
        )
        if not partner_ids or not self._membership_is_till_sync_request():
            return
        start = time.monotonic()
        queue = self._membership_join_queues(partner_ids)
        if queue is None:
            return
        _logger.info(
            "PoS sync queued for hot member(s) %s during %.0f ms",
            partner_ids,
            (time.monotonic() - start) * 1000,
        )
        # The request only read so far (its session, its user): starting the transaction
        # again costs nothing, and its snapshot now follows the commits it waited for.
        cr.rollback()
        cr.postcommit.add(queue.close)
        cr.postrollback.add(queue.close)
        # Queued syncs run one at a time anyway: the member's rows are locked at once, so
        # that a sync of a process that has not learnt the member is hot waits for this one
        # instead of overtaking it (it is then refused once, and learns).
        with hot_members.on_conflict(cr.dbname, partner_ids):
            self.env.execute_query(self._membership_member_rows_lock(partner_ids))

    @api.model
    @api.private
    def _membership_is_till_sync_request(self):
        # A test cursor (sql_db.BaseCursor, not Cursor) drops post-commit hooks.
        cr = self.env.cr
        if not isinstance(cr, sql_db.Cursor) or not request or request.env.cr is not cr:
            return False
        params = request.params if isinstance(request.params, dict) else {}
        return params.get("model") == self._name and params.get("method") == "sync_from_ui"

    @api.model
    @api.private
    def _membership_member_rows_lock(self, partner_ids):
        """The statement locking the rows a member's sync changes: the member (its
        figures) and its accounts (the balances). ``NO KEY UPDATE``: orders and moves
        that only point at them are not held up."""
        return SQL(
            """SELECT FROM res_partner p
                 LEFT JOIN LATERAL (SELECT FROM membership_account a
                                     WHERE a.partner_id = p.id FOR NO KEY UPDATE) a ON TRUE
                WHERE p.id IN %s ORDER BY p.id FOR NO KEY UPDATE OF p""",
            tuple(partner_ids),
        )

    @api.model
    @api.private
    def _membership_join_queues(self, partner_ids):
        """Take the queue locks of ``partner_ids`` (in their order) on a connection of
        their own and wait for the members' rows to be free; return that cursor,
        whose closing ends the wait for the next sync, or None when a wait timed out (the
        sync then goes on as any other)."""
        cr = self.env.cr
        queue = sql_db.db_connect(cr.dbname).cursor()
        try:
            # READ COMMITTED: the wait for the rows sees the commits it waited for.
            queue.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            queue.execute(SQL("SET LOCAL lock_timeout = %s", f"{QUEUE_TIMEOUT}s"))
            for partner_id in partner_ids:
                key = (QUEUE_LOCK_CLASS, partner_id)
                queue.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", *key))
                if not queue.fetchone()[0]:
                    # Still fought over: the member stays hot while syncs queue for it.
                    hot_members.mark(cr.dbname, [partner_id])
                    queue.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", *key))
            # A sync that did not queue (another process, a first sync) may hold the rows:
            # wait for its end too, without keeping them.
            queue.execute("SAVEPOINT membership_rows")
            queue.execute(self._membership_member_rows_lock(partner_ids))
            queue.execute("ROLLBACK TO SAVEPOINT membership_rows")
        except errors.LockNotAvailable:
            _logger.info("members %s: queue wait timed out, the sync goes on", partner_ids)
            queue.close()
            return None
        except Exception:
            queue.close()
            raise
        return queue
