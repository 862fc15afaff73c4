import json
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools.service_lines import service_products_query
from ..tools.sql_settings import local_settings

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
# Where the last refresh leaves its marks for the next incremental one.
STATE_PARAM = "membership_loyalty.member_score_refresh"
# How far before the oldest transaction open at a refresh the next incremental refresh
# looks for changes: a transaction that had begun before the refresh but committed only
# after it took its snapshot is then still caught.
CHANGE_MARGIN_MINUTES = 10
# The nightly refresh is a full one when the last full one is this old.
FULL_REFRESH_DAYS = 7
# For the refresh statement only: memory for its sorts and hashes (every member ranked
# three times), no JIT compilation (its large cost estimate would spend seconds compiling
# a statement that runs in a fraction of that), and no nested loops: the joins of its
# CTEs are estimated at billions of rows, and on a vacuumed empty score table (a new
# install where autovacuum ran) the planner checked each new row against the table in a
# loop, reading again the pages the statement itself was filling (a first build took
# 120 s at 100,000 members, and had not ended after 15 minutes at 1,000,000; 3.8 s and
# 39 s without nested loops). Every join here is over all members, and hash joins are
# the right ones: the planner, misled by the estimates of the ranked rows, otherwise
# sorted every member by id to merge them with the few hundred whose orders were read.
REFRESH_SETTINGS = {
    "work_mem": "64MB",
    "jit": "off",
    "enable_nestloop": "off",
    "enable_mergejoin": "off",
}
# What a refresh computes per member: a row is rewritten only when one of these changed.
SCORE_COLUMNS = (
    "company_id",
    "last_visit",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "rfm_code",
    "basket_recent",
    "basket_previous",
    "basket_trend",
    "visits_recent",
    "visits_previous",
    "frequency_trend",
    "refund_ratio",
    "churn_risk",
    "undesirable",
)
# The order figures of a member, kept in the score row between two refreshes.
ORDER_COLUMNS = (
    "frequency",
    "monetary",
    "visits_recent",
    "visits_previous",
    "basket_recent",
    "basket_previous",
    "basket_trend",
    "frequency_trend",
    "refund_ratio",
)
# The order figures of a member without any order in the 12 months.
NO_ORDER = {
    "frequency": SQL("0"),
    "monetary": SQL("0::float8"),
    "visits_recent": SQL("0"),
    "visits_previous": SQL("0"),
    "basket_recent": SQL("NULL::float8"),
    "basket_previous": SQL("NULL::float8"),
    "basket_trend": SQL("'unknown'::varchar"),
    "frequency_trend": SQL("'unknown'::varchar"),
    "refund_ratio": SQL("0::float8"),
}


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
    refreshed_at = fields.Datetime(
        readonly=True, help="Last refresh that changed this member's scores."
    )
    last_visit = fields.Date(
        readonly=True, help="Day of the member's last visit (UTC), empty when none."
    )
    # Not stored: it moves on with the clock while nothing else does. Computed in SQL from
    # the last visit and the day of the last refresh (see ``_field_to_sql``), so it filters,
    # sorts, groups and averages in lists, pivots and segment filters like a column.
    recency_days = fields.Integer(
        string="Days Since Last Visit",
        compute="_compute_recency_days",
        search="_search_recency_days",
        aggregator="avg",
        help="On the day of the last refresh; empty when the member never visited.",
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

    def init(self):
        # A refresh rewrites the rows of the members whose scores changed: with room left
        # on each page the new versions stay on their page, as heap-only updates that add
        # no index entry.
        self.env.cr.execute(SQL("ALTER TABLE membership_member_score SET (fillfactor = 50)"))

    @api.private
    def _scored_on(self):
        """The day the scores were last computed for (the date of the last refresh)."""
        # sudo: system bookkeeping, read by every user who reads the scores
        value = self.env["ir.config_parameter"].sudo().get_param(STATE_PARAM)
        if value:
            return datetime.fromisoformat(json.loads(value)["now"]).date()
        return fields.Date.context_today(self)

    @api.depends("last_visit")
    def _compute_recency_days(self):
        scored_on = self._scored_on()
        for score in self:
            score.recency_days = (scored_on - score.last_visit).days if score.last_visit else 0

    def _search_recency_days(self, operator, value):
        field = self._fields["recency_days"]
        return Domain.custom(
            to_sql=lambda model, alias, query: field._condition_to_sql(
                "recency_days", operator, value, model, alias, query
            )
        )

    def _field_to_sql(self, alias, field_expr, query=None):
        if field_expr == "recency_days":
            return SQL(
                "(%s::date - %s)",
                self._scored_on(),
                super()._field_to_sql(alias, "last_visit", query),
            )
        return super()._field_to_sql(alias, field_expr, query)

    @api.model
    def _cron_refresh(self):
        self._refresh(incremental=True)

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
    def _refresh(self, now=None, incremental=False):
        """Score every member in set-based SQL, write only the rows whose scores changed and
        drop the rows of partners who are no longer members. Returns the number of rows.

        A full refresh reads every member's orders of the last 12 months. An incremental one
        reads only the orders of the members who may have changed since the last refresh
        (see ``_refresh_changed_query``) and takes the others' order figures from their
        rows; quintiles, recency and risk are still ranked over every member, so both give
        the same scores. Without the marks of a previous refresh it is a full one."""
        now = now or fields.Datetime.now()
        self.env.flush_all()
        cr = self.env.cr
        last = self._refresh_last_marks(now) if incremental else None
        marks = self._refresh_marks()
        changed = self._refresh_changed_query(last, now) if last else None
        with local_settings(cr, REFRESH_SETTINGS):
            cr.execute(self._refresh_query(now, changed))
            [count] = cr.fetchone()
        full = now if changed is None else last["full"]
        self.env["ir.config_parameter"].sudo().set_param(  # sudo: system bookkeeping
            STATE_PARAM,
            json.dumps({**marks, "now": now.isoformat(sep=" "), "full": full.isoformat(sep=" ")}),
        )
        self.invalidate_model()
        return count

    @api.private
    def _refresh_marks(self):
        """What the next incremental refresh compares against: the last order and order
        line ids, and a time before every transaction open now (theirs is the write date
        of what they change, committed maybe after this refresh read the tables)."""
        self.env.cr.execute(
            SQL(
                """
                SELECT (SELECT COALESCE(MAX(id), 0) FROM pos_order),
                       (SELECT COALESCE(MAX(id), 0) FROM pos_order_line),
                       (LEAST(now(), (SELECT MIN(xact_start) FROM pg_stat_activity
                                       WHERE datname = current_database()))
                        AT TIME ZONE 'UTC') - make_interval(mins => %s)
                """,
                CHANGE_MARGIN_MINUTES,
            )
        )
        order_id, line_id, since = self.env.cr.fetchone()
        return {"order_id": order_id, "line_id": line_id, "since": str(since)}

    @api.private
    def _refresh_last_marks(self, now):
        """The marks of the last refresh, or None when an incremental refresh cannot rely
        on them: none yet, the last full one a week old or more, or a company's settings
        changed since (which products are
        membership services, the thresholds), which may change every member's figures."""
        # sudo: system bookkeeping, read by the scheduled action
        value = self.env["ir.config_parameter"].sudo().get_param(STATE_PARAM)
        if not value:
            return None
        marks = json.loads(value)
        marks["now"] = datetime.fromisoformat(marks["now"])
        # What an incremental refresh cannot see (an order moved to another customer, a
        # line edited without its order) is caught up by a full one at least once a week.
        if "full" not in marks:
            return None
        marks["full"] = datetime.fromisoformat(marks["full"])
        if now - marks["full"] >= timedelta(days=FULL_REFRESH_DAYS):
            return None
        marks["since"] = fields.Datetime.to_datetime(marks["since"][:19])
        self.env.cr.execute(
            SQL("SELECT 1 FROM res_company WHERE write_date >= %s LIMIT 1", marks["since"])
        )
        return None if self.env.cr.rowcount else marks

    @api.private
    def _refresh_members_query(self):
        """The members (the ``member`` table of the refresh statement), their company's
        inactivity period and refund share, and their score row as it stands (``score_id``
        and the ``old_`` columns; empty when they have none yet)."""
        return SQL(
            """
            SELECT p.id AS partner_id, p.company_id, p.member_last_visit, p.member_since,
                   p.write_date,
                   COALESCE(co.membership_inactive_days, dflt.membership_inactive_days)
                       AS inactive_days,
                   COALESCE(co.membership_refund_abuse_ratio, dflt.membership_refund_abuse_ratio)
                       AS abuse_ratio,
                   s.id AS score_id, %s
              FROM res_partner p
              -- a plain equality join (members without a company take the first one's
              -- settings): the planner then expects every member, not a few hundred
              LEFT JOIN res_company co ON co.id = p.company_id
             CROSS JOIN (SELECT membership_inactive_days, membership_refund_abuse_ratio
                           FROM res_company WHERE active ORDER BY id LIMIT 1) dflt
              LEFT JOIN membership_member_score s ON s.partner_id = p.id
             WHERE p.is_member AND p.active
            """,
            SQL(", ").join(
                SQL("%s AS %s", SQL.identifier("s", column), SQL.identifier(f"old_{column}"))
                for column in SCORE_COLUMNS
            ),
        )

    @api.private
    def _refresh_changed_query(self, last, now):
        """The partners whose order figures may differ from their score row (a query on
        the ``member`` table of ``_refresh_members_query``): members without a row or
        written since the last refresh (a paid order updates its
        member's activity figures), customers of orders created or written since, of
        orders with a line added since, and of orders that entered or left one of the
        date windows because the clock moved."""
        edges = zip(self._refresh_bounds(last["now"]), self._refresh_bounds(now), strict=True)
        windows = [
            SQL("(o.date_order > %s AND o.date_order <= %s)", min(edge), max(edge))
            for edge in edges
            if edge[0] != edge[1]
        ]
        return SQL(
            """
            SELECT m.partner_id
              FROM member m
             WHERE m.write_date >= %(since)s OR m.score_id IS NULL
            UNION
            SELECT o.partner_id
              FROM pos_order o
             WHERE o.partner_id IS NOT NULL
               AND (o.id > %(order_id)s OR o.write_date >= %(since)s %(windows)s)
            UNION
            SELECT o.partner_id
              FROM pos_order_line l
              JOIN pos_order o ON o.id = l.order_id
             WHERE l.id > %(line_id)s AND o.partner_id IS NOT NULL
            """,
            since=last["since"],
            order_id=last["order_id"],
            line_id=last["line_id"],
            windows=SQL("").join(SQL(" OR %s", window) for window in windows),
        )

    @api.private
    def _refresh_bounds(self, now):
        """The date window edges at ``now``: the 12 months, the two trend windows, now."""
        return (
            now - relativedelta(days=RFM_DAYS),
            now - relativedelta(days=2 * TREND_DAYS),
            now - relativedelta(days=TREND_DAYS),
            now,
        )

    @api.private
    def _refresh_service_products(self):
        """The ids of the membership service products (top-ups, card charges). Given to the
        refresh as a constant list: the planner then knows from the product statistics how
        few lines they have and reads them through the product index, not every line."""
        self.env.cr.execute(SQL(service_products_query(with_points=False)))
        return [product_id for (product_id,) in self.env.cr.fetchall()]

    @api.private
    def _refresh_query(self, now, changed=None):
        """Score the members and write the rows that changed, in one statement. With
        ``changed`` (a query of partner ids), only those members' orders are read.

        Each member is one row from start to end: the member, its score row as it stands
        and its order figures are joined once by hash, ranked three times, and compared
        with the score row on the spot, so only the rows that differ reach the writes."""
        year_ago, previous, recent, now = self._refresh_bounds(now)
        if changed is None:
            changed_join = only_changed = SQL("")
        else:
            changed_join = SQL("LEFT JOIN changed c ON c.partner_id = m.partner_id")
            # an array, not a join: the orders are then read through the customer index
            only_changed = SQL("AND o.partner_id = ANY(ARRAY(SELECT partner_id FROM changed))")
        columns = SQL(", ").join(SQL.identifier(column) for column in SCORE_COLUMNS)
        new_columns = SQL(", ").join(SQL.identifier("n", column) for column in SCORE_COLUMNS)
        return SQL(
            """
            WITH member AS MATERIALIZED (%(members)s),
            changed AS MATERIALIZED (%(changed)s),
            sale AS (
                -- goods only: an order's top-ups and card charges are no spend, and an
                -- order of nothing else is no visit. OFFSET 0 keeps the amount computed
                -- once per order, not once for each aggregate below that reads it.
                SELECT o.partner_id,
                       (o.amount_total - COALESCE(svc.amount_incl, 0))
                           / COALESCE(NULLIF(o.currency_rate, 0), 1.0) AS amount,
                       o.date_order
                  FROM pos_order o
                  LEFT JOIN (%(service)s) svc ON svc.order_id = o.id
                 WHERE o.state IN ('paid', 'done')
                   AND o.partner_id IS NOT NULL
                   AND o.date_order > %(year_ago)s AND o.date_order <= %(now)s
                   %(only_changed)s
                OFFSET 0
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
            read AS (
                -- the order figures of the members whose orders were read
                SELECT a.partner_id,
                       a.frequency::int AS frequency,
                       a.monetary::float8 AS monetary,
                       a.visits_recent::int AS visits_recent,
                       a.visits_previous::int AS visits_previous,
                       a.basket_recent::float8 AS basket_recent,
                       a.basket_previous::float8 AS basket_previous,
                       CASE WHEN a.basket_recent IS NULL OR a.basket_previous IS NULL
                                THEN 'unknown'
                            WHEN a.basket_recent > a.basket_previous * (1 + %(tolerance)s)
                                THEN 'rising'
                            WHEN a.basket_recent < a.basket_previous * (1 - %(tolerance)s)
                                THEN 'falling'
                            ELSE 'stable' END::varchar AS basket_trend,
                       CASE WHEN a.visits_recent = 0 AND a.visits_previous = 0 THEN 'unknown'
                            WHEN a.visits_recent > a.visits_previous * (1 + %(tolerance)s)
                                THEN 'rising'
                            WHEN a.visits_recent < a.visits_previous * (1 - %(tolerance)s)
                                THEN 'falling'
                            ELSE 'stable' END::varchar AS frequency_trend,
                       (CASE WHEN a.sold > 0 THEN COALESCE(a.refunded, 0) / a.sold
                             ELSE 0 END)::float8 AS refund_ratio
                  FROM activity a
            ),
            figures AS (
                -- every member with its score row as it stands and its order figures:
                -- read now, none (no order in the year), or kept from the score row
                SELECT m.*, %(figure_columns)s
                  FROM member m
                  LEFT JOIN read a ON a.partner_id = m.partner_id
                  %(changed_join)s
            ),
            ranked AS (
                SELECT f.*,
                       CASE WHEN f.member_last_visit IS NULL THEN 1
                            ELSE ntile(5) OVER (PARTITION BY f.company_id
                                                ORDER BY f.member_last_visit ASC NULLS FIRST,
                                                         f.partner_id) END AS r_score,
                       CASE WHEN f.frequency = 0 THEN 1
                            ELSE ntile(5) OVER (PARTITION BY f.company_id
                                                ORDER BY f.frequency, f.partner_id) END
                           AS f_score,
                       CASE WHEN f.monetary <= 0 THEN 1
                            ELSE ntile(5) OVER (PARTITION BY f.company_id
                                                ORDER BY f.monetary, f.partner_id) END
                           AS m_score
                  FROM figures f
            ),
            scored AS (
                SELECT r.*, r.member_last_visit::date AS last_visit,
                       r.r_score::text || r.f_score::text || r.m_score::text AS rfm_code,
                       CASE WHEN (%(today)s::date - COALESCE(r.member_last_visit::date,
                                                              r.member_since,
                                                              %(today)s::date))
                                 > r.inactive_days THEN 'high'
                            WHEN (%(today)s::date - COALESCE(r.member_last_visit::date,
                                                              r.member_since,
                                                              %(today)s::date)) * 2
                                 > r.inactive_days OR r.frequency_trend = 'falling'
                                THEN 'medium'
                            ELSE 'low' END AS churn_risk,
                       r.refund_ratio > 0 AND r.refund_ratio > r.abuse_ratio AS undesirable
                  FROM ranked r
            ),
            new AS MATERIALIZED (
                -- the members whose row is missing or differs
                SELECT n.score_id, n.partner_id, %(new_columns)s
                  FROM scored n
                 WHERE (%(kept_columns)s) IS DISTINCT FROM (%(new_columns)s)
            ),
            updated AS (
                UPDATE membership_member_score t
                   SET (%(columns)s, refreshed_at, write_uid, write_date)
                       = (%(new_columns)s, %(now)s, %(uid)s, %(now)s)
                  FROM new n
                 -- the array lets the few rows be found through the primary key
                 WHERE t.id = n.score_id
                   AND t.id = ANY(ARRAY(SELECT score_id FROM new WHERE score_id IS NOT NULL))
            ),
            inserted AS (
                INSERT INTO membership_member_score (
                    partner_id, %(columns)s, refreshed_at, member_count,
                    create_uid, create_date, write_uid, write_date)
                SELECT n.partner_id, %(new_columns)s, %(now)s, 1, %(uid)s, %(now)s, %(uid)s,
                       %(now)s
                  FROM new n
                 WHERE n.score_id IS NULL
                ON CONFLICT (partner_id) DO NOTHING
            ),
            deleted AS (
                -- the rows of partners who are no longer members, looked for only when
                -- there are more rows than members with a row (each member has one)
                DELETE FROM membership_member_score t
                 WHERE (SELECT COUNT(*) FROM membership_member_score)
                       > (SELECT COUNT(score_id) FROM member)
                   AND t.id NOT IN (SELECT score_id FROM member WHERE score_id IS NOT NULL)
            )
            SELECT COUNT(*) FROM member
            """,
            members=self._refresh_members_query(),
            changed=changed if changed is not None else SQL("SELECT NULL::int AS partner_id"),
            service=SQL(
                """
                SELECT sl.order_id, SUM(sl.price_subtotal_incl) AS amount_incl
                  FROM pos_order_line sl
                 WHERE sl.product_id = ANY(%s)
                 GROUP BY sl.order_id
                """,
                self._refresh_service_products(),
            ),
            only_changed=only_changed,
            changed_join=changed_join,
            columns=columns,
            kept_columns=SQL(", ").join(
                SQL.identifier("n", f"old_{column}") for column in SCORE_COLUMNS
            ),
            figure_columns=self._refresh_figure_columns(changed is not None),
            new_columns=new_columns,
            now=now,
            today=now.date(),
            year_ago=year_ago,
            recent=recent,
            previous=previous,
            tolerance=TREND_TOLERANCE,
            uid=self.env.uid,
        )

    @api.private
    def _refresh_figure_columns(self, incremental):
        """The order figures of the ``figures`` table of the refresh statement: those read
        now (``a``), their values for a member without any order in the year, or, in an
        incremental refresh, those of the score row (``old_``) for the members not changed."""
        columns = []
        for column in ORDER_COLUMNS:
            value = SQL("COALESCE(%s, %s)", SQL.identifier("a", column), NO_ORDER[column])
            if incremental:
                value = SQL(
                    "CASE WHEN c.partner_id IS NULL THEN %s ELSE %s END",
                    SQL.identifier("m", f"old_{column}"),
                    value,
                )
            columns.append(SQL("%s AS %s", value, SQL.identifier(column)))
        return SQL(", ").join(columns)
