import base64

from odoo.tests import HttpCase, tagged

from .common import level_users, luhn_number
from .test_card_authority import MembershipRpcMixin
from .test_member_import import MemberImportCommon, csv_bytes


@tagged("post_install", "-at_install")
class TestMemberImportRpc(MembershipRpcMixin, MemberImportCommon, HttpCase):
    """The import and the migration over real JSON-RPC: cashiers and supervisors are
    refused, a manager's forged values change nothing they should not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        users = level_users(cls.env, "ml_imprpc", ("cashier", "supervisor"))
        cls.cashier, cls.supervisor = users.values()
        cls.content = csv_bytes(
            [["RPC-1", "Rae Rpc", "", "", luhn_number("7500000001"), "", "10", "20"]]
        )

    def values(self, content=None):
        return {
            "file": base64.b64encode(content or self.content).decode(),
            "filename": "members.csv",
            "card_type_id": self.card_type.id,
            "counterpart_account_id": self.opening_account.id,
        }

    def test_cashier_and_supervisor_are_refused(self):
        before = self.figures()
        for user in (self.cashier, self.supervisor):
            for model in ("membership.import.wizard", "membership.loyalty.migrate"):
                with self.subTest(user=user.login, model=model):
                    _result, error = self.rpc(user, model, "create", self.values())
                    self.assertRpcRefused(error, "AccessError", "not allowed|Membership Manager")
            _result, error = self.rpc(
                user, "membership.import.template", "create", [{"name": "Mine"}]
            )
            self.assertRpcRefused(error, "AccessError", "not allowed")
        self.assertEqual(self.figures(), before)

    def test_manager_imports_and_forged_values_change_nothing_else(self):
        wizard_id, error = self.rpc(
            self.manager, "membership.import.wizard", "create", self.values()
        )
        self.assertIsNone(error)
        _result, error = self.rpc(
            self.manager, "membership.import.wizard", "action_import", [wizard_id]
        )
        self.assertIsNone(error)
        rae = self.env["res.partner"].search([("ref", "=", "RPC-1")])
        self.assertEqual((rae.points_balance, rae.wallet_paid_balance), (10.0, 20.0))
        before = self.figures()
        # The engine itself is out of reach, whatever rows are sent.
        _result, error = self.rpc(
            self.manager,
            "membership.import.engine",
            "_membership_import",
            [{"line": 1, "ref": "RPC-2", "name": "Forged", "wallet": 1e9}],
        )
        self.assertRpcRefused(error, "AccessError", "[Pp]rivate")
        # A file with a negative balance forged as "checked" without errors still fails.
        bad = csv_bytes([["RPC-3", "Neg", "", "", "", "", "-100", ""]])
        forged = self.values(bad) | {"state": "checked"}
        wizard_id, error = self.rpc(self.manager, "membership.import.wizard", "create", forged)
        self.assertIsNone(error)
        _result, error = self.rpc(
            self.manager, "membership.import.wizard", "action_import", [wizard_id]
        )
        self.assertRpcRefused(error, "UserError", "Negative balance")
        # Ledger moves cannot be written directly, opening kind or not.
        account = rae.membership_account_ids
        _result, error = self.rpc(
            self.manager,
            "membership.points.move",
            "create",
            {"account_id": account.id, "kind": "opening", "points": 1e6, "idempotency_key": "x"},
        )
        self.assertRpcRefused(error, "AccessError", "not allowed")
        # Another company's accounts and card types are refused.
        other = self.env["res.company"].create({"name": "Other shop"})
        foreign = self.env["account.account"].create(
            {
                "name": "Foreign",
                "code": "ML3901",
                "account_type": "equity",
                "company_ids": [(6, 0, other.ids)],
            }
        )
        _result, error = self.rpc(
            self.manager,
            "membership.import.wizard",
            "create",
            self.values() | {"counterpart_account_id": foreign.id},
        )
        self.assertTrue(error, "another company's account is refused")
        self.assertEqual(self.figures(), before)
        self.assertEqual(rae.wallet_paid_balance, 20.0)
