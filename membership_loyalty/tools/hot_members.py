"""Members whose account several tills fought over lately, remembered per server process.

At REPEATABLE READ a transaction may change a row only if nobody changed it since the
transaction's snapshot was taken; two syncs of one member's orders therefore cannot
overlap, whatever the lock. Whenever a sync found a member's account locked by another,
the member is remembered here for a while: the next syncs of that member in this process
queue for it before they start (``pos.order._membership_queue_for_hot_members``) instead
of running into each other and being replayed.

Process-local on purpose: each worker learns from its own waits (one wait costs a replay
at most), and nothing is shared or written for members nobody fights over.
"""

import threading
import time
from contextlib import contextmanager

from psycopg2 import errors

# What PostgreSQL answers a transaction that lost the race for a row (Odoo replays it).
CONFLICTS = (errors.SerializationFailure, errors.LockNotAvailable, errors.DeadlockDetected)

# How long a member stays hot after the last wait seen for its account, in seconds.
HOT_FOR = 60.0

_lock = threading.Lock()
_hot = {}  # {(database name, partner id): monotonic time of the last wait}


def mark(dbname, partner_ids):
    """Remember that the accounts of ``partner_ids`` were waited for just now."""
    now = time.monotonic()
    with _lock:
        for partner_id in partner_ids:
            if partner_id:
                _hot[dbname, partner_id] = now


@contextmanager
def on_conflict(dbname, partner_ids):
    """Mark ``partner_ids`` hot when the statements run inside lose a race for a row."""
    try:
        yield
    except CONFLICTS:
        mark(dbname, partner_ids)
        raise


def pick(dbname, partner_ids):
    """The ids among ``partner_ids`` that are hot, sorted (the order their queues are
    joined in, the same for every process, so that two syncs never wait for each other
    crosswise)."""
    if not _hot:
        return []
    now = time.monotonic()
    with _lock:
        for key in [key for key, seen in _hot.items() if now - seen > HOT_FOR]:
            del _hot[key]
        return sorted(p for p in set(partner_ids) if isinstance(p, int) and (dbname, p) in _hot)


def forget(dbname=None):
    """Forget every hot member (of ``dbname`` only, when given)."""
    with _lock:
        for key in [key for key in _hot if dbname is None or key[0] == dbname]:
            del _hot[key]
