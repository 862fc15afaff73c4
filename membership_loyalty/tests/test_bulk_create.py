from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from odoo.addons.membership_loyalty.tools.bulk_create import bulk_create

# Columns that differ between any two records: who and when, and the record itself; and
# the chatter: a bulk load logs no "created" message per record (as mail_create_nolog).
OWN = {"id", "create_uid", "create_date", "write_uid", "write_date", "message_ids"}


@tagged("post_install", "-at_install")
class TestBulkCreate(TransactionCase):
    maxDiff = None

    """The import's bulk insert leaves records as the ORM's create would, with whatever
    modules are installed: each stored field, computed ones included (resized images,
    commercial partner, sanitized phone...), and the Python constraints checked."""

    def stored_values(self, record):
        values = {}
        for name, field in record._fields.items():
            if not field.store or name in OWN or field.type == "properties":
                continue
            value = record[name]
            values[name] = value.ids if field.relational else value
        return values

    def test_contacts_as_create_leaves_them(self):
        Partner = self.env["res.partner"]
        be = self.env.ref("base.be")
        vals = {
            "name": "Anne Peeters",
            "ref": "OLD-17",
            "phone": "+32470123456",
            "email": "anne@example.com",
            "country_id": be.id,
        }
        created = Partner.create(vals)
        bulk = bulk_create(
            Partner,
            ("name", "complete_name", "ref", "phone", "phone_sanitized", "email", "country_id"),
            [
                (
                    "Anne Peeters",
                    "Anne Peeters",
                    "OLD-17",
                    "+32470123456",
                    "+32470123456",
                    "anne@example.com",
                    be.id,
                )
            ],
        )
        self.assertEqual(len(bulk), 1)
        # What the cache holds right after the insert is what the database holds.
        cached = self.stored_values(bulk)
        self.env.flush_all()
        bulk.invalidate_recordset()
        in_database = self.stored_values(bulk)
        self.assertEqual(cached, in_database)
        self.assertEqual(in_database.pop("commercial_partner_id"), bulk.ids)
        expected = self.stored_values(created)
        self.assertEqual(expected.pop("commercial_partner_id"), created.ids)
        self.assertEqual(in_database, expected)

    def test_rows_keep_their_order(self):
        Partner = self.env["res.partner"]
        names = [f"Bulk member {i}" for i in range(50)]
        partners = bulk_create(Partner, ("name",), [(name,) for name in names])
        self.assertEqual(partners.mapped("name"), names)
        self.assertEqual(partners.mapped("complete_name"), names)

    def test_constraints_are_checked(self):
        """A member without a name is refused as the form refuses it."""
        with self.assertRaises(ValidationError):
            bulk_create(self.env["res.partner"], ("name", "is_member"), [(" ", True)])
