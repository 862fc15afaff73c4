from datetime import datetime

from freezegun import freeze_time

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.membership_loyalty.models.membership_card import TRANSITION
from odoo.addons.membership_loyalty.models.membership_import_engine import NEW_CARD_COLUMNS
from odoo.addons.membership_loyalty.tools.bulk_create import bulk_create

# The member analysis's card type as it was read before it was stored on the member:
# the newest active card of each member, joined per query.
FORMER_CARD_TYPE = """
    SELECT p.id, card.card_type_id
      FROM res_partner p
      LEFT JOIN (SELECT DISTINCT ON (c.partner_id) c.partner_id, c.card_type_id
                   FROM membership_card c
                  WHERE c.state = 'active'
               ORDER BY c.partner_id, c.id DESC) card ON card.partner_id = p.id
     WHERE p.id = ANY(%s)
"""
# The churn warning as it was written before the companies' periods became constants:
# the companies joined per member.
FORMER_CHURN = """
    SELECT p.id
      FROM res_partner p
      JOIN res_company co
        ON co.id = COALESCE(p.company_id, (SELECT id FROM res_company ORDER BY id LIMIT 1))
     WHERE p.is_member AND p.active AND p.id = ANY(%s)
       AND COALESCE(p.member_last_visit, p.member_since, p.create_date)
           < %s - make_interval(days => co.membership_inactive_days)
"""


@tagged("post_install", "-at_install")
class TestReportMemberScan(TransactionCase):
    """The member reports read figures stored on the member: they must equal the plain
    computation from the cards and companies, whatever happened to the cards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create(
            {"name": "Second shop", "membership_inactive_days": 30}
        )
        cls.company.membership_inactive_days = 90
        Type = cls.env["membership.card.type"]
        cls.plastic = Type.create({"name": "Plastic"})
        cls.virtual = Type.create({"name": "Virtual"})
        cls.members = cls.env["res.partner"].create(
            [
                {"name": f"Member {i}", "is_member": True, "company_id": cls.company.id}
                for i in range(4)
            ]
        )
        cls.Card = cls.env["membership.card"]

    def issue(self, partner, card_type):
        return self.Card._membership_issue(partner, card_type, self.company)

    def assert_card_types_exact(self):
        self.env.flush_all()
        self.env.cr.execute(SQL(FORMER_CARD_TYPE, self.members.ids))
        former = dict(self.env.cr.fetchall())
        stored = {m.id: m.member_card_type_id.id or None for m in self.members}
        self.assertEqual(stored, former)
        rows = self.env["membership.report.member"]._read_group(
            [("partner_id", "in", self.members.ids)], ["card_type_id"], ["__count"]
        )
        counts = {}
        for card_type_id in former.values():
            counts[card_type_id] = counts.get(card_type_id, 0) + 1
        self.assertEqual({t.id or None: n for t, n in rows}, counts)
        # the bulk fill (upgrade, generators) writes the same values
        self.env.cr.execute(
            "UPDATE res_partner SET member_card_type_id = NULL WHERE id = ANY(%s)",
            [self.members.ids],
        )
        self.env["res.partner"]._membership_fill_card_type(self.members.ids)
        self.assertEqual({m.id: m.member_card_type_id.id or None for m in self.members}, former)

    def test_card_type_follows_the_card_life(self):
        ann, bob, cleo, dan = self.members
        self.assert_card_types_exact()  # no card at all
        first = self.issue(ann, self.plastic)
        self.issue(bob, self.plastic)
        self.Card.create({"partner_id": cleo.id, "card_type_id": self.virtual.id})  # a draft
        self.assert_card_types_exact()
        self.assertEqual(ann.member_card_type_id, self.plastic)
        self.assertFalse(cleo.member_card_type_id)
        # the newest active card wins; blocking it gives the older one back
        newest = self.issue(ann, self.virtual)
        self.assertEqual(ann.member_card_type_id, self.virtual)
        self.assert_card_types_exact()
        newest.action_block()
        self.assertEqual(ann.member_card_type_id, self.plastic)
        self.assert_card_types_exact()
        # a replacement keeps the type; a card moved to another member or deleted
        first._membership_replace("worn out")
        self.assertEqual(ann.member_card_type_id, self.plastic)
        transition = self.Card.with_context(membership_card_transition=TRANSITION)
        card = transition.browse(ann.membership_card_ids.filtered(lambda c: c.state == "active").id)
        card.write({"partner_id": dan.id, "card_type_id": self.virtual.id})
        self.assertFalse(ann.member_card_type_id)
        self.assertEqual(dan.member_card_type_id, self.virtual)
        self.assert_card_types_exact()
        card.unlink()
        self.assertFalse(dan.member_card_type_id)
        self.assert_card_types_exact()

    def test_card_type_of_imported_cards(self):
        """The member import writes its cards in one INSERT (no create): the card type of
        their members follows all the same."""
        ann, bob = self.members[:2]
        self.issue(bob, self.plastic)
        company, today = self.company.id, fields.Date.today()
        bulk_create(
            self.Card,
            NEW_CARD_COLUMNS,
            [
                (number, None, partner.id, company, card_type.id, "active", today, None, 0.0, True)
                for number, partner, card_type in (
                    (self.Card._next_number(), ann, self.virtual),
                    (self.Card._next_number(), bob, self.virtual),
                )
            ],
        )
        self.assertEqual(ann.member_card_type_id, self.virtual)
        self.assertEqual(bob.member_card_type_id, self.virtual)  # the newer card
        self.assert_card_types_exact()

    def test_churn_periods_per_company(self):
        _ann, bob, cleo, _dan = self.members
        bob.company_id = self.other_company
        cleo.company_id = False  # shared: the first company's period
        for member, visit in zip(
            self.members,
            ("2026-01-01", "2026-02-20", "2025-12-31 23:59:59", "2026-03-10"),
            strict=True,
        ):
            member.sudo().write({"member_last_visit": visit, "member_since": "2025-01-01"})
        self.env.flush_all()
        now = datetime(2026, 3, 31, 12, 0, 0)
        with freeze_time(now):
            for days in (90, 45, 20):
                self.company.membership_inactive_days = days
                self.env.flush_all()
                self.env.cr.execute(SQL(FORMER_CHURN, self.members.ids, now))
                former = {row[0] for row in self.env.cr.fetchall()}
                churn = self.env["membership.report.churn"].search(
                    [("partner_id", "in", self.members.ids)]
                )
                self.assertEqual(set(churn.ids), former, days)
                self.assertTrue(former, days)
            query = self.env["membership.report.member"]._search(
                [("partner_id", "in", self.members.ids)]
            )
            counts = self.env["membership.dashboard"]._member_counts(
                query, now.date().replace(day=1), now, now
            )
            self.assertEqual(counts[3], len(former))
