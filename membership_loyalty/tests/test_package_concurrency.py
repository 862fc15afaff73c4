import threading

from psycopg2 import errors

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import ConcurrencyError, LockError, UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

RETRYABLE = (LockError, ConcurrencyError, errors.SerializationFailure, errors.DeadlockDetected)


@tagged("post_install", "-at_install")
class TestPackageConcurrency(TransactionCase):
    """Tills racing for the last uses of one package, each thread with its own cursor on
    real PostgreSQL (fixtures committed by a cursor of their own, removed at the end)."""

    TILLS = 4

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cut = env["product.product"].create({"name": "Race Cut", "type": "service"})
            package_type = env["membership.package.type"].create(
                {
                    "name": "Race 2 cuts",
                    "price": 40.0,
                    "line_ids": [(0, 0, {"product_id": cut.id, "uses": 2})],
                }
            )
            partner = env["res.partner"].create({"name": "Race Member", "is_member": True})
            cls.ids = {
                "product": cut.id,
                "template": cut.product_tmpl_id.id,
                "type": package_type.id,
                "type_product": package_type.product_id.id,
                "type_template": package_type.product_id.product_tmpl_id.id,
                "partner": partner.id,
            }
        cls.addClassCleanup(cls._remove_fixtures)

    @classmethod
    def _remove_fixtures(cls):
        # The ledger refuses deletes through the ORM by design: clean up in SQL.
        ids = cls.ids
        with cls.registry.cursor() as cr:
            cr.execute(
                "DELETE FROM membership_package_move WHERE partner_id = %s", [ids["partner"]]
            )
            cr.execute(
                "DELETE FROM membership_package_line WHERE partner_id = %s", [ids["partner"]]
            )
            cr.execute("DELETE FROM membership_package WHERE partner_id = %s", [ids["partner"]])
            cr.execute("DELETE FROM membership_package_type WHERE id = %s", [ids["type"]])
            cr.execute(
                "DELETE FROM product_product WHERE id IN %s",
                [(ids["product"], ids["type_product"])],
            )
            cr.execute(
                "DELETE FROM product_template WHERE id IN %s",
                [(ids["template"], ids["type_template"])],
            )
            cr.execute("DELETE FROM res_partner WHERE id = %s", [ids["partner"]])

    def setUp(self):
        super().setUp()
        key = f"race:sale:{self._testMethodName}"
        self.package_id = self._run(
            lambda env: (
                env["membership.package"]
                ._membership_sell(
                    env["membership.package.type"].browse(self.ids["type"]),
                    env["res.partner"].browse(self.ids["partner"]),
                    key,
                    40.0,
                    fields.Datetime.now(),
                )
                .id
            )
        )

    def _run(self, func, attempts=30):
        """Run ``func(env)`` in a fresh transaction, replaying it as Odoo replays requests."""
        for _attempt in range(attempts):
            try:
                with self.registry.cursor() as cr:
                    return func(api.Environment(cr, SUPERUSER_ID, {}))
            except RETRYABLE:
                continue
        raise AssertionError("a transaction could not be committed after many replays")

    def _use(self, key):
        def use(env):
            package = env["membership.package"].browse(self.package_id)
            try:
                package._membership_use(package.line_ids, 1, key, fields.Date.today())
                return True
            except UserError:
                return False  # refused: no use left

        return self._run(use)

    def _race(self, keys):
        barrier = threading.Barrier(len(keys))
        results, failures = [None] * len(keys), []

        def worker(index):
            try:
                barrier.wait()
                results[index] = self._use(keys[index])
            except Exception as exc:
                failures.append(exc)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(keys))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertFalse(failures, failures)
        return results

    def _state(self):
        with self.registry.cursor() as cr:
            package = api.Environment(cr, SUPERUSER_ID, {})["membership.package"].browse(
                self.package_id
            )
            return (
                package.uses_left,
                package.line_ids.uses_left,
                package.value_left,
                bool(package._membership_check_invariant()),
            )

    @mute_logger("odoo.sql_db")
    def test_tills_race_for_the_last_uses_never_over_use(self):
        """Four tills race twice for a package of 2 uses: 2 uses pass in all, no more, and
        the same use sent by several tills at once is one use."""
        first = self._race([f"race:use:a:{i}" for i in range(self.TILLS)])
        self.assertEqual(first.count(True), 2, "two uses, then nothing left")
        self.assertEqual(self._state(), (0, 0, 0.0, False))
        second = self._race([f"race:use:b:{i}" for i in range(self.TILLS)])
        self.assertEqual(second.count(True), 0, "0 over-use")
        self.assertEqual(self._state(), (0, 0, 0.0, False))

    @mute_logger("odoo.sql_db")
    def test_same_use_re_sent_by_tills_at_once_is_one_use(self):
        results = self._race(["race:same"] * self.TILLS)
        self.assertEqual(results, [True] * self.TILLS, "each till gets the one use posted")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            moves = env["membership.package.move"].search([("idempotency_key", "=", "race:same")])
            self.assertEqual(len(moves), 1)
        self.assertEqual(self._state()[0], 1)
