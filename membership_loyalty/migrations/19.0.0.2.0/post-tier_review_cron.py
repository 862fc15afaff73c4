"""The daily tier review moved from res.partner to membership.tier (the tier engine).

Its scheduled action is ``noupdate`` data, so an upgrade does not rewrite it from the XML:
point the existing record at the new model here, keeping its schedule and state."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("membership_loyalty.ir_cron_membership_tier_review", raise_if_not_found=False)
    if cron:
        cron.write(
            {
                "model_id": env["ir.model"]._get_id("membership.tier"),
                "code": "model._cron_membership_tier_review()",
            }
        )
