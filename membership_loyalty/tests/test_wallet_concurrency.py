import threading

from psycopg2 import errors

from odoo import SUPERUSER_ID, api
from odoo.exceptions import ConcurrencyError, LockError, UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

RETRYABLE = (LockError, ConcurrencyError, errors.SerializationFailure, errors.DeadlockDetected)


@tagged("post_install", "-at_install")
class TestWalletConcurrency(TransactionCase):
    """Tills racing on one wallet, each thread with its own cursor on real PostgreSQL.

    TransactionCase data is invisible to other cursors, so the fixtures are committed
    through a cursor of their own and removed again in the class cleanup.
    """

    THREADS = 4

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": "Concurrent Member"})
            cls.partner_id = partner.id
            cls.account_id = env["membership.account"]._membership_get_account(partner).id
            cls.company_id = env.company.id
        cls.addClassCleanup(cls._remove_fixtures)

    @classmethod
    def _remove_fixtures(cls):
        # The ledger refuses deletes through the ORM by design: clean up in SQL.
        with cls.registry.cursor() as cr:
            cr.execute("DELETE FROM membership_wallet_move WHERE account_id = %s", [cls.account_id])
            cr.execute("DELETE FROM membership_points_move WHERE account_id = %s", [cls.account_id])
            cr.execute("DELETE FROM membership_account WHERE id = %s", [cls.account_id])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [cls.partner_id])

    def _run(self, func, attempts=30):
        """Run ``func(env)`` in a fresh transaction, replaying it as Odoo replays requests."""
        for _attempt in range(attempts):
            try:
                # The cursor commits when the block ends normally, rolls back otherwise.
                with self.registry.cursor() as cr:
                    return func(api.Environment(cr, SUPERUSER_ID, {}))
            except RETRYABLE:
                continue
        raise AssertionError("a transaction could not be committed after many replays")

    def _account(self, env):
        return env["membership.account"].browse(self.account_id)

    def _race(self, target, count):
        barrier = threading.Barrier(count)
        results, failures = [None] * count, []

        def worker(index):
            try:
                barrier.wait()
                results[index] = target(index)
            except Exception as exc:
                failures.append(exc)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertFalse(failures, failures)
        return results

    def _balance(self):
        with self.registry.cursor() as cr:
            account = self._account(api.Environment(cr, SUPERUSER_ID, {}))
            return account.wallet_paid_balance

    def _spend_once(self, key):
        def spend(env):
            try:
                self._account(env)._membership_wallet_spend(3.0, key)
                return True
            except LockError:
                raise
            except UserError:
                return False  # refused: not enough money left

        return self._run(spend)

    @mute_logger("odoo.sql_db")
    def test_tills_never_overdraw_one_wallet(self):
        """Each round tops up 10.00 and four tills race to pay 3.00: exactly the affordable
        payments pass, and the wallet never goes below zero."""
        for round_no in range(8):
            self._run(
                lambda env, r=round_no: self._account(env)._membership_wallet_topup(
                    10.0, f"conc:topup:{self.account_id}:{r}"
                )
            )
            before = self._balance()
            results = self._race(
                lambda i, r=round_no: self._spend_once(f"conc:spend:{self.account_id}:{r}:{i}"),
                self.THREADS,
            )
            affordable = min(self.THREADS, int(round(before * 100) // 300))
            self.assertEqual(results.count(True), affordable, f"round {round_no}")
            after = self._balance()
            self.assertGreaterEqual(after, 0)
            self.assertAlmostEqual(after, before - 3.0 * affordable)
        with self.registry.cursor() as cr:
            account = self._account(api.Environment(cr, SUPERUSER_ID, {}))
            self.assertFalse(account._membership_check_invariant())

    @mute_logger("odoo.sql_db")
    def test_same_key_posted_simultaneously_is_one_move(self):
        key = f"conc:same:{self.account_id}"

        def post(_index):
            return self._run(lambda env: self._account(env)._membership_wallet_topup(5.0, key).id)

        ids = self._race(post, self.THREADS)
        self.assertEqual(len(set(ids)), 1, "every till must get the one move posted")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            moves = env["membership.wallet.move"].search([("idempotency_key", "=", key)])
            self.assertEqual(len(moves), 1)
            self.assertFalse(self._account(env)._membership_check_invariant())

    def _set_convert_rate(self, rate, minimum):
        with self.registry.cursor() as cr:
            company = api.Environment(cr, SUPERUSER_ID, {})["res.company"].browse(self.company_id)
            old = (company.membership_convert_rate, company.membership_convert_min_points)
            company.write(
                {"membership_convert_rate": rate, "membership_convert_min_points": minimum}
            )
        return old

    def _remove_account(self, partner_id, account_id):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM membership_wallet_move WHERE account_id = %s", [account_id])
            cr.execute("DELETE FROM membership_points_move WHERE account_id = %s", [account_id])
            cr.execute("DELETE FROM membership_account WHERE id = %s", [account_id])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [partner_id])

    @mute_logger("odoo.sql_db")
    def test_concurrent_conversions_never_overdraw_the_points(self):
        """Four tills convert 200 of a member's 300 points at once, each under its own
        key: one conversion passes, the others are refused, and the points never go below
        zero nor the bonus credit beyond what the points bought."""
        old = self._set_convert_rate(0.05, 100)
        self.addCleanup(self._set_convert_rate, *old)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": "Concurrent Converter"})
            account = env["membership.account"]._membership_get_account(partner)
            account._membership_points_earn(300, f"conc:convert-earn:{account.id}")
            partner_id, account_id = partner.id, account.id
        self.addCleanup(self._remove_account, partner_id, account_id)

        def convert(index):
            def run(env):
                try:
                    env["membership.account"].browse(account_id)._membership_convert_points(
                        200, f"conc:convert:{account_id}:{index}"
                    )
                    return True
                except LockError:
                    raise
                except UserError:
                    return False  # refused: the points were converted by another till

            return self._run(run)

        results = self._race(convert, self.THREADS)
        self.assertEqual(results.count(True), 1)
        with self.registry.cursor() as cr:
            account = api.Environment(cr, SUPERUSER_ID, {})["membership.account"].browse(account_id)
            self.assertEqual(account.points_balance, 100.0)
            self.assertEqual(account.wallet_bonus_balance, 10.0)
            self.assertFalse(account._membership_check_invariant())
