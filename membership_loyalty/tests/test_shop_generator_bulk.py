import re

import psycopg2

from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..tools.shop_generator import Generator, verify
from ..tools.shop_generator_bulk import BULK_TABLES, BulkGenerator, check_sql, generator_for


def schema(cr):
    """Every index and constraint of the bulk tables, by name, with its definition."""
    cr.execute(
        """SELECT x.relname, pg_get_indexdef(i.indexrelid)
             FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
            WHERE i.indrelid = ANY(%s::regclass[])
           UNION ALL
           SELECT conname, pg_get_constraintdef(oid) || ' valid ' || convalidated
             FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])""",
        (list(BULK_TABLES), list(BULK_TABLES)),
    )
    # A definition read back and recreated can spell its casts differently (an index
    # predicate's ARRAY[...]::text[] comes back as ARRAY[...::text]): compare without them.
    return {name: re.sub(r"::[a-z ]+(\[\])?|[()\s]", "", text) for name, text in cr.fetchall()}


@tagged("post_install", "-at_install")
class TestShopGeneratorBulk(TransactionCase):
    """The huge preset's writer (bench/generate.py --preset huge), run at a small size in
    this test's transaction: the shop it leaves is as sound as the plain writer's, and
    the indexes and constraints it sets aside come back, checked against every row."""

    def test_full_and_huge_presets_use_the_bulk_writer_and_the_others_do_not(self):
        for preset in ("full", "huge"):
            self.assertIsInstance(generator_for(self.env, preset, members=10), BulkGenerator)
        for preset in ("demo", "quick"):
            self.assertIs(type(generator_for(self.env, preset, members=10)), Generator)

    def test_bulk_shop_is_sound_and_the_schema_comes_back(self):
        before = schema(self.cr)
        lines = []
        generator = BulkGenerator(self.env, "huge", members=300, seed=3, log=lines.append)
        counts = generator.run()
        self.assertEqual(schema(self.cr), before)  # same names, same definitions, valid
        self.assertEqual(counts["res_partner"], 300)
        # ~3.2 orders per member, 3 lines per order on average
        self.assertGreater(counts["pos_order_line"], 300 * 6)
        self.assertGreater(counts["membership_points_move"], 0)
        self.assertGreater(counts["membership_wallet_move"], 0)
        self.assertEqual(check_sql(self.env, log=lambda line: None), [])
        self.assertTrue(any(line.startswith("ledger: every balance") for line in lines))
        verify(self.env, log=lambda line: None)  # ORM reads, card found by its number
        # A generated member is found the way the till finds one (through the rebuilt index).
        card = self.env["membership.card"].search(
            [("state", "=", "active"), ("partner_id.member_number", "!=", False)], limit=1
        )
        self.assertEqual(self.env["membership.card"]._find_by_code(card.number), card)

    def test_a_broken_row_fails_the_rebuild(self):
        """The constraints are rebuilt with validation: a line whose order does not exist,
        written while they were set aside, fails the run instead of staying behind."""

        class BrokenRowGenerator(BulkGenerator):
            def create_sms_history(self):
                super().create_sms_history()
                self.cr.execute("SELECT MAX(id) + 1000 FROM pos_order")
                self.insert(
                    "pos_order_line",
                    {
                        "name": "'orphan'",
                        "order_id": str(self.cr.fetchone()[0]),
                        "company_id": str(self.company.id),
                        "product_id": str(self.products[0].id),
                        "qty": "1",
                        "price_unit": "1",
                        "price_subtotal": "1",
                        "price_subtotal_incl": "1",
                        "uuid": "gen_random_uuid()::text",
                    },
                    "",
                )

        # A shop of some size: an index built on an empty table would leave a row count
        # of 0 behind it (stored in place, kept by the rollback) for the tests after.
        generator = BrokenRowGenerator(self.env, "huge", members=300, seed=4)
        with (
            self.assertRaises(psycopg2.errors.ForeignKeyViolation),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            generator.run()
