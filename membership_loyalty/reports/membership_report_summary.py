"""Day summaries behind the sales reports, and how their figures stay exact.

A summarized report (sales, top products) keeps its order-level SQL view for lists and
drill-down, and a real table of day totals (one row per day and dimension values). A
pivot, graph or dashboard aggregate that the day totals can answer reads:

- the table's rows, for the orders up to its *mark* (an order id),
- plus the live order-level rows of the orders after the mark,
- plus the live rows of the days a date bound cuts in two (a bound that is not a local
  midnight), whose table rows are left out,

so a figure read right after a sale includes it, and every figure equals the one the
order-level view gives. A short cron folds the settled orders after the mark into the table
and merges its rows; a daily cron (and the install, and a migration) rebuilds it.

Orders already folded can still change: their state (invoiced, refunded...), their lines,
their customer's member status, tier or salesperson. The ORM hooks that change them insert
the difference as rows of the table (minus the old figures, plus the new ones) in the same
transaction, so the table stays exact; a change made by raw SQL is caught by the next
rebuild. The summary is kept in the time zone of the company's address; a reader in another
time zone who groups by date gets the order-level figures (same numbers, slower).
"""

import json
from contextlib import contextmanager
from datetime import datetime, time, timedelta

import pytz

from odoo import api, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools.sql_settings import REPORT_SETTINGS, local_settings

# An order younger than FRESH is never folded into a table by a concurrent cron (the cron
# folds orders older than SETTLE, and a request lasts far less than the difference), so
# changing it needs no difference rows: it is read live.
FRESH = timedelta(minutes=5)
SETTLE = timedelta(minutes=10)
DATE_GRANULARITIES = ("day", "week", "month", "quarter", "year")
MARK_PARAM = "membership_loyalty.report_summary.%s"
SUMMARIZED = ("membership.report.sale", "membership.report.product")


