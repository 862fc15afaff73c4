import io
import itertools

import lxml.html
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.misc import formatLang
from odoo.tools.pdf import PdfFileReader

from .analytics_common import AnalyticsCommon

REPORTS = (
    "membership.report.coupon",
    "membership.report.member",
    "membership.report.churn",
    "membership.report.sale",
    "membership.report.product",
)


@tagged("post_install", "-at_install")
class TestAnalyticsReports(AnalyticsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        be, fr = cls.env.ref("base.be"), cls.env.ref("base.fr")
        cls.ann = cls.make_member(
            "Ann", member_gender="female", country_id=be.id, user_id=cls.seller_1.id
        )
        cls.bob = cls.make_member(
            "Bob", member_gender="male", country_id=be.id, user_id=cls.seller_1.id
        )
        cls.cleo = cls.make_member(
            "Cleo",
            member_gender="female",
            country_id=fr.id,
            user_id=cls.seller_2.id,
            member_since="2025-01-01",
        )
        cls.stranger = cls.env["res.partner"].create(
            {"name": "Walk-in", "user_id": cls.seller_2.id}
        )
        cls.members = cls.ann | cls.bob | cls.cleo
        cls.partners = cls.members | cls.stranger
        # Hand-computed dataset (no taxes):
        #   Ann   2026-03-02 20.00 and 2026-03-10 20.00 (seller 1)
        #   Bob   2026-03-05 30.00 (3 x 10.00 of the other product)   (seller 1)
        #   Cleo  2025-08-20 20.00, then nothing                      (seller 2)
        #   Walk-in (not a member) 2026-03-05 20.00                   (seller 2)
        cls.pay(cls.ann, 20.0, "2026-03-02 10:00:00")
        cls.pay(cls.ann, 20.0, "2026-03-10 10:00:00")
        cls.pay(cls.bob, 30.0, "2026-03-05 11:00:00", product=cls.other_product, qty=3)
        cls.pay(cls.cleo, 20.0, "2025-08-20 09:00:00")
        cls.pay(cls.stranger, 20.0, "2026-03-05 12:00:00")

    def money(self, amount):
        return formatLang(
            self.env, amount, currency_obj=self.company.currency_id, rounding_unit="units"
        )

    def group(self, model, domain, groupby, aggregates):
        return {
            key: values
            for key, *values in self.env[model]._read_group(domain, [groupby], aggregates)
        }

    def test_member_distribution(self):
        domain = [("partner_id", "in", self.members.ids)]
        by_region = self.group("membership.report.member", domain, "region", ["member_count:sum"])
        self.assertEqual(by_region, {"Belgium": [2], "France": [1]})
        by_gender = self.group(
            "membership.report.member", domain, "gender", ["member_count:sum", "total_spent:sum"]
        )
        self.assertEqual(by_gender, {"female": [2, 60.0], "male": [1, 30.0]})
        per_seller = self.group(
            "membership.report.member", domain, "salesperson_id", ["member_count:sum"]
        )
        self.assertEqual(per_seller, {self.seller_1: [2], self.seller_2: [1]})

    def test_card_type_popularity(self):
        card_type = self.env["membership.card.type"].create({"name": "Virtual"})
        card = self.env["membership.card"].create(
            {"partner_id": self.ann.id, "card_type_id": card_type.id}
        )
        domain = [("partner_id", "in", self.members.ids)]
        by_type = self.group("membership.report.member", domain, "card_type_id", ["__count"])
        # A card counts once it is active.
        self.assertEqual(by_type, {self.env["membership.card.type"]: [3]})
        # A draft card becomes active when it is issued.
        card._membership_issue(card.partner_id, card_type, card.company_id, draft=card)
        by_type = self.group("membership.report.member", domain, "card_type_id", ["__count"])
        self.assertEqual(by_type, {card_type: [1], self.env["membership.card.type"]: [2]})

    def test_new_member_trend(self):
        domain = [("partner_id", "in", self.members.ids)]
        trend = self.group(
            "membership.report.member", domain, "member_since:year", ["member_count:sum"]
        )
        years = {day.year: count for day, (count,) in ((k, v) for k, v in trend.items())}
        this_year = self.ann.member_since.year
        self.assertEqual(years[2025], 1)
        self.assertEqual(years[this_year], 2)

    def test_sales_members_against_non_members_by_month(self):
        domain = [("partner_id", "in", self.partners.ids)]
        Sale = self.env["membership.report.sale"]
        rows = Sale._read_group(
            domain, ["date:month", "is_member"], ["amount_total:sum", "order_count:sum"]
        )
        figures = {(month.strftime("%Y-%m"), member): vals for month, member, *vals in rows}
        self.assertEqual(
            figures,
            {
                ("2025-08", True): [20.0, 1],
                ("2026-03", True): [70.0, 3],
                ("2026-03", False): [20.0, 1],
            },
        )
        weeks = Sale._read_group(
            [*domain, ("is_member", "=", True)], ["date:week"], ["amount_total:sum"]
        )
        self.assertEqual(sorted(total for _week, total in weeks), [20.0, 20.0, 50.0])
        # A date filter keeps only the period.
        [(total,)] = Sale._read_group(
            [*domain, ("date", ">=", "2026-01-01")], [], ["amount_total:sum"]
        )
        self.assertEqual(total, 90.0)

    def test_salesperson_ranking(self):
        rows = self.env["membership.report.sale"]._read_group(
            [("partner_id", "in", self.partners.ids), ("is_member", "=", True)],
            ["salesperson_id"],
            ["amount_total:sum", "order_count:sum"],
            order="amount_total:sum desc",
        )
        self.assertEqual(rows, [(self.seller_1, 70.0, 3), (self.seller_2, 20.0, 1)])

    def test_staff_ranking_by_who_rang_up_over_all_sales(self):
        """Ranked by who rang the sales up (the till's user, or the Point of Sale HR
        employee logged in), over all sales, with the members' sales and share."""
        orders = self.env["pos.order"].search([("partner_id", "in", self.partners.ids)])
        clerk = self.env["hr.employee"].sudo().create({"name": "Cleo's Clerk"})
        by_partner = orders.grouped("partner_id")
        by_partner[self.ann].user_id = self.seller_1
        (by_partner[self.bob] | by_partner[self.stranger]).user_id = self.seller_2
        by_partner[self.cleo].write({"user_id": self.seller_1.id, "employee_id": clerk.id})
        rows = self.env["membership.report.sale"]._read_group(
            [("partner_id", "in", self.partners.ids)],
            ["seller_id"],
            ["amount_total:sum", "member_amount_total:sum", "member_share:avg"],
            order="amount_total:sum desc",
        )
        self.assertEqual(
            rows,
            [
                (self.seller_2.partner_id, 50.0, 30.0, 60.0),
                (self.seller_1.partner_id, 40.0, 40.0, 100.0),
                (clerk.work_contact_id, 20.0, 20.0, 100.0),
            ],
        )
        [(share,)] = self.env["membership.report.sale"]._read_group(
            [("partner_id", "in", self.partners.ids)], [], ["member_share:avg"]
        )
        self.assertAlmostEqual(share, 90.0 / 110.0 * 100)

    def test_members_per_salesperson_counts_who_enrolled(self):
        clerk = self.env["hr.employee"].sudo().create({"name": "Enrolling Clerk"})
        self.cleo.sudo()._membership_system_write(
            {"member_enrolled_by_id": clerk.work_contact_id.id}
        )
        rows = self.group(
            "membership.report.member",
            [("partner_id", "in", self.members.ids)],
            "enrolled_by_id",
            ["member_count:sum"],
        )
        self.assertEqual(rows, {self.seller_1.partner_id: [2], clerk.work_contact_id: [1]})

    def test_refund_lowers_sales_and_is_no_visit(self):
        order = self.pay(self.bob, 20.0, "2026-03-20 10:00:00")
        self.refund(order, "2026-03-21 10:00:00")
        [(total, count)] = self.env["membership.report.sale"]._read_group(
            [("partner_id", "=", self.bob.id)], [], ["amount_total:sum", "order_count:sum"]
        )
        self.assertEqual((total, count), (30.0, 2))
        [(basket,)] = self.env["membership.report.sale"]._read_group(
            [("partner_id", "=", self.bob.id)], [], ["average_basket:avg"]
        )
        self.assertEqual(basket, 25.0)  # (30 + 20) / 2: the refund is no basket

    def test_top_products_among_members(self):
        rows = self.env["membership.report.product"]._read_group(
            [("partner_id", "in", self.partners.ids), ("is_member", "=", True)],
            ["product_id"],
            ["amount_total:sum", "qty:sum", "buyer_count:count_distinct"],
            order="amount_total:sum desc",
        )
        self.assertEqual(rows, [(self.product, 60.0, 3.0, 2), (self.other_product, 30.0, 3.0, 1)])

    def test_churn_warning(self):
        with freeze_time("2026-03-15 12:00:00"):
            churn = self.env["membership.report.churn"].search(
                [("partner_id", "in", self.members.ids)]
            )
            self.assertEqual(churn.partner_id, self.cleo)
            self.assertEqual(churn.days_inactive, 207)  # 2025-08-20 -> 2026-03-15
            self.assertEqual(churn.total_spent, 20.0)
            self.assertEqual(str(churn.last_visit), "2025-08-20 09:00:00")
            self.company.membership_inactive_days = 300
            self.env.invalidate_all()
            self.assertFalse(
                self.env["membership.report.churn"].search([("partner_id", "in", self.members.ids)])
            )
            self.company.membership_inactive_days = 6
            self.env.invalidate_all()
            churn = self.env["membership.report.churn"].search(
                [("partner_id", "in", self.members.ids)]
            )
            self.assertEqual(churn.partner_id, self.cleo | self.bob)

    def test_churn_selection_opens_sms_campaign(self):
        self.cleo.phone = "+32470123456"
        with freeze_time("2026-03-15 12:00:00"):
            churn = self.env["membership.report.churn"].search(
                [("partner_id", "in", self.members.ids)]
            )
            action = churn.action_sms_campaign()
        self.assertEqual(action["res_model"], "membership.sms.campaign")
        wizard = (
            self.env["membership.sms.campaign"]
            .with_context(**action["context"])
            .create({"body": "We miss you"})
        )
        self.assertEqual(wizard.recipient_count, 1)
        self.assertEqual(wizard.valid_count, 1)
        self.assertEqual(wizard.preview_partner_id, self.cleo)

    def test_churn_selection_opens_coupon_campaign(self):
        with freeze_time("2026-03-15 12:00:00"):
            churn = self.env["membership.report.churn"].search(
                [("partner_id", "in", self.members.ids)]
            )
            action = churn.action_coupon_campaign()
            campaign = (
                self.env["membership.campaign"]
                .with_context(**action["context"])
                .new({"date_to": "2026-04-15"})
            )
        self.assertEqual(campaign.offer_type, "coupon")
        self.assertEqual(campaign.segment_id._members(), self.cleo)

    def test_dashboard_figures(self):
        # Members shared by all companies (no company) count on every dashboard: keep only
        # this test's members, whatever else the database holds (demo data, e2e runs).
        self.env["res.partner"].search(
            [
                ("is_member", "=", True),
                ("company_id", "=", False),
                ("id", "not in", self.members.ids),
            ]
        ).active = False
        self.ann.member_since = "2026-03-03"
        self.bob.member_since = "2026-02-01"
        with freeze_time("2026-03-15 12:00:00"):
            board = self.env["membership.dashboard"].create({"company_id": self.company.id})
            self.assertEqual(board.member_count, 3)
            self.assertEqual(board.new_member_count, 1)  # Ann
            self.assertEqual(board.active_member_count, 2)  # Ann and Bob, within 90 days
            self.assertEqual(board.churn_risk_count, 1)  # Cleo
            self.assertEqual(board.member_sales, 70.0)
            self.assertEqual(board.other_sales, 20.0)
            self.assertAlmostEqual(board.member_sales_share, 70.0 / 90.0)
        with self.assertRaises(AccessError):
            self.env["membership.dashboard"].with_user(self.cashier).create({})

    def test_other_company_members_stay_hidden(self):
        other = self.env["res.company"].create({"name": "Other shop"})
        self.make_member("Far away", company_id=other.id, country_id=self.env.ref("base.fr").id)
        manager = self.manager.with_company(self.company)
        self.assertEqual(manager.company_ids, self.company)
        rows = (
            self.env["membership.report.member"]
            .with_user(manager)
            ._read_group([("region", "=", "France")], [], ["__count"])
        )
        self.assertEqual(rows, [(1,)])  # Cleo only
        self.assertEqual(
            self.env["membership.report.member"]._read_group(
                [("region", "=", "France")], [], ["__count"]
            ),
            [(2,)],
        )

    def test_management_summary(self):
        self.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        self.ann.member_since = "2026-03-03"
        wizard = self.env["membership.summary.wizard"].create(
            {
                "date_from": "2026-03-01",
                "date_to": "2026-03-31",
                "company_id": self.company.id,
                "config_id": self.pos_config_usd.id,
            }
        )
        action = wizard.action_print()
        self.assertEqual(action["report_name"], "membership_loyalty.management_summary")
        values = self.env["report.membership_loyalty.management_summary"]._get_report_values(
            wizard.ids, action["data"]
        )
        self.assertEqual(values["new_member_count"], 1)
        member, other = values["member_sales"], values["other_sales"]
        self.assertEqual((member["amount"], member["orders"], member["buyers"]), (70.0, 3, 2))
        self.assertAlmostEqual(member["basket"], 70.0 / 3)
        self.assertEqual((other["amount"], other["orders"], other["buyers"]), (20.0, 1, 1))
        self.assertEqual(
            values["top_products"], [(self.product, 40.0, 2.0), (self.other_product, 30.0, 3.0)]
        )
        self.assertEqual(values["top_salespeople"], [(self.seller_1, 70.0, 3)])
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "membership_loyalty.management_summary", wizard.ids, action["data"]
        )
        self.assertIn(b"Membership summary", html)
        self.assertIn(self.pos_config_usd.name.encode(), html)
        # Charts: March's bars (members 70, non-members 20) among twelve months, and the
        # tier bars; amounts with the currency, whole units.
        document = lxml.html.fromstring(html)
        [chart] = document.xpath("//svg[hasclass('o_membership_monthly_chart')]")
        self.assertEqual(len(chart.findall(".//rect")), 24)
        titles = [rect.findtext("title") for rect in chart.findall(".//rect")]
        self.assertEqual(titles[-2:], [self.money(70), self.money(20)])
        self.assertEqual(titles[:2], [self.money(0), self.money(0)])
        self.assertEqual(chart.findall(".//text")[-1].text, "Mar 26")
        tiers = [
            [cell.text_content().strip() for cell in row.xpath("td")]
            for row in document.xpath("//table[hasclass('o_membership_tier_chart')]//tr")
        ]
        self.assertEqual(tiers[-1], ["Non-members", "", self.money(20)])
        self.assertEqual(tiers[0], [self.env._("No tier"), "", self.money(70)])
        # Through wkhtmltopdf: the figures, the axis and the month labels printed as text.
        pdf, _type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("membership_loyalty.management_summary", wizard.ids, action["data"])
        )
        reader = PdfFileReader(io.BytesIO(pdf))
        text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
        for expected in (
            "Membership summary",
            self.company.name,
            "Monthly sales, members and non-members",
            "$ 80 Apr 25",
            "Mar 26",
            "No tier $ 70 Non-members $ 20",
            "77.8 %",
        ):
            self.assertIn(expected, text)
        # Another store sold nothing in March.
        wizard.config_id = self.pos_config_eur
        values = self.env["report.membership_loyalty.management_summary"]._get_report_values(
            wizard.ids, wizard.action_print()["data"]
        )
        self.assertEqual(values["member_sales"]["amount"], 0.0)
        self.assertEqual(values["top_products"], [])

    def test_reports_are_for_managers(self):
        for model, user in itertools.product(REPORTS, (self.cashier, self.supervisor)):
            with self.assertRaises(AccessError):
                self.env[model].with_user(user).search_read([], limit=1)
        for model in REPORTS:
            self.env[model].with_user(self.manager).search_read([], limit=1)
        reporting = self.env.ref("membership_loyalty.membership_loyalty_menu_reporting")
        self.assertIn(
            self.env.ref("membership_loyalty.membership_loyalty_group_manager"),
            reporting.group_ids,
        )
