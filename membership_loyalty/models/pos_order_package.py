from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.input_checks import check_id
from .pos_order import PAID_STATES


class PosOrder(models.Model):
    """Prepaid service packages on synced orders: packages sold, uses taken, uses given
    back and packages refunded, posted to the package ledger once per order line."""

    _inherit = "pos.order"

    membership_package_review = fields.Boolean(
        string="Member Package to Review",
        readonly=True,
        copy=False,
        help="A package sale or use on this order could not be honoured when it was synced "
        "(another member's package, no use left, lapsed, a forged price): the sale was "
        "kept, nothing was posted for that part and a supervisor settles it.",
    )
    membership_package_receipt = fields.Text(
        string="Package Uses",
        readonly=True,
        copy=False,
        help="What the receipt prints of the member's packages this order touched: uses "
        "left and validity, as the server posted them.",
    )

    @api.model
    def _process_order(self, order, existing_order):
        # The server's figures: a till never sets them.
        order.pop("membership_package_review", None)
        order.pop("membership_package_receipt", None)
        self._membership_package_check_payload(order)
        return super()._process_order(order, existing_order)

    @api.model
    def _membership_package_check_payload(self, order):
        """Refuse, with a clear message and before anything is written, lines naming a
        package service that is no id or does not exist (no honest till sends one)."""
        claimed = [
            cmd[2]["membership_package_line_id"]
            for cmd in order.get("lines") or []
            if isinstance(cmd, list | tuple)
            and len(cmd) == 3
            and isinstance(cmd[2], dict)
            and cmd[2].get("membership_package_line_id")
        ]
        if not claimed:
            return
        label = self.env._("A line's package")
        ids = {check_id(self.env, value, label) for value in claimed}
        # sudo: whether the service exists, whoever's it is (checked when posting); what
        # posting reads comes with it.
        found = (
            self.env["membership.package.line"]
            .sudo()
            .search_fetch(
                [("id", "in", list(ids))],
                [
                    "package_id",
                    "product_id",
                    "categ_id",
                    "uses_left",
                    "uses_total",
                    "max_per_visit",
                ],
            )
        )
        if len(found) != len(ids):
            raise UserError(self.env._("A line names a package that does not exist."))

    def _membership_on_paid(self):
        super()._membership_on_paid()
        # sudo: the package ledger is written by the system on behalf of the till, as the
        # points and wallet ledgers are (see super).
        self.sudo()._membership_package_post()

    def _membership_package_lines(self):
        """(packages sold, uses taken, refund lines) of this order's lines."""
        self.ensure_one()
        refunds = self.lines.filtered("refunded_orderline_id")
        sales = self.lines - refunds
        return (
            sales.filtered("product_id.membership_package_type_id"),
            sales.filtered("membership_package_line_id"),
            refunds.filtered(
                lambda line: (
                    line.refunded_orderline_id.membership_package_line_id
                    or line.refunded_orderline_id.product_id.membership_package_type_id
                )
            ),
        )

    @api.private
    def _membership_package_post(self, settling=False):
        """Post the package part of paid orders; what cannot be honoured is left out, the
        sale kept and the order flagged for a supervisor. Returns {order: reasons}."""
        result = {}
        for order in self.filtered(lambda o: o.state in PAID_STATES):
            sold, used, refunds = order._membership_package_lines()
            if not (sold or used or refunds):
                continue
            reasons = order._membership_package_hold_reasons(settling)
            packages = self.env["membership.package"]
            if not reasons:
                reasons, packages = order._membership_package_post_lines(sold, used, refunds)
            order._membership_package_record_receipt(packages)
            if reasons:
                order.membership_package_review = True
                order.message_post(
                    body=self.env._(
                        "Package part held for a supervisor, nothing posted for it: %s",
                        " ".join(reasons),
                    )
                )
            result[order] = reasons
        return result

    def _membership_package_hold_reasons(self, settling):
        """Why nothing of the order's package part may be posted now."""
        if not self.partner_id.is_member:
            return [self.env._("Packages are sold to and used by members only.")]
        if not settling and (self.membership_wallet_review or self.membership_points_review):
            return [self.env._("The member's order is held for review.")]
        return []

    def _membership_package_post_lines(self, sold, used, refunds):
        """Post the lines; returns (reasons to hold, the packages posted to)."""
        reasons, packages = [], self.env["membership.package"]
        for line in sold:
            line_reasons, posted = self._membership_package_try(
                line, self._membership_package_sell_line
            )
            reasons, packages = reasons + line_reasons, packages | posted
        line_reasons, posted = self._membership_package_use_lines(used)
        reasons, packages = reasons + line_reasons, packages | posted
        for line in refunds:
            line_reasons, posted = self._membership_package_try(
                line, self._membership_package_refund_line
            )
            reasons, packages = reasons + line_reasons, packages | posted
        return reasons, packages

    def _membership_package_try(self, line, post, savepoint=True):
        """Run ``post(line)`` (in a savepoint unless it refuses before writing anything);
        a refusal of the ledger is a reason to hold. Returns (reasons, packages)."""
        try:
            if not savepoint:
                return [], post(line)
            with self.env.cr.savepoint():
                return [], post(line)
        except (UserError, ValidationError) as error:
            name = line.full_product_name or line.product_id.display_name
            return [f"{name}: {error}"], self.env["membership.package"]

    @staticmethod
    def _membership_package_units(line):
        """Whole units of a line (a package or a use is never split)."""
        qty = abs(line.qty)
        return int(qty) if qty == int(qty) and qty > 0 else 0

    def _membership_package_sell_line(self, line):
        package_type = line.product_id.membership_package_type_id
        units = self._membership_package_units(line)
        if not units or line.qty < 0:
            raise UserError(self.env._("A package is sold in whole units."))
        if package_type.company_id != self.company_id:
            raise UserError(self.env._("This package is not sold by this shop."))
        currency = self.currency_id
        if currency.compare_amounts(line.price_unit, package_type.price) < 0:
            raise UserError(
                self.env._(
                    "Sold at %(sold)s, below the package's price %(price)s.",
                    sold=currency.format(line.price_unit),
                    price=currency.format(package_type.price),
                )
            )
        value = line._membership_amount_excluded()
        if currency.compare_amounts(value, 0.0) <= 0:
            raise UserError(self.env._("A package is sold for money."))
        Package = self.env["membership.package"]
        packages = Package
        remaining = value
        for unit in range(units):
            unit_value = remaining if unit == units - 1 else currency.round(value / units)
            remaining -= unit_value
            packages |= Package._membership_sell(
                package_type,
                self.partner_id,
                f"pos:{self.uuid}:package:{line.uuid}:{unit}",
                unit_value,
                self.date_order,
                order_line=line,
            )
        return packages

    def _membership_package_use_lines(self, lines):
        """Take the uses the till claims (a service line at price 0 naming the member's
        package): each line is checked and posted on its own."""
        reasons, packages = [], self.env["membership.package"]
        counted = {}
        for line in lines:
            pline = line.membership_package_line_id
            counted[pline] = counted.get(pline, 0) + self._membership_package_units(line)
        for line in lines:
            # No savepoint: every refusal comes before the use writes anything.
            line_reasons, posted = self._membership_package_try(
                line, lambda ln: self._membership_package_use_line(ln, counted), savepoint=False
            )
            reasons, packages = reasons + line_reasons, packages | posted
        return reasons, packages

    def _membership_package_use_line(self, line, counted):
        pline = line.membership_package_line_id
        package = pline.package_id
        key = f"pos:{self.uuid}:package-use:{line.uuid}"
        # The lock reads what is checked below with the counts and looks the use's key up
        # (one query).
        package._membership_lock(posted_key=key)
        units = self._membership_package_units(line)
        if package.partner_id != self.partner_id or package.company_id != self.company_id:
            raise UserError(self.env._("This package is not the member's."))
        if not units or line.qty < 0:
            raise UserError(self.env._("A package use is a whole number of services."))
        if not pline._membership_covers(line.product_id):
            raise UserError(
                self.env._("The package covers %s, not this product.", pline.display_service)
            )
        if self.currency_id.compare_amounts(line._membership_amount(), 0.0) != 0:
            raise UserError(self.env._("A package use is free: the line must be at price 0."))
        if pline.max_per_visit and counted[pline] > pline.max_per_visit:
            raise UserError(
                self.env._(
                    "At most %(max)s use(s) per visit, %(asked)s on this order.",
                    max=pline.max_per_visit,
                    asked=counted[pline],
                )
            )
        package._membership_use(
            pline,
            units,
            key,
            fields.Date.context_today(self, self.date_order),
            order_line=line,
        )
        return package

    def _membership_package_refund_line(self, line):
        original = line.refunded_orderline_id
        units = self._membership_package_units(line)
        if not units or line.qty > 0:
            raise UserError(self.env._("A refund gives whole units back."))
        if original.order_id.partner_id != self.partner_id:
            raise UserError(self.env._("The refund is not for the member who bought."))
        reason = self.env._("Refund %s", self.name)
        Move = self.env["membership.package.move"]
        if original.membership_package_line_id:
            use = Move._membership_find_posted(
                f"pos:{original.order_id.uuid}:package-use:{original.uuid}"
            )
            if not use:
                raise UserError(self.env._("The refunded service used no package."))
            use.package_id._membership_give_back(
                use,
                units,
                f"pos:{self.uuid}:package-return:{line.uuid}",
                reason,
                order_line=line,
            )
            return use.package_id
        return self._membership_package_refund_packages(line, original, units, reason)

    def _membership_package_refund_packages(self, line, original, units, reason):
        """Refund ``units`` packages sold on ``original``: the uses left go, with the
        deferred revenue they hold; used uses stay used. The money given back may not
        exceed the value of the uses left (pro rata of the price)."""
        # sudo: the till's user holds no rights on packages; the server decides the refund
        packages = (
            self.env["membership.package"]
            .sudo()
            .search([("pos_order_line_id", "=", original.id)], order="id")
        )
        key = f"pos:{self.uuid}:package-refund:{line.uuid}"
        Move = self.env["membership.package.move"]
        done = Move.sudo().search([("pos_order_line_id", "=", line.id), ("kind", "=", "refund")])
        if done:
            return done.package_id  # this refund line was posted already
        todo = packages.filtered(lambda p: p.state in ("active", "used"))[:units]
        if len(todo) < units:
            raise UserError(
                self.env._(
                    "%(asked)s package(s) refunded, %(left)s not refunded yet.",
                    asked=units,
                    left=len(todo),
                )
            )
        unused = sum(todo.mapped("value_left"))
        given = -line._membership_amount_excluded()
        if self.currency_id.compare_amounts(given, unused) > 0:
            raise UserError(
                self.env._(
                    "%(given)s refunded for uses left worth %(unused)s.",
                    given=self.currency_id.format(given),
                    unused=self.currency_id.format(unused),
                )
            )
        for package in todo:
            package._membership_close("refund", f"{key}:{package.id}", reason, order_line=line)
        return todo

    def _membership_package_record_receipt(self, packages):
        """What the receipt prints: each package this order posted to (``packages``), its
        services with the uses left, and its validity."""
        texts = []
        labels = dict(packages._fields["state"]._description_selection(self.env))
        for package in packages.sorted("id"):
            services = ", ".join(
                self.env._(
                    "%(service)s %(left)s/%(total)s",
                    service=pline.display_service,
                    left=pline.uses_left,
                    total=pline.uses_total,
                )
                for pline in package.line_ids
            )
            text = self.env._(
                "%(package)s: uses left %(services)s",
                package=package.type_name,
                services=services,
            )
            if package.state == "active" and package.expire_date:
                text += " · " + self.env._("valid until %s", package.expire_date)
            elif package.state != "active":
                text += f" · {labels[package.state]}"
            texts.append(text)
        self.membership_package_receipt = "\n".join(texts) or False

    # ------------------------------------------------------------------ settling

    def _membership_check_settle_rights(self):
        if self.membership_package_review and not (
            self.membership_wallet_review or self.membership_points_review
        ):
            if not self.env.user.has_group(
                "membership_loyalty.membership_loyalty_group_supervisor"
            ):
                return super()._membership_check_settle_rights()  # refuses with its message
            return None
        return super()._membership_check_settle_rights()

    @api.private
    def _membership_settle_post(self):
        self.ensure_one()
        package = self.membership_package_review
        if self.membership_wallet_review or self.membership_points_review:
            super()._membership_settle_post()
        else:
            self._membership_check_settle_rights()
        if package:
            # sudo: the flag is the server's and the ledger is written by the system; the
            # supervisor's right was checked.
            order = self.sudo()
            order.membership_package_review = False
            reasons = order._membership_package_post(settling=True).get(order)
            if reasons:
                raise UserError(
                    self.env._("The package part still cannot be posted: %s", " ".join(reasons))
                )
            if not (self.membership_wallet_review or self.membership_points_review):
                order.message_post(
                    body=self.env._("Package part settled by %s: posted.", self.env.user.name)
                )

    @api.private
    def _membership_settle_other(self, note):
        super()._membership_settle_other(note)
        # sudo: the flag is readonly for users; the supervisor's right was checked.
        self.sudo().membership_package_review = False
