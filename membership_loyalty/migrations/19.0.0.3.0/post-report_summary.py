"""Fill the sales reports' day tables of an existing database (set-based, from the
orders). The tables' init() already does it when the update creates them; this makes
sure of it and is a no-op when they are filled."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for report in env["membership.report.summary"]._summary_reports():
        report._summary_init()
