from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


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
        product_domain = [d for d in sale_domain if d[0] != "config_id"]
        if config:
            product_domain.append(("order_id.session_id.config_id", "=", config.id))
        products = self.env["membership.report.product"]._read_group(
            [*product_domain, ("is_member", "=", True)],
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
