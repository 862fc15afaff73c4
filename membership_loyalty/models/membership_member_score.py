from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools.service_lines import service_amounts_query

TRENDS = [
    ("rising", "Rising"),
    ("stable", "Stable"),
    ("falling", "Falling"),
    ("unknown", "Not Enough Data"),
]
# The trend windows: the last TREND_DAYS against the TREND_DAYS before them.
TREND_DAYS = 90
# A change smaller than this share of the previous value is "stable".
TREND_TOLERANCE = 0.10
# Frequency and monetary value are measured over this many days.
RFM_DAYS = 365


class MembershipMemberScore(models.Model):
    """Per-member RFM scores, trends and risk flags, rebuilt by one SQL statement."""

    _name = "membership.member.score"
    _description = "Member Score"
    _order = "monetary desc, id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    refreshed_at = fields.Datetime(readonly=True)
    recency_days = fields.Integer(
        string="Days Since Last Visit",
        readonly=True,
        aggregator="avg",
        help="Empty when the member never visited.",
    )
    frequency = fields.Integer(string="Visits (12 months)", readonly=True)
    monetary = fields.Float(string="Net Spend (12 months)", readonly=True)
    r_score = fields.Integer(string="Recency Score", readonly=True, aggregator="avg")
    f_score = fields.Integer(string="Frequency Score", readonly=True, aggregator="avg")
    m_score = fields.Integer(string="Monetary Score", readonly=True, aggregator="avg")
    rfm_code = fields.Char(string="RFM", readonly=True, help="Recency, frequency, monetary: 1-5.")
    basket_recent = fields.Float(
        string="Avg Basket (last 90 days)", readonly=True, aggregator="avg"
    )
    basket_previous = fields.Float(
        string="Avg Basket (previous 90 days)", readonly=True, aggregator="avg"
    )
    basket_trend = fields.Selection(TRENDS, readonly=True)
    visits_recent = fields.Integer(string="Visits (last 90 days)", readonly=True)
    visits_previous = fields.Integer(string="Visits (previous 90 days)", readonly=True)
    frequency_trend = fields.Selection(TRENDS, string="Visit Trend", readonly=True)
    refund_ratio = fields.Float(
        string="Refunded Share",
        readonly=True,
        aggregator="avg",
        help="Refunded amount divided by the amount bought over 12 months.",
    )
    churn_risk = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")], readonly=True
    )
    undesirable = fields.Boolean(
        readonly=True, help="Refunds more than the share allowed in the Membership settings."
    )
    member_count = fields.Integer(string="Members", readonly=True, default=1)

    _partner_unique = models.Constraint("UNIQUE(partner_id)", "A member has one score row.")

    @api.model
    def _cron_refresh(self):
        self._refresh()

    @api.model
    def action_rebuild(self):
        """Rebuild every member's scores now (Membership Managers), then show them."""
        if not self.env.user.has_group("membership_loyalty.membership_loyalty_group_manager"):
            raise AccessError(self.env._("Only Membership Managers may rebuild member scores."))
        count = self._refresh()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Scores of %s members rebuilt.", count),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.private
    def _refresh(self, now=None):
        """Rebuild every member's row in one set-based statement (upsert, and delete the
        rows of partners who are no longer members)."""
        now = now or fields.Datetime.now()
        self.env.flush_all()
        default_company = self.env["res.company"].search([], order="id", limit=1).id
        query = SQL(
            """
            WITH gone AS (
                DELETE FROM membership_member_score s
                 WHERE NOT EXISTS (SELECT 1 FROM res_partner p
                                    WHERE p.id = s.partner_id AND p.is_member AND p.active)
            ),
            member AS (
                SELECT p.id AS partner_id, p.company_id, p.member_last_visit, p.member_since,
                       co.membership_inactive_days AS inactive_days,
                       co.membership_refund_abuse_ratio AS abuse_ratio
                  FROM res_partner p
                  JOIN res_company co ON co.id = COALESCE(p.company_id, %(default_company)s)
                 WHERE p.is_member AND p.active
            ),
            sale AS (
                -- goods only: an order's top-ups and card charges are no spend, and an
                -- order of nothing else is no visit
                SELECT o.partner_id,
                       (o.amount_total - COALESCE(svc.amount_incl, 0))
                           / COALESCE(NULLIF(o.currency_rate, 0), 1.0) AS amount,
                       o.date_order
                  FROM pos_order o
                  LEFT JOIN (%(service)s) svc ON svc.order_id = o.id
                 WHERE o.state IN ('paid', 'done')
                   AND o.partner_id IS NOT NULL
                   AND o.date_order > %(year_ago)s AND o.date_order <= %(now)s
            ),
            activity AS (
                SELECT partner_id,
                       COUNT(*) FILTER (WHERE amount > 0) AS frequency,
                       SUM(amount) AS monetary,
                       SUM(amount) FILTER (WHERE amount > 0) AS sold,
                       -SUM(amount) FILTER (WHERE amount < 0) AS refunded,
                       COUNT(*) FILTER (WHERE amount > 0 AND date_order > %(recent)s)
                           AS visits_recent,
                       COUNT(*) FILTER (WHERE amount > 0 AND date_order <= %(recent)s
                                          AND date_order > %(previous)s) AS visits_previous,
                       AVG(amount) FILTER (WHERE amount > 0 AND date_order > %(recent)s)
                           AS basket_recent,
                       AVG(amount) FILTER (WHERE amount > 0 AND date_order <= %(recent)s
                                             AND date_order > %(previous)s) AS basket_previous
                  FROM sale
                 GROUP BY partner_id
            ),
            base AS (
                SELECT m.partner_id, m.company_id, m.inactive_days, m.abuse_ratio,
                       m.member_last_visit,
                       (%(today)s::date - m.member_last_visit::date) AS recency_days,
                       (%(today)s::date - COALESCE(m.member_last_visit::date, m.member_since,
                                                  %(today)s::date)) AS idle_days,
                       COALESCE(a.frequency, 0) AS frequency,
                       COALESCE(a.monetary, 0) AS monetary,
                       COALESCE(a.sold, 0) AS sold,
                       COALESCE(a.refunded, 0) AS refunded,
                       COALESCE(a.visits_recent, 0) AS visits_recent,
                       COALESCE(a.visits_previous, 0) AS visits_previous,
                       a.basket_recent, a.basket_previous
                  FROM member m
                  LEFT JOIN activity a ON a.partner_id = m.partner_id
            ),
            scored AS (
                SELECT b.*,
                       CASE WHEN b.member_last_visit IS NULL THEN 1
                            ELSE ntile(5) OVER (PARTITION BY b.company_id
                                                ORDER BY b.member_last_visit ASC NULLS FIRST,
                                                         b.partner_id) END AS r_score,
                       CASE WHEN b.frequency = 0 THEN 1
                            ELSE ntile(5) OVER (PARTITION BY b.company_id
                                                ORDER BY b.frequency, b.partner_id) END
                           AS f_score,
                       CASE WHEN b.monetary <= 0 THEN 1
                            ELSE ntile(5) OVER (PARTITION BY b.company_id
                                                ORDER BY b.monetary, b.partner_id) END
                           AS m_score,
                       CASE WHEN b.basket_recent IS NULL OR b.basket_previous IS NULL
                                THEN 'unknown'
                            WHEN b.basket_recent > b.basket_previous * (1 + %(tolerance)s)
                                THEN 'rising'
                            WHEN b.basket_recent < b.basket_previous * (1 - %(tolerance)s)
                                THEN 'falling'
                            ELSE 'stable' END AS basket_trend,
                       CASE WHEN b.visits_recent = 0 AND b.visits_previous = 0 THEN 'unknown'
                            WHEN b.visits_recent > b.visits_previous * (1 + %(tolerance)s)
                                THEN 'rising'
                            WHEN b.visits_recent < b.visits_previous * (1 - %(tolerance)s)
                                THEN 'falling'
                            ELSE 'stable' END AS frequency_trend,
                       CASE WHEN b.sold > 0 THEN b.refunded / b.sold ELSE 0 END AS refund_ratio
                  FROM base b
            )
            INSERT INTO membership_member_score (
                partner_id, company_id, refreshed_at, recency_days, frequency, monetary,
                r_score, f_score, m_score, rfm_code, basket_recent, basket_previous,
                basket_trend, visits_recent, visits_previous, frequency_trend, refund_ratio,
                churn_risk, undesirable, member_count,
                create_uid, create_date, write_uid, write_date)
            SELECT s.partner_id, s.company_id, %(now)s, s.recency_days, s.frequency, s.monetary,
                   s.r_score, s.f_score, s.m_score,
                   s.r_score::text || s.f_score::text || s.m_score::text,
                   s.basket_recent, s.basket_previous, s.basket_trend,
                   s.visits_recent, s.visits_previous, s.frequency_trend, s.refund_ratio,
                   CASE WHEN s.idle_days > s.inactive_days THEN 'high'
                        WHEN s.idle_days * 2 > s.inactive_days OR s.frequency_trend = 'falling'
                            THEN 'medium'
                        ELSE 'low' END,
                   s.refunded > 0 AND s.refund_ratio > s.abuse_ratio,
                   1,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM scored s
            ON CONFLICT (partner_id) DO UPDATE SET
                company_id = EXCLUDED.company_id,
                refreshed_at = EXCLUDED.refreshed_at,
                recency_days = EXCLUDED.recency_days,
                frequency = EXCLUDED.frequency,
                monetary = EXCLUDED.monetary,
                r_score = EXCLUDED.r_score,
                f_score = EXCLUDED.f_score,
                m_score = EXCLUDED.m_score,
                rfm_code = EXCLUDED.rfm_code,
                basket_recent = EXCLUDED.basket_recent,
                basket_previous = EXCLUDED.basket_previous,
                basket_trend = EXCLUDED.basket_trend,
                visits_recent = EXCLUDED.visits_recent,
                visits_previous = EXCLUDED.visits_previous,
                frequency_trend = EXCLUDED.frequency_trend,
                refund_ratio = EXCLUDED.refund_ratio,
                churn_risk = EXCLUDED.churn_risk,
                undesirable = EXCLUDED.undesirable,
                write_uid = EXCLUDED.write_uid,
                write_date = EXCLUDED.write_date
            """,
            default_company=default_company,
            service=SQL(service_amounts_query()),
            now=now,
            today=now.date(),
            year_ago=now - relativedelta(days=RFM_DAYS),
            recent=now - relativedelta(days=TREND_DAYS),
            previous=now - relativedelta(days=2 * TREND_DAYS),
            tolerance=TREND_TOLERANCE,
            uid=self.env.uid,
        )
        self.env.cr.execute(query)
        self.invalidate_model()
        return self.env.cr.rowcount
