import json
from uuid import uuid4

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .pos_common import MembershipTillSetup, order_payload

CARD = "900077770064"  # same number as static/tests/tours/package_tour.js
GROUP = "membership_loyalty.membership_loyalty_group_"


@tagged("post_install", "-at_install")
class TestMembershipPackageAtTheTill(MembershipTillSetup, TestPointOfSaleHttpCommon):
    """Prepaid packages sold and used at the till, as the cashier: the sync is a claim the
    server checks; the books close on the ledger."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)  # fixtures: the admin of the POS tests is no Membership manager
        company = cls.main_pos_config.company_id
        cls.company = company
        cls.pos_user.group_ids += env.ref(f"{GROUP}cashier")
        Account = env["account.account"]
        cls.deferred = Account.create(
            {"name": "Package deferred", "code": "PK2200", "account_type": "liability_current"}
        )
        cls.package_revenue = Account.create(
            {"name": "Package services", "code": "PK4200", "account_type": "income"}
        )
        journal = env["account.journal"].create(
            {"name": "Member entries", "code": "PKMW", "type": "general", "company_id": company.id}
        )
        company.write(
            {
                "membership_wallet_journal_id": journal.id,
                "membership_package_liability_account_id": cls.deferred.id,
                "membership_package_revenue_account_id": cls.package_revenue.id,
            }
        )
        Template = env["product.template"]
        cls.cut = Template.create(
            {
                "name": "Package Cut",
                "type": "service",
                "list_price": 30.0,
                "available_in_pos": True,
                "taxes_id": False,
            }
        ).product_variant_id
        cls.shampoo = Template.create(
            {"name": "Shampoo", "list_price": 5.0, "available_in_pos": True, "taxes_id": False}
        ).product_variant_id
        cls.package_type = env["membership.package.type"].create(
            {
                "name": "3 cuts",
                "price": 90.0,
                "validity_months": 6,
                "company_id": company.id,
                "line_ids": [(0, 0, {"product_id": cls.cut.id, "uses": 3, "max_per_visit": 2})],
            }
        )
        cls.package_product = cls.package_type.product_id
        Partner = env["res.partner"]
        cls.member = Partner.create(
            {"name": "Pia Package", "is_member": True, "company_id": company.id}
        )
        cls._membership_active_card(cls.member, CARD, company)
        cls.other = Partner.create(
            {"name": "Oscar Other", "is_member": True, "company_id": company.id}
        )
        cls.cash = cls.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]

    # ------------------------------------------------------------------ helpers

    def _line(self, product, qty, price, **extra):
        total = qty * price
        return [
            0,
            0,
            {
                "uuid": str(uuid4()),
                "product_id": product.id,
                "qty": qty,
                "price_unit": price,
                "discount": 0.0,
                "price_subtotal": total,
                "price_subtotal_incl": total,
                "tax_ids": [],
                **extra,
            },
        ]

    def _payload(self, session, lines, partner=None, **extra):
        total = sum(line[2]["price_subtotal_incl"] for line in lines)
        payments = [(self.cash, total)] if total else []
        return order_payload(
            session, partner or self.member, self.pos_user, lines, payments, total, **extra
        )

    def _sell(self, session, partner=None):
        order = self._sync(
            self._payload(session, [self._line(self.package_product, 1, 90.0)], partner)
        )
        return order, self._packages(partner).filtered(lambda p: p.pos_order_id == order)

    def _packages(self, partner=None):
        return (
            self.env["membership.package"]
            .sudo()
            .search([("partner_id", "=", (partner or self.member).id)])
        )

    def _use(self, session, package, qty=1, price=0.0, partner=None):
        return self._payload(
            session,
            [
                self._line(
                    self.cut, qty, price, membership_package_line_id=package.line_ids[:1].id
                ),
                self._line(self.shampoo, 1, 5.0),
            ],
            partner,
        )

    def _moves(self, kind=None):
        domain = [("kind", "=", kind)] if kind else []
        return self.env["membership.package.move"].sudo().search(domain)

    def _balance(self, account):
        lines = self.env["account.move.line"].search(
            [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        )
        return sum(lines.mapped("balance"))

    def _refund(self, order, lines, total):
        """A refund payload of ``lines`` [(original line, qty, price)] of ``order``."""
        session = self.main_pos_config.current_session_id
        payload = self._payload(
            session,
            [
                self._line(original.product_id, -qty, price, refunded_orderline_id=original.id)
                for original, qty, price in lines
            ],
        )
        payload.update(
            amount_total=-total,
            amount_paid=-total,
            payment_ids=[[0, 0, {"amount": -total, "payment_method_id": self.cash.id}]]
            if total
            else [],
        )
        return self._sync(payload)

    # ------------------------------------------------------------------ server

    def test_sale_and_use_post_once_even_when_re_sent(self):
        session = self._session()
        payload = self._payload(session, [self._line(self.package_product, 1, 90.0)])
        order = self._sync(payload)
        self.assertEqual(self._sync(payload), order, "the re-sent sale is the same order")
        package = self._packages()
        self.assertEqual(len(package), 1, "one package for one sale, however often sent")
        self.assertEqual((package.uses_left, package.value_left), (3, 90.0))
        self.assertEqual(package.config_id, self.main_pos_config)
        self.assertIn("Package Cut 3/3", order.membership_package_receipt)
        self.assertIn("valid until", order.membership_package_receipt)
        # A later order uses one, then the offline till sends it again (it never saw the
        # answer): one use, whatever the number of sends.
        use = self._use(session, package)
        used_order = self._sync(use)
        self.assertEqual(self._sync(use), used_order)
        self.assertEqual(self._sync(dict(use)), used_order)
        self.assertEqual(len(self._moves("use")), 1)
        self.assertEqual((package.uses_left, package.value_left), (2, 60.0))
        self.assertFalse(used_order.membership_package_review)
        self.assertIn("Package Cut 2/3", used_order.membership_package_receipt)
        self.assertFalse(package._membership_check_invariant())
        # The till's lookup brings the member's packages and their lines' records.
        found = session.membership_pos_lookup(code=CARD)
        self.assertEqual(
            [(p["service"], p["uses_left"]) for p in found["member"]["packages"]],
            [("Package Cut", 2)],
        )
        self.assertEqual(
            [line["id"] for line in found["records"]["membership.package.line"]],
            package.line_ids.ids,
        )

    def _assert_held(self, order, message):
        self.assertEqual(order.state, "paid", "the sale is kept")
        self.assertTrue(order.membership_package_review)
        self.assertIn(message, order.message_ids[:1].body)

    def test_use_of_another_members_package_is_held(self):
        session = self._session()
        _order, theirs = self._sell(session, partner=self.other)
        order = self._sync(self._use(session, theirs))
        self._assert_held(order, "not the member")
        self.assertEqual(theirs.uses_left, 3)
        self.assertFalse(self._moves("use"))

    def test_more_uses_than_left_or_per_visit_are_held(self):
        session = self._session()
        _order, package = self._sell(session)
        self._assert_held(self._sync(self._use(session, package, qty=3)), "At most 2")
        self._sync(self._use(session, package, qty=2))
        self.assertEqual(package.uses_left, 1)
        self._assert_held(self._sync(self._use(session, package, qty=2)), "1 use(s)")
        self.assertEqual(package.uses_left, 1, "never below what the package holds")
        self.assertFalse(package._membership_check_invariant())

    def test_forged_prices_are_held(self):
        session = self._session()
        _order, package = self._sell(session)
        # A use that takes money off the order.
        self._assert_held(self._sync(self._use(session, package, price=-3.0)), "price 0")
        self.assertEqual(package.uses_left, 3)
        # A package sold below its price.
        order = self._sync(self._payload(session, [self._line(self.package_product, 1, 1.0)]))
        self._assert_held(order, "below the package's price")
        self.assertEqual(len(self._packages()), 1, "no package for it")
        # A package sold to a customer who is no member.
        stranger = self.env["res.partner"].create({"name": "Not A Member"})
        order = self._sync(
            self._payload(session, [self._line(self.package_product, 1, 90.0)], stranger)
        )
        self._assert_held(order, "members only")

    def test_refunds_give_uses_back_and_refund_unused_uses_pro_rata(self):
        session = self._session()
        sale, package = self._sell(session)
        used = self._sync(self._use(session, package))
        cut_line = used.lines.filtered("membership_package_line_id")
        self._refund(used, [(cut_line, 1, 0.0)], 0.0)
        self.assertEqual((package.uses_left, package.value_left), (3, 90.0), "use given back")
        # The same line refunded again: the refund is held, no use comes back twice.
        again = self._refund(used, [(cut_line, 1, 0.0)], 0.0)
        self._assert_held(again, "Package part held")
        self.assertEqual(len(self._moves("return")), 1)
        self._sync(self._use(session, package))
        # Two thirds back for a package one third used: the unused uses go, the used one
        # stays used.
        self._refund(sale, [(sale.lines, 1, 60.0)], 60.0)
        self.assertEqual((package.state, package.uses_left, package.value_left), ("refunded", 0, 0))
        # The whole price back for another package one third used: held, nothing refunded.
        other_sale, other = self._sell(session)
        self._sync(self._use(session, other))
        full = self._refund(other_sale, [(other_sale.lines, 1, 90.0)], 90.0)
        self._assert_held(full, "uses left worth")
        self.assertEqual((other.state, other.uses_left), ("active", 2))
        self.assertFalse(package._membership_check_invariant())

    def test_session_close_and_lapse_books_match_the_ledger(self):
        session = self._session()
        with freeze_time("2026-01-10 10:00:00"):
            _order, package = self._sell(session)
            self._sync(self._use(session, package))
        report = self.env["membership.package.reconciliation"]
        self.assertEqual(report._membership_figures(self.company)["pending"], 60.0)
        result = session.close_session_from_ui()
        self.assertEqual(result, {"successful": True}, result)
        self.assertEqual(-self._balance(self.deferred), 60.0, "deferred == value left")
        self.assertEqual(-self._balance(self.package_revenue), 30.0, "one cut recognised")
        self.assertEqual(report._membership_figures(self.company)["difference"], 0.0)
        entries = session.sudo().membership_package_entry_ids
        self.assertEqual(len(entries), 1)
        self.assertIn(entries, session._get_related_account_moves())
        with freeze_time("2026-07-11"):
            lapsed = self.env["membership.package"]._membership_cron_expire()
            self.assertEqual(sum(lapsed.mapped("uses")), -2)
            self.assertFalse(self.env["membership.package"]._membership_cron_expire(), "once")
        self.assertEqual(self._balance(self.deferred), 0.0)
        self.assertEqual(-self._balance(self.package_revenue), 90.0)
        figures = report._membership_figures(self.company)
        self.assertEqual((figures["liability"], figures["held"], figures["difference"]), (0, 0, 0))
        # The manager reads the report of the package sold per store.
        manager = self.env(su=True)["res.users"].create(
            {
                "name": "Package Manager",
                "login": "package_manager",
                "group_ids": [(6, 0, [self.env.ref(f"{GROUP}manager").id])],
            }
        )
        rows = self.env["membership.report.package"].with_user(manager).search([])
        self.assertEqual(
            [(r.config_id, r.uses_used, r.uses_lapsed, r.revenue) for r in rows],
            [(self.main_pos_config, 1, 2, 90.0)],
        )

    def test_settle_a_held_use_once_the_member_bought_a_package(self):
        session = self._session()
        _order, package = self._sell(session)
        self._sync(self._use(session, package, qty=2))
        held = self._sync(self._use(session, package, qty=2))
        supervisor = self.env(su=True)["res.users"].create(
            {
                "name": "Package Supervisor",
                "login": "package_supervisor",
                "group_ids": [
                    (
                        6,
                        0,
                        [self.env.ref(f"{GROUP}supervisor").id, self.env.ref("base.group_user").id],
                    )
                ],
            }
        )
        wizard = self.env["membership.wallet.settle"].with_user(supervisor)
        with self.assertRaisesRegex(UserError, "still cannot be posted"):
            wizard.create({"order_id": held.id, "mode": "post"}).action_settle()
        self.assertTrue(held.membership_package_review)
        with self.assertRaises(AccessError):
            self.env["membership.wallet.settle"].with_user(self.pos_user).create(
                {"order_id": held.id, "mode": "other", "note": "x"}
            ).action_settle()
        wizard.create(
            {"order_id": held.id, "mode": "other", "note": "paid the cut"}
        ).action_settle()
        self.assertFalse(held.membership_package_review)
        self.assertIn("paid the cut", held.message_ids[:1].body)
        self.assertEqual(package.uses_left, 1)

    # ------------------------------------------------------------------ JSON-RPC attacks

    def _rpc(self, model, method, args, kwargs=None):
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs or {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def test_cashier_forged_payloads_over_json_rpc(self):
        session = self._session()
        _order, theirs = self._sell(session, partner=self.other)
        _order, mine = self._sell(session)
        self.authenticate("pos_user", "pos_user")
        forged = {
            "another member's package": self._use(session, theirs),
            "more uses than left": self._use(session, mine, qty=4),
            "a use that takes money off": self._use(session, mine, price=-30.0),
            "a package for 1.00": self._payload(
                session, [self._line(self.package_product, 1, 1.0)]
            ),
        }
        for case, payload in forged.items():
            reply = self._rpc("pos.order", "sync_from_ui", [[payload]])
            self.assertNotIn("error", reply, case)
            order = self.env["pos.order"].search([("uuid", "=", payload["uuid"])])
            self.assertTrue(order.membership_package_review, case)
        # Package services that are no id or do not exist: a clear error, nothing saved.
        for bad in (999999999, "1; DROP TABLE", -4):
            payload = self._use(session, mine)
            payload["lines"][0][2]["membership_package_line_id"] = bad
            reply = self._rpc("pos.order", "sync_from_ui", [[payload]])
            self.assertEqual(reply["error"]["data"]["name"], "odoo.exceptions.UserError", bad)
            self.assertFalse(self.env["pos.order"].search([("uuid", "=", payload["uuid"])]))
        self.assertFalse(self._moves("use"), "nothing used")
        self.assertEqual((theirs.uses_left, mine.uses_left), (3, 3))
        self.assertEqual(len(self._packages()), 1)
        # The ledger is the server's: no method of it answers the cashier.
        for model, method, args in (
            (
                "membership.package",
                "_membership_use",
                [[mine.id], mine.line_ids.id, 1, "x", "2026-01-01"],
            ),
            (
                "membership.package.move",
                "create",
                [
                    {
                        "package_id": mine.id,
                        "package_line_id": mine.line_ids.id,
                        "kind": "sale",
                        "uses": 9,
                        "idempotency_key": "x",
                    }
                ],
            ),
            ("membership.package", "write", [[mine.id], {"uses_left": 99}]),
            ("membership.package.line", "write", [mine.line_ids.ids, {"uses_left": 99}]),
        ):
            reply = self._rpc(model, method, args)
            self.assertIn("error", reply, f"{model}.{method}")
        mine.invalidate_recordset()
        self.assertEqual(mine.uses_left, 3)

    # ------------------------------------------------------------------ at the till

    def test_refund_prices_the_till_asks(self):
        session = self._session()
        sale, package = self._sell(session)
        self._sync(self._use(session, package))
        prices = session.membership_pos_package_refund_prices(sale.lines.ids)
        self.assertEqual(prices, {str(sale.lines.id): [60.0]})
        with self.assertRaisesRegex(UserError, "valid record id"):
            session.membership_pos_package_refund_prices(["1; DROP"])

    def test_tour_sell_use_refund_count_down(self):
        self._session()
        self.start_pos_tour("membership_loyalty_package", login="pos_user")
        package = self._packages()
        self.assertEqual(len(package), 1)
        self.assertEqual((package.state, package.uses_left, package.value_left), ("refunded", 0, 0))
        self.assertEqual(self._moves("refund").mapped("amount"), [-60.0])
        refund = self._moves("refund").pos_order_id
        self.assertEqual(refund.amount_total, -60.0, "the till refunded the uses left")
        self.assertEqual(sum(self._moves("use").mapped("uses")), -2)
        self.assertEqual(self._moves("return").mapped("uses"), [1])
        self.assertFalse(self.env["pos.order"].search([("membership_package_review", "=", True)]))
