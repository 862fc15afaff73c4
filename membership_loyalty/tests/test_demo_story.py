import ast
import json
import re

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools.misc import file_open

from ..tools.shop_generator import Generator, verify
from .common import level_users

REPORTS = (
    "membership.report.coupon",
    "membership.report.member",
    "membership.report.churn",
    "membership.report.sale",
    "membership.report.product",
    "membership.report.ledger",
    "membership.member.score",
)


@tagged("post_install", "-at_install")
class TestDemoStory(HttpCase):
    """The demo shop tells a story: the generator's demo preset (the one `make run` uses),
    built at a small size inside this test's transaction (rolled back after), read back
    through the reports a manager opens."""

    # Tall enough for the whole dashboard: the spreadsheet draws only the figures in view.
    browser_size = "1600x2600"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.generator = Generator(cls.env, "demo", members=220, seed=7)
        cls.generator.run()
        cls.env.invalidate_all()
        cls.manager = level_users(cls.env, "story", ("manager",))["manager"]

    def test_story_size(self):
        [(members,)] = self.env["membership.report.member"]._read_group([], [], ["__count"])
        self.assertGreaterEqual(members, 200)
        months = self.env["membership.report.sale"]._read_group(
            [("config_id", "in", self.generator.configs.ids)], ["date:month"], ["__count"]
        )
        self.assertGreaterEqual(len(months), 18)
        stores = self.env["membership.report.sale"]._read_group(
            [("config_id", "in", self.generator.configs.ids)], ["config_id"], ["__count"]
        )
        self.assertEqual(len(stores), 2)
        verify(self.env, log=lambda line: None)  # balances == moves, card numbers

    def test_every_report_has_rows(self):
        for model in REPORTS:
            with self.subTest(model=model):
                self.assertTrue(self.env[model].search_count([], limit=1))
        kinds = {kind for (kind,) in self.env["membership.report.ledger"]._read_group([], ["kind"])}
        self.assertLessEqual({"earn", "redeem", "expire", "topup", "spend"}, kinds)
        cards = {state for (state,) in self.env["membership.card"]._read_group([], ["state"])}
        self.assertLessEqual({"active", "lost", "replaced"}, cards)
        self.assertTrue(self.env["membership.tier.history"].search_count([], limit=1))
        self.assertTrue(self.env["membership.sms"].search_count([("state", "=", "sent")]))

    def test_e_coupons_bought_given_and_used(self):
        """Members bought e-coupons with points and got some for top-ups; about half were
        used on a later order, which the coupon's discount lowered."""
        Coupon = self.env["membership.report.coupon"]
        [(issued, used)] = Coupon._read_group([], [], ["issued_count:sum", "used_count:sum"])
        self.assertGreater(used, 0)
        self.assertLess(used, issued)
        bought = self.env["membership.points.move"].search([("kind", "=", "coupon")])
        self.assertTrue(bought.loyalty_card_id)
        self.assertTrue(
            self.env["loyalty.card"].search([("membership_topup_move_id", "!=", False)])
        )
        line = self.env["pos.order.line"].search([("is_reward_line", "=", True)], limit=1)
        self.assertLess(line.price_subtotal, 0)
        self.assertEqual(line.coupon_id.points, 0)
        self.assertAlmostEqual(
            line.order_id.amount_total, sum(line.order_id.lines.mapped("price_subtotal_incl"))
        )

    def test_generating_again_is_refused(self):
        orders = self.env["pos.order"].search_count([])
        with self.assertRaisesRegex(UserError, "already holds a generated shop"):
            Generator(self.env, "demo", members=5, seed=8).run()
        self.assertEqual(self.env["pos.order"].search_count([]), orders)

    def test_demo_blank_cards_stocked_once(self):
        """The demo's blank cards come from a function: one serial each, on hand at the
        stock; run again (a module update), it stocks nothing more."""
        Lot = self.env["stock.lot"]
        blank = self.env.ref("membership_loyalty.product_blank_membership_card")
        stock = self.env.ref("stock.stock_location_stock")
        lots = Lot._membership_stock_blank_cards(blank.id, stock.id, 3)
        self.assertEqual(lots.mapped("name"), ["800000000011", "800000000029", "800000000037"])
        self.assertEqual(Lot._membership_blank_in_stock(blank, stock), lots)
        self.assertFalse(Lot._membership_stock_blank_cards(blank.id, stock.id, 3))
        self.assertEqual(blank.with_context(location=stock.id).qty_available, 3)

    def test_segments_at_risk_and_high_value(self):
        for xmlid in ("membership_segment_at_risk", "membership_segment_high_value"):
            with self.subTest(segment=xmlid):
                segment = self.env.ref(f"membership_loyalty.{xmlid}")
                self.assertTrue(segment._members())

    def test_finished_campaign_shows_uplift(self):
        campaign = self.generator.campaign
        self.assertEqual(campaign.state, "done")
        self.assertTrue(campaign.control_ids)
        self.assertTrue(campaign.uplift_known)
        self.assertGreater(campaign.uplift_visits, 0)
        self.assertGreater(campaign.uplift_revenue, 0)

    def test_no_row_labelled_with_a_boolean_or_an_id(self):
        """Every group-by a report's search view offers gives labels: records with a name,
        selection labels (dates and scores are what they say); never true/false nor a bare
        record id."""
        for model in REPORTS:
            Report = self.env[model]
            arch = etree.fromstring(Report.get_view(view_type="search")["arch"])
            for node in arch.iter("filter"):
                context = ast.literal_eval(node.get("context") or "{}")
                groupby = context.get("group_by")
                if not groupby:
                    continue
                field = Report._fields[groupby.split(":")[0]]
                with self.subTest(model=model, groupby=groupby):
                    self.assertNotEqual(field.type, "boolean")
                    if field.type not in ("many2one", "selection", "char"):
                        continue
                    for (key,) in Report._read_group([], [groupby]):
                        label = self._label(field, key)
                        self.assertIsInstance(label, str)
                        self.assertFalse(re.fullmatch(r"\d+|true|false", label.lower()))

    def _label(self, field, key):
        if field.type == "many2one":
            return key.display_name if key else "None"
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(key, "None")
        return str(key)

    def test_dashboard_charts_have_data(self):
        """Each chart of the Membership dashboard reads rows from its report, as the
        manager (whose rights the dashboard runs with)."""
        with file_open("membership_loyalty/data/files/membership_dashboard.json") as file:
            figures = json.load(file)["sheets"][0]["figures"]
        self.assertEqual(len(figures), 11)
        for figure in figures:
            meta, search = figure["data"]["metaData"], figure["data"]["searchParams"]
            with self.subTest(chart=figure["data"]["title"]["text"]):
                Model = self.env[meta["resModel"]].with_user(self.manager)
                rows = Model._read_group(
                    search["domain"], meta["groupBy"], [f"{meta['measure']}:sum"]
                )
                self.assertTrue([row for row in rows if row[-1]])

    def test_manager_sees_the_dashboard_drawn(self):
        self.start_tour(
            "/odoo/dashboards", "membership_loyalty_dashboard", login=self.manager.login
        )
