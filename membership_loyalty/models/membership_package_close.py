from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class MembershipPackage(models.Model):
    """Closing a package: refunded or lapsed, every use left goes with the deferred revenue
    it holds; the daily lapse, and the packages about to lapse (reminders, segments)."""

    _inherit = "membership.package"

    @api.private
    def _membership_close(self, kind, key, reason, order_line=None):
        """Take every use left off the package (``kind`` refund or expire) with the
        deferred revenue it holds. Returns the moves posted (none when nothing is left)."""
        self.ensure_one()
        Move = self.env["membership.package.move"]
        self._membership_lock()
        moves = Move.browse()
        for pline in self.line_ids.filtered("uses_left"):
            line_key = f"{key}:{pline.id}"
            if Move._membership_find_posted(line_key):
                continue
            moves |= Move._membership_post(
                {
                    "package_id": self.id,
                    "package_line_id": pline.id,
                    "kind": kind,
                    "uses": -pline.uses_left,
                    "amount": -self._membership_value_of(pline.uses_left),
                    "idempotency_key": line_key,
                    "reason": reason,
                    "pos_order_id": order_line.order_id.id if order_line else False,
                    "pos_order_line_id": order_line.id if order_line else False,
                }
            )
        return moves

    @api.model
    def _membership_cron_expire(self):
        """Scheduled action (daily): the uses left of every package whose validity ended
        lapse, once (keyed by the package), and their deferred revenue is recognised."""
        today = fields.Date.context_today(self)
        # sudo: the scheduled action lapses the packages of every member and company
        packages = self.sudo().search(
            [("state", "=", "active"), ("expire_date", "!=", False), ("expire_date", "<", today)]
        )
        moves = self.env["membership.package.move"]
        for package in packages:
            moves |= package._membership_close(
                "expire",
                f"package-expire:{package.id}",
                self.env._("Valid until %s", package.expire_date),
            )
        return moves

    @api.model
    @api.private
    def _membership_expiring(self, days, company=None, day=None):
        """Active packages with uses left that lapse within ``days`` days (not lapsed)."""
        day = day or fields.Date.context_today(self)
        domain = [
            ("state", "=", "active"),
            ("expire_date", ">=", day),
            ("expire_date", "<=", day + relativedelta(days=days)),
        ]
        if company:
            domain.append(("company_id", "=", company.id))
        # sudo: reminders and the segment filter look at every member's packages
        return self.sudo().search(domain)
