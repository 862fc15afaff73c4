"""Points and wallet ledger benchmark: prints figures, asserts nothing.

    .venv/bin/python bench/ledger_bench.py --database DB [--moves 2000] [--bulk 20000]
        [--spends 400] [--threads 4]

DB must have membership_loyalty installed (e.g. `ledgers_bench`); the bench adds its own
members (named "Bench member ...") and leaves them there. Figures printed:

- posting throughput through the ORM (moves/s, one account lock per move);
- the wallet debit's database time (goal <= 2 ms) and its wall time;
- balance read time with --bulk extra moves in the ledger (use 1000000 for the issue's
  1M-move figure: it takes minutes to load, so the default stays small);
- an overdraft hunt: --spends contested spends from --threads tills on one wallet.
"""

import argparse
import logging
import random
import statistics
import threading
import time
import uuid

from figures import record
from psycopg2 import errors

import odoo
from odoo import SUPERUSER_ID, api
from odoo.exceptions import ConcurrencyError, LockError, UserError
from odoo.modules.registry import Registry

# Expected outcomes of contention, replayed like Odoo replays a request: serialization
# failures and deadlocks (TransactionRollbackError covers both), lock timeouts, and the
# ledger's own ConcurrencyError / LockError.
RETRYABLE = (
    LockError,
    ConcurrencyError,
    errors.TransactionRollbackError,
    errors.LockNotAvailable,
)


class GaveUp(Exception):
    """A transaction still failed with contention after every attempt."""


class Retries:
    """Thread-safe counters of replays and of transactions given up."""

    def __init__(self):
        self.lock = threading.Lock()
        self.replays = 0
        self.gave_up = 0

    def add(self, replays=0, gave_up=0):
        with self.lock:
            self.replays += replays
            self.gave_up += gave_up


RETRIES = Retries()


def run_in_tx(registry, func, attempts=100):
    """Run ``func(env)`` in its own transaction, replaying it on contention with a random
    exponential backoff (as Odoo's request retry does); raise GaveUp when it never passes.

    Each replay loses to a till that held the row when this one locked it; with several
    tills on one wallet that happens often, hence many attempts (a passing one costs none).
    """
    last = None
    for attempt in range(attempts):
        try:
            with registry.cursor() as cr:
                return func(api.Environment(cr, SUPERUSER_ID, {}))
        except RETRYABLE as error:
            last = error
            RETRIES.add(replays=1)
            time.sleep(random.uniform(0, min(0.2, 0.002 * 2**attempt)))
    raise GaveUp(f"still contended after {attempts} attempts: {type(last).__name__}")


def make_accounts(registry, count, tag):
    def create(env):
        partners = env["res.partner"].create(
            [{"name": f"Bench member {tag} {i}"} for i in range(count)]
        )
        Account = env["membership.account"]
        return [Account._membership_get_account(p).id for p in partners]

    return run_in_tx(registry, create)


def bench_posting(registry, account_ids, moves, tag):
    per_tx = 250
    start = time.perf_counter()
    done = 0
    while done < moves:
        batch = min(per_tx, moves - done)

        def post(env, first=done, size=batch):
            Account = env["membership.account"]
            for i in range(first, first + size):
                account = Account.browse(account_ids[i % len(account_ids)])
                account._membership_points_earn(10, f"bench:{tag}:earn:{i}")

        run_in_tx(registry, post)
        done += batch
    elapsed = time.perf_counter() - start
    print(f"posting: {moves} points moves in {elapsed:.2f} s = {moves / elapsed:.0f} moves/s")
    record("ledger: posting throughput (ORM)", moves / elapsed, "moves/s", issue=4)


def bench_debit(registry, account_id, count, tag):
    def topup(env):
        env["membership.account"].browse(account_id)._membership_wallet_topup(
            1000, f"bench:{tag}:debit-topup"
        )

    run_in_tx(registry, topup)
    thread = threading.current_thread()
    db_times, wall_times = [], []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        account = env["membership.account"].browse(account_id)
        for i in range(count):
            thread.query_time = 0.0
            start = time.perf_counter()
            account._membership_wallet_spend(0.5, f"bench:{tag}:debit:{i}")
            env.flush_all()
            wall_times.append(time.perf_counter() - start)
            db_times.append(thread.query_time)
    del thread.query_time
    record(
        "ledger: wallet debit, database time (median)",
        statistics.median(db_times) * 1000,
        "ms",
        goal=2,
        issue=4,
    )
    print(
        f"debit: db time median {statistics.median(db_times) * 1000:.2f} ms, "
        f"p95 {sorted(db_times)[int(len(db_times) * 0.95)] * 1000:.2f} ms (goal <= 2 ms); "
        f"wall median {statistics.median(wall_times) * 1000:.2f} ms over {count} debits"
    )


