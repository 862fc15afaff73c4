from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models import membership_member_score as score_module
from ..models.membership_member_score import SCORE_COLUMNS
from ..tools.service_lines import service_amounts_query
from .analytics_common import AnalyticsCommon

NOW = datetime(2026, 6, 30, 12, 0, 0)


@tagged("post_install", "-at_install")
class TestAnalyticsSegments(AnalyticsCommon):
    """RFM quintiles, trends and flags on a hand-computed dataset.

    At NOW the trend windows are (2026-04-01 12:00, NOW] and (2026-01-01 12:00, 2026-04-01
    12:00]; frequency and spend cover the 365 days before NOW. Inactivity: 90 days, refund
    abuse above 30 %.

    member  orders                                  F  M    last visit  R  F  M
    rise    20 (03-01), 40 (05-01), 60 (06-20)      3  120  06-20       5  4  5
    fall    30 (02-01, 02-15, 03-01), 10 (04-10)    4  100  04-10       3  5  3
    lapsed  110 (2025-09-01)                        1  110  2025-09-01  2  2  4
    refund  50 (06-01), 50 (06-02), -50 (06-03)     2  50   06-02       4  3  2
    never   -                                       0  0    -           1  1  1
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.membership_inactive_days = 90
        cls.company.membership_refund_abuse_ratio = 0.3
        cls.rise = cls.make_member("Rise", member_gender="female")
        cls.fall = cls.make_member("Fall", member_gender="male")
        cls.lapsed = cls.make_member("Lapsed", member_gender="female")
        cls.refunder = cls.make_member("Refunder")
        cls.never = cls.make_member("Never", member_since="2026-06-25")
        cls.members = cls.rise | cls.fall | cls.lapsed | cls.refunder | cls.never
        for partner, amount, when in [
            (cls.rise, 20, "2026-03-01"),
            (cls.rise, 40, "2026-05-01"),
            (cls.rise, 60, "2026-06-20"),
            (cls.fall, 30, "2026-02-01"),
            (cls.fall, 30, "2026-02-15"),
            (cls.fall, 30, "2026-03-01"),
            (cls.fall, 10, "2026-04-10"),
            (cls.lapsed, 110, "2025-09-01"),
            (cls.refunder, 50, "2026-06-01"),
        ]:
            cls.pay(partner, amount, f"{when} 10:00:00")
        order = cls.pay(cls.refunder, 50, "2026-06-02 10:00:00")
        cls.refund(order, "2026-06-03 10:00:00")
        cls.Score = cls.env["membership.member.score"]

    def scores(self):
        return {
            s.partner_id: s for s in self.Score.search([("partner_id", "in", self.members.ids)])
        }

    def test_rfm_quintiles(self):
        self.Score._refresh(now=NOW)
        scores = self.scores()
        self.assertEqual(
            {p.name: s.rfm_code for p, s in scores.items()},
            {"Rise": "545", "Fall": "353", "Lapsed": "224", "Refunder": "432", "Never": "111"},
        )
        rise = scores[self.rise]
        self.assertEqual((rise.recency_days, rise.frequency, rise.monetary), (10, 3, 120.0))
        self.assertEqual(scores[self.refunder].monetary, 50.0)
        self.assertEqual(scores[self.refunder].frequency, 2)
        self.assertEqual(scores[self.lapsed].recency_days, 302)
        self.assertFalse(scores[self.never].recency_days)

    def test_trends_risk_and_undesirable(self):
        self.Score._refresh(now=NOW)
        scores = self.scores()
        rise, fall, lapsed = scores[self.rise], scores[self.fall], scores[self.lapsed]
        refunder, never = scores[self.refunder], scores[self.never]
        self.assertEqual((rise.basket_recent, rise.basket_previous), (50.0, 20.0))
        self.assertEqual((rise.basket_trend, rise.frequency_trend), ("rising", "rising"))
        self.assertEqual((fall.visits_recent, fall.visits_previous), (1, 3))
        self.assertEqual((fall.basket_trend, fall.frequency_trend), ("falling", "falling"))
        self.assertEqual((lapsed.basket_trend, lapsed.frequency_trend), ("unknown", "unknown"))
        self.assertEqual((refunder.basket_trend, refunder.frequency_trend), ("unknown", "rising"))
        self.assertEqual(
            [s.churn_risk for s in (rise, fall, lapsed, refunder, never)],
            ["low", "medium", "high", "low", "low"],
        )
        self.assertAlmostEqual(refunder.refund_ratio, 0.5)
        self.assertEqual(
            [s.undesirable for s in (rise, fall, lapsed, refunder, never)],
            [False, False, False, True, False],
        )
        # A more tolerant shop does not flag the member.
        self.company.membership_refund_abuse_ratio = 0.6
        self.Score._refresh(now=NOW)
        self.assertFalse(self.scores()[self.refunder].undesirable)

    def test_refresh_upserts_and_drops_former_members(self):
        self.assertEqual(self.Score._refresh(now=NOW), len(self.Score.search([])))
        self.Score._refresh(now=NOW)
        self.assertEqual(len(self.scores()), 5)
        self.never.is_member = False
        self.Score._refresh(now=NOW)
        self.assertEqual(set(self.scores()), set(self.members - self.never))
        # The scheduled action runs the same statement.
        self.Score._cron_refresh()
        self.assertEqual(len(self.scores()), 4)

    def test_predefined_segments(self):
        self.Score._refresh(now=NOW)
        expected = {
            "membership_segment_high_value": self.rise,
            "membership_segment_rising_basket": self.rise,
            "membership_segment_rising_frequency": self.rise | self.refunder,
            "membership_segment_at_risk": self.lapsed,
            "membership_segment_undesirable": self.refunder,
        }
        for xmlid, members in expected.items():
            segment = self.env.ref(f"membership_loyalty.{xmlid}")
            found = segment._members()
            self.assertEqual(found & self.members, members, xmlid)
            self.assertEqual(segment.member_count, len(found))
        with self.assertRaises(UserError):
            self.env.ref("membership_loyalty.membership_segment_at_risk").unlink()

    def test_custom_segment_counts_live(self):
        segment = self.env["membership.segment"].create(
            {"name": "Women", "domain": "[('member_gender', '=', 'female')]"}
        )
        self.assertEqual(segment._members() & self.members, self.rise | self.lapsed)
        count = segment.member_count
        self.make_member("Zoe", member_gender="female")
        segment.invalidate_recordset(["member_count"])
        self.assertEqual(segment.member_count, count + 1)
        # Only members count, whatever the filter says.
        self.env["res.partner"].create({"name": "Not a member", "member_gender": "female"})
        segment.invalidate_recordset(["member_count"])
        self.assertEqual(segment.member_count, count + 1)
        action = segment.action_open_members()
        self.assertEqual(
            self.env["res.partner"].search(action["domain"]) & self.members,
            self.rise | self.lapsed,
        )
        with self.assertRaises(ValidationError):
            segment.domain = "[('no_such_field', '=', 1)]"

    def test_segments_and_scores_are_for_managers(self):
        self.Score._refresh(now=NOW)
        for model in ("membership.segment", "membership.member.score", "membership.campaign"):
            for user in (self.cashier, self.supervisor):
                with self.assertRaises(AccessError):
                    self.env[model].with_user(user).search_read([], limit=1)
        for model in ("membership.segment", "membership.member.score"):
            self.assertTrue(self.env[model].with_user(self.manager).search_read([], limit=1))

    def score_rows(self):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT partner_id, %s FROM membership_member_score ORDER BY partner_id",
                SQL(", ").join(SQL.identifier(column) for column in SCORE_COLUMNS),
            )
        )
        return self.env.cr.fetchall()

    def changed_members(self, now):
        """The members an incremental refresh at ``now`` would read the orders of."""
        last = self.Score._refresh_last_marks(now)
        self.env.cr.execute(
            SQL(
                "WITH member AS (%s) %s",
                self.Score._refresh_members_query(),
                self.Score._refresh_changed_query(last, now),
            )
        )
        return self.env["res.partner"].browse(row[0] for row in self.env.cr.fetchall())

    def age_data(self):
        """As if everything so far had been written a day ago (a test writes everything
        at the time its transaction began)."""
        for table in ("res_company", "res_partner", "pos_order", "pos_order_line"):
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET write_date = write_date - INTERVAL '1 day'",
                    SQL.identifier(table),
                )
            )

    def test_incremental_refresh_matches_full(self):
        self.age_data()
        self.Score._refresh(now=NOW)
        # Since then: a first visit, a new member, a member leaves.
        self.pay(self.never, 80, "2026-06-30 11:00:00")
        zoe = self.make_member("Zoe", member_since="2026-06-30")
        self.refunder.is_member = False
        self.assertEqual(self.changed_members(NOW) & (self.members | zoe), self.never | zoe)
        self.Score._refresh(now=NOW, incremental=True)
        incremental = self.score_rows()
        self.assertEqual(self.scores()[self.never].frequency, 1)
        self.assertNotIn(self.refunder, self.scores())
        self.Score._refresh(now=NOW)
        self.assertEqual(incremental, self.score_rows())
        # Forty days on, orders have crossed the trend windows' edges: only their members
        # are read again, the others' recency and quintiles still move.
        self.age_data()
        later = NOW + timedelta(days=40)
        # The last full refresh is over a week old: the nightly one is a full one again.
        self.assertIsNone(self.Score._refresh_last_marks(later))
        self.patch(score_module, "FULL_REFRESH_DAYS", 60)
        self.assertEqual(self.changed_members(later) & self.members, self.rise | self.fall)
        self.Score._refresh(now=later, incremental=True)
        incremental = self.score_rows()
        self.assertEqual(self.scores()[self.fall].visits_recent, 0)
        self.Score._refresh(now=later)
        self.assertEqual(incremental, self.score_rows())
        # Without the marks of an earlier refresh, an incremental refresh is a full one.
        self.env["ir.config_parameter"].set_param("membership_loyalty.member_score_refresh", False)
        self.assertEqual(self.Score._refresh(now=later, incremental=True), len(self.score_rows()))
        self.assertEqual(incremental, self.score_rows())

    # The scores as defined before the days since the last visit stopped being stored: one
    # set-based reading of every member's orders, ranked over every member, with the days
    # counted at ``now``. The refresh must give these figures, full or incremental.
    REFERENCE = """
        WITH member AS (
            -- a member without a company has the first company's settings
            SELECT p.id AS partner_id, p.company_id, p.member_last_visit, p.member_since,
                   COALESCE(co.membership_inactive_days, first.membership_inactive_days)
                       AS inactive_days,
                   COALESCE(co.membership_refund_abuse_ratio,
                            first.membership_refund_abuse_ratio) AS abuse_ratio
              FROM res_partner p
              LEFT JOIN res_company co ON co.id = p.company_id
              JOIN (SELECT * FROM res_company WHERE active ORDER BY id LIMIT 1) first ON TRUE
             WHERE p.is_member AND p.active
        ),
        sale AS (
            SELECT o.partner_id, o.date_order,
                   (o.amount_total - COALESCE(svc.amount_incl, 0))
                       / COALESCE(NULLIF(o.currency_rate, 0), 1.0) AS amount
              FROM pos_order o
              LEFT JOIN (%(service)s) svc ON svc.order_id = o.id
             WHERE o.state IN ('paid', 'done') AND o.partner_id IS NOT NULL
               AND o.date_order > %(year_ago)s AND o.date_order <= %(now)s
        ),
        activity AS (
            SELECT partner_id,
                   COUNT(*) FILTER (WHERE amount > 0) AS frequency,
                   SUM(amount) AS monetary,
                   SUM(amount) FILTER (WHERE amount > 0) AS sold,
                   -SUM(amount) FILTER (WHERE amount < 0) AS refunded,
                   COUNT(*) FILTER (WHERE amount > 0 AND date_order > %(recent)s) AS vr,
                   COUNT(*) FILTER (WHERE amount > 0 AND date_order <= %(recent)s
                                      AND date_order > %(previous)s) AS vp,
                   AVG(amount) FILTER (WHERE amount > 0 AND date_order > %(recent)s) AS br,
                   AVG(amount) FILTER (WHERE amount > 0 AND date_order <= %(recent)s
                                         AND date_order > %(previous)s) AS bp
              FROM sale GROUP BY partner_id
        ),
        figures AS (
            SELECT m.*, COALESCE(a.frequency, 0)::int AS frequency,
                   COALESCE(a.monetary, 0)::float8 AS monetary,
                   COALESCE(a.vr, 0)::int AS visits_recent,
                   COALESCE(a.vp, 0)::int AS visits_previous,
                   a.br::float8 AS basket_recent, a.bp::float8 AS basket_previous,
                   CASE WHEN a.br IS NULL OR a.bp IS NULL THEN 'unknown'
                        WHEN a.br > a.bp * 1.1 THEN 'rising'
                        WHEN a.br < a.bp * 0.9 THEN 'falling'
                        ELSE 'stable' END AS basket_trend,
                   CASE WHEN COALESCE(a.vr, 0) = 0 AND COALESCE(a.vp, 0) = 0 THEN 'unknown'
                        WHEN a.vr > a.vp * 1.1 THEN 'rising'
                        WHEN a.vr < a.vp * 0.9 THEN 'falling'
                        ELSE 'stable' END AS frequency_trend,
                   (CASE WHEN a.sold > 0 THEN COALESCE(a.refunded, 0) / a.sold
                         ELSE 0 END)::float8 AS refund_ratio
              FROM member m LEFT JOIN activity a ON a.partner_id = m.partner_id
        )
        SELECT partner_id, %(today)s::date - member_last_visit::date AS recency_days,
               frequency, round(monetary::numeric, 6),
               CASE WHEN member_last_visit IS NULL THEN 1
                    ELSE ntile(5) OVER (PARTITION BY company_id ORDER BY
                                        member_last_visit ASC NULLS FIRST, partner_id) END
               || '' || CASE WHEN frequency = 0 THEN 1
                    ELSE ntile(5) OVER (PARTITION BY company_id ORDER BY frequency,
                                        partner_id) END
               || '' || CASE WHEN monetary <= 0 THEN 1
                    ELSE ntile(5) OVER (PARTITION BY company_id ORDER BY monetary,
                                        partner_id) END AS rfm_code,
               round(basket_recent::numeric, 6), round(basket_previous::numeric, 6),
               basket_trend, visits_recent, visits_previous, frequency_trend,
               round(refund_ratio::numeric, 6),
               CASE WHEN (%(today)s::date - COALESCE(member_last_visit::date, member_since,
                                                     %(today)s::date)) > inactive_days
                        THEN 'high'
                    WHEN (%(today)s::date - COALESCE(member_last_visit::date, member_since,
                                                     %(today)s::date)) * 2 > inactive_days
                         OR frequency_trend = 'falling' THEN 'medium'
                    ELSE 'low' END AS churn_risk,
               refund_ratio > 0 AND refund_ratio > abuse_ratio AS undesirable
          FROM figures ORDER BY partner_id
    """

    def reference_rows(self, now):
        year_ago, previous, recent, now = self.Score._refresh_bounds(now)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                self.REFERENCE,
                service=SQL(service_amounts_query()),
                year_ago=year_ago,
                previous=previous,
                recent=recent,
                now=now,
                today=now.date(),
            )
        )
        # as the ORM reads them: no visit is 0 days, an empty average 0.0
        return [
            (
                row[0],
                row[1] or 0,
                row[2],
                round(row[3], 6),
                row[4],
                round(row[5] or 0.0, 6),
                round(row[6] or 0.0, 6),
                *row[7:11],
                round(row[11], 6),
                *row[12:],
            )
            for row in self.env.cr.fetchall()
        ]

    def refreshed_rows(self):
        """The score rows as the manager's list reads them (recency through the ORM)."""
        self.Score.invalidate_model()
        fields = ["recency_days", "frequency", "monetary", "rfm_code", "basket_recent"]
        fields += ["basket_previous", "basket_trend", "visits_recent", "visits_previous"]
        fields += ["frequency_trend", "refund_ratio", "churn_risk", "undesirable"]
        rounded = {"monetary", "basket_recent", "basket_previous", "refund_ratio"}
        rows = self.Score.search_read([], ["partner_id", *fields])
        return sorted(
            (
                row["partner_id"][0],
                *(round(row[f], 6) if f in rounded else row[f] for f in fields),
            )
            for row in rows
        )

    def test_refresh_matches_reference_definition_over_time(self):
        """Full and incremental refreshes at several dates give the scores of the reference
        statement, with the days since the last visit counted on the refresh's day."""
        self.patch(score_module, "FULL_REFRESH_DAYS", 400)
        self.make_member("Newcomer", member_since="2026-06-29")
        self.age_data()
        self.Score._refresh(now=NOW)
        for days in (0, 1, 40, 95, 200, 380):
            when = NOW + timedelta(days=days, hours=days % 7)
            if days == 95:
                self.pay(self.lapsed, 70, "2026-10-01 09:00:00")
            self.Score._refresh(now=when, incremental=True)
            expected = self.reference_rows(when)
            self.assertEqual(self.refreshed_rows(), expected, f"incremental, +{days} days")
            self.Score._refresh(now=when)
            self.assertEqual(self.refreshed_rows(), expected, f"full, +{days} days")

    def test_quintiles_with_ties_match_reference(self):
        """Members tied on spend, visits or the moment of their last visit, never seen, or
        without a company (ranked apart): full and incremental refreshes rank them as the
        reference does, ties in member order, also after a purchase moves the cut-offs."""
        self.patch(score_module, "FULL_REFRESH_DAYS", 400)
        tied = [self.make_member(f"Tied {index}") for index in range(9)]
        for index, member in enumerate(tied):
            # three spends (30, 60, 90) at three moments, the same for three members each
            when = f"2026-06-{10 + index % 3:02d} 10:00:00"
            self.pay(member, 30 * (1 + index // 3), when)
        self.pay(tied[0], 30, "2026-06-12 10:00:00")
        self.make_member("Never again", member_since="2026-01-15")
        self.make_member("No company", company_id=False)
        self.age_data()
        self.Score._refresh(now=NOW)
        self.assertEqual(self.refreshed_rows(), self.reference_rows(NOW), "full")
        self.assertGreater(len({row[4] for row in self.reference_rows(NOW)}), 6, "RFM codes")
        self.pay(tied[4], 200, "2026-06-29 18:00:00")
        self.pay(self.never, 15, "2026-06-29 18:00:00")
        later = NOW + timedelta(hours=1)
        self.Score._refresh(now=later, incremental=True)
        expected = self.reference_rows(later)
        self.assertEqual(self.refreshed_rows(), expected, "incremental")
        self.Score._refresh(now=later)
        self.assertEqual(self.refreshed_rows(), expected, "full after")

    def test_days_since_last_visit_filter_sort_group(self):
        """The days since the last visit, no longer a column, still filter, sort, group and
        average in the manager's list, pivot and segment filters."""
        self.Score._refresh(now=NOW)
        Score = self.Score.with_user(self.manager)
        ours = [("partner_id", "in", self.members.ids)]
        found = Score.search([*ours, ("recency_days", ">", 100)])
        self.assertEqual(found.partner_id, self.lapsed)
        found = Score.search([*ours, ("recency_days", "<=", 28)])
        # as for any integer field, an empty value compares as 0
        self.assertEqual(found.partner_id, self.rise | self.refunder | self.never)
        found = Score.search([*ours, ("recency_days", "in", (10, 81))])
        self.assertEqual(found.partner_id, self.rise | self.fall)
        self.assertEqual(Score.search([*ours, ("recency_days", "=", False)]).partner_id, self.never)
        ordered = Score.search(ours, order="recency_days desc nulls last, id")
        self.assertEqual(ordered.mapped("recency_days"), [302, 81, 28, 10, 0])
        groups = dict(Score._read_group(ours, ["recency_days"], ["__count"]))
        self.assertEqual(groups, {10: 1, 28: 1, 81: 1, 302: 1, False: 1})
        [[average]] = Score._read_group(
            [*ours, ("recency_days", "!=", False)], [], ["recency_days:avg"]
        )
        self.assertAlmostEqual(average, (10 + 81 + 302 + 28) / 4)
        segment = self.env["membership.segment"].create(
            {"name": "Away", "domain": "[('membership_score_ids.recency_days', '>=', 60)]"}
        )
        self.assertEqual(segment._members() & self.members, self.fall | self.lapsed)
