from xmlrpc.client import Fault

from odoo.tests import HttpCase, new_test_user, tagged

GROUP = "membership_loyalty.membership_loyalty_group_"


@tagged("post_install", "-at_install")
class TestRpcRights(HttpCase):
    """What each level may do when calling the server directly, as a script would."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cashier = new_test_user(
            cls.env, login="ml_rpc_cashier", groups=f"base.group_user,{GROUP}cashier"
        )
        cls.supervisor = new_test_user(
            cls.env, login="ml_rpc_supervisor", groups=f"base.group_user,{GROUP}supervisor"
        )
        cls.card_type = cls.env["membership.card.type"].create({"name": "RPC type"})
        cls.member = cls.env["res.partner"].create({"name": "Rex Rpc", "is_member": True})
        cls.card = cls.env["membership.card"]._membership_issue(
            cls.member, cls.card_type, cls.env.company
        )
        cls.card._membership_transition("block", "setup")

    def call(self, user, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs
        )

    def test_cashier_cannot_reactivate(self):
        with self.assertRaisesRegex(Fault, "AccessError|not allowed"):
            self.call(
                self.cashier,
                "membership.card.state.wizard",
                "create",
                {"card_id": self.card.id, "transition": "reactivate", "reason": "me"},
            )
        with self.assertRaisesRegex(Fault, "(?i)private"):
            self.call(
                self.cashier,
                "membership.card",
                "_membership_transition",
                [self.card.id],
                "reactivate",
                "me",
            )
        with self.assertRaisesRegex(Fault, "only through its actions"):
            self.call(self.cashier, "membership.card", "write", [self.card.id], {"state": "active"})
        # The key the server uses internally does not open the door when sent by a client.
        with self.assertRaisesRegex(Fault, "only through its actions"):
            self.call(
                self.cashier,
                "membership.card",
                "write",
                [self.card.id],
                {"state": "active", "deposit_amount": 40},
                context={"membership_card_transition": True},
            )
        self.card.invalidate_recordset()
        self.assertEqual(self.card.state, "blocked")

    def test_supervisor_reactivates(self):
        wizard_id = self.call(
            self.supervisor,
            "membership.card.state.wizard",
            "create",
            {"card_id": self.card.id, "transition": "reactivate", "reason": "found"},
        )
        self.call(self.supervisor, "membership.card.state.wizard", "action_confirm", [wizard_id])
        self.card.invalidate_recordset()
        self.assertEqual(self.card.state, "active")

    def test_cashier_cannot_configure(self):
        with self.assertRaisesRegex(Fault, "not allowed|AccessError"):
            self.call(self.cashier, "membership.tier", "create", {"name": "Platinum"})
        with self.assertRaisesRegex(Fault, "not allowed|AccessError"):
            self.call(
                self.cashier, "membership.card.type", "write", [self.card_type.id], {"amount": 1}
            )