class MembershipReportSummary(models.AbstractModel):
    """What a summarized report adds to its order-level view: the day table's upkeep and
    the reading of aggregates from it. A report sets the table, its dimension and measure
    columns, the fields and aggregates the table answers, and the order-level source."""

    _name = "membership.report.summary"
    _description = "Report Day Summary"

    _summary_table = None  # the real table of day totals
    _summary_keys = ()  # its dimension columns (besides the day)
    _summary_measures = ()  # its summed columns
    _summary_fields = ()  # report fields a domain or groupby may use
    _summary_aggregates = ()  # read_group aggregates it answers

    # ------------------------------------------------------------------ to define
    def _summary_source(self, where=None):
        """SQL: the order-level rows (one per order or line), with ``order_id``, ``date``
        (the order's time), the key columns and the measure columns. ``where`` (a function
        of an order table alias giving SQL) restricts the orders."""
        raise NotImplementedError

    # ------------------------------------------------------------------ reading
    @api.model
    def _read_group(
        self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None
    ):
        with local_settings(self.env.cr, REPORT_SETTINGS):
            plan = None
            if "membership_report_summary" not in self.env.context:
                plan = self._summary_plan(domain, groupby, aggregates, having, order)
            if plan is None:
                return super()._read_group(
                    domain, groupby, aggregates, having, offset, limit, order
                )
            summary = self.with_context(membership_report_summary=plan)
            if groupby:
                # a group whose orders all moved away (a member's new tier, a changed
                # order) is a row of zeros in the table, and no group at all per order
                return super(MembershipReportSummary, summary)._read_group(
                    domain,
                    groupby,
                    aggregates,
                    [*having, ("__count", ">", 0)],
                    offset,
                    limit,
                    order,
                )
            rows = super(MembershipReportSummary, summary)._read_group(
                domain, (), [*aggregates, "__count"], having, offset, limit, order
            )
            if rows and not rows[0][-1]:
                return super()._read_group(Domain.FALSE, (), aggregates, having)
            return [row[:-1] for row in rows]

    @api.model
    def _read_grouping_sets(self, domain, grouping_sets, aggregates=(), order=None):
        # The pivot view's entry point: several groupings in one query.
        with local_settings(self.env.cr, REPORT_SETTINGS):
            specs = list(dict.fromkeys(spec for groupby in grouping_sets for spec in groupby))
            plan = None
            if "membership_report_summary" not in self.env.context:
                plan = self._summary_plan(domain, specs, aggregates, (), order)
            if plan is None:
                return super()._read_grouping_sets(domain, grouping_sets, aggregates, order)
            summary = self.with_context(membership_report_summary=plan)
            results = super(MembershipReportSummary, summary)._read_grouping_sets(
                domain, grouping_sets, [*aggregates, "__count"], order
            )
            # no group of zero orders (see _read_group); none at all when no order is left
            return [[row[:-1] for row in rows if row[-1]] for rows in results]

    @api.model
    def _summary_context_plan(self):
        """The plan ``_read_group`` put in the context, or None. The plan is a tuple, which
        no JSON-RPC context can carry: a plan a client sends (a list) is ignored, and the
        report reads its order-level rows."""
        plan = self.env.context.get("membership_report_summary")
        return plan if isinstance(plan, tuple) else None

    def _summary_rows(self):
        """What a summarized report's view reads: (its rows, the SQL of their order and
        of their customer). Aggregating from the day table (a plan in the context), the
        table's rows and the live ones, which stand for no single order or customer; else
        the order-level rows."""
        plan = self._summary_context_plan()
        if not plan:
            rows = SQL("SELECT r.row_id AS id, r.* FROM (%s) r", self._summary_source())
            return rows, SQL("r.order_id"), SQL("r.partner_id")
        columns = ("date", *self._summary_keys, *self._summary_measures)
        rows = SQL(
            "%s UNION ALL %s",
            self._summary_table_rows(plan, columns),
            self._summary_live_rows(plan, columns),
        )
        return rows, SQL("NULL::int"), SQL("NULL::int")

    def _read_group_select(self, aggregate_spec, query):
        if not self._summary_context_plan():
            return super()._read_group_select(aggregate_spec, query)
        if aggregate_spec == "__count":
            return SQL("SUM(%s)", self._field_to_sql(self._table, "record_count", query))
        return super()._read_group_select(aggregate_spec, query)

    @api.model
    def _summary_plan(self, domain, groupby, aggregates, having, order):
        """What to read from the day table (its mark and time zone, the days to read live),
        or None when the table cannot answer: a field, aggregate or date grouping it does
        not keep."""
        state = self._summary_state()
        if not state:
            return None
        tz = pytz.timezone(state["tz"])
        context_tz = self.env.context.get("tz")
        reader_tz = context_tz if context_tz in pytz.all_timezones_set else "UTC"
        specs = set()
        for spec in groupby:
            fname, _path, granularity = self._summary_parse(spec)
            if fname not in self._summary_fields:
                return None
            if fname == "date" and (granularity not in DATE_GRANULARITIES or reader_tz != tz.zone):
                return None
            if fname != "date" and granularity:
                return None
            specs.add(spec)
        answered = set(self._summary_aggregates) | {"__count"}
        if not set(aggregates) <= answered:
            return None
        for item in having or ():
            if isinstance(item, (list, tuple)) and item[0] not in answered:
                return None
        for part in (order or "").split(","):
            term = part.strip().split(" ")[0]
            if term and term not in answered and term not in specs:
                return None
        edges = set()
        for condition in Domain(domain).optimize_full(self).iter_conditions():
            fname = condition.field_expr.split(".")[0]
            if fname not in self._summary_fields:
                return None
            if fname != "date":
                continue
            if condition.operator in ("in", "not in") and set(condition.value) == {False}:
                continue
            if condition.operator not in (">=", "<") or not isinstance(condition.value, datetime):
                return None
            start = self._summary_day_start(condition.value, tz)
            if start != condition.value:
                edges.add(start)
        # a tuple (the context keeps it): the mark, then each cut day's start and end
        return (
            state["mark"],
            tuple(
                (start, self._summary_day_start(start + timedelta(hours=36), tz))
                for start in sorted(edges)
            ),
        )

    @api.model
    def _summary_parse(self, spec):
        name, _sep, granularity = spec.partition(":")
        fname, _dot, path = name.partition(".")
        return fname, path, granularity

    @api.model
    def _summary_day_start(self, value, tz):
        """The UTC time of the local midnight that starts ``value``'s day in ``tz``."""
        local = pytz.utc.localize(value).astimezone(tz)
        midnight = tz.localize(datetime.combine(local.date(), time.min))
        return midnight.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _summary_live_where(self, plan):
        """The orders read live: after the mark, or in a day a date bound cuts."""

        def where(alias):
            mark, edges = plan
            parts = [SQL("%s.id > %s", SQL.identifier(alias), mark)]
            parts += [
                SQL(
                    "(%s.date_order >= %s AND %s.date_order < %s)",
                    SQL.identifier(alias),
                    start,
                    SQL.identifier(alias),
                    end,
                )
                for start, end in edges
            ]
            return SQL("(%s)", SQL(" OR ").join(parts))

        return where

    @api.model
    def _summary_table_rows(self, plan, columns):
        """SQL: the day table's rows outside the cut days, with ``columns``."""
        edges = [start for start, _end in plan[1]]
        return SQL(
            "SELECT t.id, %s FROM %s t WHERE t.date <> ALL(%s::timestamp[])",
            SQL(", ").join(SQL("t.%s", SQL.identifier(c)) for c in columns),
            SQL.identifier(self._summary_table),
            edges,
        )

    @api.model
    def _summary_live_rows(self, plan, columns):
        """SQL: the order-level rows read live, shaped as the day table's (negative ids,
        apart from the table's)."""
        return SQL(
            "SELECT -r.row_id AS id, %s FROM (%s) r",
            SQL(", ").join(SQL("r.%s", SQL.identifier(c)) for c in columns),
            self._summary_source(self._summary_live_where(plan)),
        )

    # ------------------------------------------------------------------ the table
    @api.model
    def _summary_state(self):
        """The table's mark and time zone, or None when it was never built."""
        self.env.cr.execute(
            "SELECT value FROM ir_config_parameter WHERE key = %s",
            [MARK_PARAM % self._summary_table],
        )
        row = self.env.cr.fetchone()
        return json.loads(row[0]) if row else None

    @api.model
    def _summary_touch(self):
        """Lock the table's mark for this transaction and return the state. A cron folding
        orders and a request changing folded ones both write the mark's row, so one waits
        for the other and, at the isolation level of Odoo's requests, retries on its
        commit: neither works from a snapshot missing the other's change."""
        self.env.cr.execute(
            "UPDATE ir_config_parameter SET value = value WHERE key = %s RETURNING value",
            [MARK_PARAM % self._summary_table],
        )
        row = self.env.cr.fetchone()
        return json.loads(row[0]) if row else None

    @api.model
    def _summary_save_state(self, state):
        # SQL, not set_param: the mark is no setting, and readers query it themselves.
        self.env.cr.execute(
            """INSERT INTO ir_config_parameter (key, value, create_date, write_date)
               VALUES (%s, %s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC')
               ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value,
                                               write_date = EXCLUDED.write_date""",
            [MARK_PARAM % self._summary_table, json.dumps(state)],
        )

    @api.model
    def _summary_settled_mark(self, above, settle):
        """The highest order id above ``above`` among the orders created more than
        ``settle`` ago: no request still writing can hold a lower new id."""
        self.env.cr.execute(
            """SELECT id FROM pos_order
                WHERE id > %s AND (create_date IS NULL OR create_date < %s)
                ORDER BY id DESC LIMIT 1""",
            [above, self.env.cr.now() - settle],
        )
        row = self.env.cr.fetchone()
        return row[0] if row else None

    @api.model
    def _summary_insert(self, tz, where, sign=1):
        """Add the day totals of the orders ``where`` selects (``sign`` -1: take them off)."""
        keys = SQL(", ").join(SQL.identifier(k) for k in self._summary_keys)
        measures = self._summary_measures
        day = SQL(
            "timezone('UTC', timezone(%s,"
            " date_trunc('day', timezone(%s, timezone('UTC', s.date)))))",
            tz,
            tz,
        )
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (date, %s, %s) SELECT %s, %s, %s FROM (%s) s GROUP BY %s, %s",
                SQL.identifier(self._summary_table),
                keys,
                SQL(", ").join(SQL.identifier(m) for m in measures),
                day,
                keys,
                SQL(", ").join(SQL("%s * SUM(s.%s)", sign, SQL.identifier(m)) for m in measures),
                self._summary_source(where),
                day,
                keys,
            )
        )
        return self.env.cr.rowcount

    @api.model
    def _summary_compact(self):
        """Merge the rows of a day and dimension values into one; drop empty ones."""
        keys = SQL(", ").join(SQL.identifier(k) for k in ("date", *self._summary_keys))
        measures = SQL(", ").join(SQL.identifier(m) for m in self._summary_measures)
        table = SQL.identifier(self._summary_table)
        self.env.cr.execute(
            SQL(
                """WITH moved AS (
                        DELETE FROM %(table)s
                         WHERE date IN (SELECT date FROM %(table)s
                                         GROUP BY %(keys)s HAVING COUNT(*) > 1
                                            OR SUM(record_count) = 0)
                     RETURNING *)
                   INSERT INTO %(table)s (%(keys)s, %(measures)s)
                   SELECT %(keys)s, %(sums)s FROM moved
                    GROUP BY %(keys)s HAVING SUM(record_count) <> 0""",
                table=table,
                keys=keys,
                measures=measures,
                sums=SQL(", ").join(
                    SQL("SUM(%s)", SQL.identifier(m)) for m in self._summary_measures
                ),
            )
        )

    @api.model
    def _summary_tz(self):
        return self.env.company.partner_id.tz or self.env.user.tz or "UTC"

    @api.model
    def _summary_rebuild(self, settle=SETTLE):
        """Build the table again from the orders (set-based): every settled order."""
        self._summary_touch()
        tz = self._summary_tz()
        self.env.flush_all()
        self.env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(self._summary_table)))
        mark = self._summary_settled_mark(0, settle) or 0
        self._summary_insert(tz, lambda alias: SQL("%s.id <= %s", SQL.identifier(alias), mark))
        self._summary_save_state({"mark": mark, "tz": tz})
        self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(self._summary_table)))
        return mark

    @api.model
    def _summary_fold(self, settle=SETTLE):
        """Fold the settled orders after the mark into the table, and merge its rows."""
        state = self._summary_touch()
        if not state:
            return self._summary_rebuild(settle)
        self.env.flush_all()
        mark = self._summary_settled_mark(state["mark"], settle)
        if mark:
            self._summary_insert(
                state["tz"],
                lambda alias: SQL(
                    "(%s.id > %s AND %s.id <= %s)",
                    SQL.identifier(alias),
                    state["mark"],
                    SQL.identifier(alias),
                    mark,
                ),
            )
            state["mark"] = mark
            self._summary_save_state(state)
        self._summary_compact()
        return state["mark"]

    @api.model
    def _summary_init(self):
        """Fill a table never built (install, or the update that adds it): no request runs
        meanwhile, so every order is folded."""
        if not self._summary_state():
            self._summary_rebuild(settle=timedelta(0))

    @api.model
    def _summary_reports(self):
        return [self.env[name] for name in SUMMARIZED]

    @api.model
    def _cron_fold(self):
        for report in self._summary_reports():
            report._summary_fold()

    @api.model
    def _cron_rebuild(self):
        for report in self._summary_reports():
            report._summary_rebuild()

    # ------------------------------------------------------------------ changes
    @api.model
    @contextmanager
    def _summary_orders_changing(self, order_ids):
        """Around a change of the orders ``order_ids`` (already settled): take their old
        figures off the tables that folded them, then add the new ones."""
        # A change made inside another one (a partner's write writing the tier too) is
        # already covered by the outer one's difference: count its orders once.
        changing = self.env.cr.cache.setdefault("membership_report_summary_changing", set())
        order_ids = set(order_ids) - changing
        folded = {}
        for report in self._summary_reports() if order_ids else ():
            state = report._summary_touch()
            ids = sorted(i for i in order_ids if state and i <= state["mark"])
            if ids:
                folded[report] = (state["tz"], ids)
        self._summary_apply(folded, -1)
        changing |= order_ids
        try:
            yield
        finally:
            changing -= order_ids
        self._summary_apply(folded, 1)

    @api.model
    def _summary_apply(self, folded, sign):
        if not folded:
            return
        self.env.flush_all()
        for report, (tz, ids) in folded.items():
            report._summary_insert(
                tz, lambda alias, ids=ids: SQL("%s.id = ANY(%s)", SQL.identifier(alias), ids), sign
            )

    @api.model
    def _summary_settled(self, orders):
        """The ids of ``orders`` older than FRESH (the others are read live anyway)."""
        limit = self.env.cr.now() - FRESH
        return [o.id for o in orders if not o.create_date or o.create_date < limit]

    @api.model
    @contextmanager
    def _summary_partners_changing(self, partner_ids):
        """Around a change of the member status, tier or salesperson of ``partner_ids``."""
        order_ids = []
        if partner_ids:
            self.env.cr.execute(
                """SELECT id FROM pos_order WHERE partner_id = ANY(%s)
                    AND (create_date IS NULL OR create_date < %s)""",
                [list(partner_ids), self.env.cr.now() - FRESH],
            )
            order_ids = [row[0] for row in self.env.cr.fetchall()]
        with self._summary_orders_changing(order_ids):
            yield
