import math

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools.misc import format_date, formatLang

# Drawing area of the charts, in SVG units: the chart is scaled to the page's width, so
# these set its proportions and the size of its texts (font size 11).
CHART_WIDTH, CHART_HEIGHT = 960, 260
AXIS_WIDTH, LABEL_HEIGHT, TOP = 80, 22, 12
MONTHS_SHOWN = 12  # a shorter period is shown with the months before it, for the trend


class ReportMembershipManagementSummary(models.AbstractModel):
    """Figures of the management summary PDF: SQL aggregates over the report views."""

    _name = "report.membership_loyalty.management_summary"
    _description = "Membership Management Summary"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        company = self.env["res.company"].browse(data.get("company_id") or self.env.company.id)
        config = self.env["pos.config"].browse(data.get("config_id") or [])
        date_from = fields.Date.to_date(data.get("date_from")) or fields.Date.context_today(self)
        date_to = fields.Date.to_date(data.get("date_to")) or date_from
        return {
            "doc_ids": docids,
            "doc_model": "membership.summary.wizard",
            "docs": self.env["membership.summary.wizard"].browse(docids),
            "company": company,
            "config": config,
            "date_from": date_from,
            "date_to": date_to,
            **self._summary(company, config, date_from, date_to),
            **self._charts(company, config, date_from, date_to),
        }

    @api.model
    def _summary(self, company, config, date_from, date_to):
        start = fields.Datetime.to_datetime(date_from)
        end = fields.Datetime.to_datetime(date_to + relativedelta(days=1))
        Member = self.env["membership.report.member"]
        own = [("company_id", "in", (company.id, False))]
        [(members,)] = Member._read_group(own, [], ["__count"])
        [(new,)] = Member._read_group(
            [*own, ("member_since", ">=", date_from), ("member_since", "<=", date_to)],
            [],
            ["__count"],
        )
        [(churn,)] = self.env["membership.report.churn"]._read_group(own, [], ["__count"])
        sale_domain = [
            ("company_id", "=", company.id),
            ("date", ">=", start),
            ("date", "<", end),
        ]
        if config:
            sale_domain.append(("config_id", "=", config.id))
        sales = {
            member: {"amount": amount, "orders": orders, "buyers": buyers}
            for member, amount, orders, buyers in self.env["membership.report.sale"]._read_group(
                sale_domain,
                ["is_member"],
                ["amount_total:sum", "order_count:sum", "partner_id:count_distinct"],
            )
        }
        empty = {"amount": 0.0, "orders": 0, "buyers": 0}
        member_sales, other_sales = sales.get(True, empty), sales.get(False, empty)
        for figures in (member_sales, other_sales):
            figures["basket"] = figures["amount"] / figures["orders"] if figures["orders"] else 0.0
        total = member_sales["amount"] + other_sales["amount"]
        products = self.env["membership.report.product"]._read_group(
            [*sale_domain, ("is_member", "=", True)],
            ["product_id"],
            ["amount_total:sum", "qty:sum"],
            order="amount_total:sum desc",
            limit=10,
        )
        salespeople = self.env["membership.report.sale"]._read_group(
            [*sale_domain, ("is_member", "=", True)],
            ["salesperson_id"],
            ["amount_total:sum", "order_count:sum"],
            order="amount_total:sum desc",
            limit=10,
        )
        return {
            "member_count": members,
            "new_member_count": new,
            "churn_count": churn,
            "member_sales": member_sales,
            "other_sales": other_sales,
            "member_share": member_sales["amount"] / total if total else 0.0,
            "top_products": products,
            "top_salespeople": salespeople,
        }

    # ------------------------------------------------------------------ charts
    # Drawn as inline SVG from figures computed here: wkhtmltopdf prints it as vectors,
    # with no script to run. Templates only place the shapes and texts given.

    @api.model
    def _sale_domain(self, company, config, start, end):
        domain = [("company_id", "=", company.id), ("date", ">=", start), ("date", "<", end)]
        if config:
            domain.append(("config_id", "=", config.id))
        return domain

    @api.model
    def _charts(self, company, config, date_from, date_to):
        first = min(date_from.replace(day=1), date_to.replace(day=1) - relativedelta(months=11))
        months = []
        month = first
        while month <= date_to:
            months.append(month)
            month += relativedelta(months=1)
        Sale = self.env["membership.report.sale"]
        start = fields.Datetime.to_datetime(first)
        end = fields.Datetime.to_datetime(date_to + relativedelta(days=1))
        monthly = {
            (fields.Date.to_date(month), member): amount
            for month, member, amount in Sale._read_group(
                self._sale_domain(company, config, start, end),
                ["date:month", "is_member"],
                ["amount_total:sum"],
            )
        }
        period = self._sale_domain(
            company,
            config,
            fields.Datetime.to_datetime(date_from),
            end,
        )
        tiers = Sale._read_group(
            [*period, ("is_member", "=", True)],
            ["tier_id"],
            ["amount_total:sum"],
            order="amount_total:sum desc",
        )
        [(others,)] = Sale._read_group(
            [*period, ("is_member", "=", False)], [], ["amount_total:sum"]
        )
        rows = [(tier.name if tier else self.env._("No tier"), amount) for tier, amount in tiers]
        rows.append((self.env._("Non-members"), others or 0.0))
        currency = company.currency_id
        return {
            "monthly_chart": self._monthly_chart(months, monthly, currency),
            "tier_chart": self._bar_rows(rows, currency),
        }

    @api.model
    def _nice_scale(self, top):
        """Axis maximum and step: 1, 2 or 5 times a power of ten, four steps or fewer."""
        if top <= 0:
            return 1.0, 1.0
        raw = top / 4
        power = 10 ** math.floor(math.log10(raw))
        step = next(n * power for n in (1, 2, 5, 10) if n * power >= raw)
        return step * math.ceil(top / step), step

    @api.model
    def _money(self, amount, currency):
        return formatLang(self.env, amount, currency_obj=currency, rounding_unit="units")

    @api.model
    def _monthly_chart(self, months, amounts, currency):
        """Members' and non-members' sales side by side for each month."""
        values = [(amounts.get((m, True), 0.0), amounts.get((m, False), 0.0)) for m in months]
        top, step = self._nice_scale(max((max(v) for v in values), default=0.0))
        slot = (CHART_WIDTH - AXIS_WIDTH) / max(len(months), 1)
        bar = slot * 0.38

        def y(amount):
            return round(TOP + CHART_HEIGHT - CHART_HEIGHT * max(amount, 0.0) / top, 1)

        ticks = [
            {"y": y(n * step), "label": self._money(n * step, currency)}
            for n in range(round(top / step) + 1)
        ]
        bars, labels = [], []
        for index, (month, (member, other)) in enumerate(zip(months, values, strict=True)):
            x = AXIS_WIDTH + index * slot + slot * 0.1
            for offset, amount, kind in ((0, member, "member"), (bar, other, "other")):
                bars.append(
                    {
                        "x": round(x + offset, 1),
                        "y": y(amount),
                        "width": round(bar, 1),
                        "height": round(TOP + CHART_HEIGHT - y(amount), 1),
                        "kind": kind,
                        "title": self._money(amount, currency),
                    }
                )
            labels.append(
                {
                    "x": round(x + bar, 1),
                    "label": format_date(self.env, month, date_format="MMM yy"),
                }
            )
        return {
            "width": CHART_WIDTH,
            "height": TOP + CHART_HEIGHT + LABEL_HEIGHT,
            "plot_height": TOP + CHART_HEIGHT,
            "axis": AXIS_WIDTH,
            "ticks": ticks,
            "bars": bars,
            "labels": labels,
            "empty": not any(any(v) for v in values),
        }

    @api.model
    def _bar_rows(self, rows, currency):
        """Horizontal bars, one per (label, amount), widths relative to the largest."""
        top = max((amount for _label, amount in rows), default=0.0)
        return [
            {
                "label": label,
                "amount": self._money(amount, currency),
                "percent": round(100 * max(amount, 0.0) / top, 1) if top > 0 else 0.0,
            }
            for label, amount in rows
        ]
