from odoo import api, models

from ..tools.sql_settings import REPORT_SETTINGS, local_settings


class MembershipReportScan(models.AbstractModel):
    """A report read by scanning every member: its statements run with the report settings
    (no JIT compilation, which over a million members costs more than it saves)."""

    _name = "membership.report.scan"
    _description = "Report Over Every Member"

    @api.model
    def _read_group(
        self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None
    ):
        with local_settings(self.env.cr, REPORT_SETTINGS):
            return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)

    @api.model
    def _read_grouping_sets(self, domain, grouping_sets, aggregates=(), order=None):
        with local_settings(self.env.cr, REPORT_SETTINGS):
            return super()._read_grouping_sets(domain, grouping_sets, aggregates, order)

    @api.model
    def search_count(self, domain, limit=None):
        with local_settings(self.env.cr, REPORT_SETTINGS):
            return super().search_count(domain, limit)

    @api.model
    def search_fetch(self, domain, field_names=None, offset=0, limit=None, order=None):
        with local_settings(self.env.cr, REPORT_SETTINGS):
            return super().search_fetch(domain, field_names, offset, limit, order)