def bulk_load(registry, account_ids, count):
    """Insert ``count`` earn moves in SQL and add them to the balances, as posting would."""
    if count <= 0:
        return
    start = time.perf_counter()
    with registry.cursor() as cr:
        cr.execute(
            """INSERT INTO membership_points_move
                   (account_id, partner_id, company_id, date, idempotency_key, kind, points,
                    create_uid, write_uid, create_date, write_date)
               SELECT a.id, a.partner_id, a.company_id, now(), %s || g, 'earn', 1,
                      1, 1, now(), now()
                 FROM generate_series(1, %s) g
                 JOIN membership_account a ON a.id = (%s::int[])[1 + g %% %s]""",
            [f"bench:bulk:{uuid.uuid4().hex}:", count, account_ids, len(account_ids)],
        )
        cr.execute(
            """UPDATE membership_account a SET points_balance = s.total
                 FROM (SELECT account_id, SUM(points) total FROM membership_points_move
                        WHERE account_id = ANY(%s) GROUP BY account_id) s
                WHERE s.account_id = a.id""",
            [account_ids],
        )
        cr.execute("ANALYZE membership_points_move")
    print(f"bulk: {count} moves loaded in {time.perf_counter() - start:.1f} s")


def bench_balance_read(registry, account_ids, reads=500):
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM membership_points_move")
        total = cr.fetchone()[0]
        env = api.Environment(cr, SUPERUSER_ID, {})
        Account = env["membership.account"]
        times = []
        for i in range(reads):
            account = Account.browse(account_ids[i % len(account_ids)])
            env.invalidate_all()
            start = time.perf_counter()
            _ = account.points_balance, account.wallet_balance
            times.append(time.perf_counter() - start)
    print(
        f"balance read: median {statistics.median(times) * 1000:.3f} ms "
        f"with {total} moves in the ledger"
    )
    median = statistics.median(times) * 1000
    record(f"ledger: balance read at {total:,} moves", median, "ms", issue=4)


def bench_overdraft_hunt(registry, account_id, spends, threads, tag):
    amount, wanted = 1.0, spends // 2  # twice as many spends as the wallet affords

    def topup(env):
        # In top-ups the company accepts (its maximum per top-up); what the wallet then
        # holds (bonus bands included) is the budget the tills race for.
        account = env["membership.account"].browse(account_id)
        step = account.company_id.membership_wallet_max_topup
        done = 0
        while done < wanted:
            chunk = min(step, wanted - done)
            account._membership_wallet_topup(chunk, f"bench:{tag}:hunt-topup:{done}")
            done += chunk
        return account.wallet_balance

    budget = run_in_tx(registry, topup)
    ok = [0] * threads
    gave_up = [0] * threads
    reasons = set()
    replays_before = RETRIES.replays
    barrier = threading.Barrier(threads)

    def till(index):
        barrier.wait()
        for i in range(index, spends, threads):

            def spend(env, i=i):
                try:
                    env["membership.account"].browse(account_id)._membership_wallet_spend(
                        amount, f"bench:{tag}:hunt:{i}"
                    )
                    return True
                except LockError:
                    raise
                except UserError:
                    return False

            try:
                ok[index] += run_in_tx(registry, spend)
            except GaveUp as error:
                gave_up[index] += 1  # counted and reported, never a thread traceback
                reasons.add(str(error))

    start = time.perf_counter()
    workers = [threading.Thread(target=till, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        account = env["membership.account"].browse(account_id)
        drift = bool(account._membership_check_invariant())
        balance = account.wallet_balance
    passed = sum(ok)
    affordable = int(budget / amount)
    overdrafts = max(0, passed - affordable)
    print(
        f"overdraft hunt: {spends} contested spends from {threads} tills in {elapsed:.1f} s: "
        f"{passed} passed (affordable {affordable}), {overdrafts} overdrafts, "
        f"final balance {balance:.2f}, ledger drift: {'YES' if drift else 'no'}; "
        f"{RETRIES.replays - replays_before} replays after contention, "
        f"{sum(gave_up)} spends gave up after every retry"
        + (f" ({'; '.join(sorted(reasons))})" if reasons else "")
    )
    record(f"ledger: overdrafts in {spends} contested spends", overdrafts, "", goal=0, issue=4)
    record(
        "ledger: hunt spends passed / affordable",
        passed,
        "spends",
        baseline=affordable,
        baseline_label="affordable spends (wallet budget / amount)",
        issue=4,
    )
    record("ledger: hunt spends gave up after retries", sum(gave_up), "spends", issue=4)
    record("ledger: balance == sum of moves (drift)", int(drift), "accounts", goal=0, issue=4)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--config", default=".odoo/odoo.conf")
    parser.add_argument("--moves", type=int, default=2000)
    parser.add_argument("--bulk", type=int, default=20000)
    parser.add_argument("--debits", type=int, default=300)
    parser.add_argument("--spends", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    # Replayed serialization failures are the expected outcome of a contested spend.
    logging.getLogger("odoo.sql_db").setLevel(logging.CRITICAL)
    registry = Registry(args.database)
    tag = uuid.uuid4().hex[:8]
    account_ids = make_accounts(registry, 50, tag)
    bench_posting(registry, account_ids, args.moves, tag)
    bench_debit(registry, account_ids[0], args.debits, tag)
    bulk_load(registry, account_ids, args.bulk)
    bench_balance_read(registry, account_ids)
    bench_overdraft_hunt(registry, account_ids[1], args.spends, args.threads, tag)


if __name__ == "__main__":
    main()
